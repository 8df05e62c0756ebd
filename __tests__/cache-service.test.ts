// The cache service emulator on its own, over real sockets: the twirp
// methods (v2), the REST calls (v1, GHES), the signed blob URLs and the
// CONNECT tunnel to them, the matching of keys, the faults, archiveOf, and
// the archives of cache-archives.ts as the real tar, zstd and Node read them.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpClient } from '@actions/http-client';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BIG_WINDOW_LOG,
  TWO_GIB,
  absolutePathArchive,
  bigWindowArchive,
  dotDotArchive,
  memberName,
  plainArchive,
  symlinkThroughArchive,
  zstdBomb,
} from '../testbed/cache-archives.js';
import {
  BLOB_HOST,
  CacheService,
  GHES_SERVER_URL,
  TWIRP_PATH,
  type TwirpMethod,
  V1_ACCEPT,
  archiveOf,
} from '../testbed/cache-service.js';
import { ROOT, actionNodeBinary } from '../testbed/runner.js';
import { tarArchive, tarHeader } from '../testbed/tar-builder.js';
import { ZSTD_MAGIC, rawBlocks, rleBlocks, zstdFrame } from '../testbed/zstd-frames.js';

let service: CacheService;

beforeEach(async () => {
  service = await CacheService.start({ blobHost: 'loopback' });
});
afterEach(async () => {
  await service.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

async function twirp(method: TwirpMethod, body: unknown, token = service.runtimeToken): Promise<Answer> {
  const response = await fetch(`${service.url}${TWIRP_PATH}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

/** Creates, uploads and finalizes an entry as the library does; the answer of the finalization. */
async function save(key: string, version: string, archive: Buffer): Promise<Answer> {
  const created = await twirp('CreateCacheEntry', { key, version });
  expect(created.json['ok']).toBe(true);
  const upload = await fetch(created.json['signed_upload_url'] as string, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
    body: archive,
  });
  expect(upload.status).toBe(201);
  return twirp('FinalizeCacheEntryUpload', { key, version, size_bytes: String(archive.length) });
}

async function find(key: string, restoreKeys: string[], version: string): Promise<Record<string, unknown>> {
  return (await twirp('GetCacheEntryDownloadURL', { key, restore_keys: restoreKeys, version })).json;
}

describe('the twirp methods', () => {
  it('keep an entry once: a second one under the same key and version is refused as on github.com', async () => {
    expect((await save('k-1', 'v1', Buffer.from('a'))).json).toEqual({ ok: true, entry_id: '1' });
    const again = await twirp('CreateCacheEntry', { key: 'k-1', version: 'v1' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      code: 'already_exists',
      msg: 'cache entry with the same key, version, and scope already exists',
    });
    expect((await twirp('CreateCacheEntry', { key: 'k-1', version: 'v2' })).json['ok']).toBe(true);
  });

  it('find the exact key first, then the newest entry by prefix of the key, then of each restore key', async () => {
    for (const key of ['app-exact', 'app-exact-newer', 'app-b', 'lib-a']) await save(key, 'v', Buffer.from(key));
    expect(await find('app-exact', [], 'v')).toMatchObject({ ok: true, matched_key: 'app-exact' });
    expect(await find('app-', [], 'v')).toMatchObject({ ok: true, matched_key: 'app-b' });
    expect(await find('none-', ['lib-', 'app-'], 'v')).toMatchObject({ ok: true, matched_key: 'lib-a' });
    expect(await find('none-', ['nothing-'], 'v')).toEqual({ ok: false });
  });

  it('match the version exactly, and show only finalized entries', async () => {
    await save('k-1', 'v1', Buffer.from('a'));
    expect(await find('k-', [], 'v2')).toEqual({ ok: false });
    await twirp('CreateCacheEntry', { key: 'k-2', version: 'v1' });
    expect(await find('k-', [], 'v1')).toMatchObject({ matched_key: 'k-1' });
    expect(service.entries().map(({ key, finalized }) => [key, finalized])).toEqual([
      ['k-1', true],
      ['k-2', false],
    ]);
  });

  it('refuse a missing runtime token, bad keys and a finalization without an upload', async () => {
    expect((await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' }, 'wrong')).status).toBe(401);
    expect((await twirp('CreateCacheEntry', { key: 'a,b', version: 'v' })).status).toBe(400);
    expect((await twirp('CreateCacheEntry', { key: 'k'.repeat(513), version: 'v' })).status).toBe(400);
    expect((await twirp('CreateCacheEntry', { key: 'k' })).status).toBe(400);
    await twirp('CreateCacheEntry', { key: 'k', version: 'v' });
    expect((await twirp('FinalizeCacheEntryUpload', { key: 'k', version: 'v', size_bytes: '1' })).json).toEqual({
      ok: false,
      message: 'the archive was not uploaded',
    });
    expect((await twirp('FinalizeCacheEntryUpload', { key: 'x', version: 'v', size_bytes: '1' })).status).toBe(404);
  });

  it('refuse a finalization whose size is not the uploaded one', async () => {
    const created = await twirp('CreateCacheEntry', { key: 'k', version: 'v' });
    await fetch(created.json['signed_upload_url'] as string, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'abc',
    });
    expect((await twirp('FinalizeCacheEntryUpload', { key: 'k', version: 'v', size_bytes: '4' })).json).toEqual({
      ok: false,
      message: 'size_bytes 4 is not the uploaded size',
    });
  });
});

describe('the signed blob URLs', () => {
  it('serve the stored archive whole or in ranges, with the headers the Azure SDK reads', async () => {
    await save('k', 'v', Buffer.from('0123456789'));
    const url = (await find('k', [], 'v'))['signed_download_url'] as string;
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const header of ['etag', 'last-modified', 'x-ms-request-id']) expect(head.headers.get(header)).toBeTruthy();
    expect(head.headers.get('content-length')).toBe('10');
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(head.headers.get('x-ms-blob-type')).toBe('BlockBlob');
    expect(await (await fetch(url)).text()).toBe('0123456789');
    const part = await fetch(url, { headers: { 'x-ms-range': 'bytes=2-5' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, 'bytes 2-5/10', '2345']);
    expect((await fetch(url, { headers: { range: 'bytes=20-' } })).status).toBe(416);
  });

  it('refuse an unsigned URL, a write through a read URL, a blob type other than BlockBlob and blocks', async () => {
    await save('k', 'v', Buffer.from('a'));
    const url = new URL((await find('k', [], 'v'))['signed_download_url'] as string);
    const put = (target: URL, headers: Record<string, string>): Promise<Response> =>
      fetch(target, { method: 'PUT', headers, body: 'x' });
    expect((await put(url, { 'x-ms-blob-type': 'BlockBlob' })).status).toBe(403);
    url.searchParams.set('sig', 'forged');
    const forged = await fetch(url);
    expect([forged.status, forged.headers.get('x-ms-error-code')]).toEqual([403, 'AuthenticationFailed']);
    const upload = new URL(
      (await twirp('CreateCacheEntry', { key: 'k2', version: 'v' })).json['signed_upload_url'] as string,
    );
    expect((await put(upload, {})).status).toBe(400);
    upload.searchParams.set('comp', 'block');
    expect((await put(upload, { 'x-ms-blob-type': 'BlockBlob' })).status).toBe(400);
  });

  it('are answered through the emulator as HTTP proxy in azure mode', async () => {
    const azure = await CacheService.start();
    try {
      expect(azure.env()['HTTP_PROXY']).toBe(azure.url);
      const entry = azure.plant('k', 'v', Buffer.from('blob'));
      expect(entry).toMatchObject({ key: 'k', finalized: true, order: 1 });
      const response = await fetch(`${azure.url}${TWIRP_PATH}GetCacheEntryDownloadURL`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${azure.runtimeToken}` },
        body: JSON.stringify({ key: 'k', version: 'v' }),
      });
      const url = new URL(((await response.json()) as Record<string, string>)['signed_download_url'] as string);
      expect(url.host).toBe(BLOB_HOST);
      const body = await new Promise<string>((resolve, reject) => {
        // A proxy request: the absolute URL as the request target.
        const request = http.request({ host: '127.0.0.1', port: new URL(azure.url).port, path: url.href }, (answer) => {
          let text = '';
          answer.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          answer.on('end', () => resolve(text));
        });
        request.on('error', reject);
        request.end();
      });
      expect(body).toBe('blob');
    } finally {
      await azure.close();
    }
  });
});

