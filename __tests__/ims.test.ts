import { describe, expect, it } from '@jest/globals';
import type { FailureContext } from '../src/failures.js';
import {
  type AttemptResult,
  type HttpAnswer,
  REQUEST_HEADERS,
  USER_AGENT,
  invalidateRequestBody,
  readInvalidateAnswer,
  readTokenAnswer,
  tokenRequestBody,
} from '../src/ims.js';
import { parseInputs, type InputName } from '../src/inputs.js';
import { ACTION_VERSION } from '../src/version.js';
import { readFileSync } from 'node:fs';
import { ROOT } from '../testbed/runner.js';
import path from 'node:path';

const CONTEXT: FailureContext = {
  request: 'token request',
  host: 'ims.example.com',
  scopes: ['openid'],
  secrets: ['the-secret'],
};
const RECEIVED = Date.parse('2026-11-29T22:11:06.000Z');
const JSON_TYPE = { 'content-type': 'application/json;charset=UTF-8', 'x-debug-id': 'dbg-42' };

function answer(status: number, body: unknown, headers: Record<string, string> = JSON_TYPE): HttpAnswer {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function failureOf<T>(result: AttemptResult<T>) {
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
}

describe('the token request', () => {
  it('form-encodes every field, so any secret arrives intact', () => {
    const values: Partial<Record<InputName, string>> = {
      'client-id': 'id-1',
      'client-secret': 'a+b&c=d%e;f#g/h ü',
      scopes: 'openid AdobeID',
      'org-id': 'ABC@AdobeOrg',
    };
    const inputs = parseInputs((name) => values[name] ?? '');
    const body = tokenRequestBody(inputs, inputs.clientSecrets[0] as string);
    expect(body).toBe(
      'grant_type=client_credentials&client_id=id-1&client_secret=a%2Bb%26c%3Dd%25e%3Bf%23g%2Fh+%C3%BC&scope=openid%2CAdobeID&org_id=ABC%40AdobeOrg',
    );
    expect(new URLSearchParams(body).get('client_secret')).toBe('a+b&c=d%e;f#g/h ü');
  });

  it('leaves org_id out when it is not set', () => {
    const body = tokenRequestBody(
      parseInputs((name) => ({ 'client-id': 'i', 'client-secret': 's' })[name as string] ?? ''),
      's',
    );
    expect([...new URLSearchParams(body).keys()]).toEqual(['grant_type', 'client_id', 'client_secret', 'scope']);
  });

  it('sends the form content type, asks for JSON and names itself with the package version', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ACTION_VERSION).toBe(pkg.version);
    expect(REQUEST_HEADERS).toEqual({
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      'User-Agent': `fusion-token-action/${pkg.version}`,
    });
    expect(USER_AGENT).toBe(`fusion-token-action/${pkg.version}`);
  });
});

describe('the invalidation request', () => {
  it('form-encodes the token, the credential and cascading=all', () => {
    const body = invalidateRequestBody('id-1', 's&+=', 'eyJ.tok.en');
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      token_type: 'access_token',
      token: 'eyJ.tok.en',
      client_id: 'id-1',
      client_secret: 's&+=',
      cascading: 'all',
    });
  });

  it('reads 200 as done, and anything else as a failure worded like the token request', () => {
    expect(readInvalidateAnswer(answer(200, ''), CONTEXT)).toEqual({ ok: true, value: true });
    const refused = failureOf(
      readInvalidateAnswer(
        answer(401, { error: 'invalid_client', error_description: 'invalid client_secret parameter' }),
        {
          ...CONTEXT,
          request: 'token invalidation',
        },
      ),
    );
    expect(refused).toMatchObject({ retryable: false, imsError: 'invalid_client' });
    expect(refused.message).toMatch(/^IMS refused the token invalidation with HTTP 401 invalid_client/);
    expect(failureOf(readInvalidateAnswer(answer(503, '<html>'), CONTEXT)).retryable).toBe(true);
  });
});

