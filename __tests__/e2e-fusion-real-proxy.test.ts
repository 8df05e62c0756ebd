// End to end, the fusion-api command as a later step would run it, through
// Debian's tinyproxy: the token step (dist/ under Node 24) with fusion-api:
// true against the IMS emulator, then `fusion-api` from the PATH the step
// added, to the Fusion API emulator over HTTPS with a private CA under a name
// that is not loopback, so that HTTPS_PROXY applies and tinyproxy resolves it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAudited } from '../testbed/audit.js';
import { FusionEmulator, tokensOf } from '../testbed/fusion-emulator.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { type RealProxy, startTinyproxy } from '../testbed/real-proxies.js';
import { makeRunnerTemp, piecesShown, runLaterStep } from '../testbed/runner.js';
import { createCertificateAuthority } from '../testbed/tls.js';

const CLIENT = { clientId: 'proxied-fusion-client', clientSecret: 'p8e-proxied+fusion/secret', scopes: FUSION_SCOPES };
// Resolves only in tinyproxy's hosts table (.example never resolves in DNS).
const FUSION_HOST = 'fusion.fusion-test.example';

let work: string;
let caFile: string;
let ims: ImsEmulator;
let fusion: FusionEmulator;
let tinyproxy: RealProxy;

beforeAll(async () => {
  const ca = createCertificateAuthority();
  work = mkdtempSync(path.join(tmpdir(), 'fusion-api-real-proxy-'));
  caFile = path.join(work, 'corporate-root-ca.pem');
  writeFileSync(caFile, ca.caPem);
  ims = await ImsEmulator.start([CLIENT]);
  fusion = await FusionEmulator.start({ tls: ca.issue([FUSION_HOST]), tokens: tokensOf(ims) });
  tinyproxy = await startTinyproxy({ hosts: { [FUSION_HOST]: '127.0.0.1' } });
}, 30_000);
afterAll(async () => {
  await Promise.all([tinyproxy?.stop(), ims?.close(), fusion?.close()]);
  rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('fusion-api through tinyproxy', () => {
  it('lists every scenario in pages through the proxy, verifying the certificate behind it', async () => {
    const runnerTemp = makeRunnerTemp();
    try {
      const inputs = {
        'client-id': CLIENT.clientId,
        'client-secret': CLIENT.clientSecret,
        'ims-url': ims.url,
        ...fusion.inputs(),
        'fusion-url': fusion.urlFor(FUSION_HOST),
        'fusion-api': 'true',
      };
      const step = await runAudited({ inputs, runnerTemp }, { emulators: [ims] });
      expect(step.exitCode).toBe(0);
      await tinyproxy.takeConnects();
      const call = await runLaterStep(
        step,
        'fusion-api',
        ['/api/v3/scenarios', '--paginate', '-q', 'orderby=+id', '-q', 'limit=100'],
        { env: { HTTPS_PROXY: tinyproxy.url(), NODE_EXTRA_CA_CERTS: caFile } },
      );
      expect(call.stderr).toBe('');
      expect(call.exitCode).toBe(0);
      const items = JSON.parse(call.stdout) as { id: number }[];
      expect(items.map((item) => item.id)).toEqual(
        fusion.data.scenarios.map((scenario) => scenario.id).sort((a, b) => a - b),
      );
      const pages = fusion.requests.filter((request) => request.path === '/api/v3/scenarios');
      expect(pages.length).toBe(Math.ceil(items.length / 100));
      const tunnels = await tinyproxy.takeConnects();
      expect(tunnels.length).toBeGreaterThanOrEqual(1);
      expect(new Set(tunnels)).toEqual(new Set([`${FUSION_HOST}:${new URL(fusion.url).port}`]));
      // No piece of the token, nor of the client secret, reached the later step's output.
      const token = ims.issued[0]?.accessToken as string;
      expect(token).toBeDefined();
      expect(piecesShown(`${call.stdout}${call.stderr}`, token)).toEqual([]);
      expect(piecesShown(`${call.stdout}${call.stderr}`, CLIENT.clientSecret)).toEqual([]);
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true });
    }
  }, 60_000);
});
