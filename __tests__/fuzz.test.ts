// Hostile inputs, in-process: hundreds of seeded random cases through run(),
// with the real transport to the IMS emulator. Each must end in a token or in
// one clear failure, with the secret masked first and never repeated, and no
// request at all when an input is invalid. (e2e-fuzz.test.ts does the same
// through dist/index.js under Node 24.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { INPUT_NAMES, type InputName } from '../src/inputs.js';
import { type ActionsCore, run, systemDependencies } from '../src/main.js';
import { confineToEmulator, fuzzCase, fuzzSeed, secretParts, seededRandom } from './support/fuzz.js';
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
    const valid: Record<InputName, string> = {
      'client-id': CLIENT.clientId,
      'client-secret': CLIENT.clientSecret,
      scopes: 'openid,AdobeID',
      'org-id': '',
      'ims-url': ims.url,
      retries: '1',
      'timeout-seconds': '5',
    };
    let failures = 0;
    let successes = 0;
    for (let i = 0; i < CASES; i++) {
      const fuzz = fuzzCase(random, valid);
      const inputs = confineToEmulator(fuzz.inputs, ims.url);
      const label = `case ${i} (seed ${seed}) hostile ${fuzz.hostile.join(', ')}`;
      ims.reset();
      const events: [string, string][] = [];
      const actions: ActionsCore = {
        getInput: (name) => (inputs[name as InputName] ?? '').trim(),
        setSecret: (value) => void events.push(['secret', value]),
        setOutput: (name) => void events.push(['output', name]),
        info: (line) => void events.push(['info', line]),
        setFailed: (message) => void events.push(['failed', String(message)]),
      };
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
      if (failed.length === 0) {
        successes++;
        expect([label, outputs]).toEqual([label, ['access-token', 'token-type', 'expires-in', 'expires-at']]);
      } else {
        failures++;
        expect([label, failed.length, outputs]).toEqual([label, 1, []]);
        const message = failed[0]?.[1] ?? '';
        expect([label, message]).toEqual([label, expect.stringMatching(/^(Input [a-z-]+ |Could not get an Adobe IMS access token after )/)]);
        // One visible line: no control, invisible or bidi characters from the input.
        expect([label, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(message)]).toEqual([label, false]);
        expect([label, message.length < 1500]).toEqual([label, true]);
        if (message.startsWith('Input ')) {
          expect([label, INPUT_NAMES.some((name) => message.startsWith(`Input ${name} `))]).toEqual([label, true]);
          expect([label, ims.requests.length]).toEqual([label, 0]);
        }
      }
      for (const [kind, text] of events) {
        if (kind === 'secret') continue;
        for (const part of secretParts(secret)) expect([label, text.includes(part)]).toEqual([label, false]);
      }
    }
    console.log(`fuzz (seed ${seed}): ${CASES} cases, ${successes} tokens, ${failures} clear failures`);
    expect(successes).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(CASES / 2);
  }, 60_000);
});
