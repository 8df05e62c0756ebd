// The fusion-api command in this process (run() with its world passed in),
// against real servers on loopback: what goes on the wire, what comes out,
// retries, timeouts, redirects, pages, and what is refused before anything
// is sent. __tests__/e2e-fusion-api.test.ts runs the bundle the same way a
// later step does.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PROXY_CREDENTIALS_ADVICE } from '../src/failures.js';
import { type CommandIo, USER_AGENT, run } from '../src/fusion-api/main.js';
import { SESSION_ENV, encodeSession } from '../src/fusion-session.js';
import { ConnectProxy } from '../testbed/connect-proxy.js';
import {
  HttpStubServer,
  replyHang,
  replyJson,
  replyReset,
  replyStream,
  replyText,
} from '../testbed/http-stub-server.js';
import { createCertificateAuthority } from '../testbed/tls.js';

const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"client_id":"fusion-client","as":"ims-na1"}').toString('base64url')}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY3ODkw`;

let fusion: HttpStubServer;
let work: string;

beforeAll(async () => {
  fusion = await HttpStubServer.start();
  work = mkdtempSync(path.join(tmpdir(), 'fusion-api-main-'));
});
afterEach(() => fusion.reset());
afterAll(async () => {
  await fusion.close();
  rmSync(work, { recursive: true, force: true });
});

interface SessionOverrides {
  readonly baseUrl?: string;
  readonly orgId?: string;
  readonly region?: string;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly expiresAt?: string;
}

function writeSession(overrides: SessionOverrides = {}): string {
  const file = path.join(mkdtempSync(path.join(work, 'session-')), 'session.json');
  writeFileSync(
    file,
    encodeSession({
      accessToken: TOKEN,
      clientId: 'fusion-client',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      orgId: '1234567',
      region: 'or2',
      baseUrl: fusion.url,
      retries: 3,
      timeoutMs: 5000,
      ...overrides,
    }),
    { mode: 0o600 },
  );
  chmodSync(file, 0o600);
  return file;
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly sleeps: readonly number[];
}

async function command(
  argv: string[],
  options: { session?: string | null; env?: Record<string, string>; stdin?: string; stdout?: Writable } = {},
): Promise<Outcome> {
  const session = options.session === undefined ? writeSession() : options.session;
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  const io: CommandIo = {
    env: { ...(session === null ? {} : { [SESSION_ENV]: session }), ...options.env },
    cwd: work,
    stdin: () => {
      const stream = new PassThrough();
      stream.end(options.stdin ?? '');
      return stream;
    },
    stdout:
      options.stdout ??
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          stdout += chunk.toString('utf8');
          done();
        },
      }),
    stderr: { write: (text: string) => (stderr += text) },
    now: Date.now,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, sleeps };
}

function stderrLines(outcome: Outcome): string[] {
  return outcome.stderr.split('\n').filter((line) => line !== '');
}

