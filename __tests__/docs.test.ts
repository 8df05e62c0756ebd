// The README must not drift from action.yml: the inputs and outputs tables
// list exactly the declared names, in order, with the same required flags and
// defaults. Examples must use all four Fusion API headers.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
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

describe('examples', () => {
  it.each(readdirSync(path.join(ROOT, 'examples')))('%s calls Fusion with all four headers', (example) => {
    const text = readFileSync(path.join(ROOT, 'examples', example), 'utf8');
    for (const header of ['Authorization: Bearer', 'x-api-key:', 'x-organization-id:', 'x-gw-region:']) {
      expect(text).toContain(header);
    }
    expect(text).toContain('uses: org/fusion-token-action@v1');
  });
});
