// Takes one regular file out of a tar archive held in memory, and nothing
// else: the archive's other members (names, links, devices, directories) are
// skipped unread, and nothing is ever written to disk. Reads what GNU tar
// writes with --posix, as @actions/cache does: ustar headers, each optionally
// preceded by a pax extended header ('x') that may override its path or size.
// Pure.

const BLOCK = 512;
const REGULAR_TYPES = new Set(['0', '\0']);

/**
 * The contents of the first regular file member named `name` (a leading "./"
 * ignored on both sides), or undefined when there is none before the archive
 * ends or stops making sense (a bad checksum, a member cut short).
 */
export function regularFileOf(archive: Buffer, name: string): Buffer | undefined {
  const wanted = withoutDotSlash(name);
  let pax: Map<string, string> | undefined;
  for (let offset = 0; offset + BLOCK <= archive.length;) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0) || !checksumHolds(header)) return undefined;
    const size = paxSize(pax) ?? headerSize(header);
    const start = offset + BLOCK;
    if (size === undefined || start + size > archive.length) return undefined;
    const data = archive.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(header[156] as number);
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    const memberPax = pax;
    pax = undefined;
    // A global header ('g') and GNU's long names ('L', 'K') only describe other members.
    if (!REGULAR_TYPES.has(type)) continue;
    if (withoutDotSlash(memberPax?.get('path') ?? ustarName(header)) === wanted) return Buffer.from(data);
  }
  return undefined;
}

function withoutDotSlash(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

/** A NUL-terminated field, as text. */
function field(header: Buffer, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
}

function ustarName(header: Buffer): string {
  const name = field(header, 0, 100);
  const prefix = field(header, 257, 6) === 'ustar' ? field(header, 345, 155) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** The header's octal size, or undefined (GNU's base-256 sizes are for members far larger than a value). */
function headerSize(header: Buffer): number | undefined {
  const text = field(header, 124, 12).trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** The sum of the header's bytes, its checksum field counted as spaces, as tar checks it. */
function checksumHolds(header: Buffer): boolean {
  const stored = field(header, 148, 8).trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : (header[index] as number);
  return sum === parseInt(stored, 8);
}

function paxSize(pax: Map<string, string> | undefined): number | undefined {
  const size = pax?.get('size');
  return size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined;
}

/** The records of a pax extended header: "<length> <key>=<value>\n", the length counting the whole record. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  for (let offset = 0; offset < data.length;) {
    const space = data.indexOf(0x20, offset);
    const digits = data.subarray(offset, space).toString('latin1');
    const length = /^\d{1,9}$/.test(digits) ? Number(digits) : NaN;
    if (space === -1 || !(length > space - offset) || offset + length > data.length) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}
