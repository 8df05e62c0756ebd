// Opens a downloaded Actions cache entry in memory: decompresses it with
// Node's own zlib (zstd or gzip, whichever the bytes are), never beyond a
// bound, and takes the one file that our save archived. Nothing from the
// archive is written to disk and no process is spawned, so a planted entry can
// neither write a file (absolute paths, "../", links) nor fill the disk (a
// decompression bomb). Pure.

import * as zlib from 'node:zlib';
import { regularFileOf } from './tar.js';

/** The largest archive downloaded, and the most it may expand to. */
export const MAX_ARCHIVE_BYTES = 1024 * 1024;
/** 8 MiB: what zstd's own default level needs at most; a frame asking for more is refused unread. */
const ZSTD_WINDOW_LOG_MAX = 23;

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** The file's contents, or what is wrong with the entry (a phrase after "entry <key>"). */
export function openCacheArchive(
  archive: Buffer,
  memberName: string,
  maxBytes = MAX_ARCHIVE_BYTES,
): Buffer | { readonly problem: string } {
  const tar = decompress(archive, maxBytes);
  if ('problem' in tar) return tar;
  return regularFileOf(tar, memberName) ?? { problem: 'holds no value file' };
}

function decompress(archive: Buffer, maxBytes: number): Buffer | { readonly problem: string } {
  const options = { maxOutputLength: maxBytes };
  try {
    if (archive.subarray(0, 4).equals(ZSTD_MAGIC)) {
      // zlib has zstd from Node 22.15; the action's runtime (node24) has it.
      if (typeof zlib.zstdDecompressSync !== 'function') return { problem: 'is zstd, which this Node cannot read' };
      return zlib.zstdDecompressSync(archive, {
        ...options,
        params: { [zlib.constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX },
      });
    }
    if (archive.subarray(0, 2).equals(GZIP_MAGIC)) return zlib.gunzipSync(archive, options);
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 'ERR_BUFFER_TOO_LARGE') return { problem: `expands to more than ${maxBytes} bytes` };
    if (code === 'ZSTD_error_frameParameter_windowTooLarge') {
      return { problem: `asks for a zstd window larger than ${2 ** ZSTD_WINDOW_LOG_MAX} bytes` };
    }
    return { problem: `is not a valid archive (${typeof message === 'string' ? message : String(error)})` };
  }
  return { problem: 'is not a cache archive (neither zstd nor gzip)' };
}
