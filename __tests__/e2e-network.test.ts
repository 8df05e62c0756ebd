// End to end on a corporate-like network: IMS over HTTPS with a private CA,
// a CONNECT proxy (with and without authentication), NO_PROXY, slow and
// oversized answers. dist/index.js under Node 24, real sockets throughout.
// The proxy here is the test bed's own; e2e-real-proxies.test.ts runs Debian's
// tinyproxy and squid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TLS_OVERRIDE_IGNORED_WARNING } from '../src/failures.js';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { ConnectProxy } from '../testbed/connect-proxy.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { type RunResult, readActionMetadata, stateEnvironment } from '../testbed/runner.js';
import { createCertificateAuthority } from '../testbed/tls.js';

const CLIENT = { clientId: 'net-client', clientSecret: 'net+secret/&=ü', scopes: FUSION_SCOPES };
// A name that is not loopback, so @actions/http-client sends it through the proxy;
// only the test proxy can resolve it (.example never resolves in DNS).
const IMS_HOST = 'ims-na1.fusion-test.example';
const PROXY_USER = 'runner';
const PROXY_PASSWORD = 'pr0xy-pa55word';

let work: string;
let caFile: string;
let ims: ImsEmulator;
let plain: ImsEmulator;
let proxy: ConnectProxy;
let authProxy: ConnectProxy;

beforeAll(async () => {
  const ca = createCertificateAuthority();
  work = mkdtempSync(path.join(tmpdir(), 'fusion-network-'));
  caFile = path.join(work, 'corporate-root-ca.pem');
  writeFileSync(caFile, ca.caPem);
  ims = await ImsEmulator.start([CLIENT], { tls: ca.issue([IMS_HOST, 'localhost', '127.0.0.1']) });
  plain = await ImsEmulator.start([CLIENT]);
  const hosts = { [IMS_HOST]: '127.0.0.1' };
  proxy = await ConnectProxy.start({ hosts });
  authProxy = await ConnectProxy.start({ hosts, credentials: { user: PROXY_USER, password: PROXY_PASSWORD } });
});
afterEach(() => {
  for (const emulator of [ims, plain]) emulator.reset();
  proxy.reset();
  authProxy.reset();
});
afterAll(async () => {
  await Promise.all([ims.close(), plain.close(), proxy.close(), authProxy.close()]);
  rmSync(work, { recursive: true, force: true });
});

/** Runs the action; one that hangs is killed after killAfterMs and fails its test with no exit code. */
function run(
  imsUrl: string,
  env: Record<string, string>,
  inputs: Record<string, string> = {},
  killAfterMs = 20_000,
): Promise<RunResult> {
  return runAudited(
    {
      inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': imsUrl, ...inputs },
      env,
      killAfterMs,
    },
    { emulators: [ims, plain], secrets: [PROXY_PASSWORD] },
  );
}

function expectToken(result: RunResult, emulator: ImsEmulator): void {
  expect(result.exitCode).toBe(0);
  expect(result.outputs['access-token']).toBe(emulator.issued[0]?.accessToken);
  expect(emulator.requests).toHaveLength(1);
}

