// End to end through real proxies: Debian's tinyproxy and squid, each started
// for this file on a free port with its own config and log
// (testbed/real-proxies.ts). IMS is the emulator over HTTPS with a private CA,
// under a name that is not loopback, so @actions/http-client sends it through
// the proxy, which resolves the name itself. The faults a real proxy will not
// produce on demand (a CONNECT never answered) are in e2e-network.test.ts,
// with the test bed's own proxy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import {
  type ProxyCredentials,
  type RealProxy,
  proxyBinary,
  startSquid,
  startTinyproxy,
} from '../testbed/real-proxies.js';
import type { RunResult } from '../testbed/runner.js';
import { createCertificateAuthority } from '../testbed/tls.js';

const CLIENT = { clientId: 'proxied-client', clientSecret: 'proxied+secret/&=', scopes: FUSION_SCOPES };
// Resolves only in the proxies' hosts tables (.example never resolves in DNS).
const IMS_HOST = 'ims-na1.fusion-test.example';
const CREDENTIALS: ProxyCredentials = { user: 'runner', password: 'tinyproxy-pa55word' };
const WRONG_PASSWORD = 'wrong-pa55word-b7';

let work: string;
let caFile: string;
let ims: ImsEmulator;
let tinyproxy: RealProxy | undefined;
let squid: RealProxy | undefined;
let guarded: RealProxy | undefined;

beforeAll(async () => {
  const ca = createCertificateAuthority();
  work = mkdtempSync(path.join(tmpdir(), 'fusion-real-proxies-'));
  caFile = path.join(work, 'corporate-root-ca.pem');
  writeFileSync(caFile, ca.caPem);
  ims = await ImsEmulator.start([CLIENT], { tls: ca.issue([IMS_HOST]) });
  const hosts = { [IMS_HOST]: '127.0.0.1' };
  // Started together; whichever did start is stopped in afterAll even if another failed.
  const [plain, cached, withAuth] = await Promise.allSettled([
    startTinyproxy({ hosts }),
    startSquid({ hosts }),
    startTinyproxy({ hosts, credentials: CREDENTIALS }),
  ]);
  tinyproxy = plain.status === 'fulfilled' ? plain.value : undefined;
  squid = cached.status === 'fulfilled' ? cached.value : undefined;
  guarded = withAuth.status === 'fulfilled' ? withAuth.value : undefined;
  for (const started of [plain, cached, withAuth]) {
    if (started.status === 'rejected') throw started.reason;
  }
}, 30_000);
afterEach(async () => {
  ims.reset();
  // Each test sees only the CONNECTs of its own runs.
  for (const proxy of [tinyproxy, squid, guarded]) await proxy?.takeConnects();
});
afterAll(async () => {
  await Promise.all([tinyproxy?.stop(), squid?.stop(), guarded?.stop(), ims?.close()]);
  rmSync(work, { recursive: true, force: true });
}, 30_000);

function run(env: Record<string, string>, inputs: Record<string, string> = {}): Promise<RunResult> {
  return runAudited(
    {
      inputs: {
        'client-id': CLIENT.clientId,
        'client-secret': CLIENT.clientSecret,
        'ims-url': ims.urlFor(IMS_HOST),
        ...inputs,
      },
      env: { NODE_EXTRA_CA_CERTS: caFile, ...env },
    },
    { emulators: [ims], secrets: [CREDENTIALS.password, WRONG_PASSWORD] },
  );
}

function started(proxy: RealProxy | undefined): RealProxy {
  if (!proxy) throw new Error('the proxy did not start: see beforeAll');
  return proxy;
}

describe.each([
  ['tinyproxy', () => started(tinyproxy)],
  ['squid', () => started(squid)],
])('through %s', (_name, proxy) => {
  it('mints a token over TLS with a private CA, the proxy logging one CONNECT to the IMS name', async () => {
    const result = await run({ HTTPS_PROXY: proxy().url() });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['access-token']).toBe(ims.issued[0]?.accessToken);
    expect(ims.requests).toHaveLength(1);
    expect(ims.requests[0]?.headers['host']).toBe(`${IMS_HOST}:${ims.port}`);
    expect(await proxy().takeConnects()).toEqual([`${IMS_HOST}:${ims.port}`]);
  });

  it('is bypassed for a host NO_PROXY matches', async () => {
    const result = await run({ HTTPS_PROXY: proxy().url(), NO_PROXY: `localhost,${IMS_HOST}` }, { retries: '0' });
    // Asked directly, the name does not resolve (or, offline, DNS does not answer):
    // only the proxy could have resolved it.
    expect(expectFailure(result)).toMatch(
      new RegExp(
        `(The host ${IMS_HOST}:${ims.port} was not found \\(DNS: ENOTFOUND\\)|Could not reach ${IMS_HOST}:${ims.port}: temporary DNS failure)`,
      ),
    );
    expect(await proxy().takeConnects()).toEqual([]);
    expect(ims.connections).toBe(0);
  });
});

describe('through tinyproxy with BasicAuth', () => {
  it('authenticates with the credentials in HTTPS_PROXY', async () => {
    const result = await run({ HTTPS_PROXY: started(guarded).url(CREDENTIALS) });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['access-token']).toBe(ims.issued[0]?.accessToken);
    expect(await started(guarded).takeConnects()).toEqual([`${IMS_HOST}:${ims.port}`]);
  });

  it.each([
    ['wrong credentials', 401, { user: CREDENTIALS.user, password: WRONG_PASSWORD }],
    ['no credentials', 407, undefined],
  ])(
    'refuses %s with %d: one attempt, credential advice, the proxy named without credentials',
    async (_case, status, credentials) => {
      const proxy = started(guarded);
      const result = await run({ HTTPS_PROXY: proxy.url(credentials) });
      const message = expectFailure(result);
      expect(message).toMatch(
        new RegExp(
          '^Could not get an Adobe IMS access token after 1 attempt \\(not retried: [^)]*\\)\\. ' +
            `The proxy http://127\\.0\\.0\\.1:${proxy.port} refused to connect to ${IMS_HOST}:${ims.port} with HTTP ${status}\\. ` +
            'It requires authentication, and the credentials in the proxy URL are missing or wrong: ' +
            'put its user name and password in HTTPS_PROXY ',
        ),
      );
      // Retries stays at its default (3): the one CONNECT and no retry line show it was not retried.
      expect(await proxy.takeConnects()).toEqual([`${IMS_HOST}:${ims.port}`]);
      expect(result.log.filter((line) => line.startsWith('Attempt '))).toEqual([]);
      expect(result.stdout).not.toContain(`${CREDENTIALS.user}:`);
      expect(ims.connections).toBe(0);
    },
  );
});

describe('the real-proxy test bed', () => {
  it('fails, rather than skips, when a proxy is not installed, saying how to install it', () => {
    expect(() => proxyBinary('no-such-proxy-binary')).toThrow(
      'no-such-proxy-binary is not installed, and the real-proxy tests need it. Install them with: apt-get install tinyproxy squid',
    );
    expect(proxyBinary('tinyproxy')).toMatch(/\/tinyproxy$/);
    expect(proxyBinary('squid')).toMatch(/\/squid$/);
  });
});
