// The layout shows the architecture: src/ is the action, testbed/ is the local
// test bed (emulators, runner harness, proxies), __tests__/ holds only tests.
// Tests and scripts import the test bed; it imports neither of them, and
// nothing outside __tests__/ imports from it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../testbed/runner.js';

const SOURCE = /\.(ts|cjs|js)$/;

function filesIn(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => SOURCE.test(name))
    .map((name) => path.join(dir, name));
}

/** The folders (relative to ROOT) that a file imports from, by its relative imports. */
function importedFolders(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.map((specifier) => {
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
    return target.split(path.sep)[0] as string;
  });
}

function importersOf(folder: string, among: readonly string[]): string[] {
  return among.flatMap((dir) =>
    filesIn(dir).filter((file) => importedFolders(file, readFileSync(path.join(ROOT, file), 'utf8')).includes(folder)),
  );
}

describe('layout', () => {
  it('__tests__/ holds only test files', () => {
    expect(readdirSync(path.join(ROOT, '__tests__')).filter((name) => !name.endsWith('.test.ts'))).toEqual([]);
  });

  it('nothing outside __tests__/ imports from it', () => {
    expect(importersOf('__tests__', ['src', 'testbed', 'scripts'])).toEqual([]);
  });

  it('the test bed imports neither the tests nor the scripts', () => {
    expect(importersOf('scripts', ['testbed', 'src'])).toEqual([]);
    expect(importersOf('testbed', ['src'])).toEqual([]);
  });

  it('sees an import that breaks the rule', () => {
    expect(importedFolders('testbed/x.ts', "import { a } from '../__tests__/helper.js';")).toEqual(['__tests__']);
    expect(importedFolders('scripts/x.ts', "const m = await import('../testbed/cache.js');")).toEqual(['testbed']);
  });

  it.each(filesIn('testbed'))('%s opens with a comment on what it stands in for', (file) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8')).toMatch(/^\/\/ Stands in for: \S/);
  });
});
