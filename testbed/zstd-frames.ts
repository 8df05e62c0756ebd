// Stands in for: the zstd compressor, for frames a test needs byte for byte (Node 20 has no zstd).
// Zstandard frames built by hand as RFC 8878 lays them out: the magic number,
// a frame header with a Window_Descriptor (not single-segment, so no content
// size; no dictionary, no checksum), then Raw and RLE blocks, the last one
// flagged. Such a frame holds no entropy-coded block, yet every conforming
// decoder reads it: the zstd CLI, and Node's zlib.zstdDecompress (22.15+).

/** Magic_Number 0xFD2FB528, little-endian. */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Block_Maximum_Size: no block regenerates more than 128 KiB. */
export const MAX_BLOCK_SIZE = 128 * 1024;
/** A 128 KiB window: the smallest that allows full-size blocks. */
export const DEFAULT_WINDOW_LOG = 17;

export type ZstdBlock =
  /** Block_Type 0: the bytes as they are. */
  | { readonly type: 'raw'; readonly data: Buffer }
  /** Block_Type 1: one byte, repeated `size` times. */
  | { readonly type: 'rle'; readonly byte: number; readonly size: number };

/** Raw blocks holding `data` as it is, 128 KiB at most each. */
export function rawBlocks(data: Buffer): ZstdBlock[] {
  const blocks: ZstdBlock[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_BLOCK_SIZE) {
    blocks.push({ type: 'raw', data: data.subarray(offset, offset + MAX_BLOCK_SIZE) });
  }
  return blocks;
}

/** RLE blocks regenerating `size` copies of `byte`: 4 bytes of frame for every 128 KiB of output. */
export function rleBlocks(byte: number, size: number): ZstdBlock[] {
  const blocks: ZstdBlock[] = [];
  for (let left = size; left > 0; left -= MAX_BLOCK_SIZE) {
    blocks.push({ type: 'rle', byte, size: Math.min(left, MAX_BLOCK_SIZE) });
  }
  return blocks;
}

/**
 * One frame of these blocks whose header asks for a window of 2^windowLog bytes (10 to 41). A decoder
 * must keep that much history, so one that bounds its memory (ZSTD_d_windowLogMax) refuses a larger one.
 */
export function zstdFrame(blocks: readonly ZstdBlock[], windowLog = DEFAULT_WINDOW_LOG): Buffer {
  if (!Number.isInteger(windowLog) || windowLog < 10 || windowLog > 41) {
    throw new Error(`a zstd window log is 10 to 41, not ${windowLog}`);
  }
  const blockMaximum = Math.min(2 ** windowLog, MAX_BLOCK_SIZE);
  // A frame has at least one block: an empty raw one when there is nothing to say.
  const all = blocks.length > 0 ? blocks : [{ type: 'raw', data: Buffer.alloc(0) } as const];
  const total = all.reduce((sum, block) => sum + 3 + (block.type === 'raw' ? block.data.length : 1), 6);
  const frame = Buffer.alloc(total);
  ZSTD_MAGIC.copy(frame, 0);
  // Frame_Header_Descriptor 0: no content size, not single-segment, no checksum, no dictionary.
  frame[4] = 0;
  // Window_Descriptor: Exponent (windowLog - 10) in bits 7-3, Mantissa 0.
  frame[5] = (windowLog - 10) << 3;
  let offset = 6;
  all.forEach((block, index) => {
    const size = block.type === 'raw' ? block.data.length : block.size;
    if (size > blockMaximum) throw new Error(`a block regenerates at most ${blockMaximum} bytes here, not ${size}`);
    // Block_Header, 3 bytes little-endian: Last_Block, Block_Type (2 bits), Block_Size (21 bits).
    const header = (index === all.length - 1 ? 1 : 0) | ((block.type === 'raw' ? 0 : 1) << 1) | (size << 3);
    frame.writeUIntLE(header, offset, 3);
    offset += 3;
    if (block.type === 'raw') {
      block.data.copy(frame, offset);
      offset += block.data.length;
    } else {
      frame[offset++] = block.byte;
    }
  });
  return frame;
}
