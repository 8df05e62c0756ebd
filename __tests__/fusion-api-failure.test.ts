// The fusion-api command's failure lines: what the answer says, what to do,
// and never a piece of the token, even in an answer that echoes it.
import { describe, expect, it } from '@jest/globals';
import {
  IDLE_TIMEOUT_CODE,
  adviceFor,
  httpFailureLines,
  networkFailureLine,
  networkSummary,
  readErrorAnswer,
  redactAnswer,
  redirectFailureLine,
  repeatedCursorLine,
  retryLine,
} from '../src/fusion-api/failure.js';
import { TRANSIENT_NETWORK_CODES } from '../src/failures.js';
import { maskPieces } from '../src/text.js';

const REQUEST = { method: 'GET', target: '/api/v3/scenarios?orderby=%2Bid', host: 'fusion.adobe.io' };
// Shaped like an IMS access token: a JWT.
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ client_id: 'c', n: 'q7Zr2Lx9' })).toString('base64url')}.Zk3pQ_s9VwXr0mTfL2bYcN8aHd4JuE6gKiO1`;

/** Every 6-character run of the value: the pieces that must not appear. */
function pieces(value: string, length = 6): string[] {
  const runs: string[] = [];
  for (let start = 0; start + length <= value.length; start++) runs.push(value.slice(start, start + length));
  return runs;
}

function expectNoPieceOf(text: string, secret: string): void {
  const found = pieces(secret).filter((piece) => text.includes(piece));
  expect(found).toEqual([]);
}

describe('maskPieces', () => {
  it('masks every run of the minimum length or more that the value holds, merging runs', () => {
    expect(maskPieces('id abcdefgh and cdefgh1234 and abc', ['abcdefgh1234'], 4)).toBe('id *** and *** and abc');
    expect(maskPieces('xxabcdyy', ['abcd'], 4, '#')).toBe('xx#yy');
  });

  it('leaves text with no such run as it is, and a value shorter than the minimum alone', () => {
    expect(maskPieces('nothing here', ['abcdefgh'], 4)).toBe('nothing here');
    expect(maskPieces('abc', ['abc'], 4)).toBe('abc');
  });
});

describe('redactAnswer', () => {
  it('takes out the token whole, cut off, split, and in the forms an echo gives it', () => {
    const tail = TOKEN.slice(-20);
    const echoes = [
      `Authorization: Bearer ${TOKEN}`,
      `"authorization":"Bearer ${TOKEN.slice(0, 40)}..."`,
      `the signature ends in ${tail}`,
      encodeURIComponent(`Bearer ${TOKEN}`),
    ].join('\n');
    const redacted = redactAnswer(echoes, [TOKEN]);
    expectNoPieceOf(redacted, TOKEN);
    expect(redacted).toContain('Authorization: Bearer ***');
    expect(redacted).toContain('the signature ends in ***');
  });

  it('takes out any other JWT, too', () => {
    expect(redactAnswer('other eyJzdWIiOiJ4In0.eyJ4IjoxfQ.c2ln end', [TOKEN])).toBe('other *** end');
  });
});

describe('readErrorAnswer', () => {
  it("reads the gateway's error_code and message", () => {
    expect(readErrorAnswer('{"error_code":"403003","message":"Api Key is invalid"}', {})).toEqual({
      code: '403003',
      message: 'Api Key is invalid',
      requestId: undefined,
    });
  });

  it('reads an RFC 7807 title and its report.request-id, before a header', () => {
    const body = JSON.stringify({
      type: 'NotFound',
      status: 404,
      title: 'Scenario not found',
      report: { 'request-id': 'r-1' },
    });
    expect(readErrorAnswer(body, { 'x-request-id': 'h-1' })).toEqual({
      code: undefined,
      message: 'Scenario not found',
      requestId: 'r-1',
    });
  });

  it('takes the request-id from a header when the body has none, and reads a numeric error_code', () => {
    expect(
      readErrorAnswer('{"error_code":401013,"message":"Oauth token is not valid"}', { 'x-request-id': 'h-2' }),
    ).toEqual({
      code: '401013',
      message: 'Oauth token is not valid',
      requestId: 'h-2',
    });
    expect(readErrorAnswer('<html>Bad gateway</html>', { 'request-id': 'h-3' })).toEqual({
      code: undefined,
      message: undefined,
      requestId: 'h-3',
    });
    expect(readErrorAnswer('[1]', {}).message).toBeUndefined();
  });
});

describe('adviceFor', () => {
  it.each([
    [401, '401013', 'The token is not valid (expired, revoked, or a stage token against production)'],
    [401, undefined, 'The token is not valid'],
    [403, '403000', 'x-api-key is not a client with the Workfront Fusion API'],
    [403, '403003', 'add the API to the Developer Console project, or check client-id'],
    [400, '400003', 'A header is missing: set fusion-org-id and fusion-region'],
    [403, undefined, 'The technical account lacks the permission: add it to the Fusion team, or make it an admin'],
    [403, '403999', 'The technical account lacks the permission'],
    [404, undefined, 'Check the path and the ID.'],
    [429, undefined, 'throttling'],
    [503, undefined, 'try again later'],
    [400, undefined, 'against the Fusion API reference'],
  ])('HTTP %i %s: %s', (status, code, advice) => {
    expect(adviceFor(status, code)).toContain(advice);
  });
});

describe('httpFailureLines', () => {
  it('names the method, path, status, what the answer says, its request-id and what to do, then the body', () => {
    const body = JSON.stringify({ error_code: '403003', message: 'Api Key is invalid' });
    const lines = httpFailureLines({
      request: REQUEST,
      status: 403,
      headers: { 'x-request-id': 'req-9' },
      body,
      attempts: 1,
      secrets: [TOKEN],
    });
    expect(lines).toEqual([
      'fusion-api: GET /api/v3/scenarios?orderby=%2Bid failed with HTTP 403: 403003 Api Key is invalid ' +
        '(request-id: req-9). x-api-key is not a client with the Workfront Fusion API: add the API to the ' +
        'Developer Console project, or check client-id.',
      `fusion-api: the answer's body (redacted, cut): ${body}`,
    ]);
  });

  it('says how many attempts were made, and gives no body line for an empty body', () => {
    const lines = httpFailureLines({ request: REQUEST, status: 503, headers: {}, body: '', attempts: 4, secrets: [] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('failed with HTTP 503, after 4 attempts. Fusion may be having trouble');
  });

  it('redacts the body before it cuts it: an echoed Authorization header shows no piece of the token', () => {
    // The cut falls inside the token: cut first, a piece of it would be left that no mask matches.
    const body = JSON.stringify({
      title: 'Unauthorized',
      echo: { authorization: `Bearer ${TOKEN}` },
      pad: 'p'.repeat(400),
    });
    for (const shift of [0, 200, 240, 260]) {
      const lines = httpFailureLines({
        request: REQUEST,
        status: 401,
        headers: {},
        body: `${'x'.repeat(shift)}${body}`,
        attempts: 1,
        secrets: [TOKEN],
      });
      expectNoPieceOf(lines.join('\n'), TOKEN);
      expect((lines[1] as string).length).toBeLessThan(400);
    }
  });

  it('shows untrusted text visibly on one line, and no runner command', () => {
    const body = JSON.stringify({ error_code: '400003', message: 'Missing\nheader \u202e ##[error]x' });
    const [first, second] = httpFailureLines({
      request: REQUEST,
      status: 400,
      headers: {},
      body,
      attempts: 1,
      secrets: [],
    });
    expect(first).toContain('400003 Missing header \\u202e ##\\u005berror]x');
    expect(`${first}${second}`).not.toMatch(/[\n\u202e]|##\[/);
  });
});

describe('other failure lines', () => {
  it('names the host a redirect points to, without following it', () => {
    const url = new URL('https://fusion.adobe.io/api/v3/scenarios');
    expect(redirectFailureLine(REQUEST, 302, 'https://elsewhere.example:8443/login?x=1', url, [])).toContain(
      'failed with HTTP 302, a redirect to the host elsewhere.example:8443. Redirects are not followed, since the request carries the token.',
    );
    expect(redirectFailureLine(REQUEST, 301, '/v3/scenarios', url, [])).toContain(
      'a redirect to the host fusion.adobe.io.',
    );
    expect(redirectFailureLine(REQUEST, 307, undefined, url, [])).toContain('a redirect without a Location.');
    expect(redirectFailureLine(REQUEST, 308, 'http://[bad', url, [])).toContain(
      'a redirect to "http://[bad", not a URL.',
    );
  });

  it('words a timeout, a reset, a TLS error, a proxy refusal and an unknown error', () => {
    const line = (
      code: string | undefined,
      detail: string,
      proxy?: string,
      cutOff?: { status: number; bytes: number },
    ) =>
      networkFailureLine({
        request: REQUEST,
        problem: { code, detail },
        proxy,
        timeoutMs: 30_000,
        attempts: 2,
        cutOff,
        secrets: [TOKEN],
      });
    expect(line(IDLE_TIMEOUT_CODE, 'no answer within 30000 ms')).toBe(
      "fusion-api: GET /api/v3/scenarios?orderby=%2Bid failed, no answer from fusion.adobe.io: no answer for 30 s, after 2 attempts. Check the runner's network, or raise the token step's timeout-seconds.",
    );
    expect(line('ECONNRESET', 'aborted', undefined, { status: 200, bytes: 1024 })).toContain(
      'the answer (HTTP 200) from fusion.adobe.io broke off after 1024 bytes: the connection was reset (ECONNRESET)',
    );
    expect(line('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')).toContain(
      'unable to verify the first certificate, after 2 attempts. If the runner reaches Fusion through a TLS-inspecting proxy or a private CA, set NODE_EXTRA_CA_CERTS',
    );
    const refused = (status: number) =>
      line('ECONNRESET', `tunneling socket could not be established, statusCode=${status}`, 'http://proxy:3128');
    expect(refused(407)).toBe(
      'fusion-api: GET /api/v3/scenarios?orderby=%2Bid failed: the proxy http://proxy:3128 refused to connect to ' +
        'fusion.adobe.io with HTTP 407, after 2 attempts. It requires authentication, and the credentials in the ' +
        'proxy URL are missing or wrong: put its user name and password in HTTPS_PROXY ' +
        '(http://user:password@proxy:port, special characters percent-encoded), or ask for the runner to be allowed through.',
    );
    expect(refused(401)).toContain('with HTTP 401, after 2 attempts. It requires authentication');
    expect(refused(502)).toMatch(
      /with HTTP 502, after 2 attempts\. It could not reach fusion\.adobe\.io; check the proxy, or try again later\.$/,
    );
    expect(refused(403)).toMatch(
      /with HTTP 403, after 2 attempts\. Check HTTPS_PROXY, or add fusion\.adobe\.io to NO_PROXY if it must be reached directly\.$/,
    );
    // The same words without a proxy are not a proxy's refusal.
    expect(line('ECONNRESET', 'tunneling socket could not be established, statusCode=407')).toContain(
      'no answer from fusion.adobe.io: the connection was reset (ECONNRESET), after 2 attempts.',
    );
    const unknown = line(undefined, `weird ${TOKEN}`);
    expect(unknown).toContain('network error without a code: weird ***');
    expectNoPieceOf(unknown, TOKEN);
  });

  it.each(Object.keys(TRANSIENT_NETWORK_CODES))('has words of its own for %s, which it retries', (code) => {
    expect(networkSummary({ code, detail: '' }, 1000)).toMatch(new RegExp(`^(the|a) [a-zA-Z ]+ \\(${code}\\)$`));
  });

  it('sums a network problem up for a retry line, and words the retry', () => {
    expect(networkSummary({ code: 'ECONNREFUSED', detail: '' }, 1000)).toBe(
      'the connection was refused (ECONNREFUSED)',
    );
    expect(networkSummary({ code: 'EWHAT', detail: '' }, 1000)).toBe('network error EWHAT');
    const refusal = { code: 'ECONNRESET', detail: 'tunneling socket could not be established, statusCode=503' };
    expect(networkSummary(refusal, 1000, 'http://proxy:3128')).toBe('the proxy answered HTTP 503');
    expect(networkSummary(refusal, 1000)).toBe('the connection was reset (ECONNRESET)');
    expect(retryLine(REQUEST, 'HTTP 503', 1, 4, 1250)).toBe(
      'fusion-api: GET /api/v3/scenarios?orderby=%2Bid: HTTP 503 (attempt 1 of 4); trying again in 1.3 s',
    );
  });

  it('says which page repeated which cursor', () => {
    expect(repeatedCursorLine(REQUEST, 'c1', 3, 1)).toContain('page 3 gave the cursor "c1", which page 1 gave already');
    // Quoted once: an invisible character shows as one escape, a newline as \n, a piece of the token masked.
    expect(repeatedCursorLine({ ...REQUEST, secrets: [TOKEN] }, `a\u200bb\nc${TOKEN}`, 2, 1)).toContain(
      'page 2 gave the cursor "a\\u200bb\\nc***", which',
    );
  });
});
