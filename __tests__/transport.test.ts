// The transport against real sockets: the IMS emulator on loopback, and proxies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TIMEOUT_CODE, TOO_LARGE_CODE } from '../src/failures.js';
import { HttpClient } from '@actions/http-client';
import { type HttpPost, TransportError, createPost, proxyFor, verifyingAgent } from '../src/transport.js';
import { ConnectProxy } from '../testbed/connect-proxy.js';
import { ImsEmulator } from '../testbed/ims-emulator.js';
import { createCertificateAuthority } from '../testbed/tls.js';
import { postInOwnProcess } from '../testbed/transport-process.js';

let ims: ImsEmulator;
let other: ImsEmulator;
const post = createPost();

beforeAll(async () => {
  ims = await ImsEmulator.start();
  other = await ImsEmulator.start();
});
afterEach(() => {
  ims.reset();
  other.reset();
});
afterAll(async () => {
  await ims.close();
  await other.close();
});

function request(overrides: Partial<HttpPost> = {}): HttpPost {
  return {
    url: new URL(`${ims.url}/ims/token/v3`),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'transport-test/1' },
    body: 'a=1&b=%2B',
    timeoutMs: 5000,
    maxAnswerBytes: 1024 * 1024,
    ...overrides,
  };
}

async function transportErrorOf(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    return error as TransportError;
  }
  throw new Error('the request succeeded');
}

/** Nothing listens on port 1 (tcpmux), and no outgoing connection takes it. */
const CLOSED_PORT = 1;

describe('post', () => {
  it('sends the body and headers and reads the whole answer', async () => {
    ims.enqueue({ kind: 'json', status: 418, body: { hello: 'world' }, headers: { 'x-extra': 'yes' } });
    const answer = await post(request());
    expect(answer.status).toBe(418);
    expect(JSON.parse(answer.body)).toEqual({ hello: 'world' });
    expect(answer.headers['x-extra']).toBe('yes');
    expect(answer.headers['x-debug-id']).toMatch(/^[0-9a-f-]{36}$/);
    const [received] = ims.requests;
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/ims/token/v3');
    expect(received?.rawBody).toBe('a=1&b=%2B');
    expect(received?.headers['user-agent']).toBe('transport-test/1');
    expect(received?.headers['content-length']).toBe('9');
  });

  it('does not follow a redirect', async () => {
    ims.enqueue({
      kind: 'raw',
      status: 307,
      body: '',
      contentType: 'text/plain',
      headers: { location: `${other.url}/ims/token/v3` },
    });
    const answer = await post(request());
    expect(answer.status).toBe(307);
    expect(answer.headers['location']).toBe(`${other.url}/ims/token/v3`);
    expect(other.requests).toHaveLength(0);
  });

  it('ends an attempt that gets no answer at the time limit', async () => {
    ims.enqueue({ kind: 'hang' });
    const started = Date.now();
    const error = await transportErrorOf(post(request({ timeoutMs: 300 })));
    expect(error.code).toBe(TIMEOUT_CODE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reports a reset connection', async () => {
    ims.enqueue({ kind: 'reset' });
    expect((await transportErrorOf(post(request()))).code).toBe('ECONNRESET');
  });

  it('reports an answer cut off mid-body as a reset', async () => {
    ims.enqueue({ kind: 'cut', partialBody: '{"access_token":"eyJ' });
    expect((await transportErrorOf(post(request()))).code).toBe('ECONNRESET');
  });

  it('reports a refused connection', async () => {
    const error = await transportErrorOf(
      post(request({ url: new URL(`http://127.0.0.1:${CLOSED_PORT}/ims/token/v3`) })),
    );
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.proxy).toBeUndefined();
  });

  it('refuses an answer whose declared length is over the limit, before reading it', async () => {
    ims.enqueue({ kind: 'raw', status: 200, body: 'x'.repeat(5000), contentType: 'application/json' });
    const error = await transportErrorOf(post(request({ maxAnswerBytes: 1000 })));
    expect(error.code).toBe(TOO_LARGE_CODE);
    expect(error.message).toBe('an answer of 5000 bytes, more than the 1000 allowed');
  });

  it('stops reading a chunked answer once it passes the limit', async () => {
    ims.enqueue({ kind: 'flood', bytes: 50 * 1024 * 1024 });
    const error = await transportErrorOf(post(request({ maxAnswerBytes: 100_000 })));
    expect(error.code).toBe(TOO_LARGE_CODE);
    expect(error.message).toBe('an answer of more than the 100000 bytes allowed');
  });
});

const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
const savedEnv = { ...process.env };

