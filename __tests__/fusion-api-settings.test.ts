// What a call is made with: the session, overridden by the flags; or why none can be made.
import { describe, expect, it } from '@jest/globals';
import { type RequestPlan } from '../src/fusion-api/args.js';
import { resolveSettings } from '../src/fusion-api/settings.js';
import { type FusionSession, SESSION_FORMAT } from '../src/fusion-session.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const FILE = '/runner/_temp/fusion-token-action-api/session.json';
const SESSION: FusionSession = {
  format: SESSION_FORMAT,
  accessToken: 'token-value',
  clientId: 'client-id',
  expiresAt: '2026-12-01T13:00:00.000Z',
  orgId: '123',
  region: 'or2',
  baseUrl: 'https://fusion.adobe.io/',
  retries: 3,
  timeoutMs: 30_000,
};
const PLAN: RequestPlan = {
  method: 'GET',
  path: '/api/v3/scenarios',
  query: [],
  body: undefined,
  paginate: false,
  output: undefined,
  orgId: undefined,
  region: undefined,
  retries: undefined,
};

function problemOf(plan: RequestPlan, session: FusionSession, now = NOW): string {
  const settings = resolveSettings(plan, session, FILE, now);
  if (!('problem' in settings)) throw new Error('settings were resolved');
  return settings.problem;
}

describe('resolveSettings', () => {
  it("takes the session's settings, the base URL without its trailing slash", () => {
    expect(resolveSettings(PLAN, SESSION, FILE, NOW)).toEqual({
      accessToken: 'token-value',
      clientId: 'client-id',
      orgId: '123',
      region: 'or2',
      baseUrl: 'https://fusion.adobe.io',
      retries: 3,
      timeoutMs: 30_000,
    });
  });

  it('lets --org-id, --region and --retries override the step', () => {
    expect(resolveSettings({ ...PLAN, orgId: '9', region: 'na1', retries: 0 }, SESSION, FILE, NOW)).toMatchObject({
      orgId: '9',
      region: 'na1',
      retries: 0,
    });
    expect(
      resolveSettings({ ...PLAN, orgId: '9', region: 'na1' }, { ...SESSION, orgId: '', region: '' }, FILE, NOW),
    ).toMatchObject({
      orgId: '9',
      region: 'na1',
    });
  });

  it('names the input and the flag of a missing organization ID or region', () => {
    expect(problemOf(PLAN, { ...SESSION, orgId: '' })).toBe(
      'fusion-api: no Fusion organization ID (x-organization-id): set the fusion-org-id input of the token step, or pass --org-id ID. Nothing was sent.',
    );
    expect(problemOf(PLAN, { ...SESSION, region: '' })).toBe(
      'fusion-api: no Fusion region (x-gw-region): set the fusion-region input of the token step, or pass --region REGION (e.g. or2). Nothing was sent.',
    );
  });

  it('refuses a token that has expired, saying when, and that min-remaining-minutes gives more margin', () => {
    expect(problemOf(PLAN, SESSION, Date.parse('2026-12-01T13:05:00Z'))).toBe(
      'fusion-api: the token expired at 2026-12-01T13:00:00.000Z (5 min ago): run fusion-token-action with ' +
        'fusion-api: true in an earlier step of this job for a new one; a larger min-remaining-minutes gives a ' +
        'reused token more margin. Nothing was sent.',
    );
    expect(problemOf(PLAN, SESSION, Date.parse(SESSION.expiresAt))).toContain('the token expired at');
  });

  it.each([
    [{ orgId: 'org' }, 'has an orgId that is not digits'],
    [{ region: 'OR2' }, 'has a region that is not a Fusion region'],
    [{ retries: 11 }, 'has retries above 10'],
    [{ timeoutMs: 0 }, 'has a timeoutMs below 1'],
    [{ baseUrl: 'fusion.adobe.io' }, 'has a baseUrl that is not a URL'],
    [{ baseUrl: 'ftp://fusion.adobe.io' }, 'has a baseUrl that is not http(s)'],
    [{ baseUrl: 'https://u:p@fusion.adobe.io' }, 'has a baseUrl with a query, fragment or credentials'],
    [{ baseUrl: 'https://fusion.adobe.io/?x=1' }, 'has a baseUrl with a query, fragment or credentials'],
  ])('refuses a session with %j', (change, problem) => {
    expect(problemOf(PLAN, { ...SESSION, ...change })).toBe(
      `fusion-api: the session file ${FILE} ${problem}: run fusion-token-action with fusion-api: true in an earlier step of this job. Nothing was sent.`,
    );
  });
});
