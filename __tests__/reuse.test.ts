// Reuse and fallback decisions, and their words: pure, with a fixed clock.
import { describe, expect, it } from '@jest/globals';
import {
  type AttemptFailure,
  type FailureContext,
  TIMEOUT_CODE,
  PROXY_UPSTREAM_STATUSES,
  TOO_LARGE_CODE,
  networkFailure,
} from '../src/failures.js';
import { readTokenAnswer } from '../src/ims.js';
import type { IssuedToken } from '../src/ims.js';
import { RETRYABLE_STATUSES } from '../src/retry.js';
import {
  FALLBACK_MIN_REMAINING_MS,
  type ReuseCandidate,
  judgeFallback,
  judgeReuse,
  notReusedLine,
  reusedLine,
  reusedNotRevokedLine,
  secondsLeft,
  unopenedWarning,
} from '../src/reuse.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const MINUTE = 60_000;
/** A server error that is not retried, whatever RETRYABLE_STATUSES holds. */
const UNRETRIED_5XX = [501, 505, 506, 507, 508, 510, 511].find((status) => !RETRYABLE_STATUSES.has(status)) as number;

function tokenWith(remainingMs: number): IssuedToken {
  return { accessToken: 'tok', tokenType: 'bearer', expiresIn: '86399', expiresAt: new Date(NOW + remainingMs) };
}

function candidate(remainingMs: number, source: ReuseCandidate['source'] = 'sealed-token'): ReuseCandidate {
  return { source, token: tokenWith(remainingMs), sealed: 'fta1.x' };
}

describe('judgeReuse', () => {
  it.each([
    ['exactly the minimum left', 60 * MINUTE, 60 * MINUTE, 'reuse'],
    ['a day left', 24 * 60 * MINUTE, 60 * MINUTE, 'reuse'],
    ['a millisecond less than the minimum', 60 * MINUTE - 1, 60 * MINUTE, 'short'],
    ['a millisecond left, minimum 0', 1, 0, 'reuse'],
    ['expired just now, minimum 0', 0, 0, 'expired'],
    ['expired an hour ago', -60 * MINUTE, 60 * MINUTE, 'expired'],
  ])('%s: %s', (_what, remainingMs, minRemainingMs, kind) => {
    expect(judgeReuse(tokenWith(remainingMs), NOW, minRemainingMs)).toEqual({ kind });
  });

  it('counts whole seconds left, never below 0', () => {
    expect(secondsLeft(tokenWith(90_999), NOW)).toBe(90);
    expect(secondsLeft(tokenWith(-5_000), NOW)).toBe(0);
  });
});

const transient: AttemptFailure = {
  retryable: true,
  summary: 'HTTP 503 service_unavailable',
  message: 'IMS refused the token request with HTTP 503 service_unavailable.',
};
const permanent: AttemptFailure = {
  retryable: false,
  summary: 'HTTP 401 invalid_client',
  message: 'IMS refused the token request with HTTP 401 invalid_client.',
  imsError: 'invalid_client',
};