describe('HTTPS with a private CA', () => {
  it('succeeds when the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    expectToken(await run(ims.urlFor('localhost'), { NODE_EXTRA_CA_CERTS: caFile }), ims);
  });

  it('fails at once, naming the host, when the CA is not trusted', async () => {
    const message = expectFailure(await run(ims.urlFor('localhost'), {}));
    expect(ims.connections).toBe(1);
    expect(ims.requests).toHaveLength(0);
    expect(message).toMatch(
      new RegExp(
        `^Could not get an Adobe IMS access token after 1 attempt \\(not retried: [^)]*\\)\\. The TLS connection to localhost:${ims.port} failed: .*\\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)\\. .*NODE_EXTRA_CA_CERTS`,
      ),
    );
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED=0, set in the job for another tool', () => {
  const CHECKS_OFF = { NODE_TLS_REJECT_UNAUTHORIZED: '0' };
  const ignoredWarnings = (result: RunResult): string[] =>
    result.log.filter((line) => line.includes('NODE_TLS_REJECT_UNAUTHORIZED'));

  it('is ignored: an unverifiable certificate fails the step, nothing is sent, and one warning says so', async () => {
    const result = await run(ims.urlFor('localhost'), CHECKS_OFF);
    const message = expectFailure(result);
    expect(message).toMatch(
      new RegExp(
        `^Could not get an Adobe IMS access token after 1 attempt \\(not retried: [^)]*\\)\\. The TLS connection to localhost:${ims.port} failed: .*\\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)\\. `,
      ),
    );
    expect(ims.connections).toBe(1);
    expect(ims.requests).toHaveLength(0);
    expect(ignoredWarnings(result)).toEqual([`Warning: ${TLS_OVERRIDE_IGNORED_WARNING}`]);
  });

  it('is ignored inside a CONNECT tunnel too', async () => {
    const result = await run(ims.urlFor(IMS_HOST), { ...CHECKS_OFF, HTTPS_PROXY: proxy.url() });
    expect(expectFailure(result)).toMatch(
      new RegExp(`The TLS connection to ${IMS_HOST}:${ims.port} through the proxy ${proxy.url()} failed: `),
    );
    expect(proxy.tunnels).toEqual([{ target: `${IMS_HOST}:${ims.port}`, status: 200 }]);
    expect(ims.requests).toHaveLength(0);
    expect(ignoredWarnings(result)).toEqual([`Warning: ${TLS_OVERRIDE_IGNORED_WARNING}`]);
  });

  it('is ignored by the post step, which sends nothing to a server it cannot verify', async () => {
    const inputs = { revoke: 'true' };
    const main = await run(ims.urlFor('localhost'), { NODE_EXTRA_CA_CERTS: caFile }, inputs);
    expectToken(main, ims);
    const post = await runAudited(
      {
        inputs: {
          'client-id': CLIENT.clientId,
          'client-secret': CLIENT.clientSecret,
          'ims-url': ims.urlFor('localhost'),
          ...inputs,
        },
        entry: readActionMetadata().runs.post,
        env: { ...stateEnvironment(main.state), ...CHECKS_OFF },
      },
      { emulators: [ims] },
    );
    expect(post.exitCode).toBe(0);
    expect(ignoredWarnings(post)).toEqual([`Warning: ${TLS_OVERRIDE_IGNORED_WARNING}`]);
    expect(post.log.at(-1)).toMatch(
      /^Warning: Could not revoke the access token after 1 attempt .* The TLS connection to /,
    );
    expect(ims.requests.map((request) => request.url)).toEqual(['/ims/token/v3']);
    expect(ims.revoked).toEqual([]);
  });
});

describe('through a CONNECT proxy', () => {
  it('reaches IMS under a non-loopback name over TLS through HTTPS_PROXY', async () => {
    const result = await run(ims.urlFor(IMS_HOST), { HTTPS_PROXY: proxy.url(), NODE_EXTRA_CA_CERTS: caFile });
    expectToken(result, ims);
    expect(proxy.tunnels).toEqual([{ target: `${IMS_HOST}:${ims.port}`, status: 200 }]);
    expect(ims.requests[0]?.headers['host']).toBe(`${IMS_HOST}:${ims.port}`);
  });

  it('reads the lower-case https_proxy too', async () => {
    expectToken(await run(ims.urlFor(IMS_HOST), { https_proxy: proxy.url(), NODE_EXTRA_CA_CERTS: caFile }), ims);
    expect(proxy.tunnels).toHaveLength(1);
  });

  it('bypasses the proxy for a host NO_PROXY matches', async () => {
    const result = await run(
      ims.urlFor(IMS_HOST),
      { HTTPS_PROXY: proxy.url(), NO_PROXY: 'localhost,.fusion-test.example', NODE_EXTRA_CA_CERTS: caFile },
      { retries: '0' },
    );
    // Asked directly, the name does not resolve (or, offline, DNS does not answer):
    // proof that the proxy was not used.
    expect(expectFailure(result)).toMatch(
      new RegExp(
        `(The host ${IMS_HOST}:${ims.port} was not found \\(DNS: ENOTFOUND\\)|Could not reach ${IMS_HOST}:${ims.port}: temporary DNS failure)`,
      ),
    );
    expect(proxy.tunnels).toEqual([]);
  });

  it('authenticates to a proxy with the credentials in HTTPS_PROXY', async () => {
    const result = await run(ims.urlFor(IMS_HOST), {
      HTTPS_PROXY: authProxy.url({ user: PROXY_USER, password: PROXY_PASSWORD }),
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expectToken(result, ims);
    expect(authProxy.tunnels).toEqual([{ target: `${IMS_HOST}:${ims.port}`, status: 200 }]);
  });

  it.each([
    ['without credentials', undefined],
    ['with wrong credentials', { user: PROXY_USER, password: 'wrong-pa55word' }],
  ])('explains a 407 %s, naming the proxy but never its credentials', async (_case, credentials) => {
    const proxyUrl = authProxy.url(credentials);
    const result = await runAudited(
      {
        inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.urlFor(IMS_HOST) },
        env: { HTTPS_PROXY: proxyUrl, NODE_EXTRA_CA_CERTS: caFile },
      },
      { emulators: [ims], secrets: [PROXY_PASSWORD, 'wrong-pa55word'] },
    );
    const message = expectFailure(result);
    expect(authProxy.tunnels).toEqual([{ target: `${IMS_HOST}:${ims.port}`, status: 407 }]);
    expect(message).toBe(
      `Could not get an Adobe IMS access token after 1 attempt (not retried: this failure would not go away by itself). ` +
        `The proxy ${authProxy.url()} refused to connect to ${IMS_HOST}:${ims.port} with HTTP 407. ` +
        'It requires authentication, and the credentials in the proxy URL are missing or wrong: put its user name ' +
        'and password in HTTPS_PROXY (http://user:password@proxy:port, special characters percent-encoded), ' +
        'or ask for the runner to be allowed through.',
    );
    expect(result.stdout).not.toContain(`${PROXY_USER}:`);
  });

  it('retries an unreachable proxy as a network error, then names it', async () => {
    // Nothing listens on port 1 (tcpmux).
    const goneUrl = 'http://127.0.0.1:1';
    const result = await run(
      ims.urlFor(IMS_HOST),
      { HTTPS_PROXY: goneUrl, NODE_EXTRA_CA_CERTS: caFile },
      { retries: '1' },
    );
    const message = expectFailure(result);
    expect(result.log[0]).toMatch(
      new RegExp(
        `^Attempt 1 of 2 failed: connection reset through the proxy ${goneUrl} \\(ECONNRESET\\)\\. Retrying in 0\\.\\d s\\.$`,
      ),
    );
    expect(message).toMatch(
      new RegExp(
        `^Could not get an Adobe IMS access token after 2 attempts \\(retries: 1\\)\\. Could not reach ${IMS_HOST}:${ims.port} through the proxy ${goneUrl}: connection reset \\(tunneling socket could not be established, cause=connect ECONNREFUSED`,
      ),
    );
    expect(ims.connections).toBe(0);
  });
});

describe('a proxy that never answers', () => {
  it('ends the attempt at timeout-seconds and the process with it', async () => {
    // Reads the CONNECT, then says nothing: a fault no real proxy produces on demand.
    const silent = await ConnectProxy.start({ hosts: { [IMS_HOST]: '127.0.0.1' }, neverAnswer: true });
    try {
      const result = await run(
        ims.urlFor(IMS_HOST),
        { HTTPS_PROXY: silent.url(), NODE_EXTRA_CA_CERTS: caFile },
        { 'timeout-seconds': '1', retries: '1' },
        10_000,
      );
      expect(expectFailure(result)).toMatch(
        new RegExp(
          `after 2 attempts \\(retries: 1\\)\\. No complete answer from ${IMS_HOST}:\\d+ through the proxy ${silent.url()} within 1 s`,
        ),
      );
      expect(silent.tunnels).toEqual([
        { target: `${IMS_HOST}:${ims.port}`, status: 0 },
        { target: `${IMS_HOST}:${ims.port}`, status: 0 },
      ]);
      // Had the held CONNECT kept the process alive, killAfterMs would have ended it without an exit code.
    } finally {
      await silent.close();
    }
  }, 20_000);
});

describe('slow and oversized answers', () => {
  it('ends an answer that trickles forever within timeout-seconds', async () => {
    plain.setFallback({ kind: 'trickle', everyMs: 50 });
    // An idle-socket timeout would never fire here: the process would run into killAfterMs.
    const result = await run(plain.url, {}, { 'timeout-seconds': '1', retries: '0' }, 10_000);
    expect(expectFailure(result)).toMatch(/No complete answer from 127\.0\.0\.1:\d+ within 1 s \(timeout-seconds\)/);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('refuses a 50 MB answer once it passes 1 MiB, without buffering it', async () => {
    const baseline = await runAudited(
      {
        inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': plain.url },
        measureMemory: true,
      },
      { emulators: [plain] },
    );
    expect(baseline.exitCode).toBe(0);
    plain.reset();
    plain.setFallback({ kind: 'flood', bytes: 50 * 1024 * 1024 });
    const flooded = await runAudited(
      {
        inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': plain.url },
        measureMemory: true,
      },
      { emulators: [plain] },
    );
    expect(expectFailure(flooded)).toMatch(
      /after 1 attempt \(not retried: [^)]*\)\. 127\.0\.0\.1:\d+ sent an answer of more than the 1048576 bytes allowed; an IMS token answer is a few kilobytes/,
    );
    expect(plain.requests).toHaveLength(1);
    const baselineMiB = (baseline.peakRssBytes ?? 0) / 2 ** 20;
    const floodedMiB = (flooded.peakRssBytes ?? 0) / 2 ** 20;
    console.log(`peak RSS: happy path ${baselineMiB.toFixed(1)} MiB, 50 MB answer ${floodedMiB.toFixed(1)} MiB`);
    expect(baselineMiB).toBeGreaterThan(10);
    // Buffering the answer would add 50 MiB and more; the cap keeps it to a few.
    expect(floodedMiB - baselineMiB).toBeLessThan(16);
  });
});
