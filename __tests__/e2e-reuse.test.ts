// End to end, one token for many jobs: a mint step's sealed-token output fed
// to later steps as the runner would pass needs.<job>.outputs, and a token
// that IMS cannot replace carried through an outage. dist/ under Node 24,
// against the IMS emulator; every run audited for leaks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import type { RunResult } from '../testbed/runner.js';

const CLIENT = { clientId: 'reuse-client', clientSecret: 'p8e-Reuse+secret/=&%', scopes: FUSION_SCOPES };
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

function run(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<RunResult> {
  return runAudited(
    {
      inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, ...inputs },
      env,
    },
    { emulators: [ims], secrets: [CLIENT.clientSecret] },
  );
}

/** A mint step whose token lives `expiresIn` seconds: returns its sealed-token output. */
async function sealedTokenLiving(expiresIn: number, inputs: Record<string, string> = {}): Promise<string> {
  ims.enqueue({ kind: 'ims', expiresIn });
  const minted = await run(inputs);
  expect(minted.outputs['source']).toBe('minted');
  // Count the requests of the step under test only; the issued token stays known to the leak audit.
  ims.requests.splice(0);
  return minted.outputs['sealed-token'] as string;
}

/** The token of the last mint step. */
const lastIssued = (): string => ims.issued.at(-1)?.accessToken as string;

function warnings(result: RunResult): string[] {
  return result.log.filter((line) => line.startsWith('Warning: '));
}

describe('one token for many jobs', () => {
  it('a mint step feeds 20 reuse steps with 1 IMS request in all', async () => {
    const mint = await run({});
    const token = mint.outputs['access-token'] as string;
    const sealed = mint.outputs['sealed-token'] as string;
    expect(mint.outputs['source']).toBe('minted');
    expect(sealed).toMatch(/^fta1\.[\w-]+$/);

    const reuses: RunResult[] = [];
    for (let batch = 0; batch < 4; batch++) {
      reuses.push(...(await Promise.all(Array.from({ length: 5 }, () => run({ 'sealed-token': sealed })))));
    }
    expect(ims.requests).toHaveLength(1);
    expect(reuses).toHaveLength(20);
    for (const reuse of reuses) {
      expect(reuse.exitCode).toBe(0);
      expect(reuse.outputs['source']).toBe('sealed-token');
      expect(reuse.outputs['access-token']).toBe(token);
      expect(reuse.outputs['token-type']).toBe('bearer');
      expect(reuse.outputs['expires-at']).toBe(mint.outputs['expires-at']);
      // Whole seconds left at the time of reuse.
      const left = Number(reuse.outputs['expires-in']);
      expect(left).toBeLessThanOrEqual(86399);
      expect(left).toBeGreaterThan(86399 - 600);
      // Handed on as it came, so a chain of jobs can pass it along.
      expect(reuse.outputs['sealed-token']).toBe(sealed);
      expect(reuse.masks).toContain(token);
      const minutes = Math.floor(left / 60);
      expect(reuse.log).toEqual([
        `Reused the IMS access token from the sealed-token input for client ${CLIENT.clientId}; nothing was sent to IMS. ` +
          `It expires at ${mint.outputs['expires-at']} (in ${Math.floor(minutes / 60)} h ${minutes % 60} min).`,
      ]);
    }
  });

  it('opens a seal made with the client-secret line that IMS accepted, during a rotation', async () => {
    const mint = await run({ 'client-secret': `p8e-retired-secret\n${CLIENT.clientSecret}` });
    expect(mint.exitCode).toBe(0);
    expect(ims.requests).toHaveLength(2);
    const reuse = await run({ 'sealed-token': mint.outputs['sealed-token'] as string });
    expect(reuse.outputs['source']).toBe('sealed-token');
    expect(ims.requests).toHaveLength(2);
  });

  it('masks a reused token before any line that mentions the reuse', async () => {
    const mint = await run({});
    const reuse = await run({ 'sealed-token': mint.outputs['sealed-token'] as string });
    const maskAt = reuse.stdout.indexOf(`::add-mask::${mint.outputs['access-token']}`);
    expect(maskAt).toBeGreaterThanOrEqual(0);
    expect(reuse.stdout.indexOf('Reused the IMS access token')).toBeGreaterThan(maskAt);
  });
});

