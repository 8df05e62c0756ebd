import { describe, expect, it } from '@jest/globals';
import {
  type FailureContext,
  TIMEOUT_CODE,
  TOO_LARGE_CODE,
  excerpt,
  attemptsNote,
  rotationWarning,
  secretsNote,
  imsErrorFailure,
  networkFailure,
  redact,
  redirectFailure,
  TLS_OVERRIDE_IGNORED_WARNING,
} from '../src/failures.js';

const SECRET = 'p8e-s3cr+t&x=1';
const CONTEXT: FailureContext = {
  request: 'token request',
  host: 'ims.example.com',
  scopes: ['openid', 'AdobeID'],
  secrets: [SECRET],
};
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJ0eXBlIjoiYWNjZXNzX3Rva2VuIn0.c2lnbmF0dXJl';

describe('redaction', () => {
  it('hides the secret in every form a gateway could echo', () => {
    const echoed = `raw ${SECRET} encoded ${encodeURIComponent(SECRET)} form ${new URLSearchParams({ s: SECRET }).toString().slice(2)}`;
    expect(redact(echoed, [SECRET])).toBe('raw *** encoded *** form ***');
  });

  it('hides a secret echoed inside JSON', () => {
    const secret = 'p8e-"quoted"\\slash';
    expect(redact(JSON.stringify({ echo: secret }), [secret])).toBe('{"echo":"***"}');
  });

  it('hides a secret whole even when part of it looks like a token', () => {
    const secret = 'p8e-AbCeyJdEf9';
    expect(redact(`echo ${secret}.`, [secret])).toBe('echo ***.');
  });

  it('hides the longer of two secrets whole when it holds the shorter one', () => {
    expect(redact('echo abcdefgh-then-more', ['abcdefgh', 'abcdefgh-then-more'])).toBe('echo ***');
  });

  it('hides an access_token value that holds escaped quotes', () => {
    expect(redact('{"access_token":"tok\\"LEAKEDTAIL","expires_in":"x"}', [])).toBe(
      '{"access_token":"***","expires_in":"x"}',
    );
  });

  it('hides JWTs and access_token values, even truncated', () => {
    expect(redact(`{"access_token": "${JWT}"}`, [])).toBe('{"access_token": "***"}');
    expect(redact(`{"access_token":"abc.def`, [])).toBe('{"access_token":"***');
    expect(redact(`token ${JWT.slice(0, 30)}`, [])).toBe('token ***');
  });

  it('makes a short single-line excerpt', () => {
    expect(excerpt('<html>\n\t<body>Bad\u0000gateway</body>\n</html>\n', [])).toBe(
      '"<html> <body>Bad gateway</body> </html>"',
    );
    expect(excerpt('   ', [])).toBe('(empty body)');
    expect(excerpt('x'.repeat(500), [])).toBe(JSON.stringify(`${'x'.repeat(200)}…`));
  });
});

