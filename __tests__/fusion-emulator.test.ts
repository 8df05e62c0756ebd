// The Fusion API emulator on its own, over real sockets (node:http and
// node:https with the test CA, and fetch): the gateway's header checks in
// their order, cursor paging, limit and orderby rules, property filters, the
// NDJSON export and its 100-ID cap, folders, RFC 7807 bodies, and every
// scripted fault. Expectations are computed from the emulator's own data.
import * as http from 'node:http';
import * as https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { memoryKeeper } from '../src/fusion-api/memory.js';
import { FusionEmulator, type FusionRequest, NDJSON_TYPE, tokensOf } from '../testbed/fusion-emulator.js';
import { FUSION_SCOPES, ImsEmulator, TOKEN_PATH } from '../testbed/ims-emulator.js';
import { XLSX_TYPE } from '../testbed/fusion-xlsx.js';
import { createCertificateAuthority } from '../testbed/tls.js';
import type { Scenario } from '../testbed/fusion-seed.js';

const CLIENT = { clientId: 'fusion-client', clientSecret: 'fusion-secret-value', scopes: FUSION_SCOPES };
const OTHER = { clientId: 'other-client', clientSecret: 'other-secret-value', scopes: FUSION_SCOPES };
const NO_API = { clientId: 'no-fusion-api', clientSecret: 'no-api-secret-value', scopes: FUSION_SCOPES };

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string;
  readonly ca?: string;
  readonly base?: string;
}

/** One CA and certificate for the file: RSA keys take a while to make. */
const CA = createCertificateAuthority();
const CERTIFICATE = CA.issue(['127.0.0.1', 'localhost']);

let ims: ImsEmulator;
let fusion: FusionEmulator;
let token: string;
let otherToken: string;
let noApiToken: string;

async function mint(client: typeof CLIENT): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope: FUSION_SCOPES.join(','),
  });
  const answer = await fetch(`${ims.url}${TOKEN_PATH}`, { method: 'POST', body: form });
  return ((await answer.json()) as { access_token: string }).access_token;
}

function fourHeaders(): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'x-api-key': CLIENT.clientId,
    'x-organization-id': fusion.orgId,
    'x-gw-region': fusion.region,
  };
}

/** One request over a real socket; headers set to undefined are left out. */
function call(pathAndQuery: string, options: CallOptions = {}): Promise<Reply> {
  const url = new URL(`${options.base ?? fusion.url}${pathAndQuery}`);
  const headers = Object.fromEntries(
    Object.entries({ ...fourHeaders(), ...options.headers }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      {
        host: url.hostname,
        port: url.port,
        // The path as given: node:http sends it byte for byte, so `+` stays a `+`.
        path: pathAndQuery,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers,
        ...(options.ca ? { ca: options.ca } : {}),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text: body.toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A recorded request without its headers, which hold the token: safe to show in a failure message. */
function withoutHeaders(request: FusionRequest | undefined): Partial<FusionRequest> | undefined {
  if (request === undefined) return undefined;
  return Object.fromEntries(Object.entries(request).filter(([name]) => name !== 'headers'));
}

function parsed<T = Record<string, unknown>>(reply: Reply): T {
  return JSON.parse(reply.text) as T;
}

interface Page {
  items: Record<string, unknown>[];
  _page: { orderby: string; start?: string; next?: string | null; property?: string[]; count: number };
  _links: { next?: string; page: string };
}

interface ProblemBody {
  type: string;
  status: number;
  title: string;
  report: { 'request-id': string; 'x-gw-ims-org-id'?: string; errors?: string[] };
}

function expectProblem(reply: Reply, status: number, title?: string | RegExp): ProblemBody {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = parsed<ProblemBody>(reply);
  expect(problem.status).toBe(status);
  expect(typeof problem.type).toBe('string');
  expect(problem.report['request-id']).toMatch(/\S/);
  if (typeof title === 'string') expect(problem.title).toBe(title);
  else if (title) expect(problem.title).toMatch(title);
  return problem;
}

/** Every item of a list, following `_page.next` as `start` (percent-encoded); also the pages seen. */
async function listAll(path: string, query: string): Promise<{ items: Record<string, unknown>[]; pages: Page[] }> {
  const pages: Page[] = [];
  let start: string | undefined;
  do {
    const reply = await call(`${path}?${query}${start === undefined ? '' : `&start=${encodeURIComponent(start)}`}`);
    expect(reply.status).toBe(200);
    const page = parsed<Page>(reply);
    pages.push(page);
    start = page._page.next ?? undefined;
  } while (start !== undefined && pages.length < 100);
  return { items: pages.flatMap((page) => page.items), pages };
}

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT, OTHER, NO_API]);
  fusion = await FusionEmulator.start({ tokens: tokensOf(ims), withoutFusionApi: [NO_API.clientId] });
  token = await mint(CLIENT);
  otherToken = await mint(OTHER);
  noApiToken = await mint(NO_API);
});

afterEach(() => fusion.reset());

afterAll(async () => {
  await fusion.close();
  await ims.close();
});

