// The cache store in-process, against the cache service emulator over real
// sockets, with the variables the runner gives a step (the store and the
// library read process.env when called, so each test sets and restores them).
// Entries are saved by @actions/cache's own saveCache and read by our reader:
// a library upgrade that changes the entry's version or archive fails here.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as cache from '@actions/cache';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type CacheStore,
  type LookupResult,
  MAX_VALUE_BYTES,
  type SaveResult,
  openCacheStore,
  valueFile,
} from '../src/cache-store.js';
import { CacheService, type CacheServiceOptions, archiveOf } from '../testbed/cache-service.js';
import { ROOT } from '../testbed/runner.js';

const TOUCHED = [
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_CACHE_URL',
  'ACTIONS_CACHE_MODE',
  'GITHUB_SERVER_URL',
  'RUNNER_TEMP',
  'GITHUB_WORKSPACE',
  'RUNNER_DEBUG',
  ...['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'].flatMap((name) => [name, name.toLowerCase()]),
];
const STILL_RUNNING = 'an earlier cache operation of this step is still running';

let before: Record<string, string | undefined>;
let service: CacheService | undefined;
let root: string;

beforeEach(() => {
  before = Object.fromEntries(TOUCHED.map((name) => [name, process.env[name]]));
  for (const name of TOUCHED) delete process.env[name];
  root = mkdtempSync(path.join(tmpdir(), 'cache-store-test-'));
});

