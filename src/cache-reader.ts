// Reads the newest Actions cache entry of a key prefix without @actions/cache,
// whose restoreCache extracts entries with `tar -P` before anything can check
// them. It asks the cache service for the entry as the library would (cache
// service v2 on github.com, the v1 REST service on GHES), downloads the
// archive, and opens it in memory (src/cache-archive.ts). Bounded in time and
// size; nothing is written to disk and no process is spawned.

import { statSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openCacheArchive, MAX_ARCHIVE_BYTES } from './cache-archive.js';
import { TIMEOUT_CODE } from './failures.js';
import type { HttpBytes, RequestFunction } from './transport.js';
import { USER_AGENT } from './ims.js';
import { parseJsonObject, secretForms } from './text.js';

export type LookupResult =
  | { readonly kind: 'hit'; readonly key: string; readonly value: string }
  | { readonly kind: 'miss' }
  /**
   * Nothing to read, and nothing to warn about: no cache service here (a local
   * run, or one without its URL), or a runner whose cache mode permits no
   * reads. `writable` says whether a save may still go ahead.
   */
  | { readonly kind: 'off'; readonly reason: string; readonly writable: boolean }
  /** `entry`: the key of an entry that cannot be read, which its warning names. */
  | { readonly kind: 'unavailable'; readonly reason: string; readonly entry?: string };

export const NO_SERVICE = 'the runner offers this step no cache service';
const TWIRP_DOWNLOAD_URL = '/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL';
const V1_ACCEPT = 'application/json;api-version=6.0-preview.1';
/** The salt @actions/cache 6 adds to every version; a new one would mean entries of another format. */
const VERSION_SALT = '1.0';
const MAX_JSON_BYTES = 64 * 1024;
const KEY_SHOWN = 100;

export interface CacheService {
  readonly protocol: 'v1' | 'v2';
  /** ACTIONS_RESULTS_URL (v2) or ACTIONS_CACHE_URL (v1), as the runner gives it. */
  readonly url: string;
  readonly token: string;
}

/** GitHub Enterprise Server: a host that is neither github.com, *.ghe.com nor *.localhost (as @actions/cache decides). */
function isGhes(env: NodeJS.ProcessEnv): boolean {
  const host = new URL(env['GITHUB_SERVER_URL'] || 'https://github.com').hostname.trimEnd().toUpperCase();
  return host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
}

/** The cache service this step may use, chosen as @actions/cache chooses it; undefined when there is none. */
export function cacheServiceOf(env: NodeJS.ProcessEnv): CacheService | undefined {
  const protocol = !isGhes(env) && env['ACTIONS_CACHE_SERVICE_V2'] ? 'v2' : 'v1';
  const url = env[protocol === 'v2' ? 'ACTIONS_RESULTS_URL' : 'ACTIONS_CACHE_URL'];
  return url ? { protocol, url, token: env['ACTIONS_RUNTIME_TOKEN'] ?? '' } : undefined;
}

/** The reason a key is one @actions/cache refuses, or undefined. */
export function keyProblem(key: string): string | undefined {
  if (key.length > 512) return `Key Validation Error: ${key} cannot be larger than 512 characters.`;
  if (key.includes(',')) return `Key Validation Error: ${key} cannot contain commas.`;
  return undefined;
}

/**
 * The compression @actions/cache saves with: zstd when `zstd --version` runs,
 * else gzip. We look for the program as @actions/io's which() finds it, and
 * run nothing: a regular file on PATH that this user may execute (on Windows,
 * one with an extension of PATHEXT). A zstd that is found but prints no
 * version is the one case told apart wrongly, and costs a miss.
 */
