// The body's spent buffers are collected as the body passes, not left to pile up.
import { describe, expect, it } from '@jest/globals';
import { memoryKeeper } from '../src/fusion-api/memory.js';

describe('memoryKeeper', () => {
  it('frees spent buffers once the bytes it counted reach its bound, and not before', () => {
    const keep = memoryKeeper(1000);
    // 40 MiB of answers that were written out and dropped: less than V8 lets pile up before it collects by itself.
    for (let index = 0; index < 40; index++) Buffer.alloc(1024 * 1024, index);
    const piled = process.memoryUsage().arrayBuffers;
    keep(999);
    expect(process.memoryUsage().arrayBuffers).toBeGreaterThan(piled - 8 * 1024 * 1024);
    keep(1);
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(piled - 24 * 1024 * 1024);
  });
});
