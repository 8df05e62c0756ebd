// The retry loop against the IMS emulator over real sockets, with the clock,
// sleep and randomness injected so that no test waits for a backoff.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { USER_AGENT } from '../src/ims.js';
import { type InputName, parseInputs } from '../src/inputs.js';
import { type AttemptDependencies, MAX_ANSWER_BYTES } from '../src/attempts.js';
import { MintError, mintToken } from '../src/mint.js';
import { createPost } from '../src/transport.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';

const CLIENT = { clientId: 'mint-client', clientSecret: 'mint+secret&=%', scopes: FUSION_SCOPES };
const NOW = Date.parse('2026-11-29T22:11:06.000Z');
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

function harness(values: Partial<Record<InputName, string>> = {}) {
  const inputs = parseInputs(
    (name) =>
      ({
        'client-id': CLIENT.clientId,
        'client-secret': CLIENT.clientSecret,
        'ims-url': ims.url,
        ...values,
      })[name as string] ?? '',
  );
  const sleeps: number[] = [];
  const log: string[] = [];
  const deps: AttemptDependencies = {
    post: createPost(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    random: () => 0.5,
    log: (line) => log.push(line),
  };
  return { inputs, deps, sleeps, log };
}

async function mintErrorOf(promise: Promise<unknown>): Promise<MintError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MintError);
    return error as MintError;
  }
  throw new Error('minting succeeded');
}

const internalError = {
  kind: 'json',
  status: 500,
  body: { error: 'internal_error', error_description: 'Please try again later' },
} as const;

