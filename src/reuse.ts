// Whether a token opened from a seal is reused, kept only as a fallback, or
// set aside, and the words for each. Pure: the clock is passed in.

import { type AttemptFailure, isOutage } from './failures.js';
import type { IssuedToken } from './ims.js';
import type { SealProblem } from './seal.js';
import { formatDuration, visible } from './text.js';

/** Where the step's token came from: the `source` output. */
export type TokenSource = 'minted' | 'sealed-token' | 'cache';
export type ReuseSource = Exclude<TokenSource, 'minted'>;

/** A token opened from a seal, and the seal it came in (handed on as it is). */
export interface ReuseCandidate {
  readonly source: ReuseSource;
  readonly token: IssuedToken;
  readonly sealed: string;
}

export type ReuseVerdict =
  | { readonly kind: 'reuse' }
  /** Valid, but with less than min-remaining-minutes left: a fallback if IMS fails. */
  | { readonly kind: 'short' }
  | { readonly kind: 'expired' };

export function judgeReuse(token: IssuedToken, nowMs: number, minRemainingMs: number): ReuseVerdict {
  const remainingMs = token.expiresAt.getTime() - nowMs;
  if (remainingMs <= 0) return { kind: 'expired' };
  return { kind: remainingMs >= minRemainingMs ? 'reuse' : 'short' };
}

/** Whole seconds a token has left at nowMs (the expires-in output of a reused token). */
export function secondsLeft(token: IssuedToken, nowMs: number): number {
  return Math.max(0, Math.floor((token.expiresAt.getTime() - nowMs) / 1000));
}

const FROM: Readonly<Record<ReuseSource, string>> = {
  'sealed-token': 'the sealed-token input',
  cache: 'the Actions cache',
};

function expiry(token: IssuedToken, nowMs: number): string {
  return `${token.expiresAt.toISOString()} (in ${formatDuration(secondsLeft(token, nowMs))})`;
}

/** The one line of a reuse. */
export function reusedLine(candidate: ReuseCandidate, clientId: string, nowMs: number): string {
  return (
    `Reused the IMS access token from ${FROM[candidate.source]} for client ${visible(clientId)}; ` +
    `nothing was sent to IMS. It expires at ${expiry(candidate.token, nowMs)}.`
  );
}

/** The one line that says why a token that opened is not reused. */
export function notReusedLine(
  candidate: ReuseCandidate,
  verdict: Exclude<ReuseVerdict, { kind: 'reuse' }>,
  minRemainingMs: number,
  nowMs: number,
): string {
  const what = `The token from ${FROM[candidate.source]}`;
  if (verdict.kind === 'expired') return `${what} expired at ${candidate.token.expiresAt.toISOString()}: not reused.`;
  return (
    `${what} has ${formatDuration(secondsLeft(candidate.token, nowMs))} left, less than ` +
    `min-remaining-minutes (${minRemainingMs / 60_000}): not reused.`
  );
}

const UNOPENED = 'does not open with the client secret for this repository, client, IMS and scopes';

/** The warning for a sealed-token input that does not open. */
export function unopenedWarning(problem: SealProblem): string {
  const why = problem === 'does not open' ? `${UNOPENED}: it was changed or cut, or sealed for other inputs` : problem;
  return (
    `The sealed-token input ${why}; it is not used. Pass the sealed-token output of an earlier ` +
    'job of this run that used the same client-id, client-secret, scopes, org-id and ims-url.'
  );
}

/** The warning for a cache entry that does not open: sealed with another secret, or forged. */
export function unopenedCacheWarning(key: string, problem: SealProblem): string {
  const why =
    problem === 'does not open' ? `${UNOPENED}: it was sealed with another client secret, or forged` : problem;
  const shown = key.length > 100 ? `${key.slice(0, 100)}…` : key;
  return `The cached token ${visible(shown)} ${why}; it is not used, and a new token is minted. ${deleteEntryAdvice(key)}`;
}

/**
 * How to get rid of an entry that keeps coming back: entries are immutable, and a newer one may not shadow it.
 * A planted key may be anything: it is given as a command only when a shell would take it as one plain word.
 */
export function deleteEntryAdvice(key: string): string {
  if (!/^[\w.-]{1,200}$/.test(key)) {
    return "If this repeats, delete the entry on the repository's Actions > Caches page (its key is not safe to paste into a shell).";
  }
  return `If this repeats, delete the entry: gh cache delete ${key}, or the repository's Actions > Caches page.`;
}

/** The line of a reused token under revoke: true. */
export function reusedNotRevokedLine(token: IssuedToken): string {
  return (
    'revoke: true invalidates only a token that this step mints: the reused token is not invalidated ' +
    `when the job ends and stays valid until ${token.expiresAt.toISOString()}.`
  );
}

/** A fallback must have at least this long left to carry a step through an IMS outage. */
export const FALLBACK_MIN_REMAINING_MS = 5 * 60_000;

/** Why minting failed, as mint.ts reports it. */
export interface MintFailure {
  readonly failure: AttemptFailure;
  readonly attempts: number;
}

/**
 * Whether a failed mint falls back to a token set aside for having too little
 * time left (stale-if-error, RFC 5861): only after an outage (isOutage) and
 * only while the fallback has FALLBACK_MIN_REMAINING_MS left. A permanent
 * failure (a wrong credential or request) always fails: a stale token would
 * hide it.
 */
export function judgeFallback(
  mint: MintFailure,
  fallback: ReuseCandidate | undefined,
  nowMs: number,
): { readonly use: false } | { readonly use: true; readonly warning: string } {
  if (fallback === undefined || !isOutage(mint.failure)) return { use: false };
  if (fallback.token.expiresAt.getTime() - nowMs < FALLBACK_MIN_REMAINING_MS) return { use: false };
  const attempts = mint.attempts === 1 ? '1 attempt' : `${mint.attempts} attempts`;
  return {
    use: true,
    warning:
      `IMS failed after ${attempts} (${mint.failure.summary}): using the token from ${FROM[fallback.source]} ` +
      `instead, which expires at ${fallback.token.expiresAt.toISOString()} ` +
      `(in ${Math.floor(secondsLeft(fallback.token, nowMs) / 60)} min). The next run asks IMS again.`,
  };
}
