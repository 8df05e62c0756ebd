// End to end: the bundled dist/index.js, run as the runner runs it (under the
// Node version action.yml declares, INPUT_* with defaults, file commands),
// against the IMS emulator over real sockets. Every run is audited for leaks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FUSION_SCOPES, ImsEmulator, makeAccessToken } from '../testbed/ims-emulator.js';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { type RunOptions, type RunResult, actionNodeBinary, declaredNodeMajor, findLeaks } from '../testbed/runner.js';
import { execFileSync } from 'node:child_process';

const CLIENT = {
  clientId: 'e2e0123456789abcdef0123456789ab',
  clientSecret: 'p8e-E2E+secret&with=odd%chars;#/ünï',
  scopes: FUSION_SCOPES,
};
let ims: ImsEmulator;
let elsewhere: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  elsewhere = await ImsEmulator.start([CLIENT]);
});
afterEach(() => {
  ims.reset();
  elsewhere.reset();
});
afterAll(async () => {
  await ims.close();
  await elsewhere.close();
});

function run(inputs: Record<string, string>, options: Omit<RunOptions, 'inputs'> = {}): Promise<RunResult> {
  return runAudited(
    {
      inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, ...inputs },
      ...options,
    },
    { emulators: [ims, elsewhere], secrets: [CLIENT.clientSecret] },
  );
}

