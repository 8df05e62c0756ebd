// The token cache's store: keeps one opaque string (the sealed token) in the
// GitHub Actions cache, as a file archived under a key. Loaded only with
// `cache: true`. It never throws and never prints: each call settles within
// its bound into an outcome whose reason fits one log line.
// - A lookup never goes through @actions/cache, whose restoreCache extracts
//   the entry with `tar -P` before anything can check it: src/cache-reader.ts
//   reads it in memory instead.
// - A save goes through @actions/cache's saveCache, loaded only then: it
//   archives only our own file. The library prints by itself (progress,
//   ::add-mask:: and ::debug:: commands); that output is kept from the log
//   and read for reasons.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type * as cache from '@actions/cache';
import {
  type LookupResult,
  NO_SERVICE,
  cacheServiceOf,
  cacheVersion,
  compressionOf,
  keyProblem,
  memberName,
  readNewestEntry,
} from './cache-reader.js';
import { createRequest } from './transport.js';
import { visible } from './text.js';

export type { LookupResult } from './cache-reader.js';

export type SaveResult = { readonly kind: 'saved' } | { readonly kind: 'failed'; readonly reason: string };

export interface CacheStore {
  /** The value of the newest entry whose key starts with `prefix`. */
  lookup(prefix: string): Promise<LookupResult>;
  /** Saves `value` under `key`, which must be new: entries are immutable. */
  save(key: string, value: string): Promise<SaveResult>;
}

/** The part of @actions/cache the store uses (a test may pass a stand-in). */
export type CacheLibrary = Pick<typeof cache, 'isFeatureAvailable' | 'saveCache'>;

export interface CacheStoreOptions {
  /** Loaded for the first save when not given. */
  readonly library?: CacheLibrary;
  /** The longest a lookup or a save may take, in ms. */
  readonly boundMs?: number;
  /** The largest value saved or read back, in bytes (UTF-8). */
  readonly maxValueBytes?: number;
  /** Registers a value with the runner's masking (a download URL's signature). */
  readonly mask?: (value: string) => void;
}

export const CACHE_BOUND_MS = 15_000;
export const MAX_VALUE_BYTES = 64 * 1024;
const REASON_LENGTH = 240;
const OUTPUT_KEPT = 64 * 1024;

/**
 * Where the value lives while it is archived. The cache version is a hash of
 * this string, so it must be the same in every run that should share
 * entries: RUNNER_TEMP is fixed per runner installation
 * (/home/runner/work/_temp on hosted Linux), per runner (so two runners on one
 * machine never share the file), outside the user's checkout, and emptied by
 * the runner after each job. Runners with another RUNNER_TEMP (other OS,
 * self-hosted) get other versions: they do not share entries, which is right,
 * since the archive names the file relative to GITHUB_WORKSPACE. Without
 * RUNNER_TEMP (a local run with a cache service), the user's own home, never
 * a folder other users could prepare. A lookup never writes it.
 */
export function valueFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['RUNNER_TEMP'] || path.join(homedir(), '.cache');
  return path.join(base, 'fusion-token-action', 'sealed-token');
}

/** A cache store for this process; it reads process.env when called, as the library does. */
export function openCacheStore(options: CacheStoreOptions = {}): CacheStore {
  return new ActionsCacheStore(
    options.library,
    options.boundMs ?? CACHE_BOUND_MS,
    options.maxValueBytes ?? MAX_VALUE_BYTES,
    options.mask ?? (() => {}),
  );
}

