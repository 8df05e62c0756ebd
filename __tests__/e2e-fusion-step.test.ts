// End to end, the token step's side of fusion-api: the bundled dist/index.js
// (and dist/post.js) run as the runner runs them, under Node 24, against the
// IMS emulator, each job with a RUNNER_TEMP of its own that outlives its
// steps. The launchers are run by a later step, as the runner would run it
// (PATH from GITHUB_PATH, the environment from GITHUB_ENV), against a copy of
// dist/ whose fusion-api.js is a probe: this tests the launcher, not the command.
import {
  accessSync,
  constants,
  cpSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parseSession, sessionPaths } from '../src/fusion-session.js';
import { secretForms } from '../src/text.js';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import {
  ROOT,
  type RunOptions,
  type RunResult,
  actionNodeBinary,
  makeRunnerTemp,
  readActionMetadata,
  runLaterStep,
  stateEnvironment,
} from '../testbed/runner.js';

const CLIENT = { clientId: 'fusion-step-client', clientSecret: 'p8e-fusion+step/secret=&%', scopes: FUSION_SCOPES };
const FUSION = { 'fusion-api': 'true', 'fusion-org-id': '123456', 'fusion-region': 'or2' };
let ims: ImsEmulator;
let runnerTemp: string;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
beforeEach(() => {
  runnerTemp = makeRunnerTemp();
});
afterEach(() => {
  ims.reset();
  rmSync(runnerTemp, { recursive: true, force: true });
});
afterAll(() => ims.close());

function inputsWith(extra: Record<string, string>): Record<string, string> {
  return { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, ...extra };
}

/** A step of the job, audited for leaks, with the job's RUNNER_TEMP. */
function runStep(inputs: Record<string, string>, options: Omit<RunOptions, 'inputs'> = {}): Promise<RunResult> {
  return runAudited(
    { inputs: inputsWith(inputs), runnerTemp, ...options },
    { emulators: [ims], secrets: [CLIENT.clientSecret] },
  );
}

