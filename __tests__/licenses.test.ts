// dist/licenses.txt names every package bundled into dist/: the bundle script
// keeps webpack's stats of each build (node_modules/.cache/fusion-bundle/),
// and this test reads the packages from them.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { licensesText, packageFolders, readPackageLicense, statsModulePaths } from '../scripts/licenses.js';
import { ROOT } from '../testbed/runner.js';

const STATS = path.join(ROOT, 'node_modules', '.cache', 'fusion-bundle');

describe('dist/licenses.txt', () => {
  it('names every package of every build (main step, chunks, post step, fusion-api)', () => {
    expect(existsSync(STATS)).toBe(true);
    const files = readdirSync(STATS).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const folders = files.flatMap((name) =>
      packageFolders(statsModulePaths(JSON.parse(readFileSync(path.join(STATS, name), 'utf8'))), ROOT),
    );
    const names = [...new Set(folders.map((folder) => readPackageLicense(folder).name))];
    // What only the chunks and the post step hold, too.
    expect(names).toEqual(expect.arrayContaining(['@actions/core', '@actions/cache', '@azure/storage-blob', 'tunnel']));
    const listed = readFileSync(path.join(ROOT, 'dist', 'licenses.txt'), 'utf8')
      .split('\n\n')
      .map((block) => block.split('\n')[0]);
    expect(names.filter((name) => !listed.includes(name))).toEqual([]);
  });
});

describe('the license list', () => {
  it('finds each package folder once, the innermost node_modules winning', () => {
    const paths = statsModulePaths({
      modules: [
        { name: './node_modules/@actions/core/lib/core.js' },
        { name: './node_modules/@actions/core/lib/utils.js', modules: [{ name: './src/main.ts' }] },
        { identifier: '/r/node_modules/a/node_modules/b/index.js' },
        { name: 'external "node:fs"' },
      ],
    });
    expect(packageFolders(paths, '/r')).toEqual([
      path.resolve('/r', 'node_modules/@actions/core'),
      '/r/node_modules/a/node_modules/b',
    ]);
  });

  it('lists each package once by name, with its license text, and refuses a package without a license', () => {
    const text = licensesText([
      { name: 'b', license: 'MIT', text: 'MIT text' },
      { name: 'a', license: 'ISC', text: undefined },
      { name: 'b', license: 'MIT', text: 'MIT text' },
    ]);
    expect(text).toBe('a\nISC\n\nb\nMIT\nMIT text\n');
    expect(readPackageLicense(path.join(ROOT, 'node_modules', 'tunnel'))).toMatchObject({
      name: 'tunnel',
      license: 'MIT',
    });
    const unlicensed = mkdtempSync(path.join(tmpdir(), 'unlicensed-'));
    writeFileSync(path.join(unlicensed, 'package.json'), '{"name":"unlicensed"}');
    expect(() => readPackageLicense(unlicensed)).toThrow(/declares no license and ships no license file/);
    rmSync(unlicensed, { recursive: true });
  });
});