describe('runtime', () => {
  it('runs under the Node version action.yml declares', () => {
    const version = execFileSync(actionNodeBinary(), ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(new RegExp(`^v${declaredNodeMajor()}\\.`));
    expect(declaredNodeMajor()).toBe(24);
  });
});

describe('success', () => {
  it('mints a masked token with one request and sets the four outputs', async () => {
    const before = Date.now();
    const result = await run({});
    const after = Date.now();
    const token = ims.issued[0]?.accessToken as string;

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(ims.requests).toHaveLength(1);
    expect(result.outputs['access-token']).toBe(token);
    expect(result.outputs['token-type']).toBe('bearer');
    expect(result.outputs['expires-in']).toBe('86399');
    const expiresAt = result.outputs['expires-at'] as string;
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 86_399_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(after + 86_399_000);
    expect(Object.keys(result.outputs).sort()).toEqual([
      'access-token',
      'expires-at',
      'expires-in',
      'sealed-token',
      'source',
      'token-type',
    ]);
    expect(result.outputs['source']).toBe('minted');
    expect(result.outputs['sealed-token']).toMatch(/^fta1\.[\w-]+$/);
    expect(result.exportedEnv).toEqual({});
    expect(result.state).toEqual({});

    // The secret is masked before anything else is printed; the token before it is used.
    expect(result.stdout.split('\n')[0]).toBe(`::add-mask::${CLIENT.clientSecret.replace(/%/g, '%25')}`);
    expect(result.masks).toContain(CLIENT.clientSecret);
    expect(result.masks).toContain(token);
    // One line, and none about reuse: the default run never asked for it.
    expect(result.log).toEqual([
      `Got an IMS access token for client ${CLIENT.clientId}. It expires at ${expiresAt} (in 23 h 59 min).`,
    ]);
  });

  it('sends exactly the IMS client-credentials form, with the secret intact and nothing in the URL', async () => {
    await run({ scopes: 'openid AdobeID\nopenid,profile', 'org-id': '0123456789ABCDEF01234567@AdobeOrg' });
    const [request] = ims.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/ims/token/v3');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.headers['user-agent']).toMatch(/^fusion-token-action\/\d+\.\d+\.\d+$/);
    expect([...(request?.form.entries() ?? [])]).toEqual([
      ['grant_type', 'client_credentials'],
      ['client_id', CLIENT.clientId],
      ['client_secret', CLIENT.clientSecret],
      ['scope', 'openid,AdobeID,profile'],
      ['org_id', '0123456789ABCDEF01234567@AdobeOrg'],
    ]);
  });

  it('accepts a trailing slash on ims-url and a numeric-string expires_in', async () => {
    ims.enqueue({ kind: 'json', status: 200, body: { access_token: 'opaque-token-zz9', expires_in: '3600' } });
    const result = await run({ 'ims-url': `${ims.url}/` });
    expect(result.exitCode).toBe(0);
    expect(ims.requests[0]?.url).toBe('/ims/token/v3');
    expect(result.outputs['expires-in']).toBe('3600');
    expect(result.outputs['token-type']).toBe('bearer');
    expect(result.masks).toContain('opaque-token-zz9');
    expect(findLeaks(result, { secrets: [], tokens: ['opaque-token-zz9'] })).toEqual([]);
  });
});

describe('transient failures', () => {
  it('retries 5xx and a reset connection, logging each retry, then succeeds', async () => {
    ims.enqueue({ kind: 'json', status: 503, body: { error: 'service_unavailable' } }, { kind: 'reset' });
    const result = await run({});
    expect(result.exitCode).toBe(0);
    expect(ims.requests).toHaveLength(3);
    expect(result.log.slice(0, 2)).toEqual([
      expect.stringMatching(/^Attempt 1 of 4 failed: HTTP 503 service_unavailable\. Retrying in 0\.\d s\.$/),
      expect.stringMatching(/^Attempt 2 of 4 failed: connection reset \(ECONNRESET\)\. Retrying in [01]\.\d s\.$/),
    ]);
  });

  it('honours Retry-After on 429', async () => {
    ims.enqueue({ kind: 'json', status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '1' } });
    const result = await run({});
    expect(result.exitCode).toBe(0);
    expect(ims.requests).toHaveLength(2);
    const [first, second] = ims.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after the retries, saying how many attempts were made', async () => {
    ims.setFallback({
      kind: 'json',
      status: 500,
      body: { error: 'internal_error', error_description: 'Please try again later' },
    });
    const message = expectFailure(await run({ retries: '1' }));
    expect(ims.requests).toHaveLength(2);
    expect(message).toMatch(
      /^Could not get an Adobe IMS access token after 2 attempts \(retries: 1\)\. IMS refused the token request with HTTP 500 internal_error: Please try again later \(x-debug-id: [0-9a-f-]{36}\)\./,
    );
  });

  it('ends a hanging attempt at timeout-seconds', async () => {
    ims.setFallback({ kind: 'hang' });
    // A hang would run into killAfterMs and fail the test with no exit code.
    const result = await run({ 'timeout-seconds': '0.5', retries: '1' }, { killAfterMs: 10_000 });
    const message = expectFailure(result);
    expect(ims.requests).toHaveLength(2);
    expect(message).toMatch(
      /^Could not get an Adobe IMS access token after 2 attempts \(retries: 1\)\. No complete answer from 127\.0\.0\.1:\d+ within 0\.5 s \(timeout-seconds\)\./,
    );
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('names the host it could not reach', async () => {
    // Nothing listens on port 1 (tcpmux).
    const url = 'http://127.0.0.1:1';
    const message = expectFailure(await run({ 'ims-url': url, retries: '0' }));
    expect(message).toBe(
      `Could not get an Adobe IMS access token after 1 attempt (retries: 0). Could not reach ${url.slice(7)}: connection refused (connect ECONNREFUSED ${url.slice(7)}). Check ims-url and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).`,
    );
  });
});

describe('permanent failures', () => {
  it('fails a wrong secret in one request, with the IMS error, debug id and what to do', async () => {
    const result = await run({ 'client-secret': 'wrong-secret-value' });
    const message = expectFailure(result);
    expect(ims.requests).toHaveLength(1);
    expect(message).toMatch(
      /^Could not get an Adobe IMS access token after 1 attempt \(not retried: this failure would not go away by itself\)\. IMS refused the token request with HTTP 401 invalid_client: invalid client_secret parameter \(x-debug-id: [0-9a-f-]{36}\)\. Check the client-id and client-secret inputs/,
    );
    expect(message).toContain('may have been rotated');
  });

  it('fails an unknown client in one request', async () => {
    const message = expectFailure(await run({ 'client-id': 'unknown-client' }));
    expect(ims.requests).toHaveLength(1);
    expect(message).toContain('HTTP 400 invalid_client: invalid client_id parameter');
  });

  it('names the requested scopes when one is not granted', async () => {
    const message = expectFailure(await run({ scopes: 'openid,AdobeID,read_organizations' }));
    expect(message).toContain('HTTP 400 invalid_scope: invalid scope (read_organizations)');
    expect(message).toContain('requested scopes (openid, AdobeID, read_organizations)');
  });

  it('never lets an IMS answer form a runner command, even the legacy ##[ kind', async () => {
    ims.enqueue({
      kind: 'json',
      status: 503,
      body: { error: '##[stop-commands]zz', error_description: '##[add-mask]Attempt' },
    });
    const result = await run({ retries: '1' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('##[');
    expect(result.log[0]).toMatch(
      /^Attempt 1 of 2 failed: HTTP 503 ##\\u005bstop-commands\]zz\. Retrying in 0\.\d s\.$/,
    );
  });

  it('never repeats a secret or token that IMS echoes back', async () => {
    const issued = makeAccessToken(CLIENT.clientId, ['openid'], Date.now());
    ims.issued.push({ clientId: CLIENT.clientId, accessToken: issued });
    ims.enqueue({
      kind: 'json',
      status: 400,
      body: { error: 'bad_request', error_description: `bad client_secret ${CLIENT.clientSecret} for ${issued}` },
    });
    const message = expectFailure(await run({}));
    expect(message).toContain('HTTP 400 bad_request: bad client_secret *** for ***');
  });

  // The runner masks whole values only: a header cut before it is redacted would show a piece
  // (at 88, 12 characters: what the leak audit looks for; at 90, the 10 of the original report).
  it.each([88, 90])('never shows a piece of a secret echoed at offset %d of the headers it quotes', async (offset) => {
    const echoed = `${'x'.repeat(offset)}${CLIENT.clientSecret}`;
    ims.enqueue({
      kind: 'raw',
      status: 502,
      contentType: echoed,
      body: '<html>Bad gateway</html>',
      headers: { 'x-debug-id': echoed },
    });
    const message = expectFailure(await run({ retries: '0' }));
    const masked = `${'x'.repeat(offset)}***`;
    expect(message).toContain(`(content type ${masked}) (x-debug-id: ${masked}): "<html>Bad gateway</html>"`);
  });

  it('reports an HTML page on 200 with its status, content type and an excerpt', async () => {
    ims.enqueue({
      kind: 'raw',
      status: 200,
      contentType: 'text/html',
      body: '<html>\n<body>Login portal</body>\n</html>',
    });
    const message = expectFailure(await run({}));
    expect(ims.requests).toHaveLength(1);
    expect(message).toMatch(
      /answered HTTP 200 without a JSON object \(content type text\/html\) \(x-debug-id: [0-9a-f-]{36}\): "<html> <body>Login portal<\/body> <\/html>"\./,
    );
  });

  it('reports truncated JSON without showing the part of the token it holds', async () => {
    const partial = '{"access_token":"eyJhbGciOiJSUzI1NiIsIng1dSI6Imltc19uYTEta2V5LWF0LTEuY2VyIn0.eyJpZCI6';
    ims.enqueue({ kind: 'raw', status: 200, contentType: 'application/json', body: partial });
    const result = await run({});
    const message = expectFailure(result);
    expect(message).toContain('answered HTTP 200 without a JSON object (content type application/json)');
    expect(result.stdout).not.toContain('eyJhbGciOiJSUzI1NiIsIng1dSI6');
  });

  it('does not follow a redirect, which could carry the secret elsewhere', async () => {
    ims.enqueue({
      kind: 'raw',
      status: 302,
      contentType: 'text/plain',
      body: '',
      headers: { location: `${elsewhere.url}/ims/token/v3` },
    });
    const message = expectFailure(await run({}));
    expect(ims.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(message).toContain(
      `answered HTTP 302, a redirect to "${elsewhere.url}/ims/token/v3". Redirects are not followed`,
    );
  });
});

describe('inputs', () => {
  it.each([
    [{ 'client-id': '' }, /^Input client-id is required/],
    [{ 'client-secret': '' }, /^Input client-secret is required/],
    // URLs that would reach the emulator, were they not refused:
    [{ 'ims-url': 'http://u:pw@127.0.0.1:PORT' }, /^Input ims-url must not contain a user name or password/],
    [{ 'ims-url': 'http://127.0.0.1:PORT/?x=1' }, /^Input ims-url must not have a query or a fragment/],
    [{ 'ims-url': 'http://127.0.0.1:PORT/#top' }, /^Input ims-url must not have a query or a fragment/],
    [
      { 'ims-url': 'http://127.0.0.1:PORT/ims/token/v3' },
      /^Input ims-url is the IMS base URL, without \/ims\/token\/v3/,
    ],
    [{ 'ims-url': 'http://ims-na1.adobelogin.com' }, /^Input ims-url must use https/],
    [{ retries: '11' }, /^Input retries must be a whole number from 0 to 10, got "11"\.$/],
    [{ 'timeout-seconds': '0' }, /^Input timeout-seconds must be a number of seconds greater than 0 and at most 600/],
    [{ scopes: ' , ' }, /^Input scopes must name at least one scope/],
    [{ 'org-id': '1234' }, /^Input org-id must be an IMS organization ID/],
  ])('refuses %j before sending anything', async (inputs: Record<string, string>, message) => {
    const port = String(new URL(ims.url).port);
    const result = await run(
      Object.fromEntries(Object.entries(inputs).map(([name, value]) => [name, value.replace('PORT', port)])),
    );
    expect(expectFailure(result)).toMatch(message);
    expect(ims.connections).toBe(0);
  });

  it('masks every line of a multi-line secret and never prints one, even when IMS rejects them all', async () => {
    const result = await run({ 'client-secret': 'first-line-secret\nsecond-line-secret' });
    expect(expectFailure(result)).toMatch(
      /^Could not get an Adobe IMS access token with client-secret line 2 of 2 \(IMS rejected line 1 with invalid_client\)/,
    );
    expect(result.masks).toEqual(expect.arrayContaining(['first-line-secret', 'second-line-secret']));
    expect(findLeaks(result, { secrets: ['first-line-secret', 'second-line-secret'], tokens: [] })).toEqual([]);
    expect(ims.requests).toHaveLength(2);
  });
});
