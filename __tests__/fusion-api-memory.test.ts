// The body's spent buffers are collected as the body passes, not left to pile up.
// (The whole effect is measured end to end: the 200 MB answer in e2e-fusion-api.test.ts.)
import { describe, expect, it } from '@jest/globals';
import { COLLECT_EVERY_BYTES, collectNow, memoryKeeper } from '../src/fusion-api/memory.js';

describe('memoryKeeper', () => {
  it('collects once the bytes it counted reach its bound, then counts again from nothing', () => {
    let collections = 0;
    const keep = memoryKeeper(1000, () => collections++);
    keep(999);
    expect(collections).toBe(0);
    keep(1);
    expect(collections).toBe(1);
    keep(999);
    expect(collections).toBe(1);
    keep(5000);
    expect(collections).toBe(2);
  });

  it('collects every 16 MiB of body by default, with a real full collection', () => {
    let collections = 0;
    const keep = memoryKeeper(undefined, () => collections++);
    keep(COLLECT_EVERY_BYTES - 1);
    expect(collections).toBe(0);
    keep(1);
    expect(collections).toBe(1);
    expect(() => collectNow()).not.toThrow();
  });
});