describe('a sealed token that is not reused mints, saying why in one line', () => {
  it('warns about a tampered seal', async () => {
    const sealed = (await run({})).outputs['sealed-token'] as string;
    ims.reset();
    const middle = Math.floor(sealed.length / 2);
    const tampered = sealed.slice(0, middle) + (sealed[middle] === 'A' ? 'B' : 'A') + sealed.slice(middle + 1);
    const result = await run({ 'sealed-token': tampered });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(ims.requests).toHaveLength(1);
    expect(warnings(result)).toEqual([expect.stringMatching(/^Warning: The sealed-token input does not open with /)]);
  });

  it.each([
    ['another repository', {}, { GITHUB_REPOSITORY: 'someone/else' }],
    ['other scopes', { scopes: 'openid,AdobeID' }, {}],
    ['a client secret it was not sealed with', { 'client-secret': 'p8e-other-secret' }, {}],
  ])('warns about a seal made for %s', async (_what, inputs: Record<string, string>, env: Record<string, string>) => {
    const sealed = (await run({})).outputs['sealed-token'] as string;
    ims.reset();
    ims.addClient({ ...CLIENT, clientSecret: inputs['client-secret'] ?? CLIENT.clientSecret });
    const result = await run({ ...inputs, 'sealed-token': sealed }, env);
    ims.addClient(CLIENT);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(ims.requests).toHaveLength(1);
    expect(warnings(result)).toEqual([expect.stringMatching(/^Warning: The sealed-token input does not open with /)]);
  });

  it('warns about something that is not a sealed token at all, without quoting it', async () => {
    const result = await run({ 'sealed-token': 'eyJhbGciOiJub25lIn0.not-a-seal' });
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      expect.stringMatching(/^Warning: The sealed-token input is not an fta1 sealed token; it is not used\./),
    ]);
    expect(result.stdout).not.toContain('not-a-seal');
  });

  it('says in a plain line that a stale token is replaced', async () => {
    const sealed = await sealedTokenLiving(1800);
    const result = await run({ 'sealed-token': sealed });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(ims.requests).toHaveLength(1);
    expect(warnings(result)).toEqual([]);
    expect(result.log[0]).toMatch(
      /^The token from the sealed-token input has (29|30) min left, less than min-remaining-minutes \(60\): not reused\.$/,
    );
    // The new token is handed on, not the stale one.
    expect(result.outputs['sealed-token']).not.toBe(sealed);
  });

  it('reuses the same stale token when min-remaining-minutes allows it', async () => {
    const sealed = await sealedTokenLiving(1800);
    const result = await run({ 'sealed-token': sealed, 'min-remaining-minutes': '20' });
    expect(result.outputs['source']).toBe('sealed-token');
    expect(ims.requests).toHaveLength(0);
  });

  it('says nothing about reuse when the sealed-token input is empty', async () => {
    const result = await run({ 'sealed-token': '' });
    expect(result.exitCode).toBe(0);
    expect(result.log).toEqual([expect.stringMatching(/^Got an IMS access token for client /)]);
  });

  it('refuses a bad min-remaining-minutes before any request', async () => {
    const message = expectFailure(await run({ 'min-remaining-minutes': '1381' }));
    expect(message).toBe('Input min-remaining-minutes must be a whole number of minutes from 0 to 1380, got "1381".');
    expect(ims.requests).toHaveLength(0);
  });
});

describe('revoke', () => {
  it('hands on no sealed token for a token that dies with the job', async () => {
    const result = await run({ revoke: 'true' });
    expect(result.outputs['source']).toBe('minted');
    expect(result.outputs['sealed-token']).toBe('');
    expect(result.state['token']).toBe(result.outputs['access-token']);
  });

  it('never revokes a reused token, and says so once', async () => {
    const sealed = (await run({})).outputs['sealed-token'] as string;
    const result = await run({ 'sealed-token': sealed, revoke: 'true' });
    expect(result.outputs['source']).toBe('sealed-token');
    expect(result.state).toEqual({});
    expect(result.outputs['sealed-token']).toBe('');
    expect(result.log.filter((line) => line.includes('revoke'))).toEqual([
      expect.stringMatching(
        /^revoke: true invalidates only a token that this step mints: the reused token is not invalidated/,
      ),
    ]);
  });
});

describe('when IMS is down', () => {
  it('uses a valid fallback after IMS answers 503 to every attempt, with one warning', async () => {
    const sealed = await sealedTokenLiving(1800);
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'service_unavailable' } });
    const result = await run({ 'sealed-token': sealed, retries: '2' });
    expect(result.exitCode).toBe(0);
    expect(ims.requests).toHaveLength(3);
    expect(result.outputs['source']).toBe('sealed-token');
    expect(result.outputs['access-token']).toBe(lastIssued());
    expect(result.outputs['sealed-token']).toBe(sealed);
    expect(warnings(result)).toEqual([
      expect.stringMatching(
        /^Warning: IMS failed after 3 attempts \(HTTP 503 service_unavailable\): using the token from the sealed-token input instead, which expires at \S+ \(in (29|30) min\)\. The next run asks IMS again\.$/,
      ),
    ]);
  });

  it('uses the fallback when IMS hangs past timeout-seconds', async () => {
    const sealed = await sealedTokenLiving(1800);
    ims.setFallback({ kind: 'hang' });
    const result = await run({ 'sealed-token': sealed, retries: '1', 'timeout-seconds': '0.5' });
    expect(result.exitCode).toBe(0);
    expect(ims.requests).toHaveLength(2);
    expect(result.outputs['source']).toBe('sealed-token');
    expect(warnings(result)).toEqual([
      expect.stringMatching(
        /^Warning: IMS failed after 2 attempts \(no complete answer within 0\.5 s\): using the token/,
      ),
    ]);
  });

  it('still fails on a permanent failure, with today’s error', async () => {
    const sealed = await sealedTokenLiving(1800);
    ims.setFallback({
      kind: 'json',
      status: 401,
      body: { error: 'invalid_client', error_description: 'invalid client_secret parameter' },
    });
    const message = expectFailure(await run({ 'sealed-token': sealed }));
    expect(message).toMatch(
      /^Could not get an Adobe IMS access token after 1 attempt \(not retried.*HTTP 401 invalid_client/,
    );
    expect(ims.requests).toHaveLength(1);
  });

  it('fails as today when the fallback has less than 5 minutes left', async () => {
    const sealed = await sealedTokenLiving(240);
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'service_unavailable' } });
    const message = expectFailure(await run({ 'sealed-token': sealed, retries: '1' }));
    expect(message).toMatch(
      /^Could not get an Adobe IMS access token after 2 attempts \(retries: 1\)\. IMS refused .*HTTP 503/,
    );
  });
});