afterEach(async () => {
  await service?.close();
  service = undefined;
  for (const [name, value] of Object.entries(before)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

/** A runner's directories as on a hosted runner: _temp next to the checkout's parent. */
function runnerDirectories(): { runnerTemp: string; workspace: string } {
  const runnerTemp = path.join(root, 'work', '_temp');
  const workspace = path.join(root, 'work', 'repo', 'repo');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  return { runnerTemp, workspace };
}

/** A service, the runner's variables pointing at it, and a store with a short bound. */
async function bed(
  options: CacheServiceOptions = {},
  boundMs = 5000,
): Promise<{ service: CacheService; store: CacheStore }> {
  service = await CacheService.start({ blobHost: 'loopback', ...options });
  const directories = runnerDirectories();
  Object.assign(process.env, service.env(), {
    RUNNER_TEMP: directories.runnerTemp,
    GITHUB_WORKSPACE: directories.workspace,
  });
  return { service, store: openCacheStore({ boundMs }) };
}

/** Plants, under `key`, the archive the library makes of the store's file holding `contents`. */
async function plant(key: string, contents: Parameters<typeof archiveOf>[1]): Promise<void> {
  const { version, archive } = await archiveOf(valueFile(), contents, {
    runnerTemp: process.env['RUNNER_TEMP'] as string,
    workspace: process.env['GITHUB_WORKSPACE'] as string,
  });
  service?.plant(key, version, archive);
}

/**
 * Waits until a save the store abandoned at its bound has settled: until then
 * it refuses new saves (they would share the file). A call left running when
 * a test ends would print into the torn-down test environment.
 */
async function settledSave(store: CacheStore, key: string, value: string): Promise<SaveResult> {
  for (;;) {
    const result = await store.save(key, value);
    if (result.kind !== 'failed' || result.reason !== STILL_RUNNING) return result;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every file below a folder. */
function filesBelow(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function expectUnavailable(result: LookupResult, reason: RegExp, entry?: string): void {
  expect(result).toEqual({
    kind: 'unavailable',
    reason: expect.stringMatching(reason),
    ...(entry === undefined ? {} : { entry }),
  });
}

describe.each(['azure', 'loopback'] as const)('with signed URLs on the %s host', (blobHost) => {
  it('saves a value and finds it again by prefix, leaving no file behind', async () => {
    const { service, store } = await bed({ blobHost });
    expect(await store.save('fusion-token-v1-abc-1', 'fta1.sealed')).toEqual({ kind: 'saved' });
    expect(existsSync(valueFile())).toBe(false);
    expect(await store.lookup('fusion-token-v1-abc-')).toEqual({
      kind: 'hit',
      key: 'fusion-token-v1-abc-1',
      value: 'fta1.sealed',
    });
    expect(existsSync(path.dirname(valueFile()))).toBe(false);
    expect(
      ['CreateCacheEntry', 'upload', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'].map((operation) =>
        service.count(operation as never),
      ),
    ).toEqual([1, 1, 1, 1]);
    // The reader downloads with one GET: on the Azure host through the proxy's CONNECT tunnel, as the runner's would.
    const downloads = service.requests.filter((request) => request.operation === 'download');
    expect(downloads.map(({ method, tunnelled }) => ({ method, tunnelled }))).toEqual([
      { method: 'GET', tunnelled: blobHost === 'azure' },
    ]);
  });
});

describe('lookup', () => {
  it('finds the newest entry under the prefix, not the greatest key', async () => {
    const { store } = await bed();
    for (const [key, value] of [
      ['p-b', 'second'],
      ['p-c', 'third'],
      ['p-a', 'newest'],
      ['q-z', 'other prefix, newer still'],
    ]) {
      expect(await store.save(key as string, value as string)).toEqual({ kind: 'saved' });
    }
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-a', value: 'newest' });
  });

  it('misses when nothing matches, and a hit or a miss writes no file', async () => {
    const { store } = await bed();
    expect(await store.save('other-1', 'x')).toEqual({ kind: 'saved' });
    mkdirSync(path.dirname(valueFile()), { recursive: true });
    writeFileSync(valueFile(), 'left by someone');
    const before = filesBelow(root);
    expect(await store.lookup('fusion-')).toEqual({ kind: 'miss' });
    expect(await store.lookup('other-')).toEqual({ kind: 'hit', key: 'other-1', value: 'x' });
    expect(filesBelow(root)).toEqual(before);
  });

  it('asks with a primary key no entry can have: the prefix and random digits, then the prefix', async () => {
    const { service, store } = await bed();
    await store.lookup('p-');
    await store.lookup('p-');
    const asked = service.requests
      .filter((request) => request.operation === 'GetCacheEntryDownloadURL')
      .map((request) => request.json);
    expect(asked).toEqual([
      { key: expect.stringMatching(/^p-[0-9a-f]{32}$/), restore_keys: ['p-'], version: expect.any(String) },
      { key: expect.stringMatching(/^p-[0-9a-f]{32}$/), restore_keys: ['p-'], version: expect.any(String) },
    ]);
    expect(asked[0]?.['key']).not.toBe(asked[1]?.['key']);
  });

  it('does not see entries saved under another RUNNER_TEMP: the path is part of the version', async () => {
    const { store } = await bed();
    expect(await store.save('p-1', 'x')).toEqual({ kind: 'saved' });
    process.env['RUNNER_TEMP'] = path.join(root, 'elsewhere');
    expect(await store.lookup('p-')).toEqual({ kind: 'miss' });
  });

  it('returns a planted entry as is', async () => {
    const { store } = await bed();
    const value = 'fta1.planted…\n  with "quotes", a tab\tand a trailing newline\n';
    await plant('p-7', value);
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-7', value });
  });

  it('takes a value of exactly the size limit, and refuses a larger one', async () => {
    const { store } = await bed();
    const limit = 'x'.repeat(MAX_VALUE_BYTES);
    expect(await store.save('p-1', limit)).toEqual({ kind: 'saved' });
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-1', value: limit });
    await plant('p-2', `${limit}x`);
    expectUnavailable(await store.lookup('p-'), /^entry "p-2" holds a value larger than 65536 bytes$/, 'p-2');
  });

  it('reports an entry without the file, or with a link in its place, as unavailable', async () => {
    const { store } = await bed();
    // The library's archive of another file, planted under the version of the store's file.
    const other = await archiveOf(path.join(process.env['RUNNER_TEMP'] as string, 'other'), 'x', {
      runnerTemp: process.env['RUNNER_TEMP'] as string,
      workspace: process.env['GITHUB_WORKSPACE'] as string,
    });
    const { version } = await archiveOf(valueFile(), 'x', {
      runnerTemp: process.env['RUNNER_TEMP'] as string,
      workspace: process.env['GITHUB_WORKSPACE'] as string,
    });
    service?.plant('p-1', version, other.archive);
    expectUnavailable(await store.lookup('p-'), /^entry "p-1" holds no value file$/, 'p-1');
    await plant('p-2', { symlinkTo: '/etc/hostname' });
    expectUnavailable(await store.lookup('p-'), /^entry "p-2" holds no value file$/, 'p-2');
  });

  it('reports a corrupt archive as unavailable', async () => {
    const { service, store } = await bed();
    await plant('p-1', 'fta1.x');
    service.fail('download', { kind: 'corrupt' }, 1);
    expectUnavailable(
      await store.lookup('p-'),
      /^entry "p-1" is not a cache archive \(neither zstd nor gzip\)$/,
      'p-1',
    );
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-1', value: 'fta1.x' });
  });

  it('reports a server error as unavailable at once: a miss costs one token at worst, never a wait', async () => {
    const { service, store } = await bed();
    service.fail('GetCacheEntryDownloadURL', { kind: 'status', status: 500 }, 1);
    expectUnavailable(await store.lookup('p-'), /^the cache service answered HTTP 500: emulated fault: HTTP 500$/);
    expect(service.count('GetCacheEntryDownloadURL')).toBe(1);
    expect(await store.lookup('p-')).toEqual({ kind: 'miss' });
  });

  it('reports a service that cannot be reached as unavailable, at once', async () => {
    const { service, store } = await bed();
    await service.close();
    expectUnavailable(await store.lookup('p-'), /^the cache service could not be reached \(.*ECONNREFUSED.*\)$/);
  });

  it('gives up a lookup that hangs at its bound, and the save that follows goes ahead', async () => {
    const { service, store } = await bed({}, 300);
    service.fail('GetCacheEntryDownloadURL', { kind: 'hang' }, 1);
    expectUnavailable(await store.lookup('p-'), /^the cache gave no result within 0\.3 s$/);
    expect(await store.save('p-1', 'x')).toEqual({ kind: 'saved' });
  });

  it.each([404, 302])('reports a download answered HTTP %i as unavailable, naming the entry', async (status) => {
    const { service, store } = await bed();
    await plant('p-1', 'fta1.x');
    service.fail('download', { kind: 'status', status, headers: { location: 'http://127.0.0.1:9/elsewhere' } }, 1);
    expectUnavailable(
      await store.lookup('p-'),
      new RegExp(`^entry "p-1" could not be downloaded: the blob host answered HTTP ${status}$`),
      'p-1',
    );
    // Not followed.
    expect(service.requests.filter((request) => request.operation === 'unknown')).toEqual([]);
  });

  it('reports a blob host that drops the download as unavailable, naming the entry and the blob host', async () => {
    const { service, store } = await bed();
    await plant('p-1', 'fta1.x');
    service.fail('download', { kind: 'reset' }, 1);
    expectUnavailable(
      await store.lookup('p-'),
      /^entry "p-1" could not be downloaded: the blob host could not be reached \(.*(socket hang up|ECONNRESET).*\)$/,
      'p-1',
    );
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-1', value: 'fta1.x' });
  });

  it('gives up a download that hangs at the bound, naming the entry', async () => {
    const { service, store } = await bed({}, 400);
    await plant('p-1', 'fta1.x');
    service.fail('download', { kind: 'hang' }, 1);
    expectUnavailable(
      await store.lookup('p-'),
      /^entry "p-1" could not be downloaded: the cache gave no result within 0\.4 s$/,
      'p-1',
    );
  });

  it('sends the runtime token to the cache service only, never to the blob host, and masks the signature first', async () => {
    const { service } = await bed();
    const masked: string[] = [];
    const store = openCacheStore({ mask: (value) => masked.push(value) });
    await plant('p-1', 'fta1.x');
    expect(await store.lookup('p-')).toMatchObject({ kind: 'hit' });
    const lookup = service.requests.find((request) => request.operation === 'GetCacheEntryDownloadURL');
    const download = service.requests.find((request) => request.operation === 'download');
    expect(lookup?.headers.authorization).toBe(`Bearer ${service.runtimeToken}`);
    expect(download?.headers.authorization).toBeUndefined();
    const signature = new URL(download?.url as string, 'http://x').searchParams.get('sig') as string;
    expect(masked).toEqual(expect.arrayContaining([signature, encodeURIComponent(signature)]));
  });

  it('reports throttling as unavailable', async () => {
    const { service, store } = await bed();
    service.fail('GetCacheEntryDownloadURL', { kind: 'status', status: 429, headers: { 'retry-after': '60' } });
    expectUnavailable(await store.lookup('p-'), /429/);
  });

  it('reports a denied read as unavailable', async () => {
    const { service, store } = await bed();
    service.fail('GetCacheEntryDownloadURL', { kind: 'deny' });
    expectUnavailable(await store.lookup('p-'), /^the cache service answered HTTP 403: cache read denied: /);
  });

  it.each([
    ['write-only', true],
    ['none', false],
  ])('asks nothing when the cache mode %s forbids reads, and says whether it may write', async (mode, writable) => {
    const { service, store } = await bed();
    process.env['ACTIONS_CACHE_MODE'] = mode;
    expect(await store.lookup('p-')).toEqual({
      kind: 'off',
      reason: `the runner's cache mode ${mode} permits no reads`,
      writable,
    });
    expect(service.requests).toEqual([]);
  });

  it('reads as usual in the cache modes read and write', async () => {
    const { store } = await bed();
    for (const mode of ['read', 'write']) {
      process.env['ACTIONS_CACHE_MODE'] = mode;
      expect(await store.lookup('p-')).toEqual({ kind: 'miss' });
    }
  });

  it('reports a key the library refuses as unavailable', async () => {
    const { store } = await bed();
    expectUnavailable(await store.lookup('a,b'), /cannot contain commas/);
  });
});

describe('save', () => {
  it('fails on an existing key: entries are immutable', async () => {
    const { store } = await bed();
    expect(await store.save('p-1', 'first')).toEqual({ kind: 'saved' });
    expect(await store.save('p-1', 'second')).toEqual({
      kind: 'failed',
      reason: 'Unable to reserve cache with key p-1, another job may be creating this cache.',
    });
    expect(await store.lookup('p-1')).toEqual({ kind: 'hit', key: 'p-1', value: 'first' });
  });

  it('reports a denied write as failed', async () => {
    const { service, store } = await bed();
    service.fail('CreateCacheEntry', { kind: 'deny' });
    expect(await store.save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/cache write denied: token has no writable scopes$/),
    });
    expect(service.count('upload')).toBe(0);
  });

  it('reports a denial at finalization as failed', async () => {
    const { service, store } = await bed();
    service.fail('FinalizeCacheEntryUpload', { kind: 'deny' });
    expect(await store.save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: 'cache write denied: token has no writable scopes',
    });
  });

  it('reports a server error as failed within the bound', async () => {
    const { service, store } = await bed({}, 400);
    service.fail('CreateCacheEntry', { kind: 'status', status: 500 }, 1);
    expect(await store.save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/^the cache gave no result within 0\.4 s .*\(500\)/),
    });
    // The abandoned save goes on, retries after 3 s, and completes: its file is gone once it settles.
    expect(await settledSave(store, 'p-2', 'y')).toEqual({ kind: 'saved' });
    expect(await store.lookup('p-1')).toEqual({ kind: 'hit', key: 'p-1', value: 'x' });
    expect(existsSync(valueFile())).toBe(false);
  });

  it('asks nothing when the cache mode forbids writes', async () => {
    const { service, store } = await bed();
    process.env['ACTIONS_CACHE_MODE'] = 'read';
    expect(await store.save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: "Cache save skipped: the effective cache-mode 'read' does not permit writes.",
    });
    expect(service.requests).toEqual([]);
    expect(existsSync(valueFile())).toBe(false);
  });

  it('refuses a value over the size limit before asking anything', async () => {
    const { service, store } = await bed();
    expect(await store.save('p-1', 'é'.repeat(MAX_VALUE_BYTES / 2 + 1))).toEqual({
      kind: 'failed',
      reason: 'the value is larger than 65536 bytes',
    });
    expect(service.requests).toEqual([]);
  });

  it('reports a key the library refuses, or a file it cannot write, as failed', async () => {
    const { store } = await bed();
    expect(await store.save('a,b', 'x')).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/cannot contain commas/),
    });
    process.env['RUNNER_TEMP'] = path.join(root, 'a-file');
    writeFileSync(process.env['RUNNER_TEMP'], '');
    expect(await store.save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/^ENOTDIR: not a directory, mkdir /),
    });
  });
});

