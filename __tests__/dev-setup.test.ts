// What a new contributor meets first. The Node versions for development:
// package.json's engines names them, the README and CONTRIBUTING say them, and
// every package the lockfile pins accepts them, so that npm ci prints no
// EBADENGINE warning there. And the test commands: npm run jest runs one file,
// npx jest alone says in one line how to run the tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../testbed/runner.js';
import { runCommand, stackTraceLines } from '../testbed/terminal.js';

const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as T;

type Version = readonly [number, number, number];

/** X, X.Y or X.Y.Z, where a missing or wildcard part (x, X, *) is undefined. */
function partial(text: string): [number, number | undefined, number | undefined] {
  const match = /^(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text);
  if (!match) throw new Error(`not a version: ${text}`);
  const part = (value: string | undefined): number | undefined =>
    value === undefined || /^[xX*]$/.test(value) ? undefined : Number(value);
  return [Number(match[1]), part(match[2]), part(match[3])];
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether a version meets one comparator (`>=18.12`, `^22.13.0`, `20`, `6.*`, `*`), as npm reads it. */
function meets(version: Version, comparator: string): boolean {
  if (/^[xX*]$/.test(comparator)) return true;
  const [, operator = '', rest = ''] = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(comparator) ?? [];
  const [major, minor, patch] = partial(rest);
  const low: Version = [major, minor ?? 0, patch ?? 0];
  // The first version past the partial one: 22 -> 23.0.0, 22.13 -> 22.14.0.
  const next: Version =
    minor === undefined ? [major + 1, 0, 0] : patch === undefined ? [major, minor + 1, 0] : [major, minor, patch + 1];
  const from = compare(version, low) >= 0;
  switch (operator) {
    case '>=':
      return from;
    case '>':
      return compare(version, next) >= 0;
    case '<':
      return compare(version, low) < 0;
    case '<=':
      return compare(version, next) < 0;
    case '^': {
      // Up to the next change of the first part that is not 0.
      const top: Version =
        major > 0 || minor === undefined
          ? [major + 1, 0, 0]
          : minor > 0 || patch === undefined
            ? [0, minor + 1, 0]
            : next;
      return from && compare(version, top) < 0;
    }
    case '~':
      return from && compare(version, minor === undefined ? next : [major, minor + 1, 0]) < 0;
    default:
      return from && compare(version, next) < 0;
  }
}

/** Whether a version satisfies an engines range: alternatives joined by ||, each comparators joined by spaces. */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => meets(version, comparator)),
  );
}

/** The lines of Node that package.json names for development: `^22.13.0 || ^24.0.0` -> [22, 13, 0], [24, 0, 0]. */
function developmentLines(range: string): Version[] {
  return range.split('||').map((alternative) => {
    const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(alternative.trim());
    if (!match) throw new Error(`engines.node names each line as ^X.Y.Z, not ${alternative.trim()}`);
    return [Number(match[1]), Number(match[2]), Number(match[3])];
  });
}

/** How the docs name those lines: "22 (from 22.13) or 24". */
function spoken(lines: readonly Version[]): string {
  return lines
    .map(([major, minor, patch]) =>
      minor === 0 && patch === 0 ? `${major}` : `${major} (from ${major}.${minor}${patch === 0 ? '' : `.${patch}`})`,
    )
    .join(' or ');
}

const packageJson = readJson<{ engines?: { node?: string } }>('package.json');
/** Worked out in each test, so that an engines.node it cannot read fails the first test, not the file's import. */
const lines = (): Version[] => developmentLines(packageJson.engines?.node ?? '');
const lock = readJson<{ packages: Record<string, { engines?: { node?: string } | string[] }> }>('package-lock.json');

describe('the Node versions for development', () => {
  it('are named in package.json as lines of Node, each from a version on', () => {
    expect(lines().length).toBeGreaterThan(0);
    expect(() => developmentLines('>=22')).toThrow('engines.node names each line as ^X.Y.Z, not >=22');
  });

  it('are said in words', () => {
    expect(
      spoken([
        [22, 13, 0],
        [24, 0, 0],
      ]),
    ).toBe('22 (from 22.13) or 24');
    expect(spoken([[20, 19, 1]])).toBe('20 (from 20.19.1)');
  });

  it.each(['README.md', 'CONTRIBUTING.md'])('%s names them', (file) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8').replace(/\s+/g, ' ')).toContain(`Node.js ${spoken(lines())}`);
  });

  it('are accepted by every package the lockfile pins, so npm ci warns of no engine there', () => {
    const wanted = lines();
    const refusing = Object.entries(lock.packages).flatMap(([name, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (name === '' || range === undefined) return [];
      return wanted
        .filter((line) => !satisfies(line, range))
        .map((line) => `${name} wants ${range}, not ${line.join('.')}`);
    });
    expect(refusing).toEqual([]);
  });

  it.each([
    ['22.13.0', '^20.19.0 || ^22.13.0 || >=24', true],
    ['22.12.0', '^20.19.0 || ^22.13.0 || >=24', false],
    ['23.0.0', '^20.19.0 || ^22.13.0 || >=24', false],
    ['20.20.2', '>=22.0.0', false],
    ['24.0.0', '>= 18', true],
    ['22.0.0', '18 || 20 || >=22', true],
    ['21.0.0', '18 || 20 || >=22', false],
    ['25.0.0', '^20 || ^22 || ^24', false],
    ['22.13.0', '>=16 || 14 >=14.18', true],
    ['0.7.1', '>=0.6.11 <=0.7.0 || >=0.7.3', false],
    ['0.7.0', '>=0.6.11 <=0.7.0 || >=0.7.3', true],
    ['9.0.0', '6.* || 8.* || >= 10.*', false],
    ['22.13.0', '>=0.8.x', true],
    ['0.3.0', '^0.2.1', false],
    ['22.13.0', '*', true],
  ])('reads engines as npm does: %s in %s is %s', (version, range, expected) => {
    expect(satisfies(version.split('.').map(Number) as unknown as Version, range)).toBe(expected);
  });

  it('refuses a range it cannot read rather than pass it', () => {
    expect(() => satisfies([22, 13, 0], '>=22.0.0-rc.1')).toThrow('not a version: 22.0.0-rc.1');
  });
});

describe('running the tests', () => {
  it('npm run jest -- <file> runs one file, without the coverage thresholds of the whole suite', async () => {
    const { code, stderr } = await runCommand('npm', ['run', 'jest', '--', '__tests__/text.test.ts']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('PASS __tests__/text.test.ts') });
    expect(stderr).not.toContain('coverage threshold');
  }, 120_000);

  it('npx jest alone says in one line how to run them, and exits 1', async () => {
    const { code, stdout, stderr } = await runCommand('npx', ['jest', '__tests__/text.test.ts']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'jest: these tests are ES modules and need Node --experimental-vm-modules: run npm test, ' +
        'or npm run jest -- __tests__/<file>.test.ts for one file (npx jest alone does not set it).\n',
    );
    expect(stackTraceLines(stderr)).toEqual([]);
  }, 120_000);
});
