// The post step in-process, and its plan: real transport to the IMS emulator's
// invalidation endpoint, a recording stand-in for @actions/core.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TLS_OVERRIDE_IGNORED_WARNING } from '../src/failures.js';
import { installSession } from '../src/fusion-install.js';
import { sessionPaths } from '../src/fusion-session.js';
import { run } from '../src/post.js';
import { planRevocation } from '../src/revoke.js';
import { systemDependencies } from '../src/shell.js';
import { FUSION_SCOPES, ImsEmulator, makeAccessToken } from '../testbed/ims-emulator.js';
import { recordingCore } from '../testbed/recording-core.js';

const CLIENT = { clientId: 'post-client', clientSecret: 'post+secret&=', scopes: FUSION_SCOPES };
const NOW = Date.parse('2026-11-29T22:00:00.000Z');
const LATER = '2026-11-30T22:00:00.000Z';
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

/** A token the emulator issued, as the main step would have left it in state. */
async function issuedToken(): Promise<string> {
  const response = await fetch(`${ims.url}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      scope: 'openid',
    }),
  });
  const { access_token: token } = (await response.json()) as { access_token: string };
  ims.requests.length = 0;
  return token;
}

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'client-id': CLIENT.clientId,
    'client-secret': CLIENT.clientSecret,
    'ims-url': ims.url,
    revoke: 'true',
    ...extra,
  };
}

const fastDeps = (log: (line: string) => void) => ({
  ...systemDependencies(log),
  sleep: async () => {},
  now: () => NOW,
});

describe('planRevocation', () => {
  const state = { token: 'tok', expiresAt: LATER };
  it('revokes a live token when revoke is on', () => {
    expect(planRevocation('true', state, NOW)).toEqual({ revoke: true, token: 'tok' });
  });

  it.each([
    ['false', state, 'Token revocation is off (revoke: false): nothing to do.'],
    ['', state, 'Token revocation is off (revoke: false): nothing to do.'],
    ['maybe', state, 'Token revocation is off (revoke: false): nothing to do.'],
    ['true', { token: '', expiresAt: '' }, 'This step minted no token: nothing to revoke.'],
    [
      'true',
      { token: 'tok', expiresAt: '2026-11-29T21:59:59.999Z' },
      'The token expired at 2026-11-29T21:59:59.999Z: nothing to revoke.',
    ],
    [
      'true',
      { token: 'tok', expiresAt: '2026-11-29T22:00:00.000Z' },
      'The token expired at 2026-11-29T22:00:00.000Z: nothing to revoke.',
    ],
  ])('logs one line instead when revoke is %j and state is %j', (revoke, given, reason) => {
    expect(planRevocation(revoke, given, NOW)).toEqual({ revoke: false, reason });
  });
});

describe('run (the post step)', () => {
  it('masks the token and the secret, then invalidates the token once', async () => {
    const token = await issuedToken();
    const { actions, events } = recordingCore(inputs(), { token, 'expires-at': LATER });
    await run(
      actions,
      fastDeps((line) => actions.info(line)),
    );
    expect(events).toEqual([
      ['secret', token],
      ['secret', CLIENT.clientSecret],
      ['secret', 'post%2Bsecret%26%3D'],
      ['info', `Revoked the IMS access token of client ${CLIENT.clientId}.`],
    ]);
    expect(ims.revoked).toEqual([token]);
    expect(ims.requests).toHaveLength(1);
    expect(ims.requests[0]?.url).toBe('/ims/invalidate_token/v2');
    expect(Object.fromEntries(ims.requests[0]?.form ?? [])).toEqual({
      token_type: 'access_token',
      token,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      cascading: 'all',
    });
  });

  it('warns once that NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored before it talks to IMS, and only then', async () => {
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    try {
      const off = recordingCore(inputs({ revoke: 'false' }), { token: 'tok', 'expires-at': LATER });
      await run(
        off.actions,
        fastDeps(() => {}),
      );
      expect(off.events.filter(([kind]) => kind === 'warning')).toEqual([]);

      const token = await issuedToken();
      const { actions, events } = recordingCore(inputs(), { token, 'expires-at': LATER });
      await run(
        actions,
        fastDeps(() => {}),
      );
      expect(events.filter(([kind]) => kind !== 'secret')).toEqual([
        ['warning', TLS_OVERRIDE_IGNORED_WARNING],
        ['info', `Revoked the IMS access token of client ${CLIENT.clientId}.`],
      ]);
      expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).toBeUndefined();
    } finally {
      delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    }
  });

  it('does nothing but log one line when revoke is off', async () => {
    const { actions, events } = recordingCore(inputs({ revoke: 'false' }), { token: 'tok', 'expires-at': LATER });
    await run(
      actions,
      fastDeps(() => {}),
    );
    expect(events.filter(([kind]) => kind !== 'secret')).toEqual([
      ['info', 'Token revocation is off (revoke: false): nothing to do.'],
    ]);
    expect(ims.requests).toHaveLength(0);
  });

  it('does nothing but log one line when the main step issued no token', async () => {
    const { actions, events } = recordingCore(inputs(), {});
    await run(
      actions,
      fastDeps(() => {}),
    );
    expect(events.filter(([kind]) => kind !== 'secret')).toEqual([
      ['info', 'This step minted no token: nothing to revoke.'],
    ]);
    expect(ims.requests).toHaveLength(0);
  });

  it('retries a transient failure, then warns without failing the job and without the token', async () => {
    const token = makeAccessToken(CLIENT.clientId, ['openid'], NOW);
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'service_unavailable' } });
    const { actions, events } = recordingCore(inputs({ retries: '1' }), { token, 'expires-at': LATER });
    await run(
      actions,
      fastDeps((line) => actions.info(line)),
    );
    expect(ims.requests).toHaveLength(2);
    expect(events.filter(([kind]) => kind === 'failed')).toEqual([]);
    const warnings = events.filter(([kind]) => kind === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[1]).toMatch(
      /^Could not revoke the access token after 2 attempts \(retries: 1\)\. IMS refused the token invalidation with HTTP 503 service_unavailable .* The token stays valid until it expires; to invalidate tokens at once, rotate the client secret in the Adobe Developer Console\.$/,
    );
    for (const [, ...texts] of events.filter(([kind]) => kind !== 'secret'))
      expect(texts.join(' ')).not.toContain(token);
  });

  it('moves on to the next secret on invalid_client, like the main step', async () => {
    const token = await issuedToken();
    const { actions, events } = recordingCore(inputs({ 'client-secret': `old\n${CLIENT.clientSecret}` }), {
      token,
      'expires-at': LATER,
    });
    await run(
      actions,
      fastDeps(() => {}),
    );
    expect(ims.requests.map((request) => request.form.get('client_secret'))).toEqual(['old', CLIENT.clientSecret]);
    expect(ims.revoked).toEqual([token]);
    expect(events.at(-1)).toEqual(['info', `Revoked the IMS access token of client ${CLIENT.clientId}.`]);
  });

  it('warns, never fails, on inputs it cannot read or an unexpected error', async () => {
    const bad = recordingCore(inputs({ retries: 'x' }), { token: 'tok', 'expires-at': LATER });
    await run(
      bad.actions,
      fastDeps(() => {}),
    );
    expect(bad.events.at(-1)).toEqual(['warning', 'Input retries must be a whole number from 0 to 10, got "x".']);
    const broken = recordingCore(inputs(), { token: 'tok', 'expires-at': LATER });
    await run(broken.actions, { ...fastDeps(() => {}), post: () => Promise.reject(new Error('boom')) });
    expect(broken.events.at(-1)).toEqual([
      'warning',
      'fusion-token-action failed unexpectedly: boom. Please report this.',
    ]);
    expect([...bad.events, ...broken.events].filter(([kind]) => kind === 'failed')).toEqual([]);
  });
});

describe('run (the post step) after fusion-api', () => {
  let runnerTemp: string;
  beforeAll(() => {
    runnerTemp = mkdtempSync(path.join(tmpdir(), 'post-fusion-'));
  });
  afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }));

  const session = {
    accessToken: 'post-session-token-value',
    clientId: CLIENT.clientId,
    expiresAt: LATER,
    orgId: '123',
    region: 'or2',
    baseUrl: 'https://fusion.adobe.io',
    retries: 3,
    timeoutMs: 30_000,
  };
  const install = () => installSession(session, { runnerTemp, distFolder: '/dist', nodePath: '/node' });

  it.each(['false', 'true'])('deletes the session file and launchers with revoke: %s, then goes on', async (revoke) => {
    const { folder } = await install();
    const token = await issuedToken();
    const { actions, events } = recordingCore(inputs({ revoke }), {
      'fusion-api-session': folder,
      ...(revoke === 'true' ? { token, 'expires-at': LATER } : {}),
    });
    await run(
      actions,
      fastDeps((line) => actions.info(line)),
    );
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(events.filter(([kind]) => kind !== 'secret')).toEqual([
      ['info', `Deleted the fusion-api token file and launchers in ${folder}.`],
      [
        'info',
        revoke === 'true'
          ? `Revoked the IMS access token of client ${CLIENT.clientId}.`
          : 'Token revocation is off (revoke: false): nothing to do.',
      ],
    ]);
  });

  it('says so when an earlier post step deleted it already', async () => {
    const folder = sessionPaths(runnerTemp).folder;
    const { actions, events } = recordingCore(inputs({ revoke: 'false' }), { 'fusion-api-session': folder });
    await run(
      actions,
      fastDeps(() => {}),
    );
    expect(events.filter(([kind]) => kind !== 'secret')[0]).toEqual([
      'info',
      `The fusion-api session in ${folder} was already deleted.`,
    ]);
  });

  it('deletes nothing of a folder that is not a session folder, and warns', async () => {
    const other = path.join(runnerTemp, 'work');
    mkdirSync(other);
    writeFileSync(path.join(other, 'session.json'), 'keep');
    const { actions, events } = recordingCore(inputs({ revoke: 'false' }), { 'fusion-api-session': other });
    await run(
      actions,
      fastDeps(() => {}),
    );
    expect(readdirSync(other)).toEqual(['session.json']);
    expect(events.filter(([kind]) => kind === 'warning')).toEqual([
      ['warning', `${other} is not a fusion-api session folder: it was left as it is. Please report this.`],
    ]);
    rmSync(other, { recursive: true });
  });

  it('warns, never fails, when it cannot delete the session, and still revokes', async () => {
    // A file where the folder should be: it cannot be listed.
    const folder = sessionPaths(runnerTemp).folder;
    writeFileSync(folder, '');
    const token = await issuedToken();
    const { actions, events } = recordingCore(inputs(), { 'fusion-api-session': folder, token, 'expires-at': LATER });
    await run(
      actions,
      fastDeps(() => {}),
    );
    rmSync(folder);
    expect(events.filter(([kind]) => kind === 'failed')).toEqual([]);
    expect(events.filter(([kind]) => kind === 'warning')).toEqual([
      [
        'warning',
        expect.stringMatching(
          /^Could not delete the fusion-api token file in .*fusion-token-action-api \(ENOTDIR: .*\)\. It is gone when the runner empties RUNNER_TEMP/,
        ),
      ],
    ]);
    expect(ims.revoked).toEqual([token]);
  });
});