describe('the gateway', () => {
  const gatewayBody = (reply: Reply): unknown => parsed(reply);

  it('answers a request with the four headers and a token IMS issued', async () => {
    const reply = await call('/api/v3/scenarios');
    expect(reply.status).toBe(200);
    expect(parsed<Page>(reply).items).toHaveLength(50);
  });

  it('wants x-api-key first: 403000', async () => {
    const reply = await call('/api/v3/scenarios', {
      headers: { 'x-api-key': undefined, authorization: undefined, 'x-organization-id': undefined },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.text).toBe('{"error_code":"403000","message":"Api Key is required"}');
  });

  it('refuses the key of a client without the Fusion API before it looks at the token: 403003', async () => {
    for (const authorization of [`Bearer ${noApiToken}`, undefined]) {
      const reply = await call('/api/v3/scenarios', { headers: { 'x-api-key': NO_API.clientId, authorization } });
      expect(reply.status).toBe(403);
      expect(gatewayBody(reply)).toEqual({ error_code: '403003', message: 'Api Key is invalid' });
    }
  });

  it('can give a client the Fusion API, or take it away', async () => {
    fusion.setFusionApi(NO_API.clientId, true);
    const headers = { 'x-api-key': NO_API.clientId, authorization: `Bearer ${noApiToken}` };
    expect((await call('/api/v3/connections', { headers })).status).toBe(200);
    fusion.setFusionApi(CLIENT.clientId, false);
    expect(gatewayBody(await call('/api/v3/connections'))).toEqual({
      error_code: '403003',
      message: 'Api Key is invalid',
    });
    fusion.setFusionApi(CLIENT.clientId, true);
    fusion.setFusionApi(NO_API.clientId, false);
    expect((await call('/api/v3/connections')).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined],
    ['no Bearer scheme', 'TOKEN'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an unknown token', 'Bearer eyJunknown.token.value'],
    ['an empty Bearer', 'Bearer '],
  ])('refuses %s: 401013, even with the other headers missing', async (_case, authorization) => {
    const reply = await call('/api/v3/scenarios', {
      headers: { authorization: authorization === 'TOKEN' ? token : authorization, 'x-gw-region': undefined },
    });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"error_code":"401013","message":"Oauth token is not valid"}');
  });

  it('refuses a token that has expired, or that IMS revoked: 401013', async () => {
    fusion.accept('short-lived-token', CLIENT.clientId, Date.now() - 1);
    const expired = await call('/api/v3/scenarios', { headers: { authorization: 'Bearer short-lived-token' } });
    expect(gatewayBody(expired)).toEqual({ error_code: '401013', message: 'Oauth token is not valid' });
    fusion.accept('live-token', CLIENT.clientId, new Date(Date.now() + 60_000));
    expect((await call('/api/v3/scenarios', { headers: { authorization: 'Bearer live-token' } })).status).toBe(200);

    const revocable = await mint(CLIENT);
    const headers = { authorization: `Bearer ${revocable}` };
    expect((await call('/api/v3/scenarios', { headers })).status).toBe(200);
    ims.revoked.push(revocable);
    expect((await call('/api/v3/scenarios', { headers })).status).toBe(401);
  });

  it('expires tokens by its own clock when given one', async () => {
    let now = Date.now();
    const clocked = await FusionEmulator.start({ now: () => now });
    try {
      clocked.accept('clocked-token', CLIENT.clientId, now + 1000);
      const headers = {
        authorization: 'Bearer clocked-token',
        'x-organization-id': clocked.orgId,
        'x-gw-region': clocked.region,
      };
      expect((await call('/api/v3/connections', { base: clocked.url, headers })).status).toBe(200);
      now += 1000;
      expect((await call('/api/v3/connections', { base: clocked.url, headers })).status).toBe(401);
    } finally {
      await clocked.close();
    }
  });

  it('refuses a token of another client than x-api-key: 403003', async () => {
    const reply = await call('/api/v3/scenarios', { headers: { authorization: `Bearer ${otherToken}` } });
    expect(reply.status).toBe(403);
    expect(gatewayBody(reply)).toEqual({ error_code: '403003', message: 'Api Key is invalid' });
    const own = await call('/api/v3/scenarios', {
      headers: { authorization: `Bearer ${otherToken}`, 'x-api-key': OTHER.clientId },
    });
    expect(own.status).toBe(200);
  });

  it.each(['x-organization-id', 'x-gw-region'])('wants %s last: 400003 Missing header', async (name) => {
    for (const value of [undefined, '']) {
      const reply = await call('/api/v3/scenarios', { headers: { [name]: value } });
      expect(reply.status).toBe(400);
      expect(reply.text).toBe('{"error_code":"400003","message":"Missing header"}');
    }
  });

  it('refuses an organization ID that is not a number, another organization, another region', async () => {
    const notNumber = expectProblem(
      await call('/api/v3/scenarios', { headers: { 'x-organization-id': 'my-org' } }),
      400,
      'Validation failed',
    );
    expect(notNumber.report.errors).toEqual(['x-organization-id must be a number']);
    expectProblem(await call('/api/v3/scenarios', { headers: { 'x-organization-id': '99999' } }), 403, 'Access denied');
    expectProblem(await call('/api/v3/scenarios', { headers: { 'x-gw-region': 'na1' } }), 403, 'Access denied');
  });

  it('serves over HTTPS with a certificate of the test CA, which a client must trust', async () => {
    const secure = await FusionEmulator.start({ tls: CERTIFICATE, tokens: tokensOf(ims) });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const reply = await call('/api/v3/scenarios?limit=3&orderby=%2Bid', { base: secure.url, ca: CA.caPem });
      expect(reply.status).toBe(200);
      expect(parsed<Page>(reply).items.map((item) => item['id'])).toEqual([4001, 4002, 4003]);
      await expect(call('/api/v3/scenarios', { base: secure.url })).rejects.toThrow(/certificate/i);
    } finally {
      await secure.close();
    }
  });

  it('gives what the action needs to point at it', () => {
    expect(fusion.inputs()).toEqual({ 'fusion-url': fusion.url, 'fusion-org-id': '2245', 'fusion-region': 'or2' });
    expect(fusion.urlFor('fusion.test.example')).toBe(`http://fusion.test.example:${fusion.port}`);
    expect(fusion.teamIds).toEqual([88, 304]);
    expect(fusion.teamIds).not.toContain(fusion.teamWithoutAccess);
  });
});