describe('IMS error wording', () => {
  it('explains invalid_client with the debug id and what to check', () => {
    const failure = imsErrorFailure(401, 'invalid_client', 'invalid client_secret parameter', 'dbg-1', false, CONTEXT);
    expect(failure.summary).toBe('HTTP 401 invalid_client');
    expect(failure.message).toBe(
      'IMS refused the token request with HTTP 401 invalid_client: invalid client_secret parameter (x-debug-id: dbg-1). ' +
        'Check the client-id and client-secret inputs: they must be the client ID and a current client secret of an ' +
        'OAuth Server-to-Server credential. The secret may have been rotated in the Adobe Developer Console; update the repository secret.',
    );
  });

  it('names the requested scopes on invalid_scope', () => {
    const failure = imsErrorFailure(400, 'invalid_scope', 'invalid scope (AdobeID)', undefined, false, CONTEXT);
    expect(failure.message).toMatch(
      /^IMS refused the token request with HTTP 400 invalid_scope: invalid scope \(AdobeID\)\. /,
    );
    expect(failure.message).toContain('not granted one of the requested scopes (openid, AdobeID)');
    expect(failure.message).toContain('APIs added to the Developer Console project');
  });

  it('points unauthorized_client at the credential type', () => {
    expect(imsErrorFailure(400, 'unauthorized_client', undefined, undefined, false, CONTEXT).message).toMatch(
      /^IMS refused the token request with HTTP 400 unauthorized_client\. This client may not use the client_credentials grant: use an OAuth Server-to-Server credential/,
    );
  });

  it('words other errors by whether they are transient', () => {
    expect(imsErrorFailure(500, 'internal_error', 'Please try again later', 'd', true, CONTEXT).message).toMatch(
      /HTTP 500 internal_error: Please try again later \(x-debug-id: d\)\. IMS may be having trouble; try again later\. If it persists, give Adobe support the x-debug-id\.$/,
    );
    expect(imsErrorFailure(400, 'bad_request', undefined, 'd', false, CONTEXT).message).toMatch(
      /HTTP 400 bad_request \(x-debug-id: d\)\. Check the inputs against the credential .* If it persists, give Adobe support the x-debug-id\.$/,
    );
    expect(imsErrorFailure(400, 'bad_request', undefined, undefined, false, CONTEXT).message).toMatch(
      /HTTP 400 bad_request\. Check the inputs against the credential in the Adobe Developer Console\. If it persists, contact Adobe support\.$/,
    );
  });

  it('shows IMS text visibly and briefly', () => {
    const failure = imsErrorFailure(
      400,
      'bad\u202erequest',
      `line one\nline two ${'x'.repeat(400)}`,
      'id\u0000',
      false,
      CONTEXT,
    );
    expect(failure.summary).toBe('HTTP 400 bad\\u202erequest');
    expect(failure.message).toContain(`: line one\\u000aline two ${'x'.repeat(282)} (x-debug-id: id\\u0000)`);
    expect(failure.message).not.toContain('x'.repeat(283));
  });

  it('never repeats the secret from an IMS description', () => {
    const failure = imsErrorFailure(400, 'bad_request', `bad value ${SECRET}`, undefined, false, CONTEXT);
    expect(failure.message).not.toContain(SECRET);
    expect(failure.message).toContain('bad value ***');
  });

  it('refuses redirects and says why', () => {
    const failure = redirectFailure(302, 'https://evil.example.com/steal', CONTEXT);
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(
      /^ims\.example\.com answered HTTP 302, a redirect to "https:\/\/evil\.example\.com\/steal"\. Redirects are not followed because they could carry the client secret to another host\./,
    );
    expect(redirectFailure(307, undefined, CONTEXT).message).toMatch(
      /^ims\.example\.com answered HTTP 307, a redirect\. /,
    );
  });
});

