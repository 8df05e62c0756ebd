// The token cache's store: keeps one opaque string (the sealed token) in the
// GitHub Actions cache through @actions/cache, as a file archived under a key.
// Loaded only with `cache: true`. It never throws and never prints: each call
// settles within its bound into an outcome whose reason fits one log line.
// @actions/cache prints by itself (progress, hits, failures, ::add-mask:: and
// ::debug:: commands); that output is kept from the log and read for reasons.

import { AsyncLocalStorage } from 'node:async_hooks';
import { lstatSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import * as cache from '@actions/cache';
import { visible } from './text.js';

export type LookupResult =
  | { readonly kind: 'hit'; readonly key: string; readonly value: string }
  | { readonly kind: 'miss' }
  /**
   * Nothing to read, and nothing to warn about: no cache service here (a local
   * run, or one without ACTIONS_RESULTS_URL), or a runner whose cache mode
   * permits no reads. `writable` says whether a save may still go ahead.
   */
  | { readonly kind: 'off'; readonly reason: string; readonly writable: boolean }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type SaveResult = { readonly kind: 'saved' } | { readonly kind: 'failed'; readonly reason: string };

export interface CacheStore {
  /** The value of the newest entry whose key starts with `prefix`. */
  lookup(prefix: string): Promise<LookupResult>;
  /** Saves `value` under `key`, which must be new: entries are immutable. */
  save(key: string, value: string): Promise<SaveResult>;
}

/** The part of @actions/cache the store uses (a test may pass a stand-in). */
export type CacheLibrary = Pick<typeof cache, 'isFeatureAvailable' | 'restoreCache' | 'saveCache'>;

export interface CacheStoreOptions {
  readonly library?: CacheLibrary;
  /** The longest a lookup or a save may take, in ms. */
  readonly boundMs?: number;
  /** The largest value saved or read back, in bytes (UTF-8). */
  readonly maxValueBytes?: number;
}

export const CACHE_BOUND_MS = 15_000;
const NO_SERVICE = 'the runner offers this step no cache service';
export const MAX_VALUE_BYTES = 64 * 1024;
const REASON_LENGTH = 240;
const OUTPUT_KEPT = 64 * 1024;

/**
 * Where the value lives while it is archived or restored. The cache version
 * is a hash of this string, so it must be the same in every run that should
 * share entries: RUNNER_TEMP is fixed per runner installation
 * (/home/runner/work/_temp on hosted Linux), per runner (so two runners on one
 * machine never share the file), outside the user's checkout, and emptied by
 * the runner after each job. Runners with another RUNNER_TEMP (other OS,
 * self-hosted) get other versions: they do not share entries, which is right,
 * since the archive names the file relative to GITHUB_WORKSPACE. Without
 * RUNNER_TEMP (a local run with a cache service), the user's own home, never
 * a folder other users could prepare.
 */
export function valueFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['RUNNER_TEMP'] || path.join(homedir(), '.cache');
  return path.join(base, 'fusion-token-action', 'sealed-token');
}

/** A cache store for this process; the library reads process.env when called. */
export function openCacheStore(options: CacheStoreOptions = {}): CacheStore {
  divertLibraryOutput();
  routeLibraryErrors();
  return new ActionsCacheStore(
    options.library ?? cache,
    options.boundMs ?? CACHE_BOUND_MS,
    options.maxValueBytes ?? MAX_VALUE_BYTES,
  );
}

/** How a library call ended, and what it printed meanwhile. */
type Outcome<T> = (
  | { readonly kind: 'returned'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timeout' }
) & { readonly output: LibraryOutput };

class ActionsCacheStore implements CacheStore {
  /** A call abandoned at its bound that still runs and may still touch the file. */
  private abandoned: Promise<unknown> | undefined;

  constructor(
    private readonly library: CacheLibrary,
    private readonly boundMs: number,
    private readonly maxValueBytes: number,
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
    if (!this.library.isFeatureAvailable()) return { kind: 'off', reason: NO_SERVICE, writable: false };
    // The runner's cache mode, as @actions/cache reads it: write-only and none permit no reads.
    const mode = (process.env['ACTIONS_CACHE_MODE'] ?? '').trim().toLowerCase();
    if (mode === 'none' || mode === 'write-only') {
      return {
        kind: 'off',
        reason: `the runner's cache mode ${mode} permits no reads`,
        writable: mode === 'write-only',
      };
    }
    const refusal = this.refusal();
    if (refusal) return { kind: 'unavailable', reason: refusal };
    const file = valueFile();
    const outcome = await this.call(file, () =>
      this.library.restoreCache([file], prefix, [prefix], {
        timeoutInMs: this.boundMs,
        segmentTimeoutInMs: this.boundMs,
      }),
    );
    try {
      if (outcome.kind === 'returned' && outcome.value !== undefined) {
        const value = this.readValue(file);
        return typeof value === 'string'
          ? { kind: 'hit', key: outcome.value, value }
          : { kind: 'unavailable', reason: `entry ${quoteKey(outcome.value)} ${value.problem}` };
      }
      if (outcome.kind === 'returned') {
        // restoreCache answers undefined for a miss (saying nothing but debug lines) and for every failure it
        // swallows or operation it skips (saying why).
        const reason = outcome.output.reason();
        return reason === undefined ? { kind: 'miss' } : { kind: 'unavailable', reason };
      }
      return { kind: 'unavailable', reason: this.failure(outcome) };
    } finally {
      if (!this.abandoned) removeValue(file);
    }
  }

  private async trySave(key: string, value: string): Promise<SaveResult> {
    if (Buffer.byteLength(value) > this.maxValueBytes) {
      return { kind: 'failed', reason: `the value is larger than ${this.maxValueBytes} bytes` };
    }
    const refusal = this.refusal();
    if (refusal) return { kind: 'failed', reason: refusal };
    const file = valueFile();
    const outcome = await this.call(file, () => {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, value, { mode: 0o600 });
      return this.library.saveCache([file], key);
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

  private refusal(): string | undefined {
    if (!this.library.isFeatureAvailable()) return NO_SERVICE;
    if (this.abandoned) return 'an earlier cache operation of this step is still running';
    return undefined;
  }

  /**
   * Runs one library call with its output diverted, for at most the bound. A
   * call that outlives it is abandoned, not stopped (the library cannot be):
   * until it settles, the store refuses new calls that would share the file.
   */
  private async call<T>(file: string, work: () => Promise<T>): Promise<Outcome<T>> {
    const output = new LibraryOutput();
    // A stale file must never pass for a restored one.
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

  /** The restored value, or what is wrong with the file. */
  private readValue(file: string): string | { problem: string } {
    let stats;
    try {
      stats = lstatSync(file);
    } catch {
      return { problem: 'holds no value' };
    }
    if (!stats.isFile()) return { problem: 'holds no value file' };
    if (stats.size > this.maxValueBytes) return { problem: `holds a value larger than ${this.maxValueBytes} bytes` };
    return readFileSync(file, 'utf8');
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

function quoteKey(key: string): string {
  return oneLine(JSON.stringify(key));
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
      } else if (raw.trim() !== '' && !raw.startsWith('[command]') && !/^(Sent|Received) \d+ of \d+/.test(raw)) {
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
