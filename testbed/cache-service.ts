// Stands in for: the GitHub Actions cache service v2 and the Azure Blob Storage behind its signed URLs.
// A local cache service: a real HTTP server on loopback that answers the
// twirp JSON methods @actions/cache 6 calls under ACTIONS_RESULTS_URL
// (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL) as
// github.com does, and serves the signed blob URLs it hands out as Azure
// Storage does (Put Blob, Get Blob Properties, ranged Get Blob). Each
// operation can be scripted to fail: a status, a hang, a corrupt blob, a denial.

import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ROOT } from './runner.js';
import { listenOnLoopback } from './loopback.js';

export const TWIRP_PATH = '/twirp/github.actions.results.api.v1.CacheService/';
const TWIRP_METHODS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'] as const;
export type TwirpMethod = (typeof TWIRP_METHODS)[number];
/** What a request asks for: a twirp method, or the blob behind a signed URL. */
export type CacheOperation = TwirpMethod | 'upload' | 'download';

const ACCOUNT = 'fusioncache';
const CONTAINER = 'actions-cache';
/** The host name of the signed URLs in 'azure' mode; the emulator answers for it as an HTTP proxy. */
export const BLOB_HOST = `${ACCOUNT}.blob.core.windows.net`;
const AZURE_VERSION = '2025-01-05';

/** What the service does instead of its job, for one operation. */
export type CacheFault =
  /** Answer with this status (a twirp error body, or an Azure XML error for a blob) and these headers. */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** Read the request, then never answer. */
  | { readonly kind: 'hang' }
  /** download only: serve the stored archive's bytes inverted (same length, not an archive); a HEAD is not counted. */
  | { readonly kind: 'corrupt' }
  /**
   * Refuse as the service does when the run's token lacks the cache scope:
   * CreateCacheEntry and FinalizeCacheEntryUpload answer 200 {ok:false, message:"cache write denied: ..."},
   * GetCacheEntryDownloadURL answers 403 permission_denied "cache read denied: ...", a blob 403.
   */
  | { readonly kind: 'deny' };

export interface CacheServiceOptions {
  /**
   * Where the signed URLs point. 'azure' (the default): http://fusioncache.blob.core.windows.net/...,
   * reached through this emulator as HTTP_PROXY (env() sets it), so @actions/cache downloads with the
   * Azure SDK (HEAD, then ranged GETs) as it does on github.com. 'loopback': this server's own address,
   * which @actions/cache downloads with one plain GET (its path for hosts not under blob.core.windows.net).
   */
  readonly blobHost?: 'azure' | 'loopback';
}

export interface CacheRequest {
  readonly operation: CacheOperation | 'unknown';
  readonly method: string;
  /** As received: absolute (proxy form) for blob requests in 'azure' mode. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The request message of a twirp method. */
  readonly json?: Record<string, unknown>;
  readonly at: number;
}

export interface CacheEntry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  /** The uploaded archive; undefined until the upload. */
  readonly archive: Buffer | undefined;
  /** Only finalized entries can be restored. */
  readonly finalized: boolean;
  /** Finalization order: the highest is the newest. */
  readonly order: number;
}

interface StoredEntry {
  id: number;
  key: string;
  version: string;
  archive: Buffer | undefined;
  finalized: boolean;
  order: number;
  etag: string;
  modified: Date;
}

interface Grant {
  readonly entry: StoredEntry;
  readonly access: 'read' | 'write';
  readonly blobPath: string;
}

const TWIRP_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

const AZURE_CODES: Readonly<Record<number, string>> = {
  400: 'InvalidHeaderValue',
  403: 'AuthorizationPermissionMismatch',
  404: 'BlobNotFound',
  416: 'InvalidRange',
  500: 'InternalError',
  503: 'ServerBusy',
};

export class CacheService {
  readonly requests: CacheRequest[] = [];
  /** The bearer token the twirp methods accept: ACTIONS_RUNTIME_TOKEN. */
  readonly runtimeToken = `emulated-runtime-${randomBytes(8).toString('hex')}`;
  private readonly store: StoredEntry[] = [];
  private readonly grants = new Map<string, Grant>();
  private readonly faults = new Map<CacheOperation, { fault: CacheFault; remaining: number }>();
  private stop: () => Promise<void> = async () => {};
  private nextId = 1;
  private nextOrder = 1;

  private constructor(
    private readonly server: http.Server,
    private readonly blobHost: 'azure' | 'loopback',
  ) {}

  static async start(options: CacheServiceOptions = {}): Promise<CacheService> {
    const server = http.createServer();
    const service = new CacheService(server, options.blobHost ?? 'azure');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => service.handle(req, res));
    service.stop = await listenOnLoopback(server);
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The variables the runner gives a step that may use the cache, pointing at this service. */
  env(): Record<string, string> {
    return {
      ACTIONS_RESULTS_URL: `${this.url}/`,
      ACTIONS_RUNTIME_TOKEN: this.runtimeToken,
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ...(this.blobHost === 'azure' ? { HTTP_PROXY: this.url } : {}),
    };
  }