/** The post step as the runner runs it: runs.post, the same inputs, STATE_* from the main step. */
function runPost(inputs: Record<string, string>, main: RunResult): Promise<RunResult> {
  return runStep(inputs, { entry: readActionMetadata().runs.post, env: stateEnvironment(main.state) });
}

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('the session and the launchers', () => {
  it('keeps whole milliseconds in the session for a timeout-seconds with decimals', async () => {
    const result = await runStep({ ...FUSION, 'timeout-seconds': '16.1' });
    expect(result.exitCode).toBe(0);
    expect(parseSession(readFileSync(sessionPaths(runnerTemp).file, 'utf8'))).toMatchObject({ timeoutMs: 16_100 });
  });

  it('writes the session file (0600, folder 0700) with the token but not the secret, and puts the launchers on GITHUB_PATH', async () => {
    const result = await runStep({ ...FUSION, 'fusion-url': 'http://127.0.0.1:1/', retries: '2' });
    const paths = sessionPaths(runnerTemp);
    expect(result.exitCode).toBe(0);
    expect(result.log.at(-1)).toBe(
      'The fusion-api command is on PATH for the later steps of this job, for organization 123456 in region or2.',
    );
    expect(result.files.path).toBe(`${paths.bin}\n`);
    expect(result.addedPath).toEqual([paths.bin]);
    expect(result.exportedEnv).toEqual({});
    expect(result.state).toEqual({ 'fusion-api-session': paths.folder });

    expect(mode(paths.folder)).toBe(0o700);
    expect(mode(paths.file)).toBe(0o600);
    const text = readFileSync(paths.file, 'utf8');
    expect(parseSession(text)).toEqual({
      format: 'fusion-api-session-v1',
      accessToken: ims.issued[0]?.accessToken,
      clientId: CLIENT.clientId,
      expiresAt: result.outputs['expires-at'],
      orgId: '123456',
      region: 'or2',
      baseUrl: 'http://127.0.0.1:1',
      retries: 2,
      timeoutMs: 30_000,
    });
    for (const form of secretForms(CLIENT.clientSecret)) expect(text).not.toContain(form);
  });

  it('writes both launchers, executable, naming the Node 24 that ran the step and dist/fusion-api.js, neither holding the token', async () => {
    const result = await runStep(FUSION);
    const { bin, file } = sessionPaths(runnerTemp);
    const token = ims.issued[0]?.accessToken as string;
    expect(result.exitCode).toBe(0);
    expect(readdirSync(bin).sort()).toEqual(['fusion-api', 'fusion-api.cmd']);
    const script = path.join(ROOT, 'dist', 'fusion-api.js');
    for (const name of ['fusion-api', 'fusion-api.cmd']) {
      const launcher = path.join(bin, name);
      expect(mode(launcher)).toBe(0o755);
      accessSync(launcher, constants.X_OK);
      const text = readFileSync(launcher, 'utf8');
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(-20));
      expect(text).toContain(realpathSync(actionNodeBinary()));
      expect(text).toContain(script);
      expect(text).toContain(file);
    }
  });

  it('says that org and region must be passed as flags when the inputs are not set', async () => {
    const result = await runStep({ 'fusion-api': 'true' });
    expect(result.log.at(-1)).toBe(
      'The fusion-api command is on PATH for the later steps of this job. No fusion-org-id or fusion-region is set: set them, or pass --org-id and --region to each call.',
    );
    expect(parseSession(readFileSync(sessionPaths(runnerTemp).file, 'utf8'))).toMatchObject({
      orgId: '',
      region: '',
      baseUrl: 'https://fusion.adobe.io',
    });
  });

  it('lets a later step with fusion-api: true replace the session, a reused token too', async () => {
    const first = await runStep(FUSION);
    const second = await runStep({
      ...FUSION,
      'fusion-region': 'ew1',
      'sealed-token': first.outputs['sealed-token'] as string,
    });
    const third = await runStep({ ...FUSION, 'fusion-org-id': '654321' });
    const { folder, file, bin } = sessionPaths(runnerTemp);
    expect([first, second, third].map((step) => step.outputs['source'])).toEqual(['minted', 'sealed-token', 'minted']);
    expect(second.addedPath).toEqual([bin]);
    expect(parseSession(readFileSync(file, 'utf8'))).toMatchObject({
      accessToken: ims.issued[1]?.accessToken,
      orgId: '654321',
      region: 'or2',
    });
    expect(ims.issued[1]?.accessToken).not.toBe(ims.issued[0]?.accessToken);
    // No temporary file left behind by the replacements.
    expect(readdirSync(folder).sort()).toEqual(['bin', 'session.json']);
  });

  it.each(['false', 'true'])('is deleted by the post step when the job ends, with revoke: %s', async (revoke) => {
    const inputs = { ...FUSION, revoke };
    const main = await runStep(inputs);
    const { folder } = sessionPaths(runnerTemp);
    expect(readdirSync(runnerTemp)).toEqual([path.basename(folder)]);
    const post = await runPost(inputs, main);
    expect(post.exitCode).toBe(0);
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(post.log).toEqual([
      `Deleted the fusion-api token file and launchers in ${folder}.`,
      revoke === 'true'
        ? `Revoked the IMS access token of client ${CLIENT.clientId}.`
        : 'Token revocation is off (revoke: false): nothing to do.',
    ]);
  });
});

describe('the default path', () => {
  it.each<Record<string, string>>([{}, { 'fusion-org-id': '123456', 'fusion-region': 'or2' }])(
    'writes no file, no GITHUB_PATH line and no state with %j',
    async (inputs) => {
      const result = await runStep(inputs);
      expect(result.exitCode).toBe(0);
      expect(readdirSync(runnerTemp)).toEqual([]);
      expect(result.files.path).toBe('');
      expect(result.state).toEqual({});
      expect(result.log.some((line) => line.includes('fusion-api'))).toBe(false);
      const post = await runPost(inputs, result);
      expect(post.log).toEqual(['Token revocation is off (revoke: false): nothing to do.']);
    },
  );
});