describe('a call', () => {
  it('sends the four headers, accept and user-agent, the query encoded as RFC 3986, and prints the body', async () => {
    fusion.enqueue(replyJson(200, { items: [{ id: 1 }] }));
    const outcome = await command([
      '/api/v3/scenarios',
      '-q',
      'orderby=+id',
      '-q',
      'property=teamId==88',
      '-q',
      'property=name~a b',
    ]);
    expect(outcome).toMatchObject({ code: 0, stdout: '{"items":[{"id":1}]}', stderr: '' });
    expect(fusion.requests).toHaveLength(1);
    const [request] = fusion.requests;
    expect(request?.method).toBe('GET');
    expect(request?.target).toBe('/api/v3/scenarios?orderby=%2Bid&property=teamId%3D%3D88&property=name~a%20b');
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-api-key': 'fusion-client',
      'x-organization-id': '1234567',
      'x-gw-region': 'or2',
      accept: 'application/json, */*;q=0.8',
      'user-agent': USER_AGENT,
    });
    expect(request?.headers['content-type']).toBeUndefined();
  });

  it('appends the path to a base URL with a path of its own, and --org-id and --region override the step', async () => {
    fusion.enqueue(replyJson(200, {}));
    const session = writeSession({ baseUrl: `${fusion.url}/gateway/`, orgId: '', region: '' });
    const outcome = await command(['/api/v3/folders', '--org-id', '99', '--region', 'na1', '-q', 'teamId=5'], {
      session,
    });
    expect(outcome.code).toBe(0);
    expect(fusion.requests[0]?.target).toBe('/gateway/api/v3/folders?teamId=5');
    expect(fusion.requests[0]?.headers).toMatchObject({ 'x-organization-id': '99', 'x-gw-region': 'na1' });
  });

  it('sends a -d body as application/json, as a POST', async () => {
    fusion.enqueue(replyJson(201, { id: 7, name: 'Exports' }));
    const outcome = await command(['/api/v3/folders', '-d', '{"teamId":5,"name":"Exports"}']);
    expect(outcome).toMatchObject({ code: 0, stdout: '{"id":7,"name":"Exports"}' });
    expect(fusion.requests[0]).toMatchObject({
      method: 'POST',
      body: '{"teamId":5,"name":"Exports"}',
      headers: { 'content-type': 'application/json', 'content-length': '29' },
    });
  });

  it('sends --input FILE and --input - (standard input) as they are', async () => {
    const file = path.join(work, 'patch.json');
    writeFileSync(file, '{"name":"Renamed"}\n');
    fusion.enqueue(replyJson(200, {}), replyText(200, 'a\nb\n', { 'content-type': 'application/x-ndjson' }));
    expect((await command(['-X', 'PATCH', '/api/v3/folders/7', '--input', 'patch.json'])).code).toBe(0);
    const exported = await command(['/api/v3/scenarios/export', '--input', '-'], { stdin: '{"scenarioIds":[1,2]}' });
    expect(exported).toMatchObject({ code: 0, stdout: 'a\nb\n' });
    expect(fusion.requests.map(({ method, body }) => [method, body])).toEqual([
      ['PATCH', '{"name":"Renamed"}\n'],
      ['POST', '{"scenarioIds":[1,2]}'],
    ]);
  });

  it('prints nothing for a 204', async () => {
    fusion.enqueue(replyText(204, ''));
    expect(await command(['-X', 'DELETE', '/api/v3/folders/7'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(fusion.requests[0]?.method).toBe('DELETE');
  });

  it('writes the body to -o FILE, and leaves no file when the call fails', async () => {
    fusion.enqueue(replyJson(200, { id: 1 }), replyJson(404, { title: 'Not found' }));
    const file = path.join(work, 'out', 'scenario.json');
    rmSync(path.dirname(file), { recursive: true, force: true });
    const written = await command(['/api/v3/scenarios/1', '-o', file]);
    expect(written.code).toBe(1);
    expect(written.stderr).toContain('could not write');
    expect(fusion.requests).toHaveLength(0);

    writeFileSync(path.join(work, 'keep'), '');
    const target = path.join(work, 'scenario.json');
    expect(await command(['/api/v3/scenarios/1', '-o', 'scenario.json'])).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(target, 'utf8')).toBe('{"id":1}');
    rmSync(target);
    expect((await command(['/api/v3/scenarios/2', '-o', 'scenario.json'])).code).toBe(1);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(work).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('fails, never retried, when standard output cannot be written', async () => {
    fusion.enqueue(replyJson(200, { id: 1 }));
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const outcome = await command(['/api/v3/scenarios/1'], { stdout: broken });
    expect(outcome.code).toBe(1);
    expect(stderrLines(outcome)).toEqual([
      'fusion-api: GET /api/v3/scenarios/1 failed: could not write to standard output: write EPIPE.',
    ]);
    expect(fusion.requests).toHaveLength(1);
  });
});

describe('refused before anything is sent', () => {
  it.each([
    [['/api/v3/scenarios', '--verbose'], 'unknown flag "--verbose"'],
    [['https://fusion.adobe.io/api/v3/scenarios'], 'is a full URL'],
    [['-X', 'POST', '/api/v3/scenarios', '--paginate'], '--paginate is for GET requests only'],
    [['/api/v3/folders', '-d', '{name:1}'], '-d is not JSON'],
  ])('%j is a usage error: exit 2, one line', async (argv, problem) => {
    const outcome = await command(argv);
    expect(outcome.code).toBe(2);
    expect(stderrLines(outcome)).toHaveLength(1);
    expect(outcome.stderr).toContain(problem);
    expect(outcome.stderr).toContain('(fusion-api --help shows the usage). Nothing was sent.');
    expect(fusion.requests).toHaveLength(0);
  });

  it('refuses an --input that is not JSON, or cannot be read', async () => {
    writeFileSync(path.join(work, 'bad.json'), 'scenarioIds: [1]');
    const bad = await command(['/api/v3/scenarios/export', '--input', 'bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--input bad.json is not JSON');
    const missing = await command(['/api/v3/scenarios/export', '--input', 'missing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--input: cannot read missing.json');
    const empty = await command(['/api/v3/scenarios/export', '--input', '-'], { stdin: '' });
    expect(empty.stderr).toContain('--input standard input is not JSON: it is empty');
    expect(fusion.requests).toHaveLength(0);
  });

  it('prints the usage for --help, exit 0, without a session', async () => {
    const outcome = await command(['--help'], { session: null });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^usage: fusion-api \[-X METHOD\] PATH/);
  });

  it('says the token step must run with fusion-api: true when there is no session', async () => {
    const unset = await command(['/api/v3/scenarios'], { session: null });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toBe(
      'fusion-api: no Fusion API session (FUSION_API_SESSION is not set): run fusion-token-action with fusion-api: true in an earlier step of this job. Nothing was sent.\n',
    );
    const gone = await command(['/api/v3/scenarios'], { session: path.join(work, 'no-such-session.json') });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('does not exist): run fusion-token-action with fusion-api: true');
    const folder = await command(['/api/v3/scenarios'], { session: work });
    expect(folder.stderr).toContain(`the session file ${work} cannot be read (EISDIR)`);
    expect(fusion.requests).toHaveLength(0);
  });

  it('refuses a session file it cannot read as one, without quoting it', async () => {
    const file = path.join(work, 'forged.json');
    writeFileSync(file, JSON.stringify({ format: 'other', accessToken: TOKEN }));
    const outcome = await command(['/api/v3/scenarios'], { session: file });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('is not of format fusion-api-session-v1');
    expect(outcome.stderr).not.toContain(TOKEN.slice(0, 12));
  });

  it('refuses an expired token, and a call without an organization ID', async () => {
    const expired = await command(['/api/v3/scenarios'], {
      session: writeSession({ expiresAt: new Date(Date.now() - 120_000).toISOString() }),
    });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toMatch(/the token expired at .* \(2 min ago\).*min-remaining-minutes/);
    const noOrg = await command(['/api/v3/scenarios'], { session: writeSession({ orgId: '' }) });
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toContain('set the fusion-org-id input of the token step, or pass --org-id ID');
    expect(fusion.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  it('words a gateway error, with its request-id, and the body after it', async () => {
    fusion.enqueue(replyJson(403, { error_code: '403003', message: 'Api Key is invalid' }, { 'x-request-id': 'gw-1' }));
    const outcome = await command(['/api/v3/scenarios']);
    expect(outcome.code).toBe(1);
    expect(stderrLines(outcome)).toEqual([
      'fusion-api: GET /api/v3/scenarios failed with HTTP 403: 403003 Api Key is invalid (request-id: gw-1). ' +
        'x-api-key is not a client with the Workfront Fusion API: add the API to the Developer Console project, or check client-id.',
      `fusion-api: the answer's body (redacted, cut): {"error_code":"403003","message":"Api Key is invalid"}`,
    ]);
    expect(outcome.stdout).toBe('');
  });

  it('shows no piece of the token when an error answer echoes the Authorization header', async () => {
    fusion.enqueue((request, response) => {
      response.writeHead(401, { 'content-type': 'application/problem+json' });
      response.end(
        JSON.stringify({
          type: 'Unauthorized',
          status: 401,
          title: `Bad token ${request.headers.authorization}`,
          report: { 'request-id': 'r-7', headers: request.headers },
        }),
      );
    });
    const outcome = await command(['/api/v3/scenarios']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(
      'failed with HTTP 401: Bad token Bearer *** (request-id: r-7). The token is not valid',
    );
    for (let start = 0; start + 6 <= TOKEN.length; start++)
      expect(outcome.stderr).not.toContain(TOKEN.slice(start, start + 6));
  });

  it('shows no piece of the token in a retry line whose Retry-After echoes it', async () => {
    fusion.enqueue(
      (request, response) => {
        response.writeHead(429, { 'retry-after': String(request.headers.authorization), 'content-type': 'text/plain' });
        response.end();
      },
      replyJson(200, { ok: true }),
    );
    const outcome = await command(['/api/v3/scenarios']);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toContain('HTTP 429 (Retry-After: "Bearer ***")');
    for (let start = 0; start + 6 <= TOKEN.length; start++)
      expect(outcome.stderr).not.toContain(TOKEN.slice(start, start + 6));
  });

  it('retries a 429 after its Retry-After, for a POST too', async () => {
    fusion.enqueue(replyJson(429, { message: 'slow down' }, { 'retry-after': '2' }), replyJson(201, { id: 1 }));
    const outcome = await command(['/api/v3/folders', '-d', '{"teamId":1,"name":"x"}']);
    expect(outcome.code).toBe(0);
    expect(fusion.requests).toHaveLength(2);
    // Retry-After is the floor; the jitter (random 0.5) adds half the longer of it and the backoff window.
    expect(outcome.sleeps).toEqual([3000]);
    expect(stderrLines(outcome)).toEqual([
      'fusion-api: POST /api/v3/folders: HTTP 429 (Retry-After: "2") (attempt 1 of 4); trying again in 3.0 s',
    ]);
  });

  it('retries a 503 for a GET until the retries are spent, and never for a POST', async () => {
    fusion.otherwise(replyJson(503, { message: 'unavailable' }));
    const get = await command(['/api/v3/scenarios', '--retries', '2']);
    expect(get.code).toBe(1);
    expect(fusion.requests).toHaveLength(3);
    expect(stderrLines(get).filter((line) => line.includes('trying again'))).toHaveLength(2);
    expect(get.stderr).toContain('failed with HTTP 503: unavailable, after 3 attempts.');
    fusion.requests.length = 0;
    const post = await command(['/api/v3/scenarios/export', '-d', '{"scenarioIds":[1]}']);
    expect(post.code).toBe(1);
    expect(fusion.requests).toHaveLength(1);
    expect(post.stderr).not.toContain('trying again');
  });

  it('retries a reset for a GET, never for a PATCH', async () => {
    fusion.enqueue(replyReset, replyJson(200, { ok: true }));
    const get = await command(['/api/v3/scenarios/1']);
    expect(get).toMatchObject({ code: 0, stdout: '{"ok":true}' });
    expect(get.stderr).toContain('the connection was reset (ECONNRESET) (attempt 1 of 4)');
    fusion.reset();
    fusion.enqueue(replyReset, replyJson(200, { ok: true }));
    const patch = await command(['-X', 'PATCH', '/api/v3/folders/1', '-d', '{"name":"n"}']);
    expect(patch.code).toBe(1);
    expect(fusion.requests).toHaveLength(1);
    expect(patch.stderr).toContain('no answer from 127.0.0.1');
  });

  it('waits at most timeoutMs for an answer to begin, then retries a GET', async () => {
    fusion.enqueue(replyHang, replyHang);
    const session = writeSession({ timeoutMs: 200, retries: 1 });
    const started = Date.now();
    const outcome = await command(['/api/v3/scenarios'], { session });
    expect(outcome.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(fusion.requests).toHaveLength(2);
    expect(stderrLines(outcome).at(-1)).toContain('no answer from 127.0.0.1:');
    expect(outcome.stderr).toContain(
      "no answer for 0.2 s, after 2 attempts. Check the runner's network, or raise the token step's timeout-seconds.",
    );
  });

  it('completes a slow download that keeps moving, and fails one that stops', async () => {
    const session = writeSession({ timeoutMs: 300, retries: 0 });
    // 12 pieces 100 ms apart: 1.2 s in all, four times the timeout, never a pause as long as it.
    fusion.enqueue(replyStream({ total: 12 * 10, piece: 10, pauseMs: 100 }));
    const slow = await command(['/api/v3/logs/1'], { session });
    expect(slow).toMatchObject({ code: 0, stdout: 'x'.repeat(120) });
    fusion.enqueue(replyStream({ total: 100, piece: 10, pauseMs: 600 }));
    const stalled = await command(['/api/v3/logs/1'], { session });
    expect(stalled.code).toBe(1);
    expect(stalled.stderr).toContain('the answer (HTTP 200) from 127.0.0.1');
    expect(stalled.stderr).toContain('broke off after 10 bytes: no answer for 0.3 s');
  });

  it('does not count the time standard output takes to drain as a pause in the answer', async () => {
    const session = writeSession({ timeoutMs: 200, retries: 0 });
    fusion.enqueue(replyStream({ total: 3 * 1024, piece: 1024, pauseMs: 50 }));
    let received = 0;
    const slowReader = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        setTimeout(done, 350);
      },
    });
    const outcome = await command(['/api/v3/logs/1'], { session, stdout: slowReader });
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(received).toBe(3 * 1024);
  });

  it('retries an answer that broke off into -o FILE, but not one already printed', async () => {
    fusion.enqueue(replyStream({ total: 1000, piece: 100, resetAfter: 300 }), replyStream({ total: 1000, piece: 100 }));
    const file = path.join(work, 'blueprint.json');
    const saved = await command(['/api/v3/scenarios/1', '-o', file]);
    expect(saved.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('x'.repeat(1000));
    expect(saved.stderr).toContain(
      'the answer broke off after 300 bytes: the connection was reset (ECONNRESET) (attempt 1 of 4)',
    );

    fusion.enqueue(replyStream({ total: 1000, piece: 100, resetAfter: 300 }));
    const printed = await command(['/api/v3/scenarios/1']);
    expect(printed.code).toBe(1);
    expect(printed.stdout).toBe('x'.repeat(300));
    expect(fusion.requests).toHaveLength(3);
    expect(printed.stderr).toContain('broke off after 300 bytes: the connection was reset (ECONNRESET)');
  });

  it('reads no more than 64 KiB of an error body, and shows a few hundred characters of it', async () => {
    fusion.enqueue(replyStream({ total: 10 * 1024 * 1024, headers: { 'content-type': 'text/plain' } }));
    fusion.enqueue((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('e'.repeat(200 * 1024));
    });
    expect((await command(['/api/v3/logs', '--retries', '0'])).code).toBe(0);
    const outcome = await command(['/api/v3/logs', '--retries', '0']);
    expect(outcome.code).toBe(1);
    const [, body] = stderrLines(outcome);
    expect(body).toMatch(/^fusion-api: the answer's body \(redacted, cut\): e{300}…$/);
  });

  it('follows no redirect, and names the host it points to', async () => {
    fusion.enqueue(replyText(302, '', { location: 'https://login.elsewhere.example/next' }));
    const outcome = await command(['/api/v3/scenarios']);
    expect(outcome.code).toBe(1);
    expect(fusion.requests).toHaveLength(1);
    expect(outcome.stderr).toContain(
      'failed with HTTP 302, a redirect to the host login.elsewhere.example. Redirects are not followed',
    );
  });

  it('fails at once on a host that is not there', async () => {
    const closed = await HttpStubServer.start();
    const { url } = closed;
    await closed.close();
    const outcome = await command(['/api/v3/scenarios', '--retries', '1'], { session: writeSession({ baseUrl: url }) });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('the connection was refused (ECONNREFUSED) (attempt 1 of 2)');
    expect(outcome.stderr).toContain('the connection was refused (ECONNREFUSED), after 2 attempts.');
  });
});

describe('a bug', () => {
  it('is one line that asks for a report, with nothing shaped like a token in it', async () => {
    let stderr = '';
    const code = await run(['/api/v3/scenarios'], {
      env: { [SESSION_ENV]: writeSession() },
      cwd: work,
      stdin: () => new PassThrough(),
      stdout: new PassThrough(),
      stderr: { write: (text: string) => (stderr += text) },
      now: () => {
        throw new Error(`the clock broke while holding ${TOKEN}`);
      },
      sleep: () => Promise.resolve(),
      random: Math.random,
    });
    expect(code).toBe(1);
    expect(stderr).toBe('fusion-api: failed unexpectedly: the clock broke while holding ***. Please report this.\n');
  });
});

describe('--paginate', () => {
  const page = (items: unknown[], next?: unknown): ReturnType<typeof replyJson> =>
    replyJson(200, { items, _page: { next, count: items.length }, _links: { next: '/v3/scenarios?start=x' } });

  it("follows _page.next as start, replacing the start given, and prints one array of every page's items", async () => {
    fusion.enqueue(page([{ id: 1 }, { id: 2 }], 'c2'), page([{ id: 3 }], 3), page([], null), page([{ id: 9 }]));
    const outcome = await command([
      '/api/v3/scenarios',
      '--paginate',
      '-q',
      'orderby=+id',
      '-q',
      'start=0',
      '-q',
      'limit=2',
    ]);
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toBe('[\n{"id":1},\n{"id":2},\n{"id":3}\n]\n');
    expect(JSON.parse(outcome.stdout)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(fusion.requests.map(({ target }) => target)).toEqual([
      '/api/v3/scenarios?orderby=%2Bid&start=0&limit=2',
      '/api/v3/scenarios?orderby=%2Bid&start=c2&limit=2',
      '/api/v3/scenarios?orderby=%2Bid&start=3&limit=2',
    ]);
  });

  it('prints an empty array for an empty list, to -o FILE too', async () => {
    fusion.enqueue(page([]));
    const file = path.join(work, 'none.json');
    expect((await command(['/api/v3/hooks', '-q', 'teamId=1', '--paginate', '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('[]\n');
  });

  it('stops with exit 1 on a cursor that comes back, rather than loop', async () => {
    fusion.enqueue(page([{ id: 1 }], 'a'), page([{ id: 2 }], 'b'), page([{ id: 3 }], 'a'));
    fusion.otherwise(page([{ id: 0 }], 'a'));
    const outcome = await command(['/api/v3/scenarios', '--paginate']);
    expect(outcome.code).toBe(1);
    expect(fusion.requests).toHaveLength(3);
    expect(outcome.stderr).toContain('--paginate stopped: page 3 gave the cursor "a", which page 1 gave already');
  });

  it('shows no piece of the token in a cursor that echoes it, in a failure or a repeat; nothing printed when page 1 fails', async () => {
    fusion.enqueue(page([{ id: 1 }], `echo ${TOKEN}`), replyJson(404, { title: 'no such page' }));
    const failed = await command(['/api/v3/scenarios', '--paginate']);
    fusion.enqueue(page([{ id: 1 }], TOKEN), page([{ id: 2 }], TOKEN));
    const repeated = await command(['/api/v3/scenarios', '--paginate']);
    expect(failed.code).toBe(1);
    expect(repeated.code).toBe(1);
    expect(repeated.stderr).toContain('gave the cursor "***"');
    for (const outcome of [failed, repeated]) {
      for (let start = 0; start + 6 <= TOKEN.length; start++)
        expect(outcome.stderr).not.toContain(TOKEN.slice(start, start + 6));
    }
    fusion.enqueue(replyJson(404, { title: 'no such list' }));
    const first = await command(['/api/v3/nothing', '--paginate']);
    expect(first).toMatchObject({ code: 1, stdout: '' });
  });

  it('stops on a page that is not a list, and on a page that fails', async () => {
    fusion.enqueue(replyJson(200, { id: 1 }));
    const single = await command(['/api/v3/scenarios/1', '--paginate']);
    expect(single.code).toBe(1);
    expect(single.stderr).toContain('--paginate stopped: page 1 has no items array');
    fusion.enqueue(page([{ id: 1 }], 'c2'), replyJson(400, { title: 'orderby is required' }));
    const failed = await command(['/api/v3/scenarios', '--paginate']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('GET /api/v3/scenarios?start=c2 failed with HTTP 400: orderby is required');
  });

  it('retries a page that broke off, since none of it was printed', async () => {
    const body = JSON.stringify({ items: [{ id: 1 }], _page: {} });
    fusion.enqueue(
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        response.write(body.slice(0, 5));
        setTimeout(() => response.socket?.resetAndDestroy(), 20);
      },
      replyText(200, body),
    );
    const outcome = await command(['/api/v3/scenarios', '--paginate']);
    expect(outcome).toMatchObject({ code: 0, stdout: '[\n{"id":1}\n]\n' });
  });
});

describe('connections', () => {
  /**
   * The command through a proxy: @actions/http-client reads it from this process's environment, the
   * command decides from its own, so both get HTTP_PROXY; this process's is put back after.
   */
  async function throughProxy(proxyUrl: string, host: string, argv: string[]): Promise<Outcome> {
    const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'] };
    const env = { HTTP_PROXY: proxyUrl, NO_PROXY: 'other.example' };
    Object.assign(process.env, env);
    try {
      return await command(argv, { session: writeSession({ baseUrl: `http://${host}:${fusion.port}` }), env });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('goes through the proxy that HTTP_PROXY names, to a host it resolves', async () => {
    const proxy = await ConnectProxy.start({ hosts: { 'fusion.test.example': '127.0.0.1' } });
    try {
      fusion.enqueue(replyJson(200, { via: 'proxy' }));
      const outcome = await throughProxy(proxy.url(), 'fusion.test.example', ['/api/v3/scenarios']);
      expect(outcome).toMatchObject({ code: 0, stdout: '{"via":"proxy"}' });
      expect(proxy.tunnels).toEqual([{ target: `fusion.test.example:${fusion.port}`, status: 200 }]);
      expect(fusion.requests[0]?.headers['x-api-key']).toBe('fusion-client');

      const refusing = await throughProxy(proxy.url(), 'unknown.test.example', ['/api/v3/scenarios', '--retries', '0']);
      expect(refusing.code).toBe(1);
      expect(refusing.stderr).toContain(
        `the proxy ${proxy.url()} refused to connect to unknown.test.example:${fusion.port} with HTTP 502.`,
      );
    } finally {
      await proxy.close();
    }
  });

  it("never retries a proxy's refusal for credentials, even for a GET; retries its 502 for a POST too, nothing having left", async () => {
    const proxy = await ConnectProxy.start({
      hosts: { 'fusion.test.example': '127.0.0.1' },
      credentials: { user: 'runner', password: 'proxy-pass' },
    });
    try {
      const noCredentials = await throughProxy(proxy.url(), 'fusion.test.example', ['/api/v3/scenarios']);
      expect(noCredentials.code).toBe(1);
      expect(proxy.tunnels).toEqual([{ target: `fusion.test.example:${fusion.port}`, status: 407 }]);
      expect(noCredentials.sleeps).toEqual([]);
      expect(stderrLines(noCredentials)).toEqual([
        `fusion-api: GET /api/v3/scenarios failed: the proxy ${proxy.url()} refused to connect to ` +
          `fusion.test.example:${fusion.port} with HTTP 407. ${PROXY_CREDENTIALS_ADVICE}`,
      ]);

      proxy.tunnels.length = 0;
      const withCredentials = new URL(proxy.url());
      withCredentials.username = 'runner';
      withCredentials.password = 'proxy-pass';
      const unreachable = await throughProxy(withCredentials.href, 'unknown.test.example', [
        '/api/v3/folders',
        '-d',
        '{"teamId":1,"name":"x"}',
        '--retries',
        '2',
      ]);
      expect(unreachable.code).toBe(1);
      expect(proxy.tunnels.map((tunnel) => tunnel.status)).toEqual([502, 502, 502]);
      expect(fusion.requests).toEqual([]);
      const lines = stderrLines(unreachable);
      expect(lines.slice(0, 2)).toEqual([
        'fusion-api: POST /api/v3/folders: the proxy answered HTTP 502 (attempt 1 of 3); trying again in 0.3 s',
        'fusion-api: POST /api/v3/folders: the proxy answered HTTP 502 (attempt 2 of 3); trying again in 0.5 s',
      ]);
      expect(lines[2]).toMatch(/refused to connect to unknown\.test\.example:\d+ with HTTP 502, after 3 attempts\./);
      expect(unreachable.stderr).not.toContain('proxy-pass');
    } finally {
      await proxy.close();
    }
  });

  it('verifies certificates, whatever NODE_TLS_REJECT_UNAUTHORIZED says, and says it ignores it', async () => {
    const authority = createCertificateAuthority();
    const secure = await HttpStubServer.start({ tls: authority.issue(['127.0.0.1']) });
    try {
      secure.otherwise(replyJson(200, {}));
      const outcome = await command(['/api/v3/scenarios'], {
        session: writeSession({ baseUrl: secure.url }),
        env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
      });
      expect(outcome.code).toBe(1);
      expect(secure.requests).toHaveLength(0);
      const [ignored, failure] = stderrLines(outcome);
      expect(ignored).toContain('NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: certificates are always verified');
      expect(failure).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(failure).toContain('set NODE_EXTRA_CA_CERTS');
    } finally {
      await secure.close();
    }
  });
});
