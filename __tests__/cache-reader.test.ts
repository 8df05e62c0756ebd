// The cache reader's pure parts: which service, which version, which name.
// (Its requests are tested against the cache service emulator in
// cache-store.test.ts, where the library's own saveCache writes the entries.)
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cacheServiceOf, cacheVersion, compressionOf, keyProblem, memberName } from '../src/cache-reader.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cache-reader-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cacheServiceOf', () => {
  const v2 = { ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_RUNTIME_TOKEN: 't' };
  it('is v2 on github.com and GHE.com when the runner enables it', () => {
    expect(cacheServiceOf(v2)).toEqual({ protocol: 'v2', url: 'https://results/', token: 't' });
    expect(cacheServiceOf({ ...v2, GITHUB_SERVER_URL: 'https://octo.ghe.com' })?.protocol).toBe('v2');
  });

  it('is v1 under ACTIONS_CACHE_URL on GHES, even with v2 enabled, and otherwise without the flag', () => {
    const ghes = { ...v2, ACTIONS_CACHE_URL: 'https://ghes/cache/', GITHUB_SERVER_URL: 'https://ghes.example' };
    expect(cacheServiceOf(ghes)).toEqual({ protocol: 'v1', url: 'https://ghes/cache/', token: 't' });
    expect(cacheServiceOf({ ACTIONS_CACHE_URL: 'https://v1/' })).toEqual({
      protocol: 'v1',
      url: 'https://v1/',
      token: '',
    });
  });

  it('is none without the URL its protocol needs', () => {
    expect(cacheServiceOf({})).toBeUndefined();
    expect(cacheServiceOf({ ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_CACHE_URL: 'https://v1/' })).toBeUndefined();
    expect(cacheServiceOf({ ACTIONS_RESULTS_URL: 'https://results/' })).toBeUndefined();
  });
});

describe('keyProblem', () => {
  it('refuses what @actions/cache refuses: commas, and more than 512 characters', () => {
    expect(keyProblem('a,b')).toBe('Key Validation Error: a,b cannot contain commas.');
    expect(keyProblem('k'.repeat(513))).toMatch(/cannot be larger than 512 characters\.$/);
    expect(keyProblem('k'.repeat(512))).toBeUndefined();
  });
});

describe('compressionOf', () => {
  it('is zstd when an executable zstd is on PATH, else gzip, running nothing', () => {
    const withZstd = path.join(root, 'with');
    const notExecutable = path.join(root, 'plain');
    for (const dir of [withZstd, notExecutable]) mkdirSync(dir);
    writeFileSync(path.join(withZstd, 'zstd'), '#!/bin/sh\nexit 99\n');
    chmodSync(path.join(withZstd, 'zstd'), 0o755);
    writeFileSync(path.join(notExecutable, 'zstd'), '');
    expect(compressionOf({ PATH: ['', notExecutable, withZstd].join(path.delimiter) }, 'linux')).toBe(
      'zstd-without-long',
    );
    expect(compressionOf({ PATH: notExecutable }, 'linux')).toBe('gzip');
    expect(compressionOf({}, 'linux')).toBe('gzip');
    // On Windows any zstd.exe on PATH counts.
    writeFileSync(path.join(notExecutable, 'zstd.exe'), '');
    expect(compressionOf({ PATH: notExecutable }, 'win32')).toBe('zstd-without-long');
  });
});

describe('cacheVersion', () => {
  it('hashes the paths, the compression and the salt, and Windows on Windows', () => {
    const linux = cacheVersion(['/t/value'], 'zstd-without-long', 'linux');
    expect(linux).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheVersion(['/t/value'], 'gzip', 'linux')).not.toBe(linux);
    expect(cacheVersion(['/t/other'], 'zstd-without-long', 'linux')).not.toBe(linux);
    expect(cacheVersion(['/t/value'], 'zstd-without-long', 'win32')).not.toBe(linux);
  });
});

describe('memberName', () => {
  it('is the file relative to the workspace, as tar names it', () => {
    expect(memberName('/w/_temp/f/v', { GITHUB_WORKSPACE: '/w/repo/repo' })).toBe('../../_temp/f/v');
    expect(memberName(path.join(process.cwd(), 'x', 'y'), {})).toBe('x/y');
  });
});
