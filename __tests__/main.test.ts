// The action's shell in-process: real transport to the IMS emulator, with a
// recording stand-in for @actions/core to check what is masked, in which order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type ActionsCore, formatDuration, maskSecret, run, systemDependencies } from '../src/main.js';
import { FUSION_SCOPES, ImsEmulator } from './support/ims-emulator.js';

const CLIENT = { clientId: 'main-client', clientSecret: 'main+secret/with=odd&chars', scopes: FUSION_SCOPES };
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

type Event = [kind: 'secret' | 'output' | 'info' | 'failed', ...values: string[]];

function recordingCore(inputs: Record<string, string>): { actions: ActionsCore; events: Event[] } {
  const events: Event[] = [];
  const actions: ActionsCore = {
    getInput: (name) => (inputs[name] ?? '').trim(),
    setSecret: (value) => void events.push(['secret', value]),
    setOutput: (name, value) => void events.push(['output', name, String(value)]),
    info: (line) => void events.push(['info', line]),
    setFailed: (message) => void events.push(['failed', String(message)]),
  };
  return { actions, events };
}

const baseInputs = () => ({ 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url });

describe('run', () => {
  it('masks the secret first, masks the token before setting it, then reports', async () => {
    const { actions, events } = recordingCore(baseInputs());
    const before = Date.now();
    await run(actions);
    const token = ims.issued[0]?.accessToken as string;
    expect(events.slice(0, 3)).toEqual([
      ['secret', CLIENT.clientSecret],
      ['secret', 'main%2Bsecret%2Fwith%3Dodd%26chars'],
      ['secret', token],
    ]);
    const expiresAt = (events[6]?.[2] ?? '') as string;
    expect(events.slice(3)).toEqual([
      ['output', 'access-token', token],
      ['output', 'token-type', 'bearer'],
      ['output', 'expires-in', '86399'],
      ['output', 'expires-at', expiresAt],
      ['info', `Got an IMS access token for client main-client. It expires at ${expiresAt} (in 23 h 59 min).`],
    ]);
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 86_399_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + 86_399_000);
  });

  it('fails on a bad input after masking the secret, and sends nothing', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), retries: 'many' });
    await run(actions);
    expect(events).toEqual([
      ['secret', CLIENT.clientSecret],
      ['secret', 'main%2Bsecret%2Fwith%3Dodd%26chars'],
      ['failed', 'Input retries must be a whole number from 0 to 10, got "many".'],
    ]);
    expect(ims.requests).toHaveLength(0);
  });

  it('fails with the IMS explanation and sets no output', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'client-secret': 'wrong' });
    await run(actions);
    expect(events.filter(([kind]) => kind === 'output')).toEqual([]);
    const failed = events.filter(([kind]) => kind === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.[1]).toMatch(/^Could not get an Adobe IMS access token after 1 attempt .*invalid_client/);
  });

  it('logs each retry through core.info', async () => {
    ims.enqueue({ kind: 'reset' });
    const { actions, events } = recordingCore(baseInputs());
    await run(actions, { ...systemDependencies((line) => actions.info(line)), sleep: async () => {} });
    expect(events.filter(([kind]) => kind === 'info')[0]?.[1]).toMatch(
      /^Attempt 1 of 4 failed: connection reset \(ECONNRESET\)\. Retrying in \d\.\d s\.$/,
    );
    expect(events.some(([kind, name]) => kind === 'output' && name === 'access-token')).toBe(true);
  });

  it('reports a bug as unexpected, without a stack trace', async () => {
    const { actions, events } = recordingCore(baseInputs());
    const deps = { ...systemDependencies(() => {}), post: () => Promise.reject(new TypeError('boom')) };
    await run(actions, deps);
    expect(events.at(-1)).toEqual(['failed', 'fusion-token-action failed unexpectedly: boom. Please report this.']);
    const thrown = { ...deps, post: () => Promise.reject('a string') };
    await run(actions, thrown);
    expect(events.at(-1)).toEqual(['failed', 'fusion-token-action failed unexpectedly: a string. Please report this.']);
  });
});

describe('helpers', () => {
  it('masks each line of a multi-line value and its form encoding, and nothing blank', () => {
    const masked: string[] = [];
    maskSecret({ setSecret: (value) => void masked.push(value) }, 'one\n\ntwo');
    expect(masked).toEqual(['one\n\ntwo', 'one', 'two', 'one%0A%0Atwo']);
    const none: string[] = [];
    maskSecret({ setSecret: (value) => void none.push(value) }, '');
    expect(none).toEqual([]);
  });

  it.each([
    [86399, '23 h 59 min'],
    [3600, '1 h 0 min'],
    [600, '10 min'],
    [59, '59 s'],
    [0, '0 s'],
  ])('formats %d s as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
