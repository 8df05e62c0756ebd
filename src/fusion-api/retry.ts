// Which failed attempts of a Fusion API call are worth another, and how long
// to wait first. Pure: the clock and randomness are passed in. The waits are
// the token step's (src/retry.ts): full-jitter backoff, Retry-After as a floor,
// capped at 60 s.

import { TRANSIENT_NETWORK_CODES, isPassingProxyRefusal } from '../failures.js';
import { backoffMs, retryAfterMs, retryDelayMs } from '../retry.js';
import { IDLE_TIMEOUT_CODE } from './failure.js';

/** What an attempt ended with, as far as the retry policy cares. */
export type AttemptOutcome =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter: string | undefined }
  | { readonly kind: 'network'; readonly code: string | undefined }
  /** The proxy refused to open the tunnel, with this status: nothing reached Fusion. */
  | { readonly kind: 'proxy'; readonly status: number };

/** Methods that do the same when sent twice: a lost answer may be asked again. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Gateway statuses that say "not now"; the request may still have been carried out. */
const UNAVAILABLE: ReadonlySet<number> = new Set([502, 503, 504]);

/** Network problems that may pass, as the token step has them, and an answer that stalls. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([IDLE_TIMEOUT_CODE, ...Object.keys(TRANSIENT_NETWORK_CODES)]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

/**
 * The wait before retry number `retry` (from 1), or undefined when the
 * outcome is not worth another attempt. 429 is retried for every method (the
 * gateway refused it unseen); 502-504, resets and timeouts only for methods
 * that may be repeated, since a POST or PATCH may have been carried out. A
 * proxy's refusal of the tunnel is retried for every method, since the
 * request never left, when the token step retries it too (408, 429, 500,
 * 502-504); its other refusals (credentials, a host it may not reach) are not.
 */
export function retryWaitMs(
  method: string,
  outcome: AttemptOutcome,
  retry: number,
  nowMs: number,
  random: () => number,
): number | undefined {
  if (outcome.kind === 'proxy') return isPassingProxyRefusal(outcome.status) ? backoffMs(retry, random) : undefined;
  if (outcome.kind === 'status') {
    const worth = outcome.status === 429 || (UNAVAILABLE.has(outcome.status) && isIdempotent(method));
    return worth ? retryDelayMs(retry, retryAfterMs(outcome.retryAfter, nowMs), random) : undefined;
  }
  const transient = outcome.code !== undefined && TRANSIENT_CODES.has(outcome.code);
  return transient && isIdempotent(method) ? backoffMs(retry, random) : undefined;
}
