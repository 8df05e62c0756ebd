import { describe, expect, it } from '@jest/globals';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  RETRY_AFTER_CAP_MS,
  RETRYABLE_STATUSES,
  backoffMs,
  retryAfterMs,
  retryDelayMs,
} from '../src/retry.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('retry policy', () => {
  it('retries exactly the transient statuses', () => {
    expect([...RETRYABLE_STATUSES].sort()).toEqual([408, 429, 500, 502, 503, 504]);
  });

  it('backs off exponentially with full jitter, from under a second, up to a cap', () => {
    const top = () => 0.999999;
    expect(backoffMs(1, top)).toBe(BACKOFF_BASE_MS - 1);
    expect(backoffMs(2, top)).toBe(2 * BACKOFF_BASE_MS - 1);
    expect(backoffMs(3, top)).toBe(4 * BACKOFF_BASE_MS - 1);
    expect(backoffMs(10, top)).toBe(BACKOFF_CAP_MS - 1);
    expect(backoffMs(3, () => 0)).toBe(0);
    expect(backoffMs(3, () => 0.5)).toBe(BACKOFF_BASE_MS * 2);
    expect(BACKOFF_BASE_MS).toBeLessThan(1000);
  });

  it.each([
    ['0', 0],
    ['1', 1000],
    [' 5 ', 5000],
    ['120', RETRY_AFTER_CAP_MS],
    ['Sun, 29 Nov 2026 12:00:07 GMT', 7000],
    ['Sun, 29 Nov 2026 11:59:00 GMT', 0],
    ['Sunday, 29-Nov-26 12:00:03 GMT', 3000],
    ['Mon, 30 Nov 2026 12:00:00 GMT', RETRY_AFTER_CAP_MS],
  ])('reads Retry-After %j as %d ms', (header, expected) => {
    expect(retryAfterMs(header, NOW)).toBe(expected);
  });

  it.each([undefined, '', 'soon', '-1', '1.5'])('ignores the Retry-After %j', (header) => {
    expect(retryAfterMs(header, NOW)).toBeUndefined();
  });

  it('waits at least the Retry-After, jittered over a window at least as long', () => {
    expect(retryDelayMs(1, 1000, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 1000, () => 0.5)).toBe(1500);
    expect(retryDelayMs(1, 0, () => 0.5)).toBe(BACKOFF_BASE_MS / 2);
    expect(retryDelayMs(4, 1000, () => 0.5)).toBe(1000 + 4 * BACKOFF_BASE_MS);
    expect(retryDelayMs(2, undefined, () => 0.5)).toBe(BACKOFF_BASE_MS);
    expect(retryDelayMs(1, 50_000, () => 0.5)).toBe(RETRY_AFTER_CAP_MS);
    expect(retryDelayMs(1, RETRY_AFTER_CAP_MS, () => 0.99)).toBe(RETRY_AFTER_CAP_MS);
  });
});