describe('reading the answer', () => {
  it('takes a token, with expires-at counted from when the answer arrived', () => {
    const result = readTokenAnswer(
      answer(200, { access_token: 'tok.en.x', token_type: 'bearer', expires_in: 86399 }),
      RECEIVED,
      CONTEXT,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        accessToken: 'tok.en.x',
        tokenType: 'bearer',
        expiresIn: '86399',
        expiresAt: new Date('2026-11-30T22:11:05.000Z'),
      },
    });
  });

  it('accepts expires_in as a numeric string and defaults token_type to bearer', () => {
    const result = readTokenAnswer(answer(200, { access_token: 't', expires_in: '3600' }), RECEIVED, CONTEXT);
    expect(result.ok && result.value).toEqual({
      accessToken: 't',
      tokenType: 'bearer',
      expiresIn: '3600',
      expiresAt: new Date(RECEIVED + 3_600_000),
    });
    const typed = readTokenAnswer(
      answer(200, { access_token: 't', expires_in: 1, token_type: 'Bearer' }),
      RECEIVED,
      CONTEXT,
    );
    expect(typed.ok && typed.value.tokenType).toBe('Bearer');
  });

  it.each([
    [
      'HTML',
      '<html><body>Gateway says hi</body></html>',
      'without a JSON object',
      '"<html><body>Gateway says hi</body></html>"',
    ],
    ['truncated JSON', '{"access_token":"eyJhbGciOi', 'without a JSON object', '"{\\"access_token\\":\\"***"'],
    ['an array', '[1,2]', 'without a JSON object', '"[1,2]"'],
    ['no token', '{"token_type":"bearer"}', 'without an access_token', '"{\\"token_type\\":\\"bearer\\"}"'],
    ['an empty token', '{"access_token":""}', 'without an access_token', '"{\\"access_token\\":\\"***\\"}"'],
    [
      'a token with a newline',
      '{"access_token":"abc\\ndef","expires_in":1}',
      'with a malformed access_token',
      '"{\\"access_token\\":\\"***\\",\\"expires_in\\":1}"',
    ],
    [
      'no expires_in',
      '{"access_token":"zzz-token"}',
      'without a usable expires_in',
      '"{\\"access_token\\":\\"***\\"}"',
    ],
    [
      'an expires_in no date can hold',
      '{"access_token":"zzz-token","expires_in":1e300}',
      'without a usable expires_in',
      '"{\\"access_token\\":\\"***\\",\\"expires_in\\":1e300}"',
    ],
    [
      'a negative expires_in',
      '{"access_token":"zzz-token","expires_in":-5}',
      'without a usable expires_in',
      '"{\\"access_token\\":\\"***\\",\\"expires_in\\":-5}"',
    ],
  ])('rejects a 200 with %s, quoting a safe excerpt', (_what, body, problem, shown) => {
    const failure = failureOf(
      readTokenAnswer(answer(200, body, { 'content-type': 'text/html', 'x-debug-id': 'd9' }), RECEIVED, CONTEXT),
    );
    expect(failure.retryable).toBe(false);
    expect(failure.summary).toBe(`HTTP 200 ${problem}`);
    expect(failure.message).toBe(
      `ims.example.com answered HTTP 200 ${problem} (content type text/html) (x-debug-id: d9): ${shown}. ` +
        'Check that ims-url is the IMS base URL, and that no proxy or gateway rewrites the answer.',
    );
    expect(failure.message).not.toMatch(/zzz-token|eyJhbGciOi/);
  });

  it('reads an IMS error answer and whether to retry it', () => {
    const failure = failureOf(
      readTokenAnswer(
        answer(401, { error: 'invalid_client', error_description: 'invalid client_secret parameter' }),
        RECEIVED,
        CONTEXT,
      ),
    );
    expect(failure.retryable).toBe(false);
    expect(failure.summary).toBe('HTTP 401 invalid_client');
    expect(failure.message).toMatch(
      /^IMS refused the token request with HTTP 401 invalid_client: invalid client_secret parameter \(x-debug-id: dbg-42\)\. Check the client-id/,
    );

    const throttled = failureOf(
      readTokenAnswer(
        answer(429, { error: 'too_many_requests' }, { ...JSON_TYPE, 'retry-after': '2' }),
        RECEIVED,
        CONTEXT,
      ),
    );
    expect(throttled).toMatchObject({ retryable: true, summary: 'HTTP 429 too_many_requests', retryAfter: '2' });
  });

  it('shows header values visibly, briefly and without secrets', () => {
    const failure = failureOf(
      readTokenAnswer(
        answer(200, 'x', {
          'content-type': `text/html; ##[stop-commands]; the-secret ${'y'.repeat(300)}`,
          'x-debug-id': 'id the-secret',
        }),
        RECEIVED,
        CONTEXT,
      ),
    );
    expect(failure.message).toContain('(content type text/html; ##\\u005bstop-commands]; *** yyy');
    expect(failure.message).toContain('(x-debug-id: id ***)');
    expect(failure.message).not.toContain('y'.repeat(100));
  });

  it('reads a gateway page on an error status, retrying it when the status is transient', () => {
    const failure = failureOf(
      readTokenAnswer(answer(502, '<h1>Bad Gateway</h1>', { 'content-type': 'text/html' }), RECEIVED, CONTEXT),
    );
    expect(failure.retryable).toBe(true);
    expect(failure.message).toBe(
      'ims.example.com answered HTTP 502 that is not IMS JSON (content type text/html): "<h1>Bad Gateway</h1>". ' +
        'Check that ims-url is the IMS base URL, and that no proxy or gateway rewrites the answer.',
    );
    const odd = failureOf(readTokenAnswer(answer(404, { message: 'no route' }, {}), RECEIVED, CONTEXT));
    expect(odd).toMatchObject({ retryable: false, summary: 'HTTP 404 without an IMS error' });
    expect(odd.message).toContain('(content type none)');
  });

  it('treats another 2xx as unexpected, and a 3xx as a refused redirect', () => {
    expect(failureOf(readTokenAnswer(answer(204, ''), RECEIVED, CONTEXT)).summary).toBe(
      'HTTP 204 that is not IMS JSON',
    );
    const redirect = failureOf(
      readTokenAnswer(answer(301, '', { location: 'https://elsewhere.example/' }), RECEIVED, CONTEXT),
    );
    expect(redirect).toMatchObject({ retryable: false, summary: 'HTTP 301 redirect' });
  });
});
