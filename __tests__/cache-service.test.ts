// The cache service emulator on its own, over real sockets: the twirp
// methods, the signed blob URLs, the faults, and archiveOf.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BLOB_HOST, CacheService, TWIRP_PATH, type TwirpMethod, archiveOf } from '../testbed/cache-service.js';

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
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