export function compressionOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const windows = platform === 'win32';
  const extensions = windows ? (env['PATHEXT'] ?? '').split(';').filter((extension) => extension !== '') : [];
  const names = windows ? extensions.map((extension) => `zstd${extension}`) : ['zstd'];
  for (const folder of (env['PATH'] ?? '').split(windows ? ';' : ':')) {
    if (folder === '') continue;
    for (const name of names) {
      let stats;
      try {
        // Most folders have no zstd: a missing file is answered without the cost of an exception.
        stats = statSync(path.join(folder, name), { throwIfNoEntry: false });
      } catch {
        continue; // not a folder, or not ours to search
      }
      if (stats?.isFile() && (windows || isUnixExecutable(stats))) return 'zstd-without-long';
    }
  }
  return 'gzip';
}

/** As @actions/io decides it: the execute bit for others, or for the file's group or owner when that is us. */
function isUnixExecutable(stats: { mode: number; uid: number; gid: number }): boolean {
  return (
    (stats.mode & 1) > 0 ||
    ((stats.mode & 8) > 0 && stats.gid === process.getgid?.()) ||
    ((stats.mode & 64) > 0 && stats.uid === process.getuid?.())
  );
}

/** The version saveCache gives an entry of `paths` (as given), as @actions/cache 6 computes it. */
export function cacheVersion(
  paths: readonly string[],
  compression: string,
  platform: NodeJS.Platform = process.platform,
): string {
  const components = [...paths, compression, ...(platform === 'win32' ? ['windows-only'] : []), VERSION_SALT];
  return createHash('sha256').update(components.join('|')).digest('hex');
}

/** The name saveCache gives `file` inside the archive: relative to the workspace, with forward slashes. */
export function memberName(file: string, env: NodeJS.ProcessEnv): string {
  return path
    .relative(env['GITHUB_WORKSPACE'] ?? process.cwd(), file)
    .split(path.sep)
    .join('/');
}

export interface ReadOptions {
  readonly service: CacheService;
  readonly request: RequestFunction;
  readonly boundMs: number;
  readonly now: () => number;
  /** Makes the lookup's primary key, which no entry can have: see readNewestEntry. */
  readonly randomHex: () => string;
  /** The entry's version and the archive member that holds the value. */
  readonly version: string;
  readonly memberName: string;
  readonly maxValueBytes: number;
  /** Registers a value with the runner's masking. */
  readonly mask: (value: string) => void;
}

/** A failure of the lookup, already worded as a reason. */
class LookupFailure extends Error {}

/**
 * The value of the newest entry under `prefix`. The service matches the
 * primary key exactly, then by prefix, before it tries the restore keys: the
 * primary key is the prefix and random digits, so that no planted entry can
 * be matched on it, and where a service matches restore keys newest first,
 * the newest entry of the prefix wins. (GitHub documents an exact match on a
 * restore key as preferred too: an entry planted under the bare prefix is then
 * read on every run, and refused, since it cannot open.)
 */
export async function readNewestEntry(prefix: string, options: ReadOptions): Promise<LookupResult> {
  const deadline = options.now() + options.boundMs;
  const within = (): number => {
    const left = deadline - options.now();
    if (left <= 0) throw new LookupFailure(timeoutReason(options.boundMs));
    return left;
  };
  try {
    const found = await findEntry(`${prefix}${options.randomHex()}`, prefix, options, within);
    if (found === undefined) return { kind: 'miss' };
    const bad = (problem: string): LookupResult => ({
      kind: 'unavailable',
      reason: `entry ${quoteKey(found.key)} ${problem}`,
      entry: found.key,
    });
    // The signature lets anyone read the entry for a while: masked before any line (NODE_DEBUG=http) can show it.
    const url = new URL(found.url);
    for (const signature of url.searchParams.getAll('sig'))
      secretForms(signature).forEach((form) => options.mask(form));
    let download: HttpBytes;
    try {
      download = await call(
        options,
        within,
        {
          method: 'GET',
          url,
          headers: { 'User-Agent': USER_AGENT },
          maxAnswerBytes: MAX_ARCHIVE_BYTES,
        },
        'the blob host',
      );
    } catch (error) {
      if (error instanceof LookupFailure) return bad(`could not be downloaded: ${error.message}`);
      throw error;
    }
    if (download.status !== 200) return bad(`could not be downloaded: the blob host answered HTTP ${download.status}`);
    const value = openCacheArchive(download.body, options.memberName);
    if ('problem' in value) return bad(value.problem);
    if (value.length > options.maxValueBytes) return bad(`holds a value larger than ${options.maxValueBytes} bytes`);
    return { kind: 'hit', key: found.key, value: value.toString('utf8') };
  } catch (error) {
    if (error instanceof LookupFailure) return { kind: 'unavailable', reason: error.message };
    throw error;
  }
}

