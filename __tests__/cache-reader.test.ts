// The cache reader's pure parts: which service, which version, which name.
// (Its requests are tested against the cache service emulator in
// cache-store.test.ts, where the library's own saveCache writes the entries.)
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cacheServiceOf, cacheVersion, compressionOf, keyProblem, memberName } from '../src/cache-reader.js';
import { ROOT } from '../testbed/runner.js';

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
  /** What @actions/cache itself decides on this PATH (it runs `zstd --quiet --version`). */
  async function libraryDecides(PATH: string): Promise<string> {
    const utils = (await import(path.join(ROOT, 'node_modules/@actions/cache/lib/internal/cacheUtils.js'))) as {
      getCompressionMethod: () => Promise<string>;
    };
    const before = process.env['PATH'];
    const write = process.stdout.write;
    process.env['PATH'] = PATH;
    // Its ::debug:: lines are its own business.
    process.stdout.write = (() => true) as typeof write;
    try {
      return await utils.getCompressionMethod();
    } finally {
      process.env['PATH'] = before;
      process.stdout.write = write;
    }
  }

  it('decides as @actions/cache does, finding zstd as its which() does, running nothing', async () => {
    const folder = (name: string): string => {
      const dir = path.join(root, name);
      mkdirSync(dir);
      return dir;
    };
    const withZstd = folder('with');
    writeFileSync(path.join(withZstd, 'zstd'), '#!/bin/sh\necho v1.5.4\n');
    chmodSync(path.join(withZstd, 'zstd'), 0o755);
    const notExecutable = folder('plain');
    writeFileSync(path.join(notExecutable, 'zstd'), '#!/bin/sh\necho v1.5.4\n');
    const directory = folder('directory');
    mkdirSync(path.join(directory, 'zstd'));
    const cases = [
      ['', notExecutable, withZstd].join(path.delimiter),
      notExecutable,
      directory,
      `${directory}${path.delimiter}${withZstd}`,
      '',
    ];
    for (const PATH of cases)
      expect([PATH, compressionOf({ PATH }, 'linux')]).toEqual([PATH, await libraryDecides(PATH)]);
    expect(compressionOf({ PATH: withZstd }, 'linux')).toBe('zstd-without-long');
    expect(compressionOf({}, 'linux')).toBe('gzip');
  });

  it('on Windows, takes a zstd with an extension of PATHEXT', () => {
    const dir = path.join(root, 'windows');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'zstd.exe'), '');
    expect(compressionOf({ PATH: dir, PATHEXT: '.COM;.exe' }, 'win32')).toBe('zstd-without-long');
    expect(compressionOf({ PATH: dir }, 'win32')).toBe('gzip');
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