/** How a library call ended, and what it printed meanwhile. */
type Outcome<T> = (
  | { readonly kind: 'returned'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timeout' }
) & { readonly output: LibraryOutput };

class ActionsCacheStore implements CacheStore {
  /** A save abandoned at its bound that still runs and may still touch the file. */
  private abandoned: Promise<unknown> | undefined;
  private readonly request = createRequest();

  constructor(
    private library: CacheLibrary | undefined,
    private readonly boundMs: number,
    private readonly maxValueBytes: number,
    private readonly mask: (value: string) => void,
  ) {}

  async lookup(prefix: string): Promise<LookupResult> {
    try {
      return await this.tryLookup(prefix);
    } catch (error) {
      return { kind: 'unavailable', reason: errorReason(error) };
    }
  }

  async save(key: string, value: string): Promise<SaveResult> {
    try {
      return await this.trySave(key, value);
    } catch (error) {
      return { kind: 'failed', reason: errorReason(error) };
    }
  }

  private async tryLookup(prefix: string): Promise<LookupResult> {
    const env = process.env;
    const service = cacheServiceOf(env);
    if (service === undefined) return { kind: 'off', reason: NO_SERVICE, writable: false };
    // The runner's cache mode, as @actions/cache reads it: write-only and none permit no reads.
    const mode = (env['ACTIONS_CACHE_MODE'] ?? '').trim().toLowerCase();
    if (mode === 'none' || mode === 'write-only') {
      return {
        kind: 'off',
        reason: `the runner's cache mode ${mode} permits no reads`,
        writable: mode === 'write-only',
      };
    }
    const problem = keyProblem(prefix);
    if (problem !== undefined) return { kind: 'unavailable', reason: oneLine(problem) };
    const file = valueFile(env);
    const found = await readNewestEntry(prefix, {
      service,
      request: this.request,
      boundMs: this.boundMs,
      now: Date.now,
      randomHex: () => randomBytes(16).toString('hex'),
      version: cacheVersion([file], compressionOf(env)),
      memberName: memberName(file, env),
      maxValueBytes: this.maxValueBytes,
      mask: this.mask,
    });
    return found.kind === 'unavailable' ? { ...found, reason: oneLine(found.reason) } : found;
  }

  private async trySave(key: string, value: string): Promise<SaveResult> {
    if (Buffer.byteLength(value) > this.maxValueBytes) {
      return { kind: 'failed', reason: `the value is larger than ${this.maxValueBytes} bytes` };
    }
    if (cacheServiceOf(process.env) === undefined) return { kind: 'failed', reason: NO_SERVICE };
    if (this.abandoned) return { kind: 'failed', reason: 'an earlier cache operation of this step is still running' };
    // Only a save runs the library: a lookup leaves the streams and error handlers as they are.
    divertLibraryOutput();
    routeLibraryErrors();
    const library = (this.library ??= await import('@actions/cache'));
    if (!library.isFeatureAvailable()) return { kind: 'failed', reason: NO_SERVICE };
    const file = valueFile();
    const outcome = await this.call(file, () => {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, value, { mode: 0o600 });
      return library.saveCache([file], key);
    });
    try {
      // saveCache answers -1 for every failure it swallows or save it skips (saying why), else the entry's id.
      if (outcome.kind === 'returned' && outcome.value !== -1) return { kind: 'saved' };
      if (outcome.kind === 'returned') {
        return { kind: 'failed', reason: outcome.output.reason() ?? 'the cache service did not keep the entry' };
      }
      return { kind: 'failed', reason: this.failure(outcome) };
    } finally {
      if (!this.abandoned) removeValue(file);
    }
  }

  /**
   * Runs one library call with its output diverted, for at most the bound. A
   * call that outlives it is abandoned, not stopped (the library cannot be):
   * until it settles, the store refuses new saves that would share the file.
   */
  private async call<T>(file: string, work: () => Promise<T>): Promise<Outcome<T>> {
    const output = new LibraryOutput();
    removeValue(file);
    const settled = libraryCall
      .run(output, async () => work())
      .then(
        (value) => ({ kind: 'returned' as const, value }),
        (error: unknown) => ({ kind: 'threw' as const, error }),
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), this.boundMs);
    });
    // An error the library raised where nothing catches it ends the call, never the process.
    const crashed = output.crashed.then((error) => ({ kind: 'threw' as const, error }));
    const first = await Promise.race([settled, timeout, crashed]);
    clearTimeout(timer);
    if (first.kind === 'timeout' || output.hasCrashed) {
      this.abandoned = settled.finally(() => {
        this.abandoned = undefined;
        removeValue(file);
      });
    }
    return { ...first, output };
  }

  private failure(outcome: Outcome<unknown> & { readonly kind: 'threw' | 'timeout' }): string {
    if (outcome.kind === 'threw') return errorReason(outcome.error);
    const last = outcome.output.reason();
    return `the cache gave no result within ${this.boundMs / 1000} s${last ? ` (last message: ${last})` : ''}`;
  }
}

function errorReason(error: unknown): string {
  // Not instanceof Error: a Node error can come from another realm (vm contexts, as in tests).
  const message = (error as { message?: unknown } | undefined)?.message;
  return oneLine(firstLine(typeof message === 'string' ? message : String(error)));
}

