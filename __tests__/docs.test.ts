// The README must not drift from action.yml: the inputs and outputs tables
// list exactly the declared names, in order, with the same required flags and
// defaults. Nor from the code: where it lists the statuses that are retried,
// they are exactly those src/retry.ts retries. CONTRIBUTING's table of src/
// names every file there. (The examples are run by __tests__/examples.test.ts.)
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { RETRYABLE_STATUSES } from '../src/retry.js';
import { ROOT, readActionMetadata } from '../testbed/runner.js';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The rows of the first Markdown table after a heading, as arrays of trimmed cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README has no heading ${heading}`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2); // header and separator
}

/** `name` -> name; `''` or an empty cell -> ''. */
function codeValue(cell: string): string {
  if (cell === '' || cell === "`''`") return '';
  const match = /^`([^`]*)`$/.exec(cell);
  if (!match) throw new Error(`expected a \`code\` cell, got ${cell}`);
  return match[1] as string;
}

const metadata = readActionMetadata();

/** The README's inputs table as [name, required, default] rows. */
function documentedInputs(markdown: string): string[][] {
  return tableAfter(markdown, '## Inputs').map(([name, required, defaultValue]) => [
    codeValue(name ?? ''),
    required ?? '',
    codeValue(defaultValue ?? ''),
  ]);
}

/** The README's outputs table as names. */
function documentedOutputs(markdown: string): string[] {
  return tableAfter(markdown, '## Outputs').map(([name]) => codeValue(name ?? ''));
}

const declaredInputs = Object.entries(metadata.inputs).map(([name, spec]) => [
  name,
  spec.required ? 'yes' : 'no',
  spec.default ?? '',
]);
const declaredOutputs = Object.keys(metadata.outputs);

describe('README', () => {
  it('lists every input of action.yml, in order, with its required flag and default', () => {
    expect(documentedInputs(README)).toEqual(declaredInputs);
  });

  it('lists every output of action.yml, in order', () => {
    expect(documentedOutputs(README)).toEqual(declaredOutputs);
  });

  it.each([
    ['a renamed input', (text: string) => text.replace('| `retries`', '| `max-retries`')],
    ['a changed default', (text: string) => text.replace(/(\| `timeout-seconds` +\| no +\| )`30`/, '$1`60`')],
    ['a changed required flag', (text: string) => text.replace(/(\| `client-id` +\| )yes/, '$1no')],
    ['a missing input', (text: string) => text.replace(/^\| `revoke` .*\n/m, '')],
  ])('sees drift: %s', (_what, change) => {
    const changed = change(README);
    expect(changed).not.toBe(README);
    expect(documentedInputs(changed)).not.toEqual(declaredInputs);
  });

  it('sees drift: a missing output', () => {
    const changed = README.replace(/^\| `expires-at` .*\n/m, '');
    expect(changed).not.toBe(README);
    expect(documentedOutputs(changed)).not.toEqual(declaredOutputs);
  });

  it('links every example workflow', () => {
    for (const example of readdirSync(path.join(ROOT, 'examples'))) expect(README).toContain(`examples/${example}`);
  });
});

/** Paragraphs, list items and table rows: the units in which the README says one thing. */
function blocks(markdown: string): string[] {
  const found: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) found.push(current.join(' '));
    current = [];
  };
  for (const line of markdown.split('\n')) {
    if (line.trim() === '' || line.startsWith('|') || /^\s*([-*]|\d+\.) /.test(line)) flush();
    if (line.trim() !== '') current.push(line.trim());
  }
  flush();
  return found;
}

/** The blocks that speak of retrying. */
function retryBlocks(markdown: string): string[] {
  return blocks(markdown).filter((text) => /\bretr(y|ies|ied)\b/i.test(text));
}

/** A list of statuses: `HTTP 408, 429 and 500`. */
const STATUS_LIST = /HTTP \d{3}(?:(?:, |,? and |,? or )\d{3})+/g;

