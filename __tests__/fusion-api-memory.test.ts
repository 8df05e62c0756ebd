// The body's spent buffers are collected as the body passes, not left to pile up.
// (The whole effect is measured end to end: the 200 MB answer in e2e-fusion-api.test.ts.)
import { describe, expect, it } from '@jest/globals';
import { COLLECT_EVERY_BYTES, memoryKeeper } from '../src/fusion-api/memory.js';

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

  it('collects every 16 MiB of body by default', () => {
    let collections = 0;
    const keep = memoryKeeper(undefined, () => collections++);
    keep(COLLECT_EVERY_BYTES - 1);
    expect(collections).toBe(0);
    keep(1);
    expect(collections).toBe(1);
  });

  it('makes a real full collection by default: what nothing holds is gone after it', async () => {
    // Nothing but the WeakRef holds the array once this line is done.
    const ref = new WeakRef(new Array<number>(1000).fill(1));
    // A WeakRef holds its target until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    memoryKeeper(1)(1);
    expect(ref.deref()).toBeUndefined();
  });
});