/** Puts the proxy variables back as they were before the file's tests. */
function restoreProxyVariables(): void {
  for (const name of PROXY_VARIABLES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
}

describe('proxyFor', () => {
  afterEach(restoreProxyVariables);

  it('names the proxy without its credentials, and none for loopback or NO_PROXY hosts', () => {
    delete process.env['https_proxy'];
    delete process.env['no_proxy'];
    process.env['HTTPS_PROXY'] = 'http://user:pa55@proxy.corp:3128';
    expect(proxyFor(new URL('https://ims-na1.adobelogin.com/ims/token/v3'))).toBe('http://proxy.corp:3128');
    expect(proxyFor(new URL('http://127.0.0.1:8080/ims/token/v3'))).toBeUndefined();
    process.env['NO_PROXY'] = '.adobelogin.com';
    expect(proxyFor(new URL('https://ims-na1.adobelogin.com/ims/token/v3'))).toBeUndefined();
  });
});

describe('verifyingAgent', () => {
  beforeEach(() => PROXY_VARIABLES.forEach((name) => delete process.env[name]));
  afterEach(restoreProxyVariables);
  type TunnelOptions = { proxyOptions?: { rejectUnauthorized?: boolean; servername?: string } };
  const agentFor = (url: string): TunnelOptions =>
    verifyingAgent(new HttpClient(), new URL(url)) as unknown as TunnelOptions;

  it('names no server to an http:// proxy (Node would test the Host of the CONNECT as an IPv6 address)', () => {
    process.env['HTTP_PROXY'] = 'http://proxy.corp:3128';
    process.env['HTTPS_PROXY'] = 'http://proxy.corp:3128';
    expect(agentFor('http://fusioncache.blob.core.windows.net/c/1').proxyOptions).toMatchObject({
      rejectUnauthorized: true,
      servername: '',
    });
    expect(agentFor('https://ims-na1.adobelogin.com/ims/token/v3').proxyOptions?.servername).toBe('');
  });

  it('leaves the server name to Node for an https:// proxy, whose TLS needs one', () => {
    process.env['HTTPS_PROXY'] = 'https://proxy.corp:3129';
    const { proxyOptions } = agentFor('https://ims-na1.adobelogin.com/ims/token/v3');
    expect(proxyOptions).toMatchObject({ rejectUnauthorized: true });
    expect(proxyOptions).not.toHaveProperty('servername');
  });

  it('has no proxy options without a proxy', () => {
    expect(agentFor('https://ims-na1.adobelogin.com/ims/token/v3').proxyOptions).toBeUndefined();
  });
});

describe('certificates, when the job sets NODE_TLS_REJECT_UNAUTHORIZED=0', () => {
  // Certificates from a CA nothing trusts unless told (NODE_EXTRA_CA_CERTS); a
  // name that is not loopback, so that @actions/http-client sends it through
  // HTTPS_PROXY, which resolves it. Each POST runs in a process of its own,
  // where Node's TLS code reads the variable.
  const IMS_HOST = 'ims-na1.fusion-test.example';
  const CHECKS_OFF = { NODE_TLS_REJECT_UNAUTHORIZED: '0' };
  const TLS_CODE = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/;
  let work: string;
  let caFile: string;
  let untrusted: ImsEmulator;
  let proxy: ConnectProxy;
  let tlsProxy: ConnectProxy;

  beforeAll(async () => {
    const ca = createCertificateAuthority();
    work = mkdtempSync(path.join(tmpdir(), 'fusion-transport-'));
    caFile = path.join(work, 'root-ca.pem');
    writeFileSync(caFile, ca.caPem);
    untrusted = await ImsEmulator.start([], { tls: ca.issue([IMS_HOST, '127.0.0.1']) });
    proxy = await ConnectProxy.start({ hosts: { [IMS_HOST]: '127.0.0.1' } });
    // The tunnel agent checks an https proxy's certificate against the IMS host
    // name (Node takes it from the CONNECT request's Host header): it names both.
    tlsProxy = await ConnectProxy.start({
      hosts: { [IMS_HOST]: '127.0.0.1' },
      tls: ca.issue(['127.0.0.1', IMS_HOST]),
    });
  });
  afterEach(() => {
    untrusted.reset();
    proxy.reset();
    tlsProxy.reset();
  });
  afterAll(async () => {
    await Promise.all([untrusted.close(), proxy.close(), tlsProxy.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('reaches the server once its CA is trusted (the control)', async () => {
    const outcome = await postInOwnProcess(
      { url: `${untrusted.urlFor(IMS_HOST)}/ims/token/v3`, body: 'a=1' },
      { ...CHECKS_OFF, HTTPS_PROXY: tlsProxy.url(), NODE_EXTRA_CA_CERTS: caFile },
    );
    expect(outcome).toEqual({ ok: true, status: 400 });
    expect(tlsProxy.tunnels).toEqual([{ target: `${IMS_HOST}:${untrusted.port}`, status: 200 }]);
    expect(untrusted.requests).toHaveLength(1);
  });

  it('still refuses a certificate it cannot verify, and sends nothing', async () => {
    const outcome = await postInOwnProcess({ url: `${untrusted.url}/ims/token/v3`, body: 'a=1' }, CHECKS_OFF);
    expect(outcome).toEqual({ ok: false, code: expect.stringMatching(TLS_CODE), message: expect.any(String) });
    expect(untrusted.connections).toBe(1);
    expect(untrusted.requests).toHaveLength(0);
  });

  it('still refuses it inside a CONNECT tunnel', async () => {
    const outcome = await postInOwnProcess(
      { url: `${untrusted.urlFor(IMS_HOST)}/ims/token/v3`, body: 'a=1' },
      { ...CHECKS_OFF, HTTPS_PROXY: proxy.url() },
    );
    expect(outcome).toEqual({
      ok: false,
      code: expect.stringMatching(TLS_CODE),
      message: expect.any(String),
      proxy: proxy.url(),
    });
    expect(proxy.tunnels).toEqual([{ target: `${IMS_HOST}:${untrusted.port}`, status: 200 }]);
    expect(untrusted.requests).toHaveLength(0);
  });

  it('refuses an https proxy whose certificate it cannot verify, before asking it for a tunnel', async () => {
    const outcome = await postInOwnProcess(
      { url: `${untrusted.urlFor(IMS_HOST)}/ims/token/v3`, body: 'a=1' },
      { ...CHECKS_OFF, HTTPS_PROXY: tlsProxy.url() },
    );
    expect(outcome).toEqual({
      ok: false,
      code: expect.any(String),
      message: expect.stringMatching(
        /cause=(unable to verify the first certificate|unable to get local issuer certificate)/,
      ),
      proxy: tlsProxy.url(),
    });
    expect(tlsProxy.tunnels).toEqual([]);
    expect(untrusted.connections).toBe(0);
  });
});