describe('faults', () => {
  it('answer a status for the given number of requests, then recover', async () => {
    service.fail('GetCacheEntryDownloadURL', { kind: 'status', status: 429, headers: { 'retry-after': '60' } }, 1);
    const throttled = await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' });
    expect([throttled.status, throttled.headers.get('retry-after'), throttled.json['code']]).toEqual([
      429,
      '60',
      'resource_exhausted',
    ]);
    expect((await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' })).status).toBe(200);
    expect(service.count('GetCacheEntryDownloadURL')).toBe(2);
  });

  it('deny reads and writes as the service does for a token without the scope', async () => {
    service.fail('CreateCacheEntry', { kind: 'deny' });
    service.fail('GetCacheEntryDownloadURL', { kind: 'deny' });
    expect((await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).json).toEqual({
      ok: false,
      message: 'cache write denied: token has no writable scopes',
    });
    const read = await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' });
    expect([read.status, read.json['msg']]).toEqual([403, 'cache read denied: token has no readable scopes']);
  });

  it('serve a corrupt blob of the same length once, deny a blob, and refuse to corrupt anything but a download', async () => {
    await save('k', 'v', Buffer.from('archive'));
    const url = (await find('k', [], 'v'))['signed_download_url'] as string;
    service.fail('download', { kind: 'corrupt' }, 1);
    // The Azure SDK's HEAD first: it sees the true properties, and leaves the fault to the GET.
    expect((await fetch(url, { method: 'HEAD' })).headers.get('content-length')).toBe('7');
    const corrupt = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(corrupt.length).toBe(7);
    expect(corrupt.equals(Buffer.from('archive'))).toBe(false);
    service.fail('download', { kind: 'deny' }, 1);
    expect((await fetch(url)).status).toBe(403);
    service.fail('download', { kind: 'status', status: 503 }, 1);
    expect((await fetch(url)).headers.get('x-ms-error-code')).toBe('ServerBusy');
    expect(await (await fetch(url)).text()).toBe('archive');
    expect(() => service.fail('upload', { kind: 'corrupt' })).toThrow('only a download can be corrupt');
  });

  it('hang without answering until close() ends the connection', async () => {
    service.fail('CreateCacheEntry', { kind: 'hang' });
    const hung = twirp('CreateCacheEntry', { key: 'k', version: 'v' });
    while (service.count('CreateCacheEntry') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await service.close();
    await expect(hung).rejects.toThrow();
    service = await CacheService.start();
  });

  it('record every request, and forget them, the entries and the faults on reset', async () => {
    await save('k', 'v', Buffer.from('a'));
    expect(service.requests.map((request) => [request.operation, request.method])).toEqual([
      ['CreateCacheEntry', 'POST'],
      ['upload', 'PUT'],
      ['FinalizeCacheEntryUpload', 'POST'],
    ]);
    expect(service.requests[0]?.json).toEqual({ key: 'k', version: 'v' });
    expect(service.requests[1]?.body.toString()).toBe('a');
    expect((await fetch(`${service.url}/elsewhere`)).status).toBe(404);
    expect(service.requests.at(-1)?.operation).toBe('unknown');
    service.fail('CreateCacheEntry', { kind: 'hang' });
    service.reset();
    expect([service.requests, service.entries()]).toEqual([[], []]);
    expect((await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).json['ok']).toBe(true);
  });

  it('removes entries by key, as gh cache delete does', async () => {
    service.plant('k-1', 'v', Buffer.from('a'));
    service.plant('k-2', 'v', Buffer.from('b'));
    service.remove('k-2');
    expect(await find('k-', [], 'v')).toMatchObject({ matched_key: 'k-1' });
  });
});

describe('archiveOf', () => {
  it("makes the library's archive of a file, under the version the library computes for its path", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'archive-of-test-'));
    try {
      const runnerTemp = path.join(root, '_temp');
      const workspace = path.join(root, 'repo', 'repo');
      mkdirSync(workspace, { recursive: true });
      const file = path.join(runnerTemp, 'dir', 'file');
      const { version, archive } = await archiveOf(file, 'contents', { runnerTemp, workspace });
      // The library's version: SHA-256 over the paths as given, the compression method and a salt.
      let compression = 'gzip';
      try {
        execFileSync('zstd', ['--version'], { stdio: 'ignore' });
        compression = 'zstd-without-long';
      } catch {
        // No zstd on PATH: the library compresses with gzip.
      }
      expect(version).toBe(createHash('sha256').update(`${file}|${compression}|1.0`).digest('hex'));
      const listing = execFileSync('tar', ['-t', '-P', ...(compression === 'gzip' ? ['-z'] : ['--zstd'])], {
        input: archive,
        encoding: 'utf8',
      });
      // Named relative to GITHUB_WORKSPACE, as the library names every path.
      expect(listing.trim()).toBe('../../_temp/dir/file');
      expect(memberName(file, workspace)).toBe(listing.trim());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/** A v1 REST call as @actions/cache makes it: the bearer token, the Accept header, JSON bodies. */
async function v1Call(
  v1: CacheService,
  method: string,
  resource: string,
  init: { body?: string | Buffer; headers?: Record<string, string>; token?: string; accept?: string } = {},
): Promise<Response> {
  return fetch(`${v1.env()['ACTIONS_CACHE_URL']}_apis/artifactcache/${resource}`, {
    method,
    headers: {
      authorization: `Bearer ${init.token ?? v1.runtimeToken}`,
      accept: init.accept ?? V1_ACCEPT,
      ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

function v1Lookup(v1: CacheService, keys: readonly string[], version: string): Promise<Response> {
  return v1Call(v1, 'GET', `cache?keys=${encodeURIComponent(keys.join(','))}&version=${version}`);
}

/** The key a lookup of [primary, ...restore keys] finds, in either protocol; undefined on a miss. */
async function matchedKey(on: CacheService, keys: readonly string[], version = 'v'): Promise<string | undefined> {
  if (on.protocol === 'v1') {
    const response = await v1Lookup(on, keys, version);
    return response.status === 204
      ? undefined
      : (((await response.json()) as Record<string, string>)['cacheKey'] ?? '');
  }
  const [key, ...restoreKeys] = keys;
  const response = await fetch(`${on.url}${TWIRP_PATH}GetCacheEntryDownloadURL`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${on.runtimeToken}` },
    body: JSON.stringify({ key, restore_keys: restoreKeys, version }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  return answer['ok'] === true ? String(answer['matched_key']) : undefined;
}

describe.each(['v2', 'v1'] as const)('matching a cache key in %s, as GitHub documents restore-keys', (protocol) => {
  let on: CacheService;
  beforeEach(async () => {
    on = await CacheService.start({ protocol, blobHost: 'loopback' });
  });
  afterEach(async () => {
    await on.close();
  });

  it('prefers an exact match of the primary key over a newer entry that it prefixes', async () => {
    on.plant('app-1', 'v', Buffer.from('a'));
    on.plant('app-1-newer', 'v', Buffer.from('b'));
    expect(await matchedKey(on, ['app-1'])).toBe('app-1');
    expect(await matchedKey(on, ['app-'])).toBe('app-1-newer');
  });

  it('prefers an exact match of a restore key over a newer entry that it prefixes, as for the primary key', async () => {
    // An entry planted under the bare prefix is read whatever the primary key is.
    on.plant('fusion-token-', 'v', Buffer.from('planted'));
    on.plant('fusion-token-2', 'v', Buffer.from('newer'));
    expect(await matchedKey(on, ['fusion-token-unmatched', 'fusion-token-'])).toBe('fusion-token-');
    on.remove('fusion-token-');
    expect(await matchedKey(on, ['fusion-token-unmatched', 'fusion-token-'])).toBe('fusion-token-2');
  });

  it('tries the keys in order: a prefix match of an earlier key wins over an exact match of a later one', async () => {
    for (const key of ['lib-a', 'app-b', 'app-c']) on.plant(key, 'v', Buffer.from(key));
    expect(await matchedKey(on, ['app-', 'lib-a'])).toBe('app-c');
    expect(await matchedKey(on, ['none-', 'lib-', 'app-'])).toBe('lib-a');
    expect(await matchedKey(on, ['none-', 'nothing-'])).toBeUndefined();
  });

  it('matches the version exactly', async () => {
    on.plant('k-1', 'v1', Buffer.from('a'));
    expect(await matchedKey(on, ['k-'], 'v2')).toBeUndefined();
    expect(await matchedKey(on, ['k-'], 'v1')).toBe('k-1');
  });
});

describe('in azure mode, the emulator as the HTTP proxy of the blob host', () => {
  let azure: CacheService;
  let proxyEnv: Record<string, string | undefined>;
  const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
  beforeEach(async () => {
    azure = await CacheService.start();
    proxyEnv = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
    for (const name of PROXY_VARIABLES) delete process.env[name];
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(proxyEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await azure.close();
  });

  /** The status the emulator answers a CONNECT to `target` with. */
  function connect(on: CacheService, target: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: new URL(on.url).port, method: 'CONNECT', path: target });
      request.on('connect', (answer: http.IncomingMessage, socket) => {
        socket.destroy();
        resolve(answer.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('tunnels a CONNECT to the blob host: @actions/http-client downloads a signed URL through HTTP_PROXY', async () => {
    azure.plant('k', 'v', Buffer.from('the archive'));
    const signed = await fetch(`${azure.url}${TWIRP_PATH}GetCacheEntryDownloadURL`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${azure.runtimeToken}` },
      body: JSON.stringify({ key: 'k', version: 'v' }),
    });
    const url = ((await signed.json()) as Record<string, string>)['signed_download_url'] as string;
    expect(new URL(url).host).toBe(BLOB_HOST);
    process.env['HTTP_PROXY'] = azure.env()['HTTP_PROXY'];
    const client = new HttpClient('cache-service-test');
    try {
      const response = await client.get(url);
      expect([response.message.statusCode, await response.readBody()]).toEqual([200, 'the archive']);
      const forged = new URL(url);
      forged.searchParams.set('sig', 'forged');
      const refused = await client.get(forged.href);
      expect([refused.message.statusCode, refused.message.headers['x-ms-error-code']]).toEqual([
        403,
        'AuthenticationFailed',
      ]);
      await refused.readBody();
      // The twirp methods are this server's, not the blob host's.
      const misdirected = await client.get(`http://${BLOB_HOST}${TWIRP_PATH}GetCacheEntryDownloadURL`);
      expect(misdirected.message.statusCode).toBe(404);
      await misdirected.readBody();
    } finally {
      client.dispose();
    }
    expect(azure.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(azure.tunnels.every((tunnel) => tunnel.target === `${BLOB_HOST}:80` && tunnel.status === 200)).toBe(true);
    const download = azure.requests.find((request) => request.operation === 'download');
    expect(download).toMatchObject({
      method: 'GET',
      tunnelled: true,
      url: expect.stringMatching(/^\/actions-cache\//),
    });
    expect(azure.count('download')).toBe(1);
  });

  it('refuses a CONNECT to any other host or port, and every CONNECT in loopback mode', async () => {
    expect(await connect(azure, 'example.com:80')).toBe(403);
    expect(await connect(azure, `${BLOB_HOST}:443`)).toBe(403);
    expect(await connect(azure, new URL(azure.url).host)).toBe(403);
    expect(await connect(azure, `${BLOB_HOST}:80`)).toBe(200);
    expect(azure.tunnels.map((tunnel) => tunnel.status)).toEqual([403, 403, 403, 200]);
    const loopback = await CacheService.start({ blobHost: 'loopback' });
    try {
      expect(await connect(loopback, `${BLOB_HOST}:80`)).toBe(403);
    } finally {
      await loopback.close();
    }
    azure.reset();
    expect(azure.tunnels).toEqual([]);
  });
});

describe('cache service v1 (GHES)', () => {
  let v1: CacheService;
  beforeEach(async () => {
    v1 = await CacheService.start({ protocol: 'v1' });
  });
  afterEach(async () => {
    await v1.close();
  });

  /** Reserves, uploads in chunks of `chunkSize` (last one first) and commits; the commit's status. */
  async function saveV1(key: string, version: string, archive: Buffer, chunkSize = 4): Promise<number> {
    const reserved = await v1Call(v1, 'POST', 'caches', {
      body: JSON.stringify({ key, version, cacheSize: archive.length }),
    });
    expect(reserved.status).toBe(200);
    const { cacheId } = (await reserved.json()) as { cacheId: number };
    const starts: number[] = [];
    for (let start = 0; start < archive.length; start += chunkSize) starts.unshift(start);
    for (const start of starts) {
      const end = Math.min(start + chunkSize, archive.length) - 1;
      const chunk = await v1Call(v1, 'PATCH', `caches/${cacheId}`, {
        body: archive.subarray(start, end + 1),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/*` },
      });
      expect(chunk.status).toBe(204);
    }
    return (await v1Call(v1, 'POST', `caches/${cacheId}`, { body: JSON.stringify({ size: archive.length }) })).status;
  }

  it('gives the variables of a GHES runner: ACTIONS_CACHE_URL with a trailing slash, a server that is not github.com', () => {
    const env = v1.env();
    expect(Object.keys(env).sort()).toEqual(['ACTIONS_CACHE_URL', 'ACTIONS_RUNTIME_TOKEN', 'GITHUB_SERVER_URL']);
    expect(env['ACTIONS_CACHE_URL']).toMatch(new RegExp(`^${v1.url}/.+/$`));
    expect(env['GITHUB_SERVER_URL']).toBe(GHES_SERVER_URL);
    expect(new URL(GHES_SERVER_URL).hostname).not.toMatch(/(^|\.)github\.com$|\.ghe\.com$|\.localhost$/);
    expect(v1.protocol).toBe('v1');
  });

  it('looks up: 204 on a miss, else the entry, whose signed archiveLocation a plain GET downloads, in ranges too', async () => {
    const miss = await v1Lookup(v1, ['k-'], 'v');
    expect([miss.status, await miss.text()]).toEqual([204, '']);
    v1.plant('k-1', 'v', Buffer.from('0123456789'));
    const hit = await v1Lookup(v1, ['k-'], 'v');
    expect(hit.status).toBe(200);
    const entry = (await hit.json()) as Record<string, string>;
    expect(entry).toEqual({
      cacheKey: 'k-1',
      scope: 'refs/heads/main',
      creationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      archiveLocation: expect.stringMatching(new RegExp(`^${v1.url}/.+\\?.*sig=`)),
    });
    const archive = await fetch(entry['archiveLocation'] as string);
    expect([archive.status, await archive.text()]).toEqual([200, '0123456789']);
    const part = await fetch(entry['archiveLocation'] as string, { headers: { range: 'bytes=3-' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([
      206,
      'bytes 3-9/10',
      '3456789',
    ]);
    expect(v1.requests.map((request) => request.operation)).toEqual([
      'getCacheEntry',
      'getCacheEntry',
      'download',
      'download',
    ]);
  });

  it('reserves once per key and version, takes chunks in any order, and commits only a whole upload', async () => {
    const archive = randomBytes(10);
    expect(await saveV1('k-1', 'v', archive)).toBe(204);
    expect(v1.count('uploadChunk')).toBe(3);
    expect(v1.entries()).toEqual([{ id: 1, key: 'k-1', version: 'v', archive, finalized: true, order: 1 }]);
    const again = await v1Call(v1, 'POST', 'caches', { body: JSON.stringify({ key: 'k-1', version: 'v' }) });
    expect([again.status, ((await again.json()) as Record<string, string>)['message']]).toEqual([
      409,
      'Cache already exists. Scope: refs/heads/main, Key: k-1, Version: v',
    ]);
    const lateChunk = await v1Call(v1, 'PATCH', 'caches/1', {
      body: Buffer.from('x'),
      headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-0/*' },
    });
    expect(lateChunk.status).toBe(409);

    const reserved = await v1Call(v1, 'POST', 'caches', { body: JSON.stringify({ key: 'k-2', version: 'v' }) });
    const { cacheId } = (await reserved.json()) as { cacheId: number };
    expect(await matchedKey(v1, ['k-2'])).toBeUndefined();
    const chunk = (start: number, text: string): Promise<Response> =>
      v1Call(v1, 'PATCH', `caches/${cacheId}`, {
        body: Buffer.from(text),
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${start + text.length - 1}/*`,
        },
      });
    const commit = async (size: number): Promise<[number, string]> => {
      const response = await v1Call(v1, 'POST', `caches/${cacheId}`, { body: JSON.stringify({ size }) });
      return [response.status, ((await response.json()) as Record<string, string>)['message'] ?? ''];
    };
    await chunk(4, 'efgh');
    expect(await commit(8)).toEqual([400, 'the chunks leave bytes from 0 uncovered or overlapping']);
    await chunk(0, 'abcd');
    expect(await commit(9)).toEqual([400, 'Uploaded cache size of 8 bytes does not match the committed size of 9']);
    // A retried chunk replaces itself.
    await chunk(0, 'ABCD');
    expect((await v1Call(v1, 'POST', `caches/${cacheId}`, { body: JSON.stringify({ size: 8 }) })).status).toBe(204);
    expect(v1.entries()[1]?.archive?.toString()).toBe('ABCDefgh');
    expect(await matchedKey(v1, ['k-'])).toBe('k-2');
  });

  it('refuses a wrong token, another Accept header, bad keys, bad chunks and unknown routes', async () => {
    expect((await v1Lookup(v1, ['k'], 'v')).status).toBe(204);
    const unauthorized = await v1Call(v1, 'GET', 'cache?keys=k&version=v', { token: 'wrong' });
    expect(unauthorized.status).toBe(401);
    const wrongAccept = await v1Call(v1, 'GET', 'cache?keys=k&version=v', { accept: 'application/json' });
    expect([wrongAccept.status, ((await wrongAccept.json()) as Record<string, string>)['message']]).toEqual([
      400,
      `the Accept header must be ${V1_ACCEPT}`,
    ]);
    expect((await v1Lookup(v1, ['k', ''], 'v')).status).toBe(400);
    expect((await v1Call(v1, 'GET', 'cache?keys=k')).status).toBe(400);
    expect(
      (
        await v1Lookup(
          v1,
          Array.from({ length: 11 }, (_, index) => `k${index}`),
          'v',
        )
      ).status,
    ).toBe(400);
    const reserve = (body: unknown): Promise<Response> => v1Call(v1, 'POST', 'caches', { body: JSON.stringify(body) });
    expect((await reserve({ key: 'a,b', version: 'v' })).status).toBe(400);
    expect((await reserve({ key: 'k'.repeat(513), version: 'v' })).status).toBe(400);
    expect((await reserve({ key: 'k' })).status).toBe(400);
    expect((await reserve({ key: 'k', version: 'v' })).status).toBe(200);
    const patch = (headers: Record<string, string>, id = 1): Promise<Response> =>
      v1Call(v1, 'PATCH', `caches/${id}`, { body: Buffer.from('ab'), headers });
    expect((await patch({ 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/*' })).status).toBe(
      400,
    );
    expect((await patch({ 'content-type': 'application/octet-stream' })).status).toBe(400);
    expect((await patch({ 'content-type': 'text/plain', 'content-range': 'bytes 0-1/*' })).status).toBe(400);
    expect(
      (await patch({ 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-1/*' }, 9)).status,
    ).toBe(404);
    expect((await v1Call(v1, 'POST', 'caches/9', { body: JSON.stringify({ size: 1 }) })).status).toBe(404);
    expect((await v1Call(v1, 'POST', 'caches/1', { body: JSON.stringify({}) })).status).toBe(400);
    expect((await v1Call(v1, 'DELETE', 'caches/1')).status).toBe(404);
    expect((await v1Call(v1, 'PUT', 'caches')).status).toBe(404);
    expect((await v1Call(v1, 'POST', 'cache')).status).toBe(404);
    // Each protocol answers its own routes only.
    const twirpOnV1 = await fetch(`${v1.url}${TWIRP_PATH}GetCacheEntryDownloadURL`, { method: 'POST', body: '{}' });
    expect(twirpOnV1.status).toBe(404);
    const v1OnV2 = await fetch(`${service.url}/_services/artifactcache/fusion-test/_apis/artifactcache/cache?keys=k`);
    expect(v1OnV2.status).toBe(404);
    expect(v1.requests.filter((request) => request.operation === 'unknown')).toHaveLength(4);
  });

  it('lists the entries of a key, as the library does after a miss under RUNNER_DEBUG', async () => {
    v1.plant('k', 'v1', Buffer.from('a'));
    v1.plant('k', 'v2', Buffer.from('b'));
    v1.plant('k-other', 'v1', Buffer.from('c'));
    const listed = (await (await v1Call(v1, 'GET', 'caches?key=k')).json()) as {
      totalCount: number;
      artifactCaches: Record<string, string>[];
    };
    expect(listed.totalCount).toBe(2);
    expect(listed.artifactCaches.map((entry) => [entry['cacheKey'], entry['cacheVersion']])).toEqual([
      ['k', 'v1'],
      ['k', 'v2'],
    ]);
    expect(v1.count('listCaches')).toBe(1);
  });

  it('answers a status fault with a v1 error body, then recovers', async () => {
    v1.fail('getCacheEntry', { kind: 'status', status: 503, headers: { 'retry-after': '1' } }, 1);
    const failed = await v1Lookup(v1, ['k'], 'v');
    expect([failed.status, failed.headers.get('retry-after')]).toEqual([503, '1']);
    expect((await failed.json()) as Record<string, unknown>).toMatchObject({ message: 'emulated fault: HTTP 503' });
    expect((await v1Lookup(v1, ['k'], 'v')).status).toBe(204);
    expect(v1.count('getCacheEntry')).toBe(2);
  });

  it('denies reads and writes with the messages @actions/cache classifies as denials', async () => {
    for (const operation of ['getCacheEntry', 'listCaches', 'reserveCache', 'uploadChunk', 'commitCache'] as const) {
      v1.fail(operation, { kind: 'deny' });
    }
    const message = async (response: Promise<Response>): Promise<[number, string]> => {
      const answer = await response;
      return [answer.status, ((await answer.json()) as Record<string, string>)['message'] ?? ''];
    };
    const readDenied: [number, string] = [403, 'cache read denied: token has no readable scopes'];
    const writeDenied: [number, string] = [403, 'cache write denied: token has no writable scopes'];
    expect(await message(v1Lookup(v1, ['k'], 'v'))).toEqual(readDenied);
    expect(await message(v1Call(v1, 'GET', 'caches?key=k'))).toEqual(readDenied);
    expect(await message(v1Call(v1, 'POST', 'caches', { body: JSON.stringify({ key: 'k', version: 'v' }) }))).toEqual(
      writeDenied,
    );
    expect(await message(v1Call(v1, 'PATCH', 'caches/1', { body: Buffer.from('a') }))).toEqual(writeDenied);
    expect(await message(v1Call(v1, 'POST', 'caches/1', { body: JSON.stringify({ size: 1 }) }))).toEqual(writeDenied);
  });

  it('hangs, corrupts or denies a download, and takes faults only for its own operations', async () => {
    v1.plant('k', 'v', Buffer.from('archive'));
    const location = ((await (await v1Lookup(v1, ['k'], 'v')).json()) as Record<string, string>)[
      'archiveLocation'
    ] as string;
    v1.fail('download', { kind: 'corrupt' }, 1);
    const corrupt = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect([corrupt.length, corrupt.equals(Buffer.from('archive'))]).toEqual([7, false]);
    v1.fail('download', { kind: 'deny' }, 1);
    expect((await fetch(location)).status).toBe(403);
    expect(await (await fetch(location)).text()).toBe('archive');
    expect(() => v1.fail('GetCacheEntryDownloadURL', { kind: 'deny' })).toThrow(
      'GetCacheEntryDownloadURL is not an operation of cache service v1',
    );
    expect(() => v1.fail('upload', { kind: 'deny' })).toThrow('upload is not an operation of cache service v1');
    expect(() => service.fail('reserveCache', { kind: 'deny' })).toThrow(
      'reserveCache is not an operation of cache service v2',
    );
    expect(() => v1.fail('commitCache', { kind: 'corrupt' })).toThrow('only a download can be corrupt');
    v1.fail('reserveCache', { kind: 'hang' });
    const hung = v1Call(v1, 'POST', 'caches', { body: JSON.stringify({ key: 'k2', version: 'v' }) });
    while (v1.count('reserveCache') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await v1.close();
    await expect(hung).rejects.toThrow();
    v1 = await CacheService.start({ protocol: 'v1' });
  });
});

/**
 * Runs `script` in a child Node process as a step would, with `cache` = @actions/cache and `result(value)`,
 * which reports a value back; what it reported, and the whole output.
 */
function runLibrary(script: string, env: Record<string, string>): Promise<{ result: unknown; stdout: string }> {
  const prelude =
    "const cache = await import('@actions/cache');" +
    "const result = (value) => console.log('RESULT ' + JSON.stringify(value));";
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', `${prelude}\n${script}`],
      { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env } },
      (error, stdout, stderr) => {
        // The library may print after the script's last line (a download's progress line).
        const reported = stdout.split('\n').find((line) => line.startsWith('RESULT '));
        if (error || reported === undefined) {
          return reject(
            new Error(`the library's script failed: ${error?.message ?? 'no result'}\n${stdout}\n${stderr}`),
          );
        }
        resolve({ result: JSON.parse(reported.slice('RESULT '.length)), stdout });
      },
    );
  });
}

/** A runner's directories under a scratch root, as on a hosted runner: _temp next to the checkout's parent. */
function scratchRunner(): { root: string; runnerTemp: string; workspace: string; valueFile: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'cache-service-test-'));
  const runnerTemp = path.join(root, 'work', '_temp');
  const workspace = path.join(root, 'work', 'repo', 'repo');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  return { root, runnerTemp, workspace, valueFile: path.join(runnerTemp, 'fusion-token-cache', 'value') };
}

describe("@actions/cache's own saveCache and restoreCache against v1 (GHES)", () => {
  let v1: CacheService | undefined;
  let runner: ReturnType<typeof scratchRunner>;
  beforeEach(() => {
    runner = scratchRunner();
  });
  afterEach(async () => {
    await v1?.close();
    v1 = undefined;
    rmSync(runner.root, { recursive: true, force: true });
  });

  function stepEnv(on: CacheService): Record<string, string> {
    return { ...on.env(), RUNNER_TEMP: runner.runnerTemp, GITHUB_WORKSPACE: runner.workspace, VALUE: runner.valueFile };
  }

  it.each(['loopback', 'azure'] as const)(
    'save in chunks, then restore by prefix, with signed URLs on the %s host',
    async (blobHost) => {
      v1 = await CacheService.start({ protocol: 'v1', blobHost });
      // Hex of random bytes: gzip or zstd leaves it over 3 KB, several chunks of 1 KiB.
      const contents = randomBytes(3000).toString('hex');
      mkdirSync(path.dirname(runner.valueFile), { recursive: true });
      writeFileSync(runner.valueFile, contents);
      const { result } = await runLibrary(
        'const fs = await import("node:fs");' +
          'const id = await cache.saveCache([process.env.VALUE], "fusion-token-v1-abc-1", { uploadChunkSize: 1024 });' +
          'fs.rmSync(process.env.VALUE);' +
          'const key = await cache.restoreCache([process.env.VALUE], "fusion-token-v1-abc-", []);' +
          'result({ id, key });',
        stepEnv(v1),
      );
      const [entry] = v1.entries();
      expect(result).toEqual({ id: entry?.id, key: 'fusion-token-v1-abc-1' });
      expect(readFileSync(runner.valueFile, 'utf8')).toBe(contents);
      expect(entry).toMatchObject({ key: 'fusion-token-v1-abc-1', finalized: true });
      const size = entry?.archive?.length ?? 0;
      expect(size).toBeGreaterThan(2048);
      expect(
        ['reserveCache', 'uploadChunk', 'commitCache', 'getCacheEntry'].map((operation) =>
          v1?.count(operation as never),
        ),
      ).toEqual([1, Math.ceil(size / 1024), 1, 1]);
      // A plain GET on the loopback host. On the blob host, the library's own concurrent download (v1 does not
      // use the Azure SDK by default): a HEAD, then ranged GETs, each through a CONNECT tunnel.
      const downloads = v1.requests.filter((request) => request.operation === 'download');
      expect(downloads.map((request) => [request.method, request.tunnelled])).toEqual(
        blobHost === 'loopback'
          ? [['GET', false]]
          : [
              ['HEAD', true],
              ['GET', true],
            ],
      );
      expect(v1.requests.filter((request) => request.operation === 'unknown')).toEqual([]);
      const lookup = new URL(v1.requests.find((request) => request.operation === 'getCacheEntry')?.url ?? '', v1.url);
      expect(lookup.searchParams.get('keys')).toBe('fusion-token-v1-abc-');
      expect(lookup.searchParams.get('version')).toBe(entry?.version);
    },
  );

  it('takes a v1 denial as the library means it: a warning and a miss, a warning and no save', async () => {
    v1 = await CacheService.start({ protocol: 'v1' });
    v1.fail('getCacheEntry', { kind: 'deny' });
    v1.fail('reserveCache', { kind: 'deny' });
    mkdirSync(path.dirname(runner.valueFile), { recursive: true });
    writeFileSync(runner.valueFile, 'value');
    const { result, stdout } = await runLibrary(
      'const key = await cache.restoreCache([process.env.VALUE], "k-", []);' +
        'const id = await cache.saveCache([process.env.VALUE], "k-1");' +
        'result({ key: key ?? null, id });',
      stepEnv(v1),
    );
    expect(result).toEqual({ key: null, id: -1 });
    expect(stdout).toContain('::warning::Failed to restore: cache read denied: token has no readable scopes');
    expect(stdout).toContain(
      '::warning::Failed to save: Unable to reserve cache with key k-1. More details: cache write denied: token has no writable scopes',
    );
  });

  it("restores the path-escaping archives with tar -P, writing outside the runner's directories (issue 15)", async () => {
    v1 = await CacheService.start({ protocol: 'v1' });
    const outside = path.join(runner.root, 'outside');
    mkdirSync(outside);
    const { version, archive } = await archiveOf(runner.valueFile, 'value', runner);
    // The compression the library chose (zstd when the CLI is there) is the one it extracts with.
    const compression = archive.subarray(0, 4).equals(ZSTD_MAGIC) ? 'zstd' : 'gzip';
    v1.plant('escape-absolute', version, absolutePathArchive(path.join(outside, 'absolute.js'), 'A', compression));
    const dotDot = memberName(path.join(outside, 'dotdot.js'), runner.workspace);
    expect(dotDot).toBe('../../../outside/dotdot.js');
    v1.plant('escape-dotdot', version, dotDotArchive(dotDot, 'D', compression));
    v1.plant('escape-symlink', version, symlinkThroughArchive('link', outside, 'symlink.js', 'S', compression));
    const { result } = await runLibrary(
      'const keys = [];' +
        'for (const key of ["escape-absolute", "escape-dotdot", "escape-symlink"])' +
        '  keys.push(await cache.restoreCache([process.env.VALUE], key, []));' +
        'result(keys);',
      stepEnv(v1),
    );
    expect(result).toEqual(['escape-absolute', 'escape-dotdot', 'escape-symlink']);
    expect(
      ['absolute.js', 'dotdot.js', 'symlink.js'].map((name) => readFileSync(path.join(outside, name), 'utf8')),
    ).toEqual(['A', 'D', 'S']);
  });
});

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the archives of cache-archives.ts, as the real tar, zstd and Node read them', () => {
  const VALUE_MEMBER = '../../_temp/fusion-token-cache/value';
  const POST_JS = '/home/runner/work/_actions/org/fusion-token-action/v1/dist/post.js';
  const listing = (archive: Buffer, flag: string): string[] =>
    execFileSync('tar', ['-tv', '-P', flag, '-f', '-'], { input: archive, encoding: 'utf8' }).trim().split('\n');

  it('lists an absolute member, a ../ member, and a symlink followed by a file through it', () => {
    expect(listing(absolutePathArchive(POST_JS, 'planted'), '-z')).toEqual([
      expect.stringMatching(new RegExp(`^-rw-r--r-- .* 7 .* ${literal(POST_JS)}$`)),
    ]);
    expect(
      listing(dotDotArchive('../../../_actions/org/fusion-token-action/v1/dist/post.js', 'planted'), '-z'),
    ).toEqual([
      expect.stringMatching(/^-rw-r--r-- .* \.\.\/\.\.\/\.\.\/_actions\/org\/fusion-token-action\/v1\/dist\/post\.js$/),
    ]);
    expect(listing(symlinkThroughArchive('link', path.dirname(POST_JS), 'post.js', 'planted'), '-z')).toEqual([
      expect.stringMatching(new RegExp(`^lrwxrwxrwx .* link -> ${literal(path.dirname(POST_JS))}$`)),
      expect.stringMatching(/^-rw-r--r-- .* link\/post\.js$/),
    ]);
    expect(listing(absolutePathArchive(POST_JS, 'planted', 'zstd'), '--zstd')).toHaveLength(1);
    expect(() => absolutePathArchive('dist/post.js', 'x')).toThrow('not an absolute path: dist/post.js');
    expect(() => dotDotArchive('dist/post.js', 'x')).toThrow('no ../ in dist/post.js');
  });

  it.each([
    ['gzip', '-z'],
    ['zstd', '--zstd'],
  ] as const)('builds a plain %s archive of one member, as tar --posix writes it', (compression, flag) => {
    expect(memberName('/home/runner/work/_temp/fusion-token-cache/value', '/home/runner/work/repo/repo')).toBe(
      VALUE_MEMBER,
    );
    const archive = plainArchive(VALUE_MEMBER, 'fta1.sealed', compression);
    expect(listing(archive, flag)).toEqual([
      expect.stringMatching(new RegExp(`^-rw-r--r-- .* 11 .* ${literal(VALUE_MEMBER)}$`)),
    ]);
    expect(execFileSync('tar', ['-xO', '-P', flag, '-f', '-'], { input: archive, encoding: 'utf8' })).toBe(
      'fta1.sealed',
    );
    const tar = execFileSync(compression === 'gzip' ? 'gzip' : 'zstd', ['-d', '-c'], { input: archive });
    // A pax header first (typeflag 'x', under GNU tar's PaxHeaders name), holding the times.
    expect([tar.subarray(156, 157).toString(), tar.subarray(0, 100).toString().replace(/\0+$/, '')]).toEqual([
      'x',
      '../../_temp/fusion-token-cache/PaxHeaders/value',
    ]);
    expect(tar.subarray(512, 1024).toString()).toMatch(/^\d+ mtime=\d+\n\d+ atime=\d+\n\d+ ctime=\d+\n/);
  });

  it('builds a zstd bomb: about 64 KiB, a tar header naming the real file and declaring 2 GiB, then the zeros', () => {
    const bomb = zstdBomb(VALUE_MEMBER);
    expect(bomb.length).toBeGreaterThan(60 * 1024);
    expect(bomb.length).toBeLessThan(70 * 1024);
    // tar complains that the archive is cut short; the header it read comes first.
    const head = spawnSync('sh', ['-c', 'zstd -d -c | head -c 1024 | tar -tv -P -f -'], {
      input: bomb,
      encoding: 'utf8',
    });
    expect(head.stdout).toMatch(new RegExp(`^-rw-r--r-- .* ${TWO_GIB} .* ${literal(VALUE_MEMBER)}\n`));
    const size = execFileSync('sh', ['-c', 'zstd -d -c | wc -c'], { input: bomb, encoding: 'utf8' });
    expect(Number(size.trim())).toBe(512 + TWO_GIB + 1024);
    const small = zstdBomb(VALUE_MEMBER, 1000);
    expect(listing(small, '--zstd')).toEqual([expect.stringMatching(/ 1000 /)]);
    const zeros = execFileSync('tar', ['-xO', '-P', '--zstd', '-f', '-'], { input: small });
    expect(zeros.equals(Buffer.alloc(1000))).toBe(true);
  });

  it('builds a frame asking for a 128 MiB window: zstd -lv shows it, Node 24 refuses it under ZSTD_d_windowLogMax 23', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'big-window-'));
    try {
      const big = path.join(scratch, 'big.tzst');
      const plain = path.join(scratch, 'plain.tzst');
      writeFileSync(big, bigWindowArchive(VALUE_MEMBER, 'fta1.sealed'));
      writeFileSync(plain, plainArchive(VALUE_MEMBER, 'fta1.sealed', 'zstd'));
      expect(2 ** BIG_WINDOW_LOG).toBe(134217728);
      // stderr ignored: zstd -lv prints its banner there.
      const frameInfo = (file: string): string =>
        execFileSync('zstd', ['-lv', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(frameInfo(big)).toContain('Window Size: 128 MiB (134217728 B)');
      expect(frameInfo(plain)).toContain('Window Size: 128 KiB (131072 B)');
      const script =
        'const zlib = require("node:zlib"); const fs = require("node:fs");' +
        'const read = (file, params) => { try { return zlib.zstdDecompressSync(fs.readFileSync(file), { params }).length; }' +
        ' catch (error) { return error.code; } };' +
        'const bounded = { [zlib.constants.ZSTD_d_windowLogMax]: 23 };' +
        'console.log(JSON.stringify([read(process.argv[1], bounded), read(process.argv[1], {}), read(process.argv[2], bounded)]));';
      const answer = execFileSync(actionNodeBinary(), ['-e', script, big, plain], { encoding: 'utf8' });
      // The bounded read refuses the big window only; unbounded, the same frame is a valid 3 KiB tar.
      expect(JSON.parse(answer)).toEqual(['ZSTD_error_frameParameter_windowTooLarge', 3072, 3072]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('writes names too long for ustar through pax records, splits long paths at a slash, and bounds sizes', () => {
    const deep = `dir/${'v'.repeat(120)}`;
    const longTarget = `/${'t'.repeat(120)}`;
    const tar = tarArchive([
      { type: 'directory', name: 'dir' },
      { type: 'file', name: deep, contents: 'deep' },
      { type: 'symlink', name: 'link', target: longTarget },
      { type: 'file', name: `${'p'.repeat(120)}/value`, contents: 'split' },
    ]);
    const lines = execFileSync('tar', ['-tv', '-P', '-f', '-'], { input: tar, encoding: 'utf8' }).trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^drwxr-xr-x .* dir\/$/),
      expect.stringMatching(new RegExp(` 4 .* ${deep}$`)),
      expect.stringMatching(new RegExp(`^lrwxrwxrwx .* link -> ${longTarget}$`)),
      expect.stringMatching(new RegExp(` 5 .* ${'p'.repeat(120)}/value$`)),
    ]);
    // The split name needs no pax header: a ustar prefix holds its directory.
    const headers = [0, 512, 1536, 2560, 3584, 4096].map((offset) =>
      tar.subarray(offset + 156, offset + 157).toString(),
    );
    expect(headers).toEqual(['5', 'x', '0', 'x', '2', '0']);
    expect(() => tarHeader({ name: 'x', typeflag: '0', size: 2 ** 33 })).toThrow('a ustar size is 0 to 8589934591');
    expect(() => tarHeader({ name: 'n'.repeat(101), typeflag: '0', size: 0 })).toThrow('needs a pax header');
  });

  it('builds zstd frames that zstd -d reads back byte for byte, and refuses windows and blocks out of bounds', () => {
    const data = randomBytes(300_000);
    const frame = zstdFrame([...rawBlocks(data), ...rleBlocks(7, 200_000)]);
    const out = execFileSync('zstd', ['-d', '-c'], { input: frame, maxBuffer: 1 << 20 });
    expect(out.equals(Buffer.concat([data, Buffer.alloc(200_000, 7)]))).toBe(true);
    expect(execFileSync('zstd', ['-d', '-c'], { input: zstdFrame([]) }).length).toBe(0);
    expect(() => zstdFrame([], 9)).toThrow('a zstd window log is 10 to 41, not 9');
    expect(() => zstdFrame(rawBlocks(Buffer.alloc(2048)), 10)).toThrow(
      'a block regenerates at most 1024 bytes here, not 2048',
    );
  });
});