describe('network wording', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ECONNRESET', 'connection reset'],
    ['EAI_AGAIN', 'temporary DNS failure'],
    ['ETIMEDOUT', 'connection timed out'],
  ])('retries %s and names the host', (code, words) => {
    const failure = networkFailure({ code, detail: `connect ${code} 1.2.3.4:443` }, 30_000, CONTEXT);
    expect(failure.retryable).toBe(true);
    expect(failure.summary).toBe(`${words} (${code})`);
    expect(failure.message).toBe(
      `Could not reach ims.example.com: ${words} (connect ${code} 1.2.3.4:443). Check ims-url and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).`,
    );
  });

  it('words an attempt timeout in seconds', () => {
    const failure = networkFailure({ code: TIMEOUT_CODE, detail: 'x' }, 1500, CONTEXT);
    expect(failure).toEqual({
      retryable: true,
      summary: 'no complete answer within 1.5 s',
      message:
        "No complete answer from ims.example.com within 1.5 s (timeout-seconds). Check the runner's network, or raise timeout-seconds.",
    });
  });

  it('refuses oversized answers at once', () => {
    const failure = networkFailure({ code: TOO_LARGE_CODE, detail: 'an answer of 5 bytes' }, 1, CONTEXT);
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(
      /^ims\.example\.com sent an answer of 5 bytes; an IMS token answer is a few kilobytes/,
    );
  });

  it('does not retry a host that does not exist', () => {
    const failure = networkFailure({ code: 'ENOTFOUND', detail: 'getaddrinfo ENOTFOUND x' }, 1, CONTEXT);
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe('The host ims.example.com was not found (DNS: ENOTFOUND). Check ims-url.');
  });

  it('does not retry TLS failures and points to NODE_EXTRA_CA_CERTS', () => {
    const failure = networkFailure(
      { code: 'SELF_SIGNED_CERT_IN_CHAIN', detail: 'self-signed certificate in certificate chain' },
      1,
      CONTEXT,
    );
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(
      /^The TLS connection to ims\.example\.com failed: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)\. .*NODE_EXTRA_CA_CERTS/,
    );
  });

  it.each(['407', '401'])(
    'gives the credential advice, once, for a proxy that refuses with %s (tinyproxy answers wrong credentials 401)',
    (status) => {
      const failure = networkFailure(
        {
          code: 'ECONNRESET',
          detail: `tunneling socket could not be established, statusCode=${status}`,
          proxy: 'http://proxy.corp:3128',
        },
        1,
        CONTEXT,
      );
      expect(failure.retryable).toBe(false);
      expect(failure.summary).toBe(`proxy answered HTTP ${status}`);
      expect(failure.message).toBe(
        `The proxy http://proxy.corp:3128 refused to connect to ims.example.com with HTTP ${status}. ` +
          'It requires authentication, and the credentials in the proxy URL are missing or wrong: put its user name ' +
          'and password in HTTPS_PROXY (http://user:password@proxy:port, special characters percent-encoded), ' +
          'or ask for the runner to be allowed through.',
      );
    },
  );

  it('gives other refusals of a proxy the HTTPS_PROXY and NO_PROXY advice', () => {
    const forbidden = networkFailure(
      { code: 'ECONNRESET', detail: 'tunneling socket could not be established, statusCode=403', proxy: 'http://p:1' },
      1,
      CONTEXT,
    );
    expect(forbidden.retryable).toBe(false);
    expect(forbidden.message).toBe(
      'The proxy http://p:1 refused to connect to ims.example.com with HTTP 403. ' +
        'Check HTTPS_PROXY, or add the IMS host to NO_PROXY if it must be reached directly.',
    );
  });

  it('retries a proxy that could not reach IMS just now (502-504)', () => {
    const failure = networkFailure(
      { code: 'ECONNRESET', detail: 'tunneling socket could not be established, statusCode=503', proxy: 'http://p:1' },
      1,
      CONTEXT,
    );
    expect(failure).toMatchObject({ retryable: true, summary: 'proxy answered HTTP 503' });
    expect(failure.message).toMatch(/with HTTP 503\. It could not reach IMS; check the proxy, or try again later\.$/);
  });

  it('treats TLS spoken to a plain-http port as a TLS error', () => {
    const failure = networkFailure({ code: 'EPROTO', detail: 'wrong version number' }, 1, CONTEXT);
    expect(failure).toMatchObject({ retryable: false, summary: 'TLS error EPROTO' });
  });

  it('retries an unreachable proxy and says it was the proxy', () => {
    const failure = networkFailure(
      {
        code: 'ECONNRESET',
        detail: 'tunneling socket could not be established, cause=connect ECONNREFUSED 127.0.0.1:9',
        proxy: 'http://p:9',
      },
      1,
      CONTEXT,
    );
    expect(failure.retryable).toBe(true);
    expect(failure.summary).toBe('connection reset through the proxy http://p:9 (ECONNRESET)');
  });

  it('does not retry an unknown error, counts it as an outage, and still says what happened', () => {
    expect(networkFailure({ code: 'EWEIRD', detail: 'odd' }, 1, CONTEXT)).toEqual({
      retryable: false,
      transient: true,
      summary: 'network error EWEIRD',
      message:
        "The request to ims.example.com failed: odd (EWEIRD). Check ims-url and the runner's network and proxy settings.",
    });
    expect(networkFailure({ code: undefined, detail: 'odd' }, 1, CONTEXT).summary).toBe('network error without a code');
  });
});

describe('final message', () => {
  const transient = { retryable: true, summary: 's', message: 'Transient.' };
  const permanent = { retryable: false, summary: 's', message: 'Permanent.' };
  it('counts the attempts and says why it stopped', () => {
    expect(attemptsNote(transient, 4, 3)).toBe('after 4 attempts (retries: 3). Transient.');
    expect(attemptsNote(permanent, 1, 3)).toBe(
      'after 1 attempt (not retried: this failure would not go away by itself). Permanent.',
    );
    expect(attemptsNote(permanent, 2, 3)).toBe('after 2 attempts. Permanent.');
  });

  it('says which of several secrets the failure came from', () => {
    expect(secretsNote(1, 1)).toBe('');
    expect(secretsNote(1, 2)).toBe(' with client-secret line 1 of 2');
    expect(secretsNote(2, 2)).toBe(' with client-secret line 2 of 2 (IMS rejected line 1 with invalid_client)');
    expect(secretsNote(3, 3)).toBe(' with client-secret line 3 of 3 (IMS rejected lines 1 to 2 with invalid_client)');
  });

  it('warns that a rotated-out secret should go', () => {
    expect(rotationWarning(2)).toBe(
      'IMS accepted client-secret line 2 and rejected line 1 with invalid_client. When the secret rotation is complete, remove the rejected secret from the repository secret.',
    );
    expect(rotationWarning(3)).toMatch(
      /^IMS accepted client-secret line 3 and rejected lines 1 to 2 with invalid_client\./,
    );
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED=0', () => {
  it('is answered with a warning that it is ignored, and what to set instead', () => {
    expect(TLS_OVERRIDE_IGNORED_WARNING).toMatch(
      /^NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: fusion-token-action always verifies certificates, .*client secret\. .*set NODE_EXTRA_CA_CERTS to the PEM file of that CA's root certificate\.$/,
    );
  });
});
