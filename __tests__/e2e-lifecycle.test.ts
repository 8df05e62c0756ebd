// End to end, the token's life in a job: export-env, the post step that
// revokes it (run as the runner runs it: dist/post.js, the same inputs, the
// main step's state as STATE_*), and secret rotation. dist/ under Node 24.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { type RunResult, readActionMetadata, stateEnvironment } from '../testbed/runner.js';

const CLIENT = { clientId: 'life-client', clientSecret: 'p8e-life+secret/=&', scopes: FUSION_SCOPES };
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

function inputsWith(extra: Record<string, string>): Record<string, string> {
  return { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, ...extra };
}

function runMain(inputs: Record<string, string>): Promise<RunResult> {
  return runAudited({ inputs }, { emulators: [ims], secrets: [CLIENT.clientSecret] });
}

/** The post step as the runner runs it: runs.post, the same inputs, STATE_* from the main step. */
function runPost(inputs: Record<string, string>, state: Record<string, string>): Promise<RunResult> {
  return runAudited(
    { inputs, entry: readActionMetadata().runs.post, env: stateEnvironment(state) },
    { emulators: [ims], secrets: [CLIENT.clientSecret] },
  );
}

describe('export-env', () => {
  it('exports the masked token, the client ID and the expiry to later steps', async () => {
    const result = await runMain(inputsWith({ 'export-env': 'true' }));
    const token = ims.issued[0]?.accessToken as string;
    expect(result.exitCode).toBe(0);
    expect(result.exportedEnv).toEqual({
      FUSION_ACCESS_TOKEN: token,
      FUSION_CLIENT_ID: CLIENT.clientId,
      FUSION_TOKEN_EXPIRES_AT: result.outputs['expires-at'],
    });
    expect(result.masks).toContain(token);
    expect(result.state).toEqual({});
  });

  it('exports nothing by default', async () => {
    const result = await runMain(inputsWith({}));
    expect(result.exportedEnv).toEqual({});
  });
});

describe('revoke', () => {
  it('declares the post step in action.yml', () => {
    expect(readActionMetadata().runs.post).toBe('dist/post.js');
  });

  it('saves only the token and its expiry, and the post step invalidates the token', async () => {
    const inputs = inputsWith({ revoke: 'true' });
    const main = await runMain(inputs);
    const token = ims.issued[0]?.accessToken as string;
    expect(main.exitCode).toBe(0);
    expect(main.state).toEqual({ token, 'expires-at': main.outputs['expires-at'] });

    const post = await runPost(inputs, main.state);
    expect(post.exitCode).toBe(0);
    expect(post.masks).toContain(token);
    expect(post.log).toEqual([`Revoked the IMS access token of client ${CLIENT.clientId}.`]);
    expect(ims.revoked).toEqual([token]);
    expect(ims.requests.map((request) => request.url)).toEqual(['/ims/token/v3', '/ims/invalidate_token/v2']);
  });

  it('does nothing in the post step but log one line when revoke is off', async () => {
    const inputs = inputsWith({});
    const main = await runMain(inputs);
    expect(main.state).toEqual({});
    const post = await runPost(inputs, main.state);
    expect(post.exitCode).toBe(0);
    expect(post.log).toEqual(['Token revocation is off (revoke: false): nothing to do.']);
    expect(ims.requests).toHaveLength(1);
  });

  it('logs one line when the main step got no token', async () => {
    const inputs = inputsWith({ revoke: 'true', 'client-secret': 'wrong-secret' });
    const main = await runMain(inputs);
    expectFailure(main);
    expect(main.state).toEqual({});
    const post = await runPost(inputs, main.state);
    expect(post.exitCode).toBe(0);
    expect(post.log).toEqual(['This step minted no token: nothing to revoke.']);
    expect(ims.requests).toHaveLength(1);
  });

  it('logs one line when the token has already expired', async () => {
    const inputs = inputsWith({ revoke: 'true' });
    const main = await runMain(inputs);
    const post = await runPost(inputs, { ...main.state, 'expires-at': '2026-01-01T00:00:00.000Z' });
    expect(post.log).toEqual(['The token expired at 2026-01-01T00:00:00.000Z: nothing to revoke.']);
    expect(ims.revoked).toEqual([]);
  });

  it('turns a failed invalidation into a warning, never a failed job', async () => {
    const inputs = inputsWith({ revoke: 'true', retries: '1' });
    const main = await runMain(inputs);
    ims.setFallback({
      kind: 'json',
      status: 500,
      body: { error: 'internal_error', error_description: 'Please try again later' },
    });
    const post = await runPost(inputs, main.state);
    expect(post.exitCode).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.log.filter((line) => line.startsWith('Warning: '))).toEqual([
      expect.stringMatching(
        /^Warning: Could not revoke the access token after 2 attempts \(retries: 1\)\. IMS refused the token invalidation with HTTP 500 internal_error/,
      ),
    ]);
    expect(post.log[0]).toMatch(/^Attempt 1 of 2 failed: HTTP 500 internal_error\. Retrying in \d\.\d s\.$/);
  });
});

describe('secret rotation', () => {
  it('tries the secrets in order, masks each, and warns which one worked', async () => {
    const result = await runAudited(
      { inputs: inputsWith({ 'client-secret': `p8e-rotated-out-secret\n${CLIENT.clientSecret}` }) },
      { emulators: [ims], secrets: ['p8e-rotated-out-secret', CLIENT.clientSecret] },
    );
    expect(result.exitCode).toBe(0);
    expect(result.masks).toEqual(expect.arrayContaining(['p8e-rotated-out-secret', CLIENT.clientSecret]));
    expect(ims.requests.map((request) => request.form.get('client_secret'))).toEqual([
      'p8e-rotated-out-secret',
      CLIENT.clientSecret,
    ]);
    expect(result.log.filter((line) => line.startsWith('Warning: '))).toEqual([
      'Warning: IMS accepted client-secret line 2 and rejected line 1 with invalid_client. When the secret rotation is complete, remove the rejected secret from the repository secret.',
    ]);
  });

  it('behaves exactly as before with one secret: one request, no warning', async () => {
    const result = await runMain(inputsWith({}));
    expect(ims.requests).toHaveLength(1);
    expect(result.log.filter((line) => line.startsWith('Warning: '))).toEqual([]);
  });

  it('revokes with the secret that works, after a rotation', async () => {
    const inputs = inputsWith({ revoke: 'true', 'client-secret': `p8e-rotated-out-secret\n${CLIENT.clientSecret}` });
    const main = await runAudited({ inputs }, { emulators: [ims], secrets: ['p8e-rotated-out-secret'] });
    const post = await runAudited(
      { inputs, entry: readActionMetadata().runs.post, env: stateEnvironment(main.state) },
      { emulators: [ims], secrets: ['p8e-rotated-out-secret'] },
    );
    expect(post.log.at(-1)).toBe(`Revoked the IMS access token of client ${CLIENT.clientId}.`);
    expect(ims.revoked).toEqual([ims.issued[0]?.accessToken]);
  });
});