/**
 * What the README gets wrong about the statuses that are retried, given the
 * code's list: in any block that speaks of retrying, a list of statuses that
 * is not exactly that list, or a status class (`5xx`) that claims statuses it
 * is not. Also a README with no such list.
 */
function retryDrift(markdown: string, retried: readonly number[]): string[] {
  const expected = [...retried].sort((a, b) => a - b).join(', ');
  const problems: string[] = [];
  let lists = 0;
  for (const block of retryBlocks(markdown)) {
    for (const [list] of block.matchAll(STATUS_LIST)) {
      lists++;
      const named = [...list.matchAll(/\d{3}/g)].map(([status]) => Number(status)).sort((a, b) => a - b);
      if (named.join(', ') !== expected) problems.push(`${list} (the code retries ${expected})`);
    }
    for (const [statusClass] of block.matchAll(/\b\d[xX]{2}\b/g))
      problems.push(`${statusClass} (the code retries ${expected})`);
  }
  if (lists === 0) problems.push('no list of the retried statuses');
  return problems;
}

describe('README on retries', () => {
  const retried = [...RETRYABLE_STATUSES];
  const expected = [...retried].sort((a, b) => a - b).join(', ');
  // The self-tests change the README's first list of retried statuses, whatever it holds.
  const [firstList = ''] = retryBlocks(README).flatMap((block) =>
    [...block.matchAll(STATUS_LIST)].map(([list]) => list),
  );
  /** The README with its first list replaced; the list may wrap across lines there. */
  const replacingFirstList = (replacement: string): string =>
    README.replace(new RegExp(firstList.replace(/ /g, '\\s+')), replacement);
  const withoutFirstStatus = firstList.replace(/^(HTTP )\d{3}(?:, |,? and |,? or )/, '$1');
  const unretried = [501, 505, 507, 508].find((status) => !RETRYABLE_STATUSES.has(status)) as number;

  it('names exactly the statuses src/retry.ts retries, wherever it lists retried statuses', () => {
    expect(retryDrift(README, retried)).toEqual([]);
  });

  it.each([
    ['a status dropped from a list', withoutFirstStatus, `${withoutFirstStatus} (the code retries ${expected})`],
    ['a status class', 'HTTP 5xx', `5xx (the code retries ${expected})`],
  ])('sees drift: %s', (_what, replacement, problem) => {
    const changed = replacingFirstList(replacement);
    expect(changed).not.toBe(README);
    expect(retryDrift(changed, retried)).toEqual([problem]);
  });

  it('sees drift: no list at all', () => {
    const changed = README.replace(/HTTP \d{3}(?:(?:,\s+|,?\s+and\s+|,?\s+or\s+)\d{3})+/g, 'some statuses');
    expect(changed).not.toBe(README);
    expect(retryDrift(changed, retried)).toEqual(['no list of the retried statuses']);
  });

  it('sees drift: the code retrying another status, or one fewer', () => {
    // Every list in the README is then wrong.
    const lists = retryDrift(README, []).length;
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(retryDrift(README, [...retried, unretried])).toHaveLength(lists);
    expect(retryDrift(README, retried.slice(1))).toHaveLength(lists);
  });
});

describe('CONTRIBUTING', () => {
  const contributing = readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf8');
  // A folder of src/ is one row, `src/<folder>/`.
  const sources = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? [`src/${entry.name}/`] : entry.name.endsWith('.ts') ? [`src/${entry.name}`] : [],
    )
    .sort();
  const documentedSources = (markdown: string): string[] =>
    tableAfter(markdown, '## Where things go')
      .map(([file]) => codeValue(file ?? ''))
      .sort();

  it('says in one table what each file or folder in src/ is, each once', () => {
    expect(documentedSources(contributing)).toEqual(sources);
  });

  it('sees drift: a missing row', () => {
    const changed = contributing.replace(/^\| `src\/retry\.ts` .*\n/m, '');
    expect(changed).not.toBe(contributing);
    expect(documentedSources(changed)).not.toEqual(sources);
  });
});