  /** The next `times` requests for `operation` get `fault` instead of an answer (all of them by default). */
  fail(operation: CacheOperation, fault: CacheFault, times = Infinity): void {
    if (fault.kind === 'corrupt' && operation !== 'download') throw new Error('only a download can be corrupt');
    this.faults.set(operation, { fault, remaining: times });
  }

  /** How many requests asked for `operation`. */
  count(operation: CacheOperation): number {
    return this.requests.filter((request) => request.operation === operation).length;
  }

  entries(): CacheEntry[] {
    return this.store.map(({ id, key, version, archive, finalized, order }) => ({
      id,
      key,
      version,
      archive,
      finalized,
      order,
    }));
  }

  /** Puts a finalized entry in the cache by hand, as the newest one; see archiveOf for a real archive. */
  plant(key: string, version: string, archive: Buffer): CacheEntry {
    const entry = this.newEntry(key, version);
    entry.archive = archive;
    this.finalize(entry);
    return this.entries().find((candidate) => candidate.id === entry.id) as CacheEntry;
  }

  /** Deletes the entries under `key`, as `gh cache delete <key>` does. */
  remove(key: string): void {
    for (let index = this.store.length - 1; index >= 0; index--) {
      if (this.store[index]?.key === key) this.store.splice(index, 1);
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.store.length = 0;
    this.grants.clear();
    this.faults.clear();
  }

  close(): Promise<void> {
    return this.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // Absolute in proxy form (a blob request in 'azure' mode), else relative to this server.
      const target = new URL(req.url ?? '/', this.url);
      const method = req.method ?? '';
      const twirpMethod = TWIRP_METHODS.find((name) => target.pathname === `${TWIRP_PATH}${name}`);
      const grant = this.grants.get(target.searchParams.get('sig') ?? '');
      const operation: CacheOperation | 'unknown' = twirpMethod
        ? twirpMethod
        : grant && method === 'PUT'
          ? 'upload'
          : grant && (method === 'GET' || method === 'HEAD')
            ? 'download'
            : 'unknown';
      let json: Record<string, unknown> | undefined;
      if (twirpMethod) {
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      this.requests.push({
        operation,
        method,
        url: req.url ?? '',
        headers: req.headers,
        body,
        ...(json ? { json } : {}),
        at: Date.now(),
      });

      if (operation === 'unknown' || !this.fromHere(target, operation)) {
        if (grant === undefined && target.searchParams.has('sig')) {
          azureError(res, 403, 'AuthenticationFailed', 'Signature did not match a URL this service signed.');
        } else {
          twirpError(res, 404, 'bad_route', `no handler for ${method} ${target.pathname}`);
        }
        return;
      }
      const fault = this.takeFault(operation, method);
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') {
        const message = `emulated fault: HTTP ${fault.status}`;
        if (twirpMethod) twirpError(res, fault.status, TWIRP_CODES[fault.status] ?? 'unknown', message, fault.headers);
        else azureError(res, fault.status, AZURE_CODES[fault.status] ?? 'InternalError', message, fault.headers);
        return;
      }
      if (twirpMethod) {
        this.answerTwirp(twirpMethod, req, json, res, fault?.kind === 'deny');
      } else if (fault?.kind === 'deny') {
        azureError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized.');
      } else if (operation === 'upload') {
        this.putBlob(grant as Grant, target, req, body, res);
      } else {
        this.getBlob(grant as Grant, method, req, res, fault?.kind === 'corrupt');
      }
    });
  }

  /** Twirp methods on this server; blobs under the host the signed URLs name. */
  private fromHere(target: URL, operation: CacheOperation): boolean {
    if (operation !== 'upload' && operation !== 'download') return target.host === new URL(this.url).host;
    return this.blobHost === 'azure' ? target.host === BLOB_HOST : target.host === new URL(this.url).host;
  }

  private takeFault(operation: CacheOperation, method: string): CacheFault | undefined {
    const programmed = this.faults.get(operation);
    // Only bytes can be corrupt: the Azure SDK's HEAD before its GETs gets the true properties.
    if (!programmed || (programmed.fault.kind === 'corrupt' && method === 'HEAD')) return undefined;
    programmed.remaining--;
    if (programmed.remaining <= 0) this.faults.delete(operation);
    return programmed.fault;
  }

  private answerTwirp(
    method: TwirpMethod,
    req: http.IncomingMessage,
    json: Record<string, unknown> | undefined,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (req.method !== 'POST') return twirpError(res, 404, 'bad_route', 'twirp methods are POSTed');
    if (req.headers.authorization !== `Bearer ${this.runtimeToken}`) {
      return twirpError(res, 401, 'unauthenticated', 'invalid or missing runtime token');
    }
    if (!String(req.headers['content-type']).startsWith('application/json') || json === undefined) {
      return twirpError(res, 400, 'malformed', 'the body must be a JSON request message');
    }
    const key = typeof json['key'] === 'string' ? json['key'] : '';
    const version = typeof json['version'] === 'string' ? json['version'] : '';
    if (key === '' || version === '') return twirpError(res, 400, 'invalid_argument', 'key and version are required');
    if (key.length > 512 || key.includes(',')) {
      return twirpError(res, 400, 'invalid_argument', 'key must be at most 512 characters without commas');
    }
    switch (method) {
      case 'CreateCacheEntry':
        return this.createEntry(key, version, res, denied);
      case 'FinalizeCacheEntryUpload':
        return this.finalizeUpload(key, version, json['size_bytes'], res, denied);
      case 'GetCacheEntryDownloadURL':
        return this.downloadUrl(key, json['restore_keys'], version, res, denied);
    }
  }

  private createEntry(key: string, version: string, res: http.ServerResponse, denied: boolean): void {
    if (denied) return sendJson(res, 200, { ok: false, message: 'cache write denied: token has no writable scopes' });
    // Entries are immutable: one per key and version, uploaded or being uploaded.
    if (this.store.some((entry) => entry.key === key && entry.version === version)) {
      return twirpError(res, 409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
    }
    const entry = this.newEntry(key, version);
    sendJson(res, 200, { ok: true, signed_upload_url: this.sign(entry, 'write') });
  }

  private finalizeUpload(
    key: string,
    version: string,
    sizeBytes: unknown,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (denied) return sendJson(res, 200, { ok: false, message: 'cache write denied: token has no writable scopes' });
    const entry = this.store.find((candidate) => candidate.key === key && candidate.version === version);
    if (!entry || entry.finalized) return twirpError(res, 404, 'not_found', 'no cache entry is being uploaded');
    if (!entry.archive) return sendJson(res, 200, { ok: false, message: 'the archive was not uploaded' });
    if (String(sizeBytes) !== String(entry.archive.length)) {
      return sendJson(res, 200, { ok: false, message: `size_bytes ${String(sizeBytes)} is not the uploaded size` });
    }
    this.finalize(entry);
    // int64 travels as a JSON string in proto3 JSON.
    sendJson(res, 200, { ok: true, entry_id: String(entry.id) });
  }

  /** The exact key first, then by prefix the key and each restore key in turn; the newest entry wins. */
  private downloadUrl(
    key: string,
    restoreKeys: unknown,
    version: string,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (denied) return twirpError(res, 403, 'permission_denied', 'cache read denied: token has no readable scopes');
    const visible = this.store.filter((entry) => entry.finalized && entry.version === version);
    const newest = (match: (entry: StoredEntry) => boolean): StoredEntry | undefined =>
      visible.filter(match).sort((a, b) => b.order - a.order)[0];
    const prefixes = [key, ...(Array.isArray(restoreKeys) ? restoreKeys.map(String) : [])];
    let found = newest((entry) => entry.key === key);
    for (const prefix of prefixes) found ??= newest((entry) => entry.key.startsWith(prefix));
    if (!found) return sendJson(res, 200, { ok: false });
    sendJson(res, 200, { ok: true, signed_download_url: this.sign(found, 'read'), matched_key: found.key });
  }

  private newEntry(key: string, version: string): StoredEntry {
    const entry: StoredEntry = {
      id: this.nextId++,
      key,
      version,
      archive: undefined,
      finalized: false,
      order: 0,
      etag: '',
      modified: new Date(),
    };
    this.store.push(entry);
    return entry;
  }

  private finalize(entry: StoredEntry): void {
    entry.finalized = true;
    entry.order = this.nextOrder++;
  }

  /** A SAS-style URL for the entry's blob; the signature names the entry and what it may do. */
  private sign(entry: StoredEntry, access: 'read' | 'write'): string {
    const sig = randomBytes(24).toString('base64');
    const blobPath = this.blobHost === 'azure' ? `/${CONTAINER}/${entry.id}` : `/${ACCOUNT}/${CONTAINER}/${entry.id}`;
    this.grants.set(sig, { entry, access, blobPath });
    const base = this.blobHost === 'azure' ? `http://${BLOB_HOST}` : this.url;
    const query = new URLSearchParams({
      sv: AZURE_VERSION,
      sr: 'b',
      sp: access === 'read' ? 'r' : 'cw',
      se: new Date(Date.now() + 3_600_000).toISOString(),
      sig,
    });
    return `${base}${blobPath}?${query.toString()}`;
  }

  private putBlob(grant: Grant, target: URL, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    if (grant.access !== 'write' || target.pathname !== grant.blobPath) {
      return azureError(res, 403, 'AuthorizationPermissionMismatch', 'The signature does not allow this write.');
    }
    if (target.searchParams.has('comp')) {
      // Block uploads only happen above 128 MiB (maxSingleShotSize): not emulated.
      return azureError(res, 400, 'UnsupportedQueryParameter', 'block uploads are not emulated');
    }
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return azureError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type must be BlockBlob');
    }
    if (grant.entry.finalized) return azureError(res, 409, 'BlobImmutable', 'The entry is already finalized.');
    const entry = grant.entry;
    entry.archive = body;
    entry.modified = new Date();
    entry.etag = `"0x${randomBytes(7).toString('hex').toUpperCase()}"`;
    res.writeHead(201, {
      ...azureHeaders(req),
      etag: entry.etag,
      'last-modified': entry.modified.toUTCString(),
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-ms-request-server-encrypted': 'true',
      'content-length': '0',
    });
    res.end();
  }

  private getBlob(
    grant: Grant,
    method: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    corrupt: boolean,
  ): void {
    const entry = grant.entry;
    if (grant.access !== 'read' || !entry.archive) {
      return azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    }
    const blob = corrupt ? Buffer.from(entry.archive.map((byte) => byte ^ 0xff)) : entry.archive;
    const headers = {
      ...azureHeaders(req),
      'content-type': 'application/octet-stream',
      etag: entry.etag || '"0x1"',
      'last-modified': entry.modified.toUTCString(),
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-creation-time': entry.modified.toUTCString(),
      'x-ms-lease-state': 'available',
      'x-ms-lease-status': 'unlocked',
      'x-ms-server-encrypted': 'true',
    };
    const range = parseRange(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''), blob.length);
    if (range === 'invalid') return azureError(res, 416, 'InvalidRange', 'The range specified is invalid.');
    const [start, end] = range ?? [0, blob.length - 1];
    const part = blob.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(part.length),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${blob.length}` } : {}),
    });
    res.end(method === 'HEAD' ? undefined : part);
  }
}

/** `bytes=a-b` or `bytes=a-` within a blob of `size` bytes; undefined when absent. */
function parseRange(header: string, size: number): [number, number] | 'invalid' | undefined {
  if (header === '') return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return 'invalid';
  const start = Number(match[1]);
  const end = Math.min(match[2] ? Number(match[2]) : size - 1, size - 1);
  return start > end ? 'invalid' : [start, end];
}

/** The headers Azure Storage puts on every answer; x-ms-version echoes the request's. */
function azureHeaders(req?: http.IncomingMessage): Record<string, string> {
  const version = req?.headers['x-ms-version'];
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': typeof version === 'string' ? version : AZURE_VERSION,
    date: new Date().toUTCString(),
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function twirpError(
  res: http.ServerResponse,
  status: number,
  code: string,
  msg: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { code, msg }, { ...headers });
}

function azureError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    ...azureHeaders(),
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-ms-error-code': code,
    ...headers,
  });
  res.end(body);
}

export interface RunnerDirectories {
  /** RUNNER_TEMP */
  readonly runnerTemp: string;
  /** GITHUB_WORKSPACE */
  readonly workspace: string;
}

/**
 * The archive and version @actions/cache makes of one file holding `contents`
 * (or of a symbolic link there), as a runner with these directories would: its
 * own saveCache, run in a child Node process against a scratch service. The
 * file is removed afterwards.
 */
export async function archiveOf(
  file: string,
  contents: string | Buffer | { readonly symlinkTo: string },
  directories: RunnerDirectories,
): Promise<{ version: string; archive: Buffer }> {
  const scratch = await CacheService.start({ blobHost: 'loopback' });
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof contents === 'object' && 'symlinkTo' in contents) symlinkSync(contents.symlinkTo, file);
    else writeFileSync(file, contents);
    const script =
      "const { saveCache } = await import('@actions/cache');" +
      'const id = await saveCache([process.env.ARCHIVE_FILE], "archive");' +
      'if (id < 0) process.exitCode = 1;';
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          cwd: ROOT,
          env: {
            PATH: process.env['PATH'],
            HOME: process.env['HOME'],
            ...scratch.env(),
            RUNNER_TEMP: directories.runnerTemp,
            GITHUB_WORKSPACE: directories.workspace,
            ARCHIVE_FILE: file,
          },
        },
        (error, stdout) => (error ? reject(new Error(`saveCache failed: ${error.message}\n${stdout}`)) : resolve()),
      );
    });
    const entry = scratch.entries()[0] as CacheEntry;
    return { version: entry.version, archive: entry.archive as Buffer };
  } finally {
    rmSync(file, { force: true });
    await scratch.close();
  }
}
