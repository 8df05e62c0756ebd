// Stands in for: the tar program, writing the tar archives a cache entry holds.
// A small tar writer, so a test can build any archive, hostile ones included,
// without the system tar: ustar headers with their checksums, and pax extended
// headers (type 'x'), which GNU tar's `--posix` format writes before a member
// and which carry a name that does not fit the ustar fields. Names are written
// as given: absolute, with `../`, anything.

import path from 'node:path';

const BLOCK = 512;
/** A fixed modification time (2023-11-14), so that the same members give the same bytes. */
export const MTIME = 1_700_000_000;
/** The largest size the 12-byte octal field holds: 8 GiB - 1. */
const MAX_OCTAL_SIZE = 0o77777777777;

export type TarMember =
  /** A regular file (type '0'). */
  | { readonly type: 'file'; readonly name: string; readonly contents: Buffer | string; readonly mode?: number }
  /** A symbolic link (type '2') to `target`. */
  | { readonly type: 'symlink'; readonly name: string; readonly target: string }
  /** A directory (type '5'). */
  | { readonly type: 'directory'; readonly name: string }
  /** A pax extended header (type 'x') for the member that follows: `path`, `mtime`, ... */
  | { readonly type: 'pax'; readonly name: string; readonly records: Readonly<Record<string, string>> };

export interface HeaderFields {
  readonly name: string;
  /** '0' file, '2' symlink, '5' directory, 'x' pax header. */
  readonly typeflag: '0' | '2' | '5' | 'x';
  /** What the header declares, whatever follows it: a bomb declares more than the archive holds. */
  readonly size: number;
  readonly mode?: number;
  readonly linkname?: string;
}

/** One 512-byte ustar header; throws when the name or link name fits neither the name field nor prefix/name. */
export function tarHeader(fields: HeaderFields): Buffer {
  if (!Number.isSafeInteger(fields.size) || fields.size < 0 || fields.size > MAX_OCTAL_SIZE) {
    throw new Error(`a ustar size is 0 to ${MAX_OCTAL_SIZE} bytes, not ${fields.size}`);
  }
  const header = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(fields.name);
  const linkname = fields.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) throw new Error(`link name over 100 bytes needs a pax header: ${linkname}`);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(fields.mode ?? (fields.typeflag === '5' ? 0o755 : 0o644), 7), 100, 'ascii');
  header.write(octal(1001, 7), 108, 'ascii'); // uid: the runner user
  header.write(octal(118, 7), 116, 'ascii'); // gid
  header.write(octal(fields.size, 11), 124, 'ascii');
  header.write(octal(MTIME, 11), 136, 'ascii');
  header.write(fields.typeflag, 156, 'ascii');
  header.write(linkname, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 'ascii'); // magic "ustar\0" and version "00"
  header.write('runner', 265, 'ascii');
  header.write('docker', 297, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  // The checksum is the byte sum with its own field read as eight spaces; stored as six octal digits, NUL, space.
  header.fill(' ', 148, 156);
  const sum = header.reduce((total, byte) => total + byte, 0);
  header.write(`${octal(sum, 6)} `, 148, 'ascii');
  return header;
}

/** The data blocks of a pax extended header: "<length> <key>=<value>\n" records, the length counting itself. */
export function paxRecords(records: Readonly<Record<string, string>>): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const rest = Buffer.byteLength(` ${key}=${value}\n`);
    let length = rest + 1;
    while (String(length).length + rest !== length) length = String(length).length + rest;
    return `${length} ${key}=${value}\n`;
  });
  return Buffer.from(lines.join(''), 'utf8');
}

/**
 * A whole archive: each member's header and data padded to 512 bytes, then two zero blocks. A name or
 * link name too long for ustar gets a pax header of its own first, as GNU tar writes it.
 */
export function tarArchive(members: readonly TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const member of members) {
    if (member.type === 'pax') {
      parts.push(...withData({ name: member.name, typeflag: 'x' }, paxRecords(member.records)));
      continue;
    }
    const linkname = member.type === 'symlink' ? member.target : undefined;
    const long: Record<string, string> = {};
    if (!fitsUstar(member.name)) long['path'] = member.name;
    if (linkname !== undefined && Buffer.byteLength(linkname) > 100) long['linkpath'] = linkname;
    if (Object.keys(long).length > 0) {
      parts.push(...withData({ name: paxHeaderName(member.name), typeflag: 'x' }, paxRecords(long)));
    }
    const name = fitsUstar(member.name) ? member.name : truncate(member.name, 100);
    const link = linkname === undefined ? undefined : truncate(linkname, 100);
    if (member.type === 'file') {
      const data = Buffer.from(member.contents);
      parts.push(...withData({ name, typeflag: '0', ...(member.mode ? { mode: member.mode } : {}) }, data));
    } else if (member.type === 'symlink') {
      parts.push(tarHeader({ name, typeflag: '2', size: 0, mode: 0o777, linkname: link as string }));
    } else {
      parts.push(tarHeader({ name: name.endsWith('/') ? name : `${name}/`, typeflag: '5', size: 0 }));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The zero bytes that pad `size` bytes of member data to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The name GNU tar gives a member's pax header: <dir>/PaxHeaders/<base>. */
export function paxHeaderName(name: string): string {
  return truncate(path.posix.join(path.posix.dirname(name), 'PaxHeaders', path.posix.basename(name)), 100);
}

function withData(fields: Omit<HeaderFields, 'size'>, data: Buffer): Buffer[] {
  return [tarHeader({ ...fields, size: data.length }), data, Buffer.alloc(padding(data.length))];
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')}\u0000`;
}

function fitsUstar(name: string): boolean {
  try {
    splitName(name);
    return true;
  } catch {
    return false;
  }
}

/** [prefix, name]: the name alone when it fits 100 bytes, else split at a '/' into at most 155 + 100 bytes. */
function splitName(full: string): [string, string] {
  if (Buffer.byteLength(full) <= 100) return ['', full];
  for (let index = full.indexOf('/'); index !== -1; index = full.indexOf('/', index + 1)) {
    const prefix = full.slice(0, index);
    const name = full.slice(index + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return [prefix, name];
  }
  throw new Error(`name fits no ustar header, it needs a pax header: ${full}`);
}

/** The longest start of `text` that fits `bytes` bytes of UTF-8, never half a character. */
function truncate(text: string, bytes: number): string {
  let kept = text;
  while (Buffer.byteLength(kept) > bytes) kept = kept.slice(0, -1);
  return kept;
}