/** The gist of a message: the library's longer ones add advice on further lines. */
function firstLine(text: string): string {
  return text.split(/\r?\n/).find((line) => line.trim() !== '') ?? text;
}

function removeValue(file: string): void {
  try {
    rmSync(file, { recursive: true, force: true });
    rmdirSync(path.dirname(file));
  } catch {
    // Gone already, or the folder is not empty: the runner empties RUNNER_TEMP after the job.
  }
}

/** A log-safe single line of at most REASON_LENGTH characters, URL queries (signatures) cut. */
function oneLine(text: string): string {
  const line = visible(
    text
      .replace(/(https?:\/\/[^\s?#]+)[?#]\S*/g, '$1?…')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return line.length > REASON_LENGTH ? `${line.slice(0, REASON_LENGTH - 1)}…` : line;
}

/**
 * Lines that never say why a call failed: a command the library ran, its
 * progress, and Node's own debug output (NODE_DEBUG=http,net prints
 * "NET 1234: close handle" into the call's stderr).
 */
const NOT_A_REASON = /^(\[command\]|(Sent|Received) \d+ of \d+|[A-Z][A-Z0-9_]* \d+: )/;

/** What the library printed during one call, stdout and stderr together. */
class LibraryOutput {
  private text = '';
  hasCrashed = false;
  private crash: (error: unknown) => void = () => {};
  /** Settles when the library raises an error that nothing catches, during or after the call. */
  readonly crashed = new Promise<unknown>((resolve) => (this.crash = resolve));

  fail(error: unknown): void {
    this.hasCrashed = true;
    this.crash(error);
  }

  take(chunk: unknown): void {
    // The tail is what reason() reads; a call that prints for ever costs no more.
    this.text = (this.text + (Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk))).slice(-OUTPUT_KEPT);
  }

  /**
   * Its last warning or error annotation, else its last line for the log
   * (neither a command, nor a command it ran, nor progress), as a reason;
   * undefined when it printed only debug lines and commands.
   */
  reason(): string | undefined {
    let annotation: string | undefined;
    let line: string | undefined;
    for (const raw of this.text.split(/\r?\n/)) {
      const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(raw);
      if (command) {
        if (command[1] === 'warning' || command[1] === 'error') annotation = unescapeData(command[2] as string);
      } else if (raw.trim() !== '' && !NOT_A_REASON.test(raw)) {
        line = raw;
      }
    }
    const reason = annotation ?? line;
    return reason === undefined ? undefined : oneLine(firstLine(reason).replace(/^Failed to (save|restore): /, ''));
  }
}

function unescapeData(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/**
 * The calls into @actions/cache, and everything they start (retries, timers,
 * child processes), run in this async context: what they write to stdout or
 * stderr goes to the call's LibraryOutput instead, even after the call was
 * abandoned. The streams are the one place where the library's output can be
 * caught: it writes through @actions/core and @actions/exec straight to
 * process.stdout and process.stderr, and its ESM import of @actions/core
 * cannot be swapped. Keyed by async context rather than by time, our own
 * lines pass while the library runs, and none of the library's lines or
 * commands (::add-mask::, ::debug::, ::warning::) pass, during or after.
 */
const libraryCall = new AsyncLocalStorage<LibraryOutput>();
const diverters = new Map<NodeJS.WriteStream, NodeJS.WriteStream['write']>();

function divertLibraryOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.write === diverters.get(stream)) continue;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const diverter = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const output = libraryCall.getStore();
      if (!output) return write(chunk, ...rest);
      output.take(chunk);
      // Written, as far as the writer can tell: its callback runs as a real write's would.
      rest.filter((argument) => typeof argument === 'function').forEach((callback) => process.nextTick(callback));
      return true;
    }) as NodeJS.WriteStream['write'];
    diverters.set(stream, diverter);
    stream.write = diverter;
  }
}

let errorsRouted = false;

/**
 * An exception or rejection that the library leaves uncaught would end the
 * process (and fail the step). Raised inside a library call's async context,
 * it fails that call instead, which the store reports as one reason. Any other
 * is thrown on, as Node would without these listeners.
 */
function routeLibraryErrors(): void {
  if (errorsRouted) return;
  errorsRouted = true;
  const route = (error: unknown): void => {
    const output = libraryCall.getStore();
    if (output === undefined) throw error;
    output.fail(error);
  };
  process.on('uncaughtException', route);
  process.on('unhandledRejection', route);
}