function timeoutReason(boundMs: number): string {
  return `the cache gave no result within ${boundMs / 1000} s`;
}

/** A key as a line shows it: quoted, and cut (a planted key may be long). */
function quoteKey(key: string): string {
  return JSON.stringify(key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key);
}

/** One request within the bound, to `party` (as a reason names it); a network failure or the bound is a LookupFailure. */
async function call(
  options: ReadOptions,
  within: () => number,
  request: Omit<Parameters<RequestFunction>[0], 'timeoutMs'>,
  party = 'the cache service',
): Promise<HttpBytes> {
  try {
    return await options.request({ ...request, timeoutMs: within() });
  } catch (error) {
    if (error instanceof LookupFailure) throw error;
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === TIMEOUT_CODE) throw new LookupFailure(timeoutReason(options.boundMs));
    throw new LookupFailure(`${party} could not be reached (${typeof message === 'string' ? message : String(error)})`);
  }
}

/** The matched key and the archive's download URL, or undefined for a miss. */
async function findEntry(
  primaryKey: string,
  prefix: string,
  options: ReadOptions,
  within: () => number,
): Promise<{ key: string; url: string } | undefined> {
  const { service } = options;
  const auth = { Authorization: `Bearer ${service.token}`, 'User-Agent': USER_AGENT };
  if (service.protocol === 'v2') {
    const answer = await call(options, within, {
      method: 'POST',
      url: new URL(TWIRP_DOWNLOAD_URL, service.url),
      headers: { ...auth, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ key: primaryKey, restore_keys: [prefix], version: options.version }),
      maxAnswerBytes: MAX_JSON_BYTES,
    });
    const json = jsonOf(answer);
    if (answer.status !== 200) throw new LookupFailure(serviceError(answer.status, json?.['msg'] ?? json?.['code']));
    if (json?.['ok'] !== true) return undefined;
    // Proto3 JSON: the service writes field names as in the .proto; a reader also takes their lowerCamelCase.
    return entryOf(json['matched_key'] ?? json['matchedKey'], json['signed_download_url'] ?? json['signedDownloadUrl']);
  }
  const keys = encodeURIComponent([primaryKey, prefix].join(','));
  const answer = await call(options, within, {
    method: 'GET',
    url: new URL(`${service.url}_apis/artifactcache/cache?keys=${keys}&version=${options.version}`),
    headers: { ...auth, Accept: V1_ACCEPT },
    maxAnswerBytes: MAX_JSON_BYTES,
  });
  if (answer.status === 204) return undefined;
  const json = jsonOf(answer);
  if (answer.status !== 200) throw new LookupFailure(serviceError(answer.status, json?.['message']));
  return entryOf(json?.['cacheKey'], json?.['archiveLocation']);
}

function entryOf(key: unknown, url: unknown): { key: string; url: string } {
  if (typeof key !== 'string' || typeof url !== 'string' || !URL.canParse(url)) {
    throw new LookupFailure('the cache service named an entry without a key or a download URL');
  }
  return { key, url };
}

function jsonOf(answer: HttpBytes): Record<string, unknown> | undefined {
  return parseJsonObject(answer.body.toString('utf8'));
}

function serviceError(status: number, message: unknown): string {
  return `the cache service answered HTTP ${status}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`;
}
