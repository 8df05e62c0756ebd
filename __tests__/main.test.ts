// The main step in-process: real transport to the IMS emulator, with a
// recording stand-in for @actions/core to check what is masked, in which order.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TLS_OVERRIDE_IGNORED_WARNING } from '../src/failures.js';
import { parseSession, sessionPaths } from '../src/fusion-session.js';
import { type FusionApiHost, run, systemHost } from '../src/main.js';
import { formatDuration } from '../src/text.js';
import { maskSecret, systemDependencies } from '../src/shell.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { recordingCore } from '../testbed/recording-core.js';

const CLIENT = { clientId: 'main-client', clientSecret: 'main+secret/with=odd&chars', scopes: FUSION_SCOPES };
const ENCODED_SECRET = 'main%2Bsecret%2Fwith%3Dodd%26chars';
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

const baseInputs = () => ({ 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url });

describe('run', () => {
  it('masks the secret first, masks the token before setting it, then reports', async () => {
    const { actions, events } = recordingCore(baseInputs());
    const before = Date.now();
    await run(actions);
    const token = ims.issued[0]?.accessToken as string;
    const expiresAt = events[6]?.[2] ?? '';
    const sealed = events[7]?.[2] ?? '';
    expect(events).toEqual([
      ['secret', CLIENT.clientSecret],
      ['secret', ENCODED_SECRET],
      ['secret', token],
      ['output', 'access-token', token],
      ['output', 'token-type', 'bearer'],
      ['output', 'expires-in', '86399'],
      ['output', 'expires-at', expiresAt],
      ['output', 'sealed-token', sealed],
      ['output', 'source', 'minted'],
      ['info', `Got an IMS access token for client main-client. It expires at ${expiresAt} (in 23 h 59 min).`],
    ]);
    expect(sealed).toMatch(/^fta1\.[\w-]{100,}$/);
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 86_399_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + 86_399_000);
  });

  it('names the client in a form that cannot act as a runner command', async () => {
    ims.addClient({ clientId: 'odd##[client]', clientSecret: CLIENT.clientSecret, scopes: FUSION_SCOPES });
    const { actions, events } = recordingCore({ ...baseInputs(), 'client-id': 'odd##[client]' });
    await run(actions);
    expect(events.at(-1)?.[1]).toMatch(/^Got an IMS access token for client odd##\\u005bclient\]\. /);
  });

  it('exports the token, client ID and expiry to later steps only with export-env, after masking', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'export-env': 'true' });
    await run(actions);
    const token = ims.issued[0]?.accessToken as string;
    const exported = events.filter(([kind]) => kind === 'env');
    const expiresAt = events.find(([kind, name]) => kind === 'output' && name === 'expires-at')?.[2];
    expect(exported).toEqual([
      ['env', 'FUSION_ACCESS_TOKEN', token],
      ['env', 'FUSION_CLIENT_ID', CLIENT.clientId],
      ['env', 'FUSION_TOKEN_EXPIRES_AT', expiresAt],
    ]);
    expect(events.findIndex(([kind, value]) => kind === 'secret' && value === token)).toBeLessThan(
      events.findIndex(([kind]) => kind === 'env'),
    );
    expect(events.filter(([kind]) => kind === 'state')).toEqual([]);
  });

  it('saves only the token and its expiry for the post step when revoke is on', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), revoke: 'true' });
    await run(actions);
    const token = ims.issued[0]?.accessToken as string;
    const expiresAt = events.find(([kind, name]) => kind === 'output' && name === 'expires-at')?.[2];
    expect(events.filter(([kind]) => kind === 'state')).toEqual([
      ['state', 'token', token],
      ['state', 'expires-at', expiresAt],
    ]);
    expect(events.filter(([kind]) => kind === 'env')).toEqual([]);
  });

  it('tries the secrets in order and warns when a later one worked', async () => {
    const { actions, events } = recordingCore({
      ...baseInputs(),
      'client-secret': `old-secret\n${CLIENT.clientSecret}`,
    });
    await run(actions);
    expect(ims.requests.map((request) => request.form.get('client_secret'))).toEqual([
      'old-secret',
      CLIENT.clientSecret,
    ]);
    expect(events.slice(0, 3)).toEqual([
      ['secret', `old-secret\n${CLIENT.clientSecret}`],
      ['secret', 'old-secret'],
      ['secret', CLIENT.clientSecret],
    ]);
    expect(events.filter(([kind]) => kind === 'warning')).toEqual([
      [
        'warning',
        'IMS accepted client-secret line 2 and rejected line 1 with invalid_client. When the secret rotation is complete, remove the rejected secret from the repository secret.',
      ],
    ]);
    expect(events.some(([kind, name]) => kind === 'output' && name === 'access-token')).toBe(true);
  });

  it('fails on a bad input after masking the secret, and sends nothing', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), retries: 'many' });
    await run(actions);
    expect(events).toEqual([
      ['secret', CLIENT.clientSecret],
      ['secret', ENCODED_SECRET],
      ['failed', 'Input retries must be a whole number from 0 to 10, got "many".'],
    ]);
    expect(ims.requests).toHaveLength(0);
  });

  it('warns once, after masking, that NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored, and drops it', async () => {
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    try {
      const { actions, events } = recordingCore({ ...baseInputs(), retries: 'many' });
      await run(actions);
      expect(events).toEqual([
        ['secret', CLIENT.clientSecret],
        ['secret', ENCODED_SECRET],
        ['warning', TLS_OVERRIDE_IGNORED_WARNING],
        ['failed', 'Input retries must be a whole number from 0 to 10, got "many".'],
      ]);
      // Left set, Node would print its own warning that checks are off.
      expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).toBeUndefined();
    } finally {
      delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    }
  });

  it('says nothing of NODE_TLS_REJECT_UNAUTHORIZED when it does not turn checks off', async () => {
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '1';
    try {
      const { actions, events } = recordingCore(baseInputs());
      await run(actions);
      expect(events.filter(([kind]) => kind === 'warning')).toEqual([]);
      expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).toBe('1');
    } finally {
      delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    }
  });

  it('fails with the IMS explanation and sets no output', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'client-secret': 'wrong' });
    await run(actions);
    expect(events.filter(([kind]) => kind === 'output' || kind === 'state' || kind === 'env')).toEqual([]);
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
  it('masks the value, and each line, trimmed, in every form an echo could take, nothing blank', () => {
    const masked: string[] = [];
    maskSecret({ setSecret: (value) => void masked.push(value) }, 'one+1 \n\n "two"');
    expect(masked).toEqual(['one+1 \n\n "two"', 'one+1', 'one%2B1', '"two"', '%22two%22', '\\"two\\"']);
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

describe('run with a sealed token', () => {
  it('masks the reused token before any output or line, and sets the outputs of a reuse', async () => {
    const first = recordingCore(baseInputs());
    await run(first.actions);
    const sealed = first.events.find(([kind, name]) => kind === 'output' && name === 'sealed-token')?.[2] as string;
    const token = ims.issued[0]?.accessToken as string;

    const { actions, events } = recordingCore({ ...baseInputs(), 'sealed-token': sealed });
    await run(actions);
    expect(ims.requests).toHaveLength(1);
    expect(events.slice(0, 3)).toEqual([
      ['secret', CLIENT.clientSecret],
      ['secret', ENCODED_SECRET],
      ['secret', token],
    ]);
    expect(events.slice(3).map(([kind, name]) => (kind === 'output' ? name : kind))).toEqual([
      'access-token',
      'token-type',
      'expires-in',
      'expires-at',
      'sealed-token',
      'source',
      'info',
    ]);
    expect(events).toContainEqual(['output', 'source', 'sealed-token']);
    expect(events).toContainEqual(['output', 'sealed-token', sealed]);
  });

  it('does not open a seal made for another repository', async () => {
    const first = recordingCore(baseInputs());
    await run(first.actions, undefined, 'octo/one');
    const sealed = first.events.find(([kind, name]) => kind === 'output' && name === 'sealed-token')?.[2] as string;
    const { actions, events } = recordingCore({ ...baseInputs(), 'sealed-token': sealed });
    await run(actions, undefined, 'octo/two');
    expect(events).toContainEqual(['output', 'source', 'minted']);
    expect(events.filter(([kind]) => kind === 'warning')).toHaveLength(1);
  });
});

describe('run with fusion-api', () => {
  let runnerTemp: string;
  beforeAll(() => {
    runnerTemp = mkdtempSync(path.join(tmpdir(), 'main-fusion-'));
  });
  afterEach(() => rmSync(sessionPaths(runnerTemp).folder, { recursive: true, force: true }));
  afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }));

  const host = (temp: string | undefined): FusionApiHost => ({
    runnerTemp: temp,
    distFolder: '/action/dist',
    nodePath: '/runner/externals/node24/bin/node',
  });
  const fusionInputs = {
    'fusion-api': 'true',
    'fusion-org-id': '123456',
    'fusion-region': 'or2',
    'fusion-url': 'http://127.0.0.1:9/',
    retries: '2',
    'timeout-seconds': '12.5',
  };

  it('writes the session after the outputs, then saves its folder, adds the launchers to PATH and says so', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), ...fusionInputs });
    await run(actions, undefined, undefined, host(runnerTemp));
    const token = ims.issued[0]?.accessToken as string;
    const paths = sessionPaths(runnerTemp);
    const expiresAt = events.find(([kind, name]) => kind === 'output' && name === 'expires-at')?.[2] as string;
    expect(events.slice(-4)).toEqual([
      ['info', expect.stringMatching(/^Got an IMS access token for client main-client\./)],
      ['state', 'fusion-api-session', paths.folder],
      ['path', paths.bin],
      [
        'info',
        'The fusion-api command is on PATH for the later steps of this job, for organization 123456 in region or2.',
      ],
    ]);
    expect(parseSession(readFileSync(paths.file, 'utf8'))).toEqual({
      format: 'fusion-api-session-v1',
      accessToken: token,
      clientId: CLIENT.clientId,
      expiresAt,
      orgId: '123456',
      region: 'or2',
      baseUrl: 'http://127.0.0.1:9',
      retries: 2,
      timeoutMs: 12_500,
    });
    expect(readFileSync(paths.file, 'utf8')).not.toContain(CLIENT.clientSecret);
    expect(statSync(paths.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(paths.bin, 'fusion-api'), 'utf8')).toContain(
      "exec '/runner/externals/node24/bin/node' '/action/dist/fusion-api.js' \"$@\"",
    );
  });

  it('installs a reused token too, and a later step replaces it', async () => {
    const first = recordingCore({ ...baseInputs(), ...fusionInputs });
    await run(first.actions, undefined, undefined, host(runnerTemp));
    const sealed = first.events.find(([kind, name]) => kind === 'output' && name === 'sealed-token')?.[2] as string;
    const second = recordingCore({ ...baseInputs(), ...fusionInputs, 'sealed-token': sealed, 'fusion-region': 'ew1' });
    await run(second.actions, undefined, undefined, host(runnerTemp));
    expect(second.events).toContainEqual(['output', 'source', 'sealed-token']);
    expect(ims.requests).toHaveLength(1);
    expect(parseSession(readFileSync(sessionPaths(runnerTemp).file, 'utf8'))).toMatchObject({
      accessToken: ims.issued[0]?.accessToken,
      region: 'ew1',
    });
  });

  it('without RUNNER_TEMP, uses a fresh private folder under the system temporary folder', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'fusion-api': 'true' });
    await run(actions, undefined, undefined, host(undefined));
    const folder = events.find(([kind]) => kind === 'state')?.[2] as string;
    try {
      expect(path.dirname(path.dirname(folder))).toBe(tmpdir());
      expect(path.basename(path.dirname(folder))).toMatch(/^fusion-token-action-\w{6}$/);
      expect(statSync(path.dirname(folder)).mode & 0o777).toBe(0o700);
      expect(existsSync(sessionPaths(path.dirname(folder)).file)).toBe(true);
      expect(events.at(-1)).toEqual([
        'info',
        'The fusion-api command is on PATH for the later steps of this job. No fusion-org-id or fusion-region is set: set them, or pass --org-id and --region to each call.',
      ]);
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
  });

  it('writes nothing and leaves PATH alone without fusion-api: true', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'fusion-org-id': '123456' });
    await run(actions, undefined, undefined, host(runnerTemp));
    expect(events.filter(([kind]) => kind === 'state' || kind === 'path')).toEqual([]);
    expect(readdirSync(runnerTemp)).toEqual([]);
  });

  it('fails the step, naming the folder, when the command cannot be written', async () => {
    const notAFolder = path.join(runnerTemp, 'a-file');
    writeFileSync(notAFolder, '');
    try {
      const { actions, events } = recordingCore({ ...baseInputs(), 'fusion-api': 'true' });
      await run(actions, undefined, undefined, host(notAFolder));
      expect(events.filter(([kind]) => kind === 'path')).toEqual([]);
      expect(events.at(-1)).toEqual([
        'failed',
        expect.stringMatching(
          /^Could not put the fusion-api command in .*\/a-file\/fusion-token-action-api: ENOTDIR: .* Check that RUNNER_TEMP is a folder this job can write, or set fusion-api: false\.$/,
        ),
      ]);
    } finally {
      rmSync(notAFolder);
    }
  });

  it('refuses a bad fusion input before anything is sent, even with fusion-api: false', async () => {
    const { actions, events } = recordingCore({ ...baseInputs(), 'fusion-region': 'OR2' });
    await run(actions, undefined, undefined, host(runnerTemp));
    expect(events.at(-1)).toEqual(['failed', expect.stringMatching(/^Input fusion-region must be a Fusion region/)]);
    expect(ims.requests).toHaveLength(0);
  });

  it('finds the running bundle folder, RUNNER_TEMP and the Node that runs it', () => {
    const saved = process.env['RUNNER_TEMP'];
    try {
      process.env['RUNNER_TEMP'] = '/runner/_temp';
      expect(systemHost()).toEqual({
        runnerTemp: '/runner/_temp',
        // Under jest, the source folder; in dist/index.js, dist/ (see the end-to-end tests).
        distFolder: path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), 'src'),
        nodePath: process.execPath,
      });
      process.env['RUNNER_TEMP'] = '';
      expect(systemHost().runnerTemp).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['RUNNER_TEMP'];
      else process.env['RUNNER_TEMP'] = saved;
    }
  });
});
