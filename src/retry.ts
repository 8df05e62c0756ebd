// The retry policy: which failures are worth another attempt, and how long to
// wait before it. Pure: randomness and the clock are passed in.

/**
 * Statuses that say "try again later", from IMS or from a proxy; every other
 * status fails at once. The one list: comments name it rather than repeat it,
 * and __tests__/docs.test.ts holds the README's lists to it.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** The most retries a token step (input retries) or a fusion-api call (--retries, the session's) may make. */
export const MAX_RETRIES = 10;

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;
export const RETRY_AFTER_CAP_MS = 60_000;

/**
 * Exponential backoff with full jitter: a uniform wait in
 * [0, min(cap, base * 2^(retry-1))), so clients that failed together spread out.
 * `retry` counts from 1; `random` returns a number in [0, 1).
 */
export function backoffMs(retry: number, random: () => number): number {
  return Math.floor(random() * backoffWindowMs(retry));
}

function backoffWindowMs(retry: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
}

/**
 * Milliseconds a Retry-After header asks for (delay-seconds or an HTTP date),
 * capped at RETRY_AFTER_CAP_MS; undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let waitMs: number;
  if (/^\d+$/.test(value)) {
    waitMs = Number(value) * 1000;
  } else {
    // An HTTP date names its day and month; Date.parse alone also takes "1.5".
    const date = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(date)) return undefined;
    waitMs = Math.max(0, date - nowMs);
  }
  return Math.min(waitMs, RETRY_AFTER_CAP_MS);
}

/**
 * The wait before retry number `retry`. A Retry-After (already capped) is a
 * floor, with jitter on top over a window at least as long as the Retry-After
 * itself, so that clients throttled together come back spread out, not in the
 * same instant; the whole wait stays within RETRY_AFTER_CAP_MS.
 */
export function retryDelayMs(retry: number, requestedMs: number | undefined, random: () => number): number {
  if (requestedMs === undefined) return backoffMs(retry, random);
  const jitterMs = Math.floor(random() * Math.max(requestedMs, backoffWindowMs(retry)));
  return Math.min(RETRY_AFTER_CAP_MS, requestedMs + jitterMs);
}