describe('mintToken', () => {
  it('mints a token with exactly one request carrying the credentials in the body', async () => {
    const { inputs, deps, sleeps, log } = harness();
    const { token, secretPosition } = await mintToken(inputs, deps);
    expect(ims.requests).toHaveLength(1);
    expect(secretPosition).toBe(1);
    expect(token).toEqual({
      accessToken: ims.issued[0]?.accessToken,
      tokenType: 'bearer',
      expiresIn: '86399',
      expiresAt: new Date(NOW + 86_399_000),
    });
    const [request] = ims.requests;
    expect(request?.url).toBe('/ims/token/v3');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      scope: FUSION_SCOPES.join(','),
    });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe(USER_AGENT);
    expect(sleeps).toEqual([]);
    expect(log).toEqual([]);
  });

  it('retries transient failures with growing jittered waits, then succeeds', async () => {
    ims.enqueue(
      internalError,
      { kind: 'reset' },
      { kind: 'raw', status: 503, body: 'down', contentType: 'text/plain' },
    );
    const { inputs, deps, sleeps, log } = harness();
    const { token } = await mintToken(inputs, deps);
    expect(token.accessToken).toBe(ims.issued[0]?.accessToken);
    expect(ims.requests).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(log).toEqual([
      'Attempt 1 of 4 failed: HTTP 500 internal_error. Retrying in 0.3 s.',
      'Attempt 2 of 4 failed: connection reset (ECONNRESET). Retrying in 0.5 s.',
      'Attempt 3 of 4 failed: HTTP 503 that is not IMS JSON. Retrying in 1.0 s.',
    ]);
  });

  it.each([408, 502, 504])('retries HTTP %d', async (status) => {
    ims.enqueue({ kind: 'raw', status, body: 'busy', contentType: 'text/plain' });
    const { inputs, deps, log } = harness();
    await mintToken(inputs, deps);
    expect(ims.requests).toHaveLength(2);
    expect(log).toEqual([`Attempt 1 of 4 failed: HTTP ${status} that is not IMS JSON. Retrying in 0.3 s.`]);
  });

  it.each([400, 403, 404, 501])('does not retry HTTP %d', async (status) => {
    ims.enqueue({ kind: 'raw', status, body: 'no', contentType: 'text/plain' });
    const { inputs, deps } = harness();
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(1);
    expect(error.message).toMatch(
      new RegExp(`^Could not get an Adobe IMS access token after 1 attempt \\(not retried`),
    );
  });

  it('waits at least as long as Retry-After asks', async () => {
    ims.enqueue({ kind: 'json', status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '2' } });
    const { inputs, deps, sleeps } = harness();
    await mintToken(inputs, deps);
    expect(sleeps).toEqual([2000 + 1000]);
  });

  it('fails a wrong secret in one request, without retrying', async () => {
    const { inputs, deps, sleeps } = harness({ 'client-secret': 'wrong' });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.message).toMatch(
      /^Could not get an Adobe IMS access token after 1 attempt \(not retried: this failure would not go away by itself\)\. IMS refused the token request with HTTP 401 invalid_client: invalid client_secret parameter \(x-debug-id: [0-9a-f-]{36}\)\. Check the client-id and client-secret inputs/,
    );
  });

  it('names the scopes the credential lacks', async () => {
    const { inputs, deps } = harness({ scopes: 'openid,AdobeID,read_organizations' });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(error.message).toContain('HTTP 400 invalid_scope: invalid scope (read_organizations)');
    expect(error.message).toContain('requested scopes (openid, AdobeID, read_organizations)');
  });

  it('stops after the last retry and says how many attempts were made', async () => {
    ims.setFallback(internalError);
    const { inputs, deps, sleeps } = harness({ retries: '2' });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(error.message).toMatch(
      /^Could not get an Adobe IMS access token after 3 attempts \(retries: 2\)\. IMS refused the token request with HTTP 500 internal_error: Please try again later/,
    );
  });

  it('makes one attempt when retries is 0', async () => {
    ims.setFallback({ kind: 'reset' });
    const { inputs, deps } = harness({ retries: '0' });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(1);
    expect(error.message).toMatch(
      /^Could not get an Adobe IMS access token after 1 attempt \(retries: 0\)\. Could not reach 127\.0\.0\.1:\d+: connection reset/,
    );
  });

  it('retries an attempt that times out', async () => {
    ims.enqueue({ kind: 'hang' });
    const { inputs, deps, log } = harness({ 'timeout-seconds': '0.2' });
    await mintToken(inputs, deps);
    expect(ims.requests).toHaveLength(2);
    expect(log).toEqual(['Attempt 1 of 4 failed: no complete answer within 0.2 s. Retrying in 0.3 s.']);
  });

  it('refuses an oversized answer at once', async () => {
    ims.enqueue({ kind: 'flood', bytes: 2 * MAX_ANSWER_BYTES });
    const { inputs, deps } = harness();
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(1);
    expect(error.message).toContain(`sent an answer of more than the ${MAX_ANSWER_BYTES} bytes allowed`);
  });

  it('moves to the next secret on invalid_client only, and says which line worked', async () => {
    const { inputs, deps } = harness({ 'client-secret': `rotated-out\nalso-old\n${CLIENT.clientSecret}` });
    const minted = await mintToken(inputs, deps);
    expect(minted.secretPosition).toBe(3);
    expect(ims.requests.map((request) => request.form.get('client_secret'))).toEqual([
      'rotated-out',
      'also-old',
      CLIENT.clientSecret,
    ]);
  });

  it('says so when every secret is rejected', async () => {
    const { inputs, deps } = harness({ 'client-secret': 'old-1\nold-2' });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(2);
    expect(error.message).toMatch(
      /^Could not get an Adobe IMS access token with client-secret line 2 of 2 \(IMS rejected line 1 with invalid_client\) after 1 attempt \(not retried: [^)]*\)\. IMS refused the token request with HTTP 401 invalid_client/,
    );
  });

  it('stops at the first secret on any other failure', async () => {
    const { inputs, deps } = harness({
      'client-secret': `${CLIENT.clientSecret}\nsecond`,
      scopes: 'openid,not_granted',
    });
    const error = await mintErrorOf(mintToken(inputs, deps));
    expect(ims.requests).toHaveLength(1);
    expect(error.message).toMatch(
      /^Could not get an Adobe IMS access token with client-secret line 1 of 2 after 1 attempt .*invalid_scope/,
    );
  });

  it('retries transient failures of each secret before moving on', async () => {
    ims.enqueue({ kind: 'reset' });
    const { inputs, deps, sleeps } = harness({ 'client-secret': `old\n${CLIENT.clientSecret}` });
    const minted = await mintToken(inputs, deps);
    expect(minted.secretPosition).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(ims.requests.map((request) => request.form.get('client_secret'))).toEqual([
      'old',
      'old',
      CLIENT.clientSecret,
    ]);
  });

  it('lets a bug in the transport surface as itself, not as a network failure', async () => {
    const { inputs, deps } = harness();
    const broken = { ...deps, post: () => Promise.reject(new TypeError('bug')) };
    await expect(mintToken(inputs, broken)).rejects.toThrow(TypeError);
  });
});
