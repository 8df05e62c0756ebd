// The in-memory tar reader against archives that GNU tar itself writes, as
// @actions/cache runs it (`tar --posix -cf - -P`), and against damaged ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { regularFileOf } from '../src/tar.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tar-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What GNU tar writes for these members, made in a folder of their own (names relative to it). */
function gnuTar(
  members: Record<string, string | { symlinkTo: string } | { directory: true }>,
  order?: string[],
): Buffer {
  const dir = mkdtempSync(path.join(root, 'members-'));
  for (const [name, member] of Object.entries(members)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof member === 'string') writeFileSync(file, member);
    else if ('symlinkTo' in member) symlinkSync(member.symlinkTo, file);
    else mkdirSync(file, { recursive: true });
  }
  return execFileSync('tar', ['--posix', '-cf', '-', '-P', '-C', dir, ...(order ?? Object.keys(members))]);
}

describe('regularFileOf', () => {
  it('takes the named regular file, whatever comes before it', () => {
    const archive = gnuTar({ a: 'first', 'dir/b': 'second', 'dir/c': 'wanted\n' });
    expect(regularFileOf(archive, 'dir/c')?.toString()).toBe('wanted\n');
    expect(regularFileOf(archive, './dir/c')?.toString()).toBe('wanted\n');
    expect(regularFileOf(archive, 'a')?.toString()).toBe('first');
  });

  it('reads a name of more than 100 characters from its pax header, and an empty file', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const archive = gnuTar({ [long]: '', short: 'x' }, [long, 'short']);
    expect(regularFileOf(archive, long)).toEqual(Buffer.alloc(0));
    expect(regularFileOf(archive, 'short')?.toString()).toBe('x');
  });

  it('reads a name tar keeps with "../" as it is', () => {
    const dir = mkdtempSync(path.join(root, 'relative-'));
    mkdirSync(path.join(dir, '_temp'), { recursive: true });
    mkdirSync(path.join(dir, 'repo'));
    writeFileSync(path.join(dir, '_temp', 'value'), 'v');
    const archive = execFileSync('tar', ['--posix', '-cf', '-', '-P', '-C', path.join(dir, 'repo'), '../_temp/value']);
    expect(regularFileOf(archive, '../_temp/value')?.toString()).toBe('v');
    expect(regularFileOf(archive, '_temp/value')).toBeUndefined();
  });

  it('never takes a link, a directory or another name for the file', () => {
    const archive = gnuTar({ target: 'secret', value: { symlinkTo: 'target' }, folder: { directory: true } }, [
      'value',
      'folder',
    ]);
    expect(regularFileOf(archive, 'value')).toBeUndefined();
    expect(regularFileOf(archive, 'folder')).toBeUndefined();
    expect(regularFileOf(archive, 'target')).toBeUndefined();
  });

  it('stops at a header whose checksum does not hold, and at a member cut short', () => {
    const archive = gnuTar({ a: 'x'.repeat(1000), b: 'y' });
    expect(regularFileOf(archive, 'b')?.toString()).toBe('y');
    const damaged = Buffer.from(archive);
    // The second member's header: after a's pax header, a's header and two blocks of data.
    const second = archive.indexOf(Buffer.from('PaxHeaders/b'));
    damaged[second] = (damaged[second] as number) ^ 1;
    expect(regularFileOf(damaged, 'b')).toBeUndefined();
    expect(regularFileOf(archive.subarray(0, 1536), 'a')).toBeUndefined();
    expect(regularFileOf(Buffer.alloc(0), 'a')).toBeUndefined();
    expect(regularFileOf(Buffer.from('not a tar archive at all'.repeat(40)), 'a')).toBeUndefined();
  });

  it('takes the first of two members of the same name', () => {
    const one = gnuTar({ v: 'one' });
    const two = gnuTar({ v: 'two' });
    // Two archives back to back, the first without its end blocks: its pax header and its data, its header and its data.
    const firstMembers = one.subarray(0, 4 * 512);
    expect(regularFileOf(firstMembers, 'v')?.toString()).toBe('one');
    expect(regularFileOf(Buffer.concat([firstMembers, two]), 'v')?.toString()).toBe('one');
  });
});

describe('regularFileOf and links', () => {
  it('never takes a hard link member, even under the exact name', () => {
    const dir = mkdtempSync(path.join(root, 'hardlink-'));
    writeFileSync(path.join(dir, 'original'), 'linked contents');
    execFileSync('ln', [path.join(dir, 'original'), path.join(dir, 'value')]);
    const archive = execFileSync('tar', ['--posix', '-cf', '-', '-P', '-C', dir, 'original', 'value']);
    // GNU tar writes the second name as a hard link ('1') to the first: the ustar header named "value" says so.
    const blocks = Array.from({ length: archive.length / 512 }, (_, index) =>
      archive.subarray(index * 512, (index + 1) * 512),
    );
    const header = blocks.find(
      (block) =>
        block
          .subarray(0, 100)
          .toString('latin1')
          .replace(/\0[^]*$/, '') === 'value',
    );
    expect(header === undefined ? undefined : String.fromCharCode(header[156] as number)).toBe('1');
    expect(regularFileOf(archive, 'value')).toBeUndefined();
    expect(regularFileOf(archive, 'original')?.toString()).toBe('linked contents');
  });
});
