// Hostile inputs end to end: seeded random cases through dist/index.js under
// Node 24, as the runner runs it. Each run ends in a token or in one clear
// ::error:: line, with no stack trace, no unmasked secret (audited over every
// stream and file), and no request when an input is invalid.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InputName } from '../src/inputs.js';
import { runAudited } from '../testbed/audit.js';
import {
  confineToEmulator,
  expectClearFailure,
  fuzzCase,
  fuzzSeed,
  secretParts,
  seededRandom,
  validInputs,
} from '../testbed/fuzz.js';
import { ConnectProxy } from '../testbed/connect-proxy.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';

const CLIENT = { clientId: 'e2e-fuzz-client', clientSecret: 'e2e-fuzz-secret-value', scopes: FUSION_SCOPES };
const RUNS = 30;
let ims: ImsEmulator;
let trap: ConnectProxy;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  // Every request that is not to the emulator (on loopback, so never proxied)
  // would go to this proxy, which records it and refuses it.
  trap = await ConnectProxy.start({ hosts: {} });
});
afterAll(() => Promise.all([ims.close(), trap.close()]));

describe('hostile inputs, end to end', () => {
  const seed = fuzzSeed();

  it(`each run ends in a token or one clear error line (seed ${seed})`, async () => {
    const random = seededRandom(seed);
    const valid = validInputs(CLIENT, ims.url, '0');
    for (let i = 0; i < RUNS; i++) {
      const fuzz = fuzzCase(random, valid);
      // An environment variable cannot hold a NUL byte; the runner could not pass one.
      const inputs = Object.fromEntries(
        Object.entries(confineToEmulator(fuzz.inputs, ims.url)).map(([name, value]) => [
          name,
          value.replace(/\0/g, ''),
        ]),
      ) as Record<InputName, string>;
      const label = `run ${i} (seed ${seed}) hostile ${fuzz.hostile.join(', ')}`;
      ims.reset();
      const result = await runAudited(
        { inputs, env: { HTTPS_PROXY: trap.url(), HTTP_PROXY: trap.url() } },
        { emulators: [ims], secrets: secretParts(inputs['client-secret'].trim()) },
      );
      expect([label, result.stdout]).not.toEqual([label, expect.stringMatching(/^\s+at /m)]);
      if (result.exitCode === 0) {
        expect([label, Object.keys(result.outputs).sort()]).toEqual([
          label,
          ['access-token', 'expires-at', 'expires-in', 'sealed-token', 'source', 'token-type'],
        ]);
        expect([label, result.errors]).toEqual([label, []]);
      } else {
        expect([label, result.exitCode, result.errors.length, result.outputs]).toEqual([label, 1, 1, {}]);
        expectClearFailure(label, result.errors[0] ?? '', ims.requests.length);
      }
    }
    expect(trap.tunnels).toEqual([]);
  }, 120_000);
});