describe('called against its types (from JavaScript)', () => {
  it('still answers instead of throwing', async () => {
    const { store } = await bed();
    expect(await store.save('p-1', undefined as never)).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/^The "string" argument must be/),
    });
    expect(await store.lookup(undefined as never)).toEqual({ kind: 'unavailable', reason: expect.any(String) });
  });
});

describe('without a cache service', () => {
  it('reports the cache off and the save failed, asking nothing', async () => {
    const { service, store } = await bed();
    delete process.env['ACTIONS_RESULTS_URL'];
    const reason = 'the runner offers this step no cache service';
    expect(await store.lookup('p-')).toEqual({ kind: 'off', reason, writable: false });
    expect(await store.save('p-1', 'x')).toEqual({ kind: 'failed', reason });
    expect(service.requests).toEqual([]);
  });

  it('keeps its file under RUNNER_TEMP, or in the home folder without one', () => {
    expect(valueFile({ RUNNER_TEMP: '/runner/_temp' })).toBe(
      path.join('/runner/_temp', 'fusion-token-action', 'sealed-token'),
    );
    expect(valueFile({})).toBe(path.join(homedir(), '.cache', 'fusion-token-action', 'sealed-token'));
  });
});

describe('the library output', () => {
  let written: string;
  let restore: () => void;

  /** Records what reaches stdout and stderr (and keeps it from the test log). */
  function recordOutput(): void {
    written = '';
    const streams = [process.stdout, process.stderr] as const;
    const originals = streams.map((stream) => stream.write);
    for (const stream of streams) {
      stream.write = ((chunk: unknown) => {
        written += String(chunk);
        return true;
      }) as typeof stream.write;
    }
    restore = () => streams.forEach((stream, index) => (stream.write = originals[index] as typeof stream.write));
  }

  afterEach(() => restore());

  it('never reaches stdout or stderr, while our own lines do', async () => {
    recordOutput();
    // Opened after the recorder, the store diverts the library's output before it.
    const { store } = await bed();
    expect(await store.save('p-1', 'fta1.x')).toEqual({ kind: 'saved' });
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-1', value: 'fta1.x' });
    expect(await store.save('p-1', 'again')).toMatchObject({ kind: 'failed' });
    process.stdout.write('our own line\n');
    expect(written).toBe('our own line\n');
    // The same call made directly prints, commands and all: the recorder would see it.
    mkdirSync(path.dirname(valueFile()), { recursive: true });
    writeFileSync(valueFile(), 'x');
    await cache.saveCache([valueFile()], 'p-2');
    expect(written).toMatch(/^::debug::Cache service version: v2$/m);
    expect(written).toMatch(/^::add-mask::/m);
  });

  it('stays diverted after a call is abandoned at its bound, until it settles', async () => {
    recordOutput();
    const { service, store } = await bed({}, 300);
    service.fail('CreateCacheEntry', { kind: 'hang' });
    const save = store.save('p-1', 'x');
    process.stdout.write('written while the library runs\n');
    expect(await save).toEqual({ kind: 'failed', reason: 'the cache gave no result within 0.3 s' });
    expect(await store.save('p-2', 'x')).toEqual({ kind: 'failed', reason: STILL_RUNNING });
    // Closing the service ends the hung request: the abandoned call fails now, saying so to no one.
    await service.close();
    expect(await settledSave(store, 'p-3', 'x')).toMatchObject({ kind: 'failed' });
    expect(written).toBe('written while the library runs\n');
  });

  it('is diverted by every store opened, however the streams were wrapped in between', async () => {
    const { store } = await bed();
    recordOutput();
    const second = openCacheStore();
    expect(await second.save('p-1', 'x')).toEqual({ kind: 'saved' });
    expect(await store.lookup('p-')).toEqual({ kind: 'hit', key: 'p-1', value: 'x' });
    expect(written).toBe('');
  });
});

