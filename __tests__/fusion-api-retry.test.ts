// Which failed Fusion API calls are tried again, and after how long.
import { describe, expect, it } from '@jest/globals';
import { IDLE_TIMEOUT_CODE } from '../src/fusion-api/failure.js';
import { type AttemptOutcome, isIdempotent, retryWaitMs } from '../src/fusion-api/retry.js';
import { BACKOFF_BASE_MS, RETRY_AFTER_CAP_MS } from '../src/retry.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const status = (code: number, retryAfter?: string): AttemptOutcome => ({ kind: 'status', status: code, retryAfter });
const network = (code: string | undefined): AttemptOutcome => ({ kind: 'network', code });
// No jitter: the wait is the floor the policy sets.
const noJitter = (): number => 0;

describe('retryWaitMs', () => {
  it.each(['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH'])(
    'retries a 429 for %s, after its Retry-After',
    (method) => {
      expect(retryWaitMs(method, status(429, '7'), 1, NOW, noJitter)).toBe(7000);
      const date = new Date(NOW + 3000).toUTCString();
      expect(retryWaitMs(method, status(429, date), 1, NOW, noJitter)).toBe(3000);
    },
  );

  it('caps a Retry-After at 60 s, jitter and all', () => {
    expect(retryWaitMs('POST', status(429, '3600'), 1, NOW, noJitter)).toBe(RETRY_AFTER_CAP_MS);
    expect(retryWaitMs('POST', status(429, '3600'), 1, NOW, () => 0.99)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('backs off without a Retry-After, and spreads clients out with jitter', () => {
    expect(retryWaitMs('GET', status(429), 1, NOW, () => 0.5)).toBe(BACKOFF_BASE_MS / 2);
    expect(retryWaitMs('GET', status(503), 3, NOW, () => 0.5)).toBe(BACKOFF_BASE_MS * 2);
  });

  it.each([502, 503, 504])('retries %i only for methods that may be repeated', (code) => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      expect(retryWaitMs(method, status(code), 1, NOW, noJitter)).toBe(0);
    }
    for (const method of ['POST', 'PATCH']) expect(retryWaitMs(method, status(code), 1, NOW, noJitter)).toBeUndefined();
  });

  it.each([400, 401, 403, 404, 408, 500, 501])('never retries HTTP %i', (code) => {
    expect(retryWaitMs('GET', status(code), 1, NOW, noJitter)).toBeUndefined();
  });

  it.each([
    IDLE_TIMEOUT_CODE,
    'ECONNRESET',
    'EPIPE',
    'ECONNABORTED',
    'ETIMEDOUT',
    'ECONNREFUSED',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'ENETDOWN',
    'EHOSTDOWN',
  ])('retries %s for GET, never for POST or PATCH', (code) => {
    expect(retryWaitMs('GET', network(code), 2, NOW, () => 0.5)).toBe(BACKOFF_BASE_MS);
    expect(retryWaitMs('DELETE', network(code), 1, NOW, noJitter)).toBe(0);
    expect(retryWaitMs('POST', network(code), 1, NOW, noJitter)).toBeUndefined();
    expect(retryWaitMs('PATCH', network(code), 1, NOW, noJitter)).toBeUndefined();
  });

  it.each(['ENOTFOUND', 'CERT_HAS_EXPIRED', undefined])('never retries the network error %s', (code) => {
    expect(retryWaitMs('GET', network(code), 1, NOW, noJitter)).toBeUndefined();
  });

  it.each([408, 429, 500, 502, 503, 504])(
    "retries a proxy's refusal of the tunnel with %i for every method, as the token step does: the request never left",
    (code) => {
      for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH']) {
        expect(retryWaitMs(method, { kind: 'proxy', status: code }, 2, NOW, () => 0.5)).toBe(BACKOFF_BASE_MS);
      }
    },
  );

  it.each([400, 401, 403, 407, 501])("never retries a proxy's refusal of the tunnel with %i", (code) => {
    for (const method of ['GET', 'POST']) {
      expect(retryWaitMs(method, { kind: 'proxy', status: code }, 1, NOW, noJitter)).toBeUndefined();
    }
  });

  it('knows the methods that may be repeated', () => {
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH'].filter(isIdempotent)).toEqual([
      'GET',
      'HEAD',
      'PUT',
      'DELETE',
    ]);
  });
});
