// Hostile inputs, in-process: hundreds of seeded random cases through run(),
// with the real transport to the IMS emulator. Each must end in a token or in
// one clear failure, with the secret masked first and never repeated, and no
// request at all when an input is invalid. (e2e-fuzz.test.ts does the same
// through dist/index.js under Node 24.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run } from '../src/main.js';
import { systemDependencies } from '../src/shell.js';
import { recordingCore } from '../testbed/recording-core.js';
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

const CLIENT = { clientId: 'fuzz-client', clientSecret: 'fuzz-secret-value', scopes: FUSION_SCOPES };
const CASES = 300;
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'NO_PROXY', 'no_proxy'];
let ims: ImsEmulator;
let trap: ConnectProxy;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  // Every request that is not to the emulator (on loopback, so never proxied)
  // would go to this proxy, which records it and refuses it.
  trap = await ConnectProxy.start({ hosts: {} });
  for (const name of PROXY_VARIABLES) delete process.env[name];
  process.env['HTTPS_PROXY'] = trap.url();
  process.env['HTTP_PROXY'] = trap.url();
});
afterAll(async () => {
  for (const name of PROXY_VARIABLES) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
  await Promise.all([ims.close(), trap.close()]);
});

describe('hostile inputs, in-process', () => {
  // Two fixed seeds that always run, and a new one each run (printed, to replay with FUZZ_SEED).
  it.each([20261129, 7, fuzzSeed()])(
    'end in a token or one clear failure, never leaking, never sending on a bad input (seed %d)',
    async (seed) => {
      const random = seededRandom(seed);
      const valid = validInputs(CLIENT, ims.url, '1');
      let failures = 0;
      let successes = 0;
      for (let i = 0; i < CASES; i++) {
        const fuzz = fuzzCase(random, valid);
        const inputs = confineToEmulator(fuzz.inputs, ims.url);
        const label = `case ${i} (seed ${seed}) hostile ${fuzz.hostile.join(', ')}`;
        ims.reset();
        const { actions, events } = recordingCore(inputs);
        const deps = {
          ...systemDependencies((line) => actions.info(line)),
          sleep: async () => {},
          random,
        };
        await run(actions, deps);

        const secret = inputs['client-secret'].trim();
        if (secret !== '') expect([label, events[0]]).toEqual([label, ['secret', secret]]);
        const failed = events.filter(([kind]) => kind === 'failed');
        const outputs = events.filter(([kind]) => kind === 'output').map(([, name]) => name);
        const stored = events.filter(([kind]) => kind === 'state' || kind === 'env');
        if (failed.length === 0) {
          successes++;
          expect([label, outputs]).toEqual([
            label,
            ['access-token', 'token-type', 'expires-in', 'expires-at', 'sealed-token', 'source'],
          ]);
        } else {
          failures++;
          expect([label, failed.length, outputs, stored]).toEqual([label, 1, [], []]);
          expectClearFailure(label, failed[0]?.[1] ?? '', ims.requests.length);
        }
        for (const [kind, ...texts] of events) {
          if (kind === 'secret') continue;
          for (const part of secretParts(secret))
            expect([label, texts.join('\n').includes(part)]).toEqual([label, false]);
        }
      }
      console.log(`fuzz (seed ${seed}): ${CASES} cases, ${successes} tokens, ${failures} clear failures`);
      expect(trap.tunnels).toEqual([]);
      expect(successes).toBeGreaterThan(0);
      expect(failures).toBeGreaterThan(CASES / 2);
    },
    60_000,
  );
});