describe('bad fusion inputs', () => {
  it.each([
    [{ 'fusion-api': 'yes' }, /^Input fusion-api must be true or false, got "yes"\.$/],
    [{ 'fusion-org-id': 'my-org' }, /^Input fusion-org-id must be the numeric Fusion organization ID/],
    [{ ...FUSION, 'fusion-org-id': '0123456789ABCDEF01234567@AdobeOrg' }, /belongs in org-id\.$/],
    [{ 'fusion-region': 'OR2' }, /^Input fusion-region must be a Fusion region such as or2/],
    [{ ...FUSION, 'fusion-url': 'http://fusion.adobe.io' }, /^Input fusion-url must use https/],
    [
      { 'fusion-url': 'https://fusion.adobe.io/api/v3' },
      /^Input fusion-url is the Fusion API base URL, without \/api\/v3/,
    ],
  ])('fail the step on %j, naming the input, with no IMS request and no file', async (inputs, message) => {
    const result = await runStep(inputs);
    expect(expectFailure(result)).toMatch(message);
    expect(ims.connections).toBe(0);
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(result.files.path).toBe('');
  });
});

describe('the launcher, run by a later step', () => {
  let action: string;
  beforeAll(() => {
    // A copy of dist/ whose fusion-api.js prints what it was started with.
    action = makeRunnerTemp();
    cpSync(path.join(ROOT, 'dist'), path.join(action, 'dist'), { recursive: true });
    writeFileSync(
      path.join(action, 'dist', 'fusion-api.js'),
      'console.log(JSON.stringify({ script: process.argv[1], args: process.argv.slice(2), execPath: process.execPath,' +
        ' version: process.version, session: process.env.FUSION_API_SESSION, env: process.env }));\n',
    );
  });
  afterAll(() => rmSync(action, { recursive: true, force: true }));

  interface Probe {
    readonly script: string;
    readonly args: readonly string[];
    readonly execPath: string;
    readonly version: string;
    readonly session: string;
    readonly env: Record<string, string>;
  }

  it('runs fusion-api.js beside the bundle with the Node that ran the step, every argument intact, and no token', async () => {
    const step = await runStep(FUSION, { entry: path.join(action, 'dist', 'index.js') });
    const token = ims.issued[0]?.accessToken as string;
    const args = ['/api/v3/scenarios', '-q', 'orderby=+id', '-q', 'property=name~a b', '-d', `{"name":"it's $HOME"}`];
    // PATH holds only the GITHUB_PATH folder: no other node, not even a shell's, is needed.
    const later = await runLaterStep(step, 'fusion-api', args, { basePath: '' });
    expect([later.exitCode, later.stderr]).toEqual([0, '']);
    const probe = JSON.parse(later.stdout) as Probe;
    expect(probe).toMatchObject({
      script: path.join(action, 'dist', 'fusion-api.js'),
      args,
      execPath: realpathSync(actionNodeBinary()),
      session: sessionPaths(runnerTemp).file,
    });
    expect(probe.version).toMatch(/^v24\./);
    expect(later.stdout).not.toContain(token.slice(-20));
    expect(Object.keys(probe.env).filter((name) => name.startsWith('FUSION_'))).toEqual(['FUSION_API_SESSION']);
  });

  it('is found by a run: script through the runner PATH, and follows the session a later step wrote', async () => {
    await runStep(FUSION, { entry: path.join(action, 'dist', 'index.js') });
    const second = await runStep(
      { ...FUSION, 'fusion-region': 'ew1' },
      { entry: path.join(action, 'dist', 'index.js') },
    );
    const later = await runLaterStep(second, 'bash', ['-e', '-c', 'fusion-api /api/v3/folders -q teamId=7']);
    expect([later.exitCode, later.stderr]).toEqual([0, '']);
    const probe = JSON.parse(later.stdout) as Probe;
    expect(probe.args).toEqual(['/api/v3/folders', '-q', 'teamId=7']);
    expect(parseSession(readFileSync(probe.session, 'utf8'))).toMatchObject({
      accessToken: ims.issued[1]?.accessToken,
      region: 'ew1',
    });
  });
});