describe('what the library printed', () => {
  it("gives the reason of a failed save, never Node's own debug lines (NODE_DEBUG)", async () => {
    await bed();
    const library = {
      isFeatureAvailable: () => true,
      saveCache: async () => {
        process.stderr.write('Failed to save: the service said no\n');
        process.stderr.write('NET 4242: close handle\nHTTP 4242: SOCKET ERROR\n');
        return -1;
      },
    };
    expect(await openCacheStore({ library }).save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: 'the service said no',
    });
    const quiet = { ...library, saveCache: async () => (process.stderr.write('NET 4242: close handle\n'), -1) };
    expect(await openCacheStore({ library: quiet }).save('p-1', 'x')).toEqual({
      kind: 'failed',
      reason: 'the cache service did not keep the entry',
    });
  });
});

describe('an error the library leaves uncaught', () => {
  // Its own process: an uncaught error would end it, as it would end the step.
  it('fails that call with a reason, never the process', async () => {
    const probe = path.join(root, 'uncaught-probe.mjs');
    writeFileSync(
      probe,
      [
        'const { openCacheStore } = await import(process.env.STORE_MODULE);',
        'const library = {',
        '  isFeatureAvailable: () => true,',
        '  saveCache: async (paths, key) => {',
        "    if (key === 'p-1') setTimeout(() => { throw new Error('library bug in a timer'); }, 10);",
        "    else Promise.reject(new Error('library bug in a promise'));",
        '    return new Promise(() => {});',
        '  },',
        '};',
        "console.log(JSON.stringify(await openCacheStore({ library, boundMs: 20000 }).save('p-1', 'x')));",
        "console.log(JSON.stringify(await openCacheStore({ library, boundMs: 20000 }).save('p-2', 'x')));",
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], {
      cwd: ROOT,
      env: {
        ...process.env,
        // A service to save to, as far as the store can tell: the stand-in library never calls it.
        ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/',
        ACTIONS_CACHE_SERVICE_V2: 'True',
        RUNNER_TEMP: root,
        STORE_MODULE: path.join(ROOT, 'src', 'cache-store.ts'),
      },
    });
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { kind: 'failed', reason: 'library bug in a timer' },
      { kind: 'failed', reason: 'library bug in a promise' },
    ]);
  });
});
