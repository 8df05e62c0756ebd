// Opening a cache entry in memory: archives compressed as @actions/cache
// compresses them (GNU tar --posix, then zstd or gzip), and entries made to
// hurt: bombs, a zstd frame that asks for a huge window, bytes of no format.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_ARCHIVE_BYTES, openCacheArchive } from '../src/cache-archive.js';

let root: string;
let tar: Buffer;
const MEMBER = '../_temp/fusion-token-action/sealed-token';

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cache-archive-test-'));
  mkdirSync(path.join(root, '_temp', 'fusion-token-action'), { recursive: true });
  mkdirSync(path.join(root, 'repo'));
  writeFileSync(path.join(root, '_temp', 'fusion-token-action', 'sealed-token'), 'fta1.value');
  tar = execFileSync('tar', ['--posix', '-cf', '-', '-P', '-C', path.join(root, 'repo'), MEMBER]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Compressed by the zstd program, as @actions/cache runs it for zstd-without-long. */
function zstdCli(bytes: Buffer, ...flags: string[]): Buffer {
  return execFileSync('zstd', ['-T0', '-c', ...flags], { input: bytes, maxBuffer: 64 * 1024 * 1024 });
}

describe('openCacheArchive', () => {
  it('runs where zstd is in zlib, as on the node24 runtime', () => {
    expect(typeof zlib.zstdDecompressSync).toBe('function');
  });

  it('takes the value file from a zstd or a gzip archive', () => {
    expect(openCacheArchive(zstdCli(tar), MEMBER).toString()).toBe('fta1.value');
    expect(openCacheArchive(zlib.gzipSync(tar), MEMBER).toString()).toBe('fta1.value');
  });

  it('says so when the archive holds no such file', () => {
    expect(openCacheArchive(zstdCli(tar), 'sealed-token')).toEqual({ problem: 'holds no value file' });
  });

  it.each([
    ['zstd', (bytes: Buffer) => zstdCli(bytes, '-19')],
    ['gzip', (bytes: Buffer) => zlib.gzipSync(bytes, { level: 9 })],
  ])('stops a %s bomb at the bound, reading no further', (_name, compress) => {
    const bomb = compress(Buffer.concat([tar.subarray(0, 1024), Buffer.alloc(64 * 1024 * 1024)]));
    expect(bomb.length).toBeLessThan(MAX_ARCHIVE_BYTES);
    expect(openCacheArchive(bomb, MEMBER)).toEqual({ problem: `expands to more than ${MAX_ARCHIVE_BYTES} bytes` });
    // The bound is the caller's to set: the same archive opens under a larger one.
    expect(openCacheArchive(compress(tar), MEMBER, 20 * 1024).toString()).toBe('fta1.value');
  });

  it('refuses a zstd frame that asks for a window larger than 8 MiB', () => {
    const data = Buffer.alloc(12 * 1024 * 1024, 7);
    const frame = zlib.zstdCompressSync(data, {
      params: {
        [zlib.constants.ZSTD_c_windowLog]: 27,
        [zlib.constants.ZSTD_c_enableLongDistanceMatching]: 1,
      },
    });
    expect(openCacheArchive(frame, MEMBER)).toEqual({ problem: 'asks for a zstd window larger than 8388608 bytes' });
    // A frame within 8 MiB opens as usual.
    const within = zlib.zstdCompressSync(tar, { params: { [zlib.constants.ZSTD_c_windowLog]: 23 } });
    expect(openCacheArchive(within, MEMBER).toString()).toBe('fta1.value');
  });

  it('refuses bytes of no archive format, and a damaged archive', () => {
    expect(openCacheArchive(Buffer.from('PK\u0003\u0004 a zip'), MEMBER)).toEqual({
      problem: 'is not a cache archive (neither zstd nor gzip)',
    });
    const damaged = zlib.gzipSync(tar);
    damaged[20] = (damaged[20] as number) ^ 0xff;
    expect(openCacheArchive(damaged, MEMBER)).toEqual({
      problem: expect.stringMatching(/^is not a valid archive \(.+\)$/),
    });
    expect(openCacheArchive(zstdCli(tar).subarray(0, 30), MEMBER)).toEqual({
      problem: expect.stringMatching(/^is not a valid archive \(.+\)$/),
    });
  });
});