describe('lists', () => {
  const ids = (items: readonly Record<string, unknown>[]): unknown[] => items.map((item) => item['id']);

  it('pages through every scenario with limit and the _page.next cursor, in order, each once', async () => {
    const all = fusion.data.scenarios.map((scenario) => scenario.id).sort((a, b) => a - b);
    expect(all.length).toBeGreaterThan(200);
    for (const limit of [37, 200]) {
      const { items, pages } = await listAll('/api/v3/scenarios', `orderby=%2Bid&limit=${limit}`);
      expect(ids(items)).toEqual(all);
      expect(pages).toHaveLength(Math.ceil(all.length / limit));
      expect(pages.map((page) => page._page.count)).toEqual(pages.map((page) => page.items.length));
      expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true);
      expect(pages.at(-1)?._page).not.toHaveProperty('next');
      expect(pages.at(-1)?._links).not.toHaveProperty('next');
      expect(new Set(pages.map((page) => page._page.next)).size).toBe(pages.length);
      expect(items[0]).not.toHaveProperty('blueprint');
    }
  });

  it('breaks ties of the order by ID, across pages and descending', async () => {
    const { items } = await listAll('/api/v3/scenarios', 'orderby=-lastEdit&limit=7');
    const expected = [...fusion.data.scenarios]
      .sort((a, b) => b.lastEdit.localeCompare(a.lastEdit) || b.id - a.id)
      .map((scenario) => scenario.id);
    expect(new Set(fusion.data.scenarios.map((scenario) => scenario.lastEdit)).size).toBeLessThan(expected.length);
    expect(ids(items)).toEqual(expected);
  });

  it('orders by name, a string', async () => {
    const { items } = await listAll('/api/v3/scenarios', 'orderby=%2Bname&limit=200');
    const names = items.map((item) => String(item['name']));
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('answers _page and _links as the document shows them', async () => {
    const reply = await call('/api/v3/scenarios?orderby=%2Bid&limit=5&property=teamId%3D%3D88');
    const page = parsed<Page>(reply);
    expect(page._page).toEqual({
      orderby: '+id',
      start: expect.any(String),
      next: expect.any(String),
      property: ['teamId==88'],
      count: 5,
    });
    expect(page._links.page).toBe('/v3/scenarios{?orderby,start,limit,property}');
    // Without /api, and with `+` and `=` raw: the link is not a URL to send as is.
    expect(page._links.next).toBe(`/v3/scenarios?orderby=+id&start=${page._page.next}&limit=5&property=teamId==88`);
    const literal = await call(`/api${page._links.next}`);
    expectProblem(literal, 400, 'Validation failed');
  });

  it('can end the last page with next null or empty', async () => {
    for (const [lastPage, next] of [
      ['null', null],
      ['empty', ''],
    ] as const) {
      const emulator = await FusionEmulator.start({ tokens: tokensOf(ims), lastPage });
      try {
        const reply = await call('/api/v3/folders?teamId=88', { base: emulator.url });
        expect(parsed<Page>(reply)._page.next).toBe(next);
      } finally {
        await emulator.close();
      }
    }
  });

  it('keeps limit within 1 to 200, 50 by default', async () => {
    expect(parsed<Page>(await call('/api/v3/scenarios')).items).toHaveLength(50);
    expect(parsed<Page>(await call('/api/v3/scenarios?limit=1&orderby=%2Bid')).items).toHaveLength(1);
    expect(parsed<Page>(await call('/api/v3/scenarios?limit=200&orderby=%2Bid')).items).toHaveLength(200);
    for (const [limit, error] of [
      ['0', 'limit must not be less than 1'],
      ['-3', 'limit must not be less than 1'],
      ['201', 'limit must not be greater than 200'],
      ['500', 'limit must not be greater than 200'],
      ['ten', 'limit must be an integer number'],
      ['2.5', 'limit must be an integer number'],
    ]) {
      const problem = expectProblem(await call(`/api/v3/scenarios?orderby=%2Bid&limit=${limit}`), 400);
      expect(problem.report.errors).toEqual([error]);
    }
  });

  it('wants orderby with limit or start', async () => {
    const first = parsed<Page>(await call('/api/v3/scenarios?orderby=%2Bid&limit=2'));
    for (const query of ['limit=10', `start=${encodeURIComponent(first._page.next as string)}`]) {
      expectProblem(await call(`/api/v3/scenarios?${query}`), 400, 'Paging parameters require orderby to be specified');
    }
    const without = parsed<Page>(await call('/api/v3/scenarios'));
    expect(without._page.orderby).toBe('+id');
  });

  it('decodes a bare + as a space, and records the raw query', async () => {
    const bare = expectProblem(await call('/api/v3/scenarios?orderby=+id&limit=5'), 400, 'Validation failed');
    expect(bare.report.errors?.[0]).toContain('" id"');
    expect((await call('/api/v3/scenarios?orderby=%2Bid&limit=5')).status).toBe(200);
    expect(fusion.requests.map((request) => request.rawQuery)).toEqual([
      'orderby=+id&limit=5',
      'orderby=%2Bid&limit=5',
    ]);
    expect(fusion.requests.map((request) => request.query)).toEqual([
      [
        ['orderby', ' id'],
        ['limit', '5'],
      ],
      [
        ['orderby', '+id'],
        ['limit', '5'],
      ],
    ]);
    // fetch keeps a + in a query as is, as curl does: the emulator sees what they send.
    const fetched = await fetch(`${fusion.url}/api/v3/scenarios?orderby=+id&limit=5`, { headers: fourHeaders() });
    expect(fetched.status).toBe(400);
  });

  it('refuses an orderby it does not allow, a malformed query, a limit given twice', async () => {
    expectProblem(await call('/api/v3/scenarios?orderby=%2BteamId'), 400, 'Validation failed');
    expectProblem(await call('/api/v3/scenarios?orderby=id'), 400, 'Validation failed');
    expectProblem(await call('/api/v3/scenarios?orderby=%ZZ'), 400, 'Bad request');
    const twice = expectProblem(await call('/api/v3/scenarios?orderby=%2Bid&limit=5&limit=6'), 400);
    expect(twice.report.errors).toEqual(['limit must be given once, got 2 values']);
  });

  it('refuses a cursor sent unencoded, a cursor of another orderby, and one it did not make', async () => {
    const next = parsed<Page>(await call('/api/v3/scenarios?orderby=%2Bid&limit=3'))._page.next as string;
    expect(next.startsWith('+id~')).toBe(true);
    expectProblem(await call(`/api/v3/scenarios?orderby=%2Bid&limit=3&start=${next}`), 400, 'Validation failed');
    const other = expectProblem(
      await call(`/api/v3/scenarios?orderby=-id&limit=3&start=${encodeURIComponent(next)}`),
      400,
    );
    expect(other.report.errors).toEqual(['start is a cursor for orderby +id, not for -id']);
    expectProblem(await call('/api/v3/scenarios?orderby=%2Bid&limit=3&start=4004'), 400, 'Validation failed');
    const resumed = parsed<Page>(
      await call(`/api/v3/scenarios?orderby=%2Bid&limit=3&start=${encodeURIComponent(next)}`),
    );
    expect(ids(resumed.items)).toEqual([4004, 4005, 4006]);
  });

  it.each(['hooks', 'data-stores', 'folders'])('wants teamId for %s', async (resource) => {
    expectProblem(await call(`/api/v3/${resource}`), 400, '"teamId" has to be set.');
    expectProblem(await call(`/api/v3/${resource}?limit=1&orderby=%2Bid`), 400, '"teamId" has to be set.');
    const notNumber = expectProblem(await call(`/api/v3/${resource}?teamId=marketing`), 400, 'Validation failed');
    expect(notNumber.report.errors).toEqual(['teamId must be a number conforming to the specified constraints']);
    expectProblem(await call(`/api/v3/${resource}?teamId=${fusion.teamWithoutAccess}`), 403, 'Access denied');
    for (const teamId of fusion.teamIds) {
      const page = parsed<Page>(await call(`/api/v3/${resource}?teamId=${teamId}`));
      expect(page.items.length).toBeGreaterThan(0);
      expect(page._links.page.startsWith(`/v3/${resource}{?teamId,`)).toBe(true);
    }
  });

  it('lists each team’s own hooks, data stores and folders', async () => {
    const hooks = parsed<Page>(await call('/api/v3/hooks?teamId=304')).items;
    expect(ids(hooks)).toEqual(fusion.data.hooks.filter((hook) => hook.teamId === 304).map((hook) => hook.id));
    expect(hooks[0]).not.toHaveProperty('data');
    const stores = parsed<Page>(await call('/api/v3/data-stores?teamId=88')).items;
    expect(ids(stores)).toEqual(fusion.data.dataStores.filter((store) => store.teamId === 88).map((store) => store.id));
    const folders = parsed<Page>(await call('/api/v3/folders?teamId=88')).items;
    const expected = fusion.data.folders
      .filter((folder) => folder.teamId === 88)
      .map((folder) => ({
        id: folder.id,
        name: folder.name,
        scenariosTotal: fusion.data.scenarios.filter((scenario) => scenario.folderId === folder.id).length,
      }));
    expect(folders).toEqual(expected);
  });

  describe('property filters', () => {
    const scenarios = (): Scenario[] => fusion.data.scenarios;
    const filtered = async (...properties: string[]): Promise<unknown[]> => {
      const query = properties.map((property) => `property=${encodeURIComponent(property)}`).join('&');
      const { items } = await listAll('/api/v3/scenarios', `orderby=%2Bid&limit=200&${query}`);
      return ids(items);
    };
    const idsOf = (keep: (scenario: Scenario) => boolean): number[] =>
      scenarios()
        .filter(keep)
        .map((s) => s.id);

    it('filters scenarios by team, and ANDs repeated filters', async () => {
      const team304 = await filtered('teamId==304');
      expect(team304).toEqual(idsOf((s) => s.teamId === 304));
      expect(team304.length).toBeGreaterThan(10);
      expect(await filtered('teamId==88', 'isActive==true')).toEqual(idsOf((s) => s.teamId === 88 && s.isActive));
    });

    it.each([
      ['id!=4001', (s: Scenario) => s.id !== 4001],
      ['id>4200', (s: Scenario) => s.id > 4200],
      ['id>=4200', (s: Scenario) => s.id >= 4200],
      ['id<4010', (s: Scenario) => s.id < 4010],
      ['id<=4010', (s: Scenario) => s.id <= 4010],
      ['name~^sync', (s: Scenario) => /^sync/i.test(s.name)],
      ['lastEdit>=2026-03-05T00:00:00.000Z', (s: Scenario) => s.lastEdit >= '2026-03-05T00:00:00.000Z'],
      ['hookId', (s: Scenario) => s.hookId !== undefined],
      ['!hookId', (s: Scenario) => s.hookId === undefined],
      ['folderId==null', (s: Scenario) => s.folderId === undefined],
      ['folderId!=null', (s: Scenario) => s.folderId !== undefined],
      ['folderId!=501', (s: Scenario) => s.folderId !== 501],
      ['isPaused==true', (s: Scenario) => s.isPaused],
    ])('applies %s', async (property, keep) => {
      const expected = idsOf(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(scenarios().length);
      expect(await filtered(property)).toEqual(expected);
    });

    it('refuses a field it does not allow, a value of the wrong kind, a bad expression', async () => {
      for (const property of ['usedPackages==slack', 'teamId==marketing', 'isActive==yes', 'name~(', '==88']) {
        expectProblem(
          await call(`/api/v3/scenarios?property=${encodeURIComponent(property)}`),
          400,
          'Validation failed',
        );
      }
    });

    it('filters hooks by the fields the document names for them', async () => {
      const free = parsed<Page>(await call('/api/v3/hooks?teamId=88&property=!scenarioId')).items;
      expect(ids(free)).toEqual(
        fusion.data.hooks.filter((hook) => hook.teamId === 88 && hook.scenarioId === undefined).map((hook) => hook.id),
      );
      const mail = parsed<Page>(await call('/api/v3/hooks?teamId=88&property=type%3D%3Dgateway-mailhook')).items;
      expect(mail.map((hook) => hook['typeName'])).toEqual(['gateway-mailhook']);
      const bound = parsed<Page>(await call('/api/v3/hooks?teamId=88&property=automationType%3D%3Dscenario')).items;
      expect(bound.every((hook) => hook['scenarioId'] !== undefined)).toBe(true);
      expect(bound.length).toBeGreaterThan(0);
    });
  });
});

describe('scenarios', () => {
  const exportIds = (scenarioIds: unknown, headers?: Record<string, string>): Promise<Reply> =>
    call('/api/v3/scenarios/export', { body: JSON.stringify({ scenarioIds }), headers });

  it('gets one scenario with its blueprint, and its dependencies', async () => {
    const reply = parsed<Scenario>(await call('/api/v3/scenarios/4005'));
    expect(reply).toEqual(fusion.data.scenarios.find((scenario) => scenario.id === 4005));
    expect(reply.blueprint.flow.length).toBeGreaterThan(0);
    const dependencies = parsed<{ items: { id: number; kind: string; name: string }[] }>(
      await call('/api/v3/scenarios/4001/dependencies'),
    ).items;
    expect(dependencies.map((item) => item.kind)).toContain('hook');
    expect(dependencies.map((item) => item.kind)).toContain('connection');
    const withStore = parsed<{ items: { kind: string }[] }>(await call('/api/v3/scenarios/4010/dependencies')).items;
    expect(withStore.map((item) => item.kind)).toEqual(expect.arrayContaining(['dataStore', 'dataStructure']));
  });

  it('answers 404 for an unknown scenario, 400 for an ID that is not a number', async () => {
    expectProblem(await call('/api/v3/scenarios/999999'), 404, 'Resource not found');
    expectProblem(await call('/api/v3/scenarios/999999/dependencies'), 404);
    expectProblem(await call('/api/v3/scenarios/abc'), 400, 'scenarioId must be a number string');
  });

  it('exports blueprints as NDJSON, one line per scenario', async () => {
    const wanted = [4004, 4001, 4002];
    const reply = await exportIds(wanted);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(NDJSON_TYPE);
    expect(reply.text.endsWith('\n')).toBe(true);
    const lines = reply.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line['scenarioId'])).toEqual(wanted);
    for (const line of lines) {
      const scenario = fusion.data.scenarios.find((candidate) => candidate.id === line['scenarioId']) as Scenario;
      expect(line).toEqual({
        scenarioId: scenario.id,
        name: scenario.name,
        teamId: scenario.teamId,
        folderId: scenario.folderId ?? null,
        blueprint: scenario.blueprint,
      });
    }
    expect(lines.some((line) => line['folderId'] === null)).toBe(true);
  });

  it('exports at most 100 scenarios a request', async () => {
    const all = fusion.data.scenarios.map((scenario) => scenario.id);
    const hundred = await exportIds(all.slice(0, 100));
    expect(hundred.status).toBe(200);
    expect(hundred.text.trimEnd().split('\n')).toHaveLength(100);
    const tooMany = expectProblem(await exportIds(all.slice(0, 101)), 400, 'Validation failed');
    expect(tooMany.report.errors).toEqual(['scenarioIds must contain no more than 100 elements']);
  });

  it('refuses an export of nothing, of unknown IDs, of what is not JSON', async () => {
    expectProblem(await exportIds([]), 400, 'At least one scenarioId must be provided.');
    expectProblem(
      await call('/api/v3/scenarios/export', { body: '{}' }),
      400,
      'At least one scenarioId must be provided.',
    );
    expectProblem(await exportIds(['4001']), 400, 'Validation failed');
    expectProblem(await exportIds([4001, 999998, 999999]), 404, 'Scenario(s) not found: 999998, 999999.');
    expectProblem(await call('/api/v3/scenarios/export', { body: '{"scenarioIds": [4001' }), 400, 'Bad request');
    const text = await call('/api/v3/scenarios/export', {
      body: JSON.stringify({ scenarioIds: [4001] }),
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(text, 400, 'Validation failed');
  });

  it('clones a scenario in its own team: 201, its ID, a Location, and it is listed', async () => {
    const reply = await call('/api/v3/scenarios/4002/clone', {
      body: JSON.stringify({ teamId: 88, name: 'Copy of 4002', replacements: [] }),
    });
    expect(reply.status).toBe(201);
    const { id } = parsed<{ id: number }>(reply);
    expect(reply.headers['location']).toBe(`/api/v3/scenarios/${id}`);
    const clone = parsed<Scenario>(await call(`/api/v3/scenarios/${id}`));
    expect(clone).toMatchObject({ id, name: 'Copy of 4002', teamId: 88, isActive: false });
    const source = fusion.data.scenarios.find((scenario) => scenario.id === 4002) as Scenario;
    expect(clone.blueprint.flow).toEqual(source.blueprint.flow);
    const newest = parsed<Page>(await call('/api/v3/scenarios?orderby=-id&limit=1')).items;
    expect(newest[0]?.['id']).toBe(id);
  });

  it('clones across teams only with the replacements the document asks for', async () => {
    const source = fusion.data.scenarios.find((scenario) => scenario.id === 4002) as Scenario;
    const connections = source.blueprint.flow.flatMap((step) =>
      step.parameters['connection'] === undefined ? [] : [step.parameters['connection']],
    );
    const bare = await call('/api/v3/scenarios/4002/clone', {
      body: JSON.stringify({ teamId: 304, replacements: [] }),
    });
    expectProblem(bare, 400, /^Connection \d+ must be replaced by a connection of team 304$/);
    const replacements = connections.map((sourceId) => ({ kind: 'connection', sourceId, targetId: 16496 }));
    const replaced = await call('/api/v3/scenarios/4002/clone', {
      body: JSON.stringify({ teamId: 304, replacements }),
    });
    expect(replaced.status).toBe(201);
    const clone = parsed<Scenario>(await call(`/api/v3/scenarios/${parsed<{ id: number }>(replaced).id}`));
    expect(clone.teamId).toBe(304);
    expect(clone.blueprint.flow.flatMap((step) => step.parameters['connection'] ?? [])).toEqual(
      connections.map(() => 16496),
    );
  });

  it('clones a hook-driven scenario only onto a free hook', async () => {
    const body = (replacements: unknown[]): string => JSON.stringify({ teamId: 88, replacements });
    expectProblem(
      await call('/api/v3/scenarios/4001/clone', { body: body([]) }),
      400,
      'Correct hook should be provided',
    );
    const used = fusion.data.hooks.find(
      (hook) => hook.teamId === 88 && hook.scenarioId !== undefined && hook.id !== 15473,
    );
    const free = fusion.data.hooks.find((hook) => hook.teamId === 88 && hook.scenarioId === undefined);
    const onUsed = body([{ kind: 'hook', sourceId: 15473, targetId: used?.id }]);
    expectProblem(await call('/api/v3/scenarios/4001/clone', { body: onUsed }), 400, 'Correct hook should be provided');
    const onFree = await call('/api/v3/scenarios/4001/clone', {
      body: body([{ kind: 'hook', sourceId: 15473, targetId: free?.id }]),
    });
    expect(onFree.status).toBe(201);
    expect(free?.scenarioId).toBe(parsed<{ id: number }>(onFree).id);
  });

  it('refuses a clone without replacements, for a team without access, or of an unknown scenario', async () => {
    expectProblem(await call('/api/v3/scenarios/4002/clone', { body: JSON.stringify({ teamId: 88 }) }), 400);
    const denied = JSON.stringify({ teamId: fusion.teamWithoutAccess, replacements: [] });
    expectProblem(await call('/api/v3/scenarios/4002/clone', { body: denied }), 403);
    expectProblem(await call('/api/v3/scenarios/999999/clone', { body: denied }), 404);
  });
});

describe('folders', () => {
  it('creates (201), lists, renames and deletes (204) a folder', async () => {
    const created = await call('/api/v3/folders', { body: JSON.stringify({ teamId: 304, name: 'Housekeeping' }) });
    expect(created.status).toBe(201);
    const { id } = parsed<{ id: number }>(created);
    const listed = parsed<Page>(await call('/api/v3/folders?teamId=304')).items;
    expect(listed).toContainEqual({ id, name: 'Housekeeping', scenariosTotal: 0 });
    expect(parsed<Page>(await call('/api/v3/folders?teamId=88')).items.map((f) => f['id'])).not.toContain(id);

    const renamed = await call(`/api/v3/folders/${id}`, { method: 'PATCH', body: JSON.stringify({ name: 'Cleanup' }) });
    expect(renamed.status).toBe(200);
    expect(parsed(renamed)).toEqual({ id, name: 'Cleanup', scenariosTotal: 0 });
    expect(parsed<Page>(await call('/api/v3/folders?teamId=304')).items).toContainEqual({
      id,
      name: 'Cleanup',
      scenariosTotal: 0,
    });

    const deleted = await call(`/api/v3/folders/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.body.length).toBe(0);
    expect(parsed<Page>(await call('/api/v3/folders?teamId=304')).items.map((f) => f['id'])).not.toContain(id);
    expectProblem(await call(`/api/v3/folders/${id}`, { method: 'DELETE' }), 404, 'Resource not found');
    expectProblem(await call(`/api/v3/folders/${id}`, { method: 'PATCH', body: '{"name":"x"}' }), 404);
  });

  it('keeps the scenarios of a deleted folder, in no folder', async () => {
    const inFolder = fusion.data.scenarios.filter((scenario) => scenario.folderId === 501).map((s) => s.id);
    expect(inFolder.length).toBeGreaterThan(0);
    expect((await call('/api/v3/folders/501', { method: 'DELETE' })).status).toBe(204);
    const scenario = parsed<Scenario>(await call(`/api/v3/scenarios/${inFolder[0]}`));
    expect(scenario).not.toHaveProperty('folderId');
  });

  it('refuses a folder without a team or a name, or in a team without access', async () => {
    expectProblem(
      await call('/api/v3/folders', { body: JSON.stringify({ name: 'No team' }) }),
      400,
      'Validation failed',
    );
    expectProblem(await call('/api/v3/folders', { body: JSON.stringify({ teamId: 88, name: ' ' }) }), 400);
    const denied = JSON.stringify({ teamId: fusion.teamWithoutAccess, name: 'Denied' });
    expectProblem(await call('/api/v3/folders', { body: denied }), 403, 'Access denied');
    expectProblem(await call('/api/v3/folders/501', { method: 'PATCH', body: '{}' }), 400, 'Validation failed');
    expectProblem(await call('/api/v3/folders/five', { method: 'DELETE' }), 400, 'folderId must be a number string');
  });
});

describe('connections, hooks, data stores, executions', () => {
  it('lists connections for the organization, gets one, and the scenarios that use it', async () => {
    const { items } = await listAll('/api/v3/connections', 'orderby=%2Bname&limit=2');
    expect(items).toHaveLength(fusion.data.connections.length);
    expect(items[0]).not.toHaveProperty('scopes');
    const one = parsed(await call('/api/v3/connections/10752'));
    expect(one).toEqual(fusion.data.connections.find((connection) => connection.id === 10752));
    const using = await listAll('/api/v3/connections/10752/scenarios', 'orderby=%2Bid&limit=10');
    const expected = fusion.data.scenarios
      .filter((scenario) => scenario.blueprint.flow.some((step) => step.parameters['connection'] === 10752))
      .map((scenario) => ({ id: scenario.id }));
    expect(using.items).toEqual(expected);
    expect(using.pages[0]?._links.next).toMatch(/^\/v3\/connections\/10752\/scenarios\?orderby=\+id&start=/);
    expectProblem(await call('/api/v3/connections/1'), 404);
    expectProblem(await call('/api/v3/connections/1/scenarios'), 404);
  });

  it('gets a hook with its data and a data store, and 404 for unknown ones', async () => {
    const hook = parsed(await call('/api/v3/hooks/15473'));
    expect(hook).toEqual(fusion.data.hooks.find((candidate) => candidate.id === 15473));
    expect(hook).toHaveProperty('data');
    expect(parsed(await call('/api/v3/data-stores/2'))).toEqual(fusion.data.dataStores.find((store) => store.id === 2));
    expectProblem(await call('/api/v3/hooks/1'), 404);
    expectProblem(await call('/api/v3/data-stores/99'), 404);
  });

  it('lists the executions of one scenario, newest first, without check runs unless asked', async () => {
    const records = fusion.data.executions.filter((record) => record.execution.kindId === '4001');
    const { items, pages } = await listAll('/api/v3/logs', 'scenarioId=4001&orderby=-timestamp&limit=50');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]?._links.next).toMatch(/^\/v3\/logs\?scenarioId=4001&orderby=-timestamp&start=/);
    const timestamps = items.map((item) => String(item['timestamp']));
    expect(timestamps).toEqual([...timestamps].sort().reverse());
    expect(items).toHaveLength(records.filter((record) => !record.checkRun).length);
    const all = await listAll('/api/v3/logs', 'scenarioId=4001&showCheckRuns=true&orderby=-timestamp&limit=200');
    expect(all.items).toHaveLength(records.length);
    const failed = parsed<Page>(await call('/api/v3/logs?scenarioId=4001&property=status%3D%3D3')).items;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((item) => item['status'] === 3)).toBe(true);
  });

  it('wants exactly one of scenarioId and dlqId, and gets one execution', async () => {
    const title = 'Bad Request: exactly one of scenarioId or dlqId is required';
    expectProblem(await call('/api/v3/logs'), 400, title);
    expectProblem(await call(`/api/v3/logs?scenarioId=4001&dlqId=${fusion.data.dlqIds[0]}`), 400, title);
    const dlq = parsed<Page>(await call(`/api/v3/logs?dlqId=${fusion.data.dlqIds[0]}`)).items;
    expect(dlq.length).toBeGreaterThan(0);
    expect(dlq.every((item) => item['kind'] === 'dlq')).toBe(true);
    const execution = fusion.data.executions[3]?.execution;
    const one = await call(`/api/v3/logs/${execution?.id}?scenarioId=${execution?.kindId}`);
    expect(parsed(one)).toEqual(execution);
    expectProblem(await call(`/api/v3/logs/${execution?.id}`), 400, title);
    expectProblem(await call(`/api/v3/logs/${execution?.id}?scenarioId=4100`), 404);
    expectProblem(await call('/api/v3/logs?scenarioId=999999'), 404);
    expectProblem(await call('/api/v3/logs?scenarioId=4001&showCheckRuns=maybe'), 400);
  });
});

describe('activity logs and operations', () => {
  it('pages activity logs newest first, and refuses a technical account that is not an admin', async () => {
    const { items } = await listAll('/api/v3/activity-logs', 'orderby=-timestamp&limit=40');
    expect(items).toHaveLength(fusion.data.activityLogs.length);
    expect(new Set(items.map((item) => item['messageId'])).size).toBe(items.length);
    const teamOnly = parsed<Page>(await call('/api/v3/activity-logs?property=teamId%3D%3D304')).items;
    expect(teamOnly.length).toBeGreaterThan(0);
    expect(teamOnly.every((item) => item['teamId'] === 304)).toBe(true);
    fusion.setAdmin(false);
    expectProblem(await call('/api/v3/activity-logs'), 403, 'Access denied');
  });

  it('exports activity logs as CSV by default, as XLSX when asked, and 406 otherwise', async () => {
    const csv = await call('/api/v3/activity-logs/export?orderby=-timestamp&limit=5');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('timestamp,messageId,userId,userName,teamId,teamName,orgId,entity,entityId,action,message');
    expect(rows).toHaveLength(6);
    expect(csv.text).toContain(fusion.data.activityLogs[0]?.messageId);
    const xlsx = await call('/api/v3/activity-logs/export', { headers: { accept: XLSX_TYPE } });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX_TYPE);
    expect(xlsx.body.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(xlsx.body.includes(Buffer.from(fusion.data.activityLogs[0]?.messageId as string))).toBe(true);
    const refused = await call('/api/v3/activity-logs/export', { headers: { accept: 'application/pdf' } });
    expectProblem(refused, 406, `Supported formats: text/csv, ${XLSX_TYPE}`);
  });

  it('counts operations per day or month, grouped and filtered', async () => {
    const range = 'from=2026-01-01T00:00:00.000Z&to=2026-01-08T00:00:00.000Z';
    const daily = parsed<{ items: { timestamp: string; operations: number }[]; timeUnit: string; orderby: string }>(
      await call(`/api/v3/operations?${range}`),
    );
    expect(daily.timeUnit).toBe('day');
    expect(daily.orderby).toBe('+timestamp');
    expect(daily.items.map((item) => item.timestamp)).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => `2026-01-0${d}`));
    const byTeam = parsed<{ items: { teams: { id: number; operations: number }[]; operations: number }[] }>(
      await call(`/api/v3/operations?${range}&groupby=team&orderby=-timestamp`),
    );
    for (const item of byTeam.items) {
      expect(item.teams.map((team) => team.id).sort()).toEqual([304, 88]);
      expect(item.teams.reduce((sum, team) => sum + team.operations, 0)).toBe(item.operations);
    }
    const team88 = parsed<{ items: { operations: number }[] }>(await call(`/api/v3/operations?${range}&teamId=88`));
    expect(team88.items[0]?.operations).toBeLessThan(daily.items[0]?.operations as number);
    const monthly = parsed<{ timeUnit: string; items: unknown[] }>(
      await call('/api/v3/operations?from=2025-06-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z'),
    );
    expect(monthly.timeUnit).toBe('month');
    expect(monthly.items).toHaveLength(7);
    const busy = parsed<{ items: { operations: number }[] }>(
      await call(`/api/v3/operations?${range}&property=${encodeURIComponent('operations>=100000')}`),
    );
    expect(busy.items).toEqual([]);
  });

  it('sums operations per scenario, highest first', async () => {
    const range = 'from=2026-01-01T00:00:00.000Z&to=2026-01-31T00:00:00.000Z';
    const summary = parsed<{
      items: { scenarioId: number; teamId: number; operations: number }[];
      totalOperations: number;
      orderby: string;
    }>(await call(`/api/v3/operations/summary?${range}&teamId=304`));
    expect(summary.orderby).toBe('-operations');
    expect(summary.items.length).toBeGreaterThan(0);
    expect(summary.items.every((item) => item.teamId === 304)).toBe(true);
    const counts = summary.items.map((item) => item.operations);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(summary.totalOperations).toBe(counts.reduce((sum, count) => sum + count, 0));
  });

  it('refuses operations without a range, over a year, or with filters out of order', async () => {
    expectProblem(await call('/api/v3/operations'), 400, 'Validation failed');
    expectProblem(await call('/api/v3/operations?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400);
    expectProblem(await call('/api/v3/operations/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'), 400);
    const range = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    expectProblem(await call(`/api/v3/operations?${range}&scenarioId=4001`), 400, 'Validation failed');
    expect((await call(`/api/v3/operations?${range}&teamId=88&scenarioId=4001&package=slack`)).status).toBe(200);
    expectProblem(await call(`/api/v3/operations?${range}&teamId=88&package=slack`), 400, 'Validation failed');
    expectProblem(await call(`/api/v3/operations?${range}&groupby=day`), 400, 'Validation failed');
    expectProblem(await call(`/api/v3/operations?${range}&teamId=x`), 400, 'Validation failed');
  });
});

describe('service errors', () => {
  it('are RFC 7807 with the request-id the client sent, or a fresh one, and the IMS org', async () => {
    const sent = expectProblem(await call('/api/v3/hooks/1', { headers: { 'x-request-id': 'req-123' } }), 404);
    expect(sent).toEqual({
      type: 'ResourceNotFound',
      status: 404,
      title: 'Resource not found',
      report: { 'request-id': 'req-123', 'x-gw-ims-org-id': fusion.imsOrgId },
    });
    const fresh = expectProblem(await call('/api/v3/hooks/1'), 404);
    expect(fresh.report['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fusion.requests.at(-1)?.requestId).toBe(fresh.report['request-id']);
    const forwarded = expectProblem(
      await call('/api/v3/hooks/1', { headers: { 'x-gw-ims-org-id': 'ABC@AdobeOrg' } }),
      404,
    );
    expect(forwarded.report['x-gw-ims-org-id']).toBe('ABC@AdobeOrg');
  });

  it('answer 404 for a path or method the API does not have', async () => {
    expectProblem(await call('/api/v3/teams'), 404, 'Resource not found');
    expectProblem(await call('/api/v3/scenarios', { method: 'DELETE' }), 404);
    expectProblem(await call('/api/v2/scenarios'), 404);
  });

  it('answer 413 for a body over 16 MiB', async () => {
    const body = JSON.stringify({ scenarioIds: [4001], padding: 'x'.repeat(17 * 1024 * 1024) });
    expectProblem(await call('/api/v3/scenarios/export', { body }), 413);
  });
});

describe('recorded requests', () => {
  it('keep the method, path, raw query, headers, body and time of each request', async () => {
    const before = Date.now();
    await call('/api/v3/folders?teamId=88', { body: JSON.stringify({ teamId: 88, name: 'Recorded' }) });
    await call('/api/v3/scenarios?orderby=%2Bid&property=name~a%20b', { headers: { 'x-request-id': 'rec-1' } });
    const [post, get] = fusion.requests.map(withoutHeaders);
    expect(post).toMatchObject({
      method: 'POST',
      path: '/api/v3/folders',
      rawQuery: 'teamId=88',
      body: '{"teamId":88,"name":"Recorded"}',
      status: 201,
    });
    const headers = fusion.requests[0]?.headers;
    expect(headers?.['x-api-key']).toBe(CLIENT.clientId);
    // Compared, never shown: a failure message must not print the token.
    expect(headers?.['authorization'] === `Bearer ${token}`).toBe(true);
    expect(post?.at).toBeGreaterThanOrEqual(before);
    expect(get).toMatchObject({
      method: 'GET',
      url: '/api/v3/scenarios?orderby=%2Bid&property=name~a%20b',
      rawQuery: 'orderby=%2Bid&property=name~a%20b',
      requestId: 'rec-1',
      body: '',
      status: 200,
    });
    expect(get?.query).toEqual([
      ['orderby', '+id'],
      ['property', 'name~a b'],
    ]);
  });
});

describe('faults', () => {
  it('answers 429 with Retry-After in seconds or as an HTTP date, for the next N requests', async () => {
    const date = new Date(Date.now() + 5000).toUTCString();
    fusion.fault({ kind: 'status', status: 429, retryAfter: '2' }, { times: 2 });
    fusion.fault({ kind: 'status', status: 429, retryAfter: date });
    const replies = [await call('/api/v3/scenarios'), await call('/api/v3/scenarios'), await call('/api/v3/scenarios')];
    expect(replies.map((reply) => reply.headers['retry-after'])).toEqual(['2', '2', date]);
    for (const reply of replies) expectProblem(reply, 429, 'Too many requests');
    expect((await call('/api/v3/scenarios')).status).toBe(200);
    expect(fusion.requests.map((request) => request.fault)).toEqual(['status', 'status', 'status', undefined]);
  });

  it.each([
    [503, 'ServiceUnavailable'],
    [502, 'BadGateway'],
    [504, 'GatewayTimeout'],
  ])('answers %d for the requests of one path only, even without headers', async (status, type) => {
    fusion.fault({ kind: 'status', status }, { path: '/api/v3/connections', times: Infinity });
    expect((await call('/api/v3/scenarios')).status).toBe(200);
    for (let n = 0; n < 3; n++) {
      const reply = await call('/api/v3/connections', { headers: { authorization: undefined } });
      expect(expectProblem(reply, status).type).toBe(type);
    }
  });

  it('matches faults by method and by a path expression', async () => {
    fusion.fault({ kind: 'status', status: 503 }, { path: /^\/api\/v3\/folders/, method: 'delete' });
    expect((await call('/api/v3/folders?teamId=88')).status).toBe(200);
    expect((await call('/api/v3/folders/501', { method: 'DELETE' })).status).toBe(503);
    expect((await call('/api/v3/folders/501', { method: 'DELETE' })).status).toBe(204);
  });

  it('sends a scripted answer', async () => {
    const page = { items: [{ id: 1 }], _page: { next: 'same', count: 1 }, _links: { page: '/v3/scenarios' } };
    fusion.fault({ kind: 'answer', status: 200, body: page }, { times: 2 });
    fusion.fault({ kind: 'answer', status: 500, body: '<html>oops</html>', contentType: 'text/html' });
    expect(parsed(await call('/api/v3/scenarios'))).toEqual(page);
    expect(parsed(await call('/api/v3/scenarios?start=same'))).toEqual(page);
    const html = await call('/api/v3/scenarios');
    expect([html.status, html.headers['content-type'], html.text]).toEqual([500, 'text/html', '<html>oops</html>']);
  });

  it('hangs: reads the request and never answers', async () => {
    fusion.fault({ kind: 'hang' });
    const outcome = await new Promise<string>((resolve) => {
      const request = http.request(`${fusion.url}/api/v3/scenarios`, { headers: fourHeaders(), agent: false });
      request.setTimeout(400, () => {
        request.destroy();
        resolve('timed out');
      });
      request.on('response', () => resolve('answered'));
      request.on('error', () => {});
      request.end();
    });
    expect(outcome).toBe('timed out');
    expect(fusion.requests.length).toBe(1);
    expect(withoutHeaders(fusion.requests[0])).toMatchObject({ fault: 'hang', path: '/api/v3/scenarios' });
    expect(fusion.requests[0]?.status).toBeUndefined();
  });

  it('resets the connection', async () => {
    fusion.fault({ kind: 'reset' });
    await expect(call('/api/v3/scenarios')).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect((await call('/api/v3/scenarios')).status).toBe(200);
  });

  it('resets over TLS too, as a destroyed connection', async () => {
    const secure = await FusionEmulator.start({ tls: CERTIFICATE });
    try {
      secure.fault({ kind: 'reset' });
      await expect(call('/api/v3/scenarios', { base: secure.url, ca: CA.caPem })).rejects.toThrow(
        /ECONNRESET|socket hang up/,
      );
    } finally {
      await secure.close();
    }
  });

  it('streams a 200 MB body of valid JSON with content-length, generated as it goes', async () => {
    const bytes = 200 * 1024 * 1024;
    fusion.fault({ kind: 'huge', bytes });
    const rssBefore = process.memoryUsage().rss;
    const answer = await fetch(`${fusion.url}/api/v3/scenarios`, { headers: fourHeaders() });
    expect(answer.headers.get('content-length')).toBe(String(bytes));
    let received = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    let peakRss = rssBefore;
    // Spent chunks are collected every 16 MiB, as fusion-api does, so that RSS shows what is held,
    // not garbage that V8 has yet to collect on a busy machine.
    const keep = memoryKeeper();
    for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
      if (head.length < 32) head += Buffer.from(chunk).toString('utf8', 0, 32);
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 8)));
      received += chunk.length;
      keep(chunk.length);
      if (received % (16 * 1024 * 1024) < chunk.length) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    expect(received).toBe(bytes);
    expect(head.startsWith('{"items":[],"padding":"xxx')).toBe(true);
    expect(tail.toString('utf8').endsWith('xxx"}')).toBe(true);
    // Neither side held the body: the process grew by far less than 200 MB.
    expect(peakRss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('streams a huge body without content-length (chunked)', async () => {
    const bytes = 8 * 1024 * 1024 + 5;
    fusion.fault({ kind: 'huge', bytes, contentLength: false });
    const reply = await call('/api/v3/scenarios');
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.body.length).toBe(bytes);
    expect(parsed<{ items: unknown[]; padding: string }>(reply).padding).toHaveLength(bytes - 25);
  });

  it('trickles a slow body that keeps moving until it is whole', async () => {
    fusion.fault({ kind: 'slow', bytes: 1200, chunkBytes: 100, everyMs: 60 });
    const started = Date.now();
    const arrivals: number[] = [];
    const body = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${fusion.url}/api/v3/scenarios`, { headers: fourHeaders(), agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => {
            arrivals.push(Date.now());
            chunks.push(chunk);
          });
          response.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    expect(body.length).toBe(1200);
    expect(JSON.parse(body.toString('utf8'))).toHaveProperty('padding');
    expect(arrivals.length).toBeGreaterThanOrEqual(6);
    expect(Date.now() - started).toBeGreaterThanOrEqual(11 * 60 - 30);
  });

  it('pauses mid-body for longer than a given time, then finishes', async () => {
    fusion.fault({ kind: 'stall', bytes: 4000, afterBytes: 1000, pauseMs: 700 });
    const seen: { at: number; total: number }[] = [];
    const body = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${fusion.url}/api/v3/scenarios`, { headers: fourHeaders(), agent: false }, (response) => {
          const chunks: Buffer[] = [];
          let total = 0;
          response.on('data', (chunk: Buffer) => {
            total += chunk.length;
            seen.push({ at: Date.now(), total });
            chunks.push(chunk);
          });
          response.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    expect(body.length).toBe(4000);
    const beforePause = seen.filter((entry) => entry.total <= 1000);
    const afterPause = seen.find((entry) => entry.total > 1000);
    expect(beforePause.at(-1)?.total).toBe(1000);
    expect((afterPause?.at ?? 0) - (beforePause.at(-1)?.at ?? 0)).toBeGreaterThanOrEqual(650);
  });

  it('echoes the request’s Authorization header in an error body', async () => {
    fusion.fault({ kind: 'echo-authorization' });
    fusion.fault({ kind: 'echo-authorization', status: 500 });
    const unauthorized = expectProblem(await call('/api/v3/scenarios'), 401);
    // Compared, never shown: a failure message must not print the token.
    expect(unauthorized.title === `The request was refused; it sent Authorization: Bearer ${token}`).toBe(true);
    expect(
      unauthorized.report.errors?.length === 1 && unauthorized.report.errors[0] === `authorization: Bearer ${token}`,
    ).toBe(true);
    const failed = await call('/api/v3/scenarios');
    expect(failed.status).toBe(500);
    expect(failed.text.includes(`Bearer ${token}`)).toBe(true);
  });

  it('redirects to another host', async () => {
    fusion.fault({ kind: 'redirect', location: 'https://fusion-elsewhere.example/api/v3/scenarios' });
    fusion.fault({ kind: 'redirect', location: 'http://127.0.0.2:9/x', status: 307 });
    const found = await call('/api/v3/scenarios');
    expect(found.status).toBe(302);
    expect(found.headers['location']).toBe('https://fusion-elsewhere.example/api/v3/scenarios');
    const temporary = await call('/api/v3/scenarios');
    expect([temporary.status, temporary.headers['location']]).toEqual([307, 'http://127.0.0.2:9/x']);
  });

  it('refuses a fault it could not carry out when it is scripted', () => {
    expect(() => fusion.fault({ kind: 'huge', bytes: 10 })).toThrow(/at least 25 bytes/);
    expect(() => fusion.fault({ kind: 'slow', bytes: 100, chunkBytes: 0, everyMs: 10 })).toThrow(/chunkBytes/);
    expect(() => fusion.fault({ kind: 'stall', bytes: 100, afterBytes: 100, pauseMs: 10 })).toThrow(/afterBytes/);
  });

  it('forgets faults, requests and changes on reset', async () => {
    await call('/api/v3/folders', { body: JSON.stringify({ teamId: 88, name: 'Gone after reset' }) });
    expect(fusion.data.folders.map((folder) => folder.name)).toContain('Gone after reset');
    fusion.fault({ kind: 'status', status: 503 }, { times: Infinity });
    fusion.setFusionApi(CLIENT.clientId, false);
    fusion.reset();
    expect(fusion.requests.length).toBe(0);
    expect((await call('/api/v3/folders?teamId=88')).status).toBe(200);
    expect(fusion.data.folders.map((folder) => folder.name)).not.toContain('Gone after reset');
  });
});
