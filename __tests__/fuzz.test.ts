// Hostile inputs, in-process: hundreds of seeded random cases through run(),
// with the real transport to the IMS emulator. Each must end in a token or in
// one clear failure, with the secret masked first and never repeated, and no
// request at all when an input is invalid. (e2e-fuzz.test.ts does the same
// through dist/index.js under Node 24.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run } from '../src/main.js';
import { systemDependencies } from '../src/shell.js';
import { recordingCore } from './support/recording-core.js';
import {
  confineToEmulator,
  expectClearFailure,
  fuzzCase,
  fuzzSeed,
  secretParts,
  seededRandom,
  validInputs,
} from './support/fuzz.js';
import { FUSION_SCOPES, ImsEmulator } from './support/ims-emulator.js';

const CLIENT = { clientId: 'fuzz-client', clientSecret: 'fuzz-secret-value', scopes: FUSION_SCOPES };
const CASES = 300;
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterAll(() => ims.close());

describe('hostile inputs, in-process', () => {
  const seed = fuzzSeed();

  it(`end in a token or one clear failure, never leaking, never sending on a bad input (seed ${seed})`, async () => {
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
        expect([label, outputs]).toEqual([label, ['access-token', 'token-type', 'expires-in', 'expires-at']]);
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
    expect(successes).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(CASES / 2);
  }, 60_000);
});