describe('judgeFallback', () => {
  it('uses a fallback with at least 5 minutes left after a transient failure, and says so', () => {
    expect(judgeFallback({ failure: transient, attempts: 4 }, candidate(30 * MINUTE), NOW)).toEqual({
      use: true,
      warning:
        'IMS failed after 4 attempts (HTTP 503 service_unavailable): using the token from the sealed-token input ' +
        'instead, which expires at 2026-11-30T12:30:00.000Z (in 30 min). The next run asks IMS again.',
    });
  });

  it('names the cache as the source of a cached fallback, and a single attempt', () => {
    const verdict = judgeFallback({ failure: transient, attempts: 1 }, candidate(6 * MINUTE, 'cache'), NOW);
    expect(verdict).toEqual({
      use: true,
      warning: expect.stringMatching(/^IMS failed after 1 attempt \(.*the Actions cache/),
    });
  });

  it.each([
    ['exactly 5 minutes left', FALLBACK_MIN_REMAINING_MS, true],
    ['a millisecond less than 5 minutes', FALLBACK_MIN_REMAINING_MS - 1, false],
    ['expired', -1, false],
  ])('%s: %s', (_what, remainingMs, use) => {
    expect(judgeFallback({ failure: transient, attempts: 2 }, candidate(remainingMs), NOW).use).toBe(use);
  });

  it('never falls back after a permanent failure: a stale token would hide it', () => {
    expect(judgeFallback({ failure: permanent, attempts: 1 }, candidate(30 * MINUTE), NOW)).toEqual({ use: false });
  });

  const context: FailureContext = {
    request: 'token request',
    host: 'ims.test',
    scopes: ['openid'],
    secrets: ['s3cret'],
  };
  const answered = (status: number, body: string, headers: Record<string, string> = {}): AttemptFailure => {
    const result = readTokenAnswer({ status, headers, body }, NOW, context);
    if (result.ok) throw new Error('expected a failure');
    return result.failure;
  };
  const network = (code: string, detail = 'failed', proxy?: string): AttemptFailure =>
    networkFailure({ code, detail, proxy }, 30_000, context);
  const tunnel = (status: number): AttemptFailure =>
    network('ECONNRESET', `tunneling socket could not be established, statusCode=${status}`, 'http://proxy:3128');

  it.each([
    ['connection refused', network('ECONNREFUSED')],
    ['connection reset', network('ECONNRESET')],
    ['temporary DNS failure', network('EAI_AGAIN')],
    ['host not found (it resolved when the token was sealed)', network('ENOTFOUND')],
    ['a network error without a code', network('')],
    ['an attempt timeout', network(TIMEOUT_CODE)],
    ...[...RETRYABLE_STATUSES].map((status) => [`HTTP ${status}`, answered(status, '{"error":"x"}')] as const),
    ['HTTP 503 with an HTML page', answered(503, '<html>down</html>')],
    ...[...PROXY_UPSTREAM_STATUSES].map((status) => [`a proxy's ${status}`, tunnel(status)] as const),
  ])('rides out an outage: %s', (_what, failure) => {
    expect(judgeFallback({ failure, attempts: 4 }, candidate(30 * MINUTE), NOW).use).toBe(true);
  });

  it.each([
    ['invalid_client', answered(401, '{"error":"invalid_client"}')],
    ['invalid_scope', answered(400, '{"error":"invalid_scope"}')],
    ['unauthorized_client', answered(400, '{"error":"unauthorized_client"}')],
    ['another 4xx', answered(403, '{"error":"forbidden"}')],
    [`HTTP ${UNRETRIED_5XX}`, answered(UNRETRIED_5XX, '{"error":"x"}')],
    ['a redirect', answered(302, '', { location: 'https://elsewhere.test/' })],
    ['a TLS error', network('SELF_SIGNED_CERT_IN_CHAIN')],
    ['a 200 that is not IMS JSON', answered(200, '<html>portal</html>')],
    ['an answer too large', network(TOO_LARGE_CODE, 'an answer of 2000000 bytes')],
    ['proxy authentication (407)', tunnel(407)],
    ['proxy authentication (401)', tunnel(401)],
    ["a proxy's 403", tunnel(403)],
    ["a proxy's 500", tunnel(500)],
  ])('fails on a permanent failure: %s', (_what, failure) => {
    expect(judgeFallback({ failure, attempts: 1 }, candidate(30 * MINUTE), NOW)).toEqual({ use: false });
  });

  it('has nothing to fall back to without a fallback', () => {
    expect(judgeFallback({ failure: transient, attempts: 4 }, undefined, NOW)).toEqual({ use: false });
  });
});

describe('wording', () => {
  it('says a reuse in one line: from where, for which client, and when the token expires', () => {
    expect(reusedLine(candidate(90 * MINUTE, 'cache'), 'odd##[client]', NOW)).toBe(
      'Reused the IMS access token from the Actions cache for client odd##\\u005bclient]; nothing was sent to IMS. ' +
        'It expires at 2026-11-30T13:30:00.000Z (in 1 h 30 min).',
    );
  });

  it('says why a token that opened is not reused', () => {
    expect(notReusedLine(candidate(12 * MINUTE), { kind: 'short' }, 60 * MINUTE, NOW)).toBe(
      'The token from the sealed-token input has 12 min left, less than min-remaining-minutes (60): not reused.',
    );
    expect(notReusedLine(candidate(-MINUTE, 'cache'), { kind: 'expired' }, 60 * MINUTE, NOW)).toBe(
      'The token from the Actions cache expired at 2026-11-30T11:59:00.000Z: not reused.',
    );
  });

  it('warns about a seal that does not open, with what to pass instead', () => {
    expect(unopenedWarning('does not open')).toMatch(
      /^The sealed-token input does not open with the client secret for this repository, client, IMS and scopes: .*; it is not used\. Pass the sealed-token output of an earlier job/,
    );
    expect(unopenedWarning('is not base64url')).toMatch(/^The sealed-token input is not base64url; it is not used/);
  });

  it('says that revoke leaves a reused token alone', () => {
    expect(reusedNotRevokedLine(tokenWith(60 * MINUTE))).toBe(
      'revoke: true invalidates only a token that this step mints: the reused token is not invalidated when the job ' +
        'ends and stays valid until 2026-11-30T13:00:00.000Z.',
    );
  });
});
