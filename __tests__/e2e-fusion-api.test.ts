// The bundled fusion-api command (dist/fusion-api.js) run as a later step
// runs it: its own process under the declared Node runtime, the session file
// (mode 0600) named by FUSION_API_SESSION, against real servers on loopback,
// through a real CONNECT proxy and over HTTPS with the test CA. A preload
// reports the process's peak memory and the Node modules it loaded.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
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
import { ROOT, actionNodeBinary, piecesShown } from '../testbed/runner.js';
import { createCertificateAuthority } from '../testbed/tls.js';

const BUNDLE = path.join(ROOT, 'dist', 'fusion-api.js');
const HOST = 'fusion.test.example';
// Shaped like an IMS access token, and different on every run.
const TOKEN = [
  'eyJhbGciOiJSUzI1NiIsIng1dSI6Imltc19uYTEta2V5LWF0LTEuY2VyIn0',
  Buffer.from(
    JSON.stringify({ type: 'access_token', client_id: 'e2e-client', nonce: randomBytes(12).toString('hex') }),
  ).toString('base64url'),
  randomBytes(64).toString('base64url'),
].join('.');

let fusion: HttpStubServer;
let work: string;
let preload: string;

beforeAll(async () => {
  fusion = await HttpStubServer.start();
  work = mkdtempSync(path.join(tmpdir(), 'fusion-api-e2e-'));
  preload = path.join(work, 'report.mjs');
  // The peak resident memory of this process's own image (VmHWM), not ru_maxrss: Linux carries that
  // across exec from the forked parent, here the test worker, whatever the command itself uses.
  writeFileSync(
    preload,
    "import { readFileSync, writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => {\n" +
      "  const maxRssKiB = Number(/^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);\n" +
      '  writeFileSync(process.env.FUSION_API_TEST_REPORT, JSON.stringify({ maxRssKiB, modules: process.moduleLoadList }));\n' +
      '});\n',
  );
});
afterEach(() => fusion.reset());
afterAll(async () => {
  await fusion.close();
  rmSync(work, { recursive: true, force: true });
});

function writeSession(overrides: Record<string, unknown> = {}): string {
  const file = path.join(mkdtempSync(path.join(work, 'session-')), 'session.json');
  writeFileSync(
    file,
    encodeSession({
      accessToken: TOKEN,
      clientId: 'e2e-client',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      orgId: '7654321',
      region: 'or2',
      baseUrl: fusion.url,
      retries: 3,
      timeoutMs: 5000,
      ...overrides,
    }),
    { mode: 0o600 },
  );
  return file;
}

interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  /** Bytes on standard output (all of them, also when countOnly keeps none). */
  readonly stdoutBytes: number;
  readonly stderr: string;
  readonly elapsedMs: number;
  readonly maxRssBytes: number;
  readonly modules: readonly string[];
}

function runCommand(
  argv: readonly string[],
  options: { session?: string | null; env?: Record<string, string>; stdin?: string; countOnly?: boolean } = {},
): Promise<CommandResult> {
  const session = options.session === undefined ? writeSession() : options.session;
  const report = path.join(mkdtempSync(path.join(work, 'report-')), 'report.json');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: work,
    FUSION_API_TEST_REPORT: report,
    ...(session === null ? {} : { [SESSION_ENV]: session }),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(actionNodeBinary(), ['--import', preload, BUNDLE, ...argv], { cwd: work, env });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (!options.countOnly) chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin.end(options.stdin ?? '');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      const { maxRssKiB, modules } = JSON.parse(readFileSync(report, 'utf8')) as {
        maxRssKiB: number;
        modules: string[];
      };
      resolve({
        code,
        stdout: Buffer.concat(chunks).toString('utf8'),
        stdoutBytes,
        stderr,
        elapsedMs: performance.now() - started,
        maxRssBytes: maxRssKiB * 1024,
        modules,
      });
    });
  });
}

describe('the bundled fusion-api command', () => {
  it('sends the four headers and the query as RFC 3986 encodes it, and prints the body as received', async () => {
    fusion.enqueue(replyText(200, '{"items":[{"id":1,"name":"Nightly"}]}\n', { 'content-type': 'application/json' }));
    const result = await runCommand([
      '/api/v3/scenarios',
      '-q',
      'orderby=+id',
      '-q',
      'limit=200',
      '-q',
      'property=name~a b',
    ]);
    expect(result).toMatchObject({ code: 0, stdout: '{"items":[{"id":1,"name":"Nightly"}]}\n', stderr: '' });
    expect(fusion.requests).toHaveLength(1);
    expect(fusion.requests[0]?.target).toBe('/api/v3/scenarios?orderby=%2Bid&limit=200&property=name~a%20b');
    expect(fusion.requests[0]?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-api-key': 'e2e-client',
      'x-organization-id': '7654321',
      'x-gw-region': 'or2',
    });
    expect(fusion.requests[0]?.headers['user-agent']).toMatch(/^fusion-token-action\/\d+\.\d+\.\d+ \(fusion-api\)$/);
  });

  it('sends a body from standard input as application/json, and prints nothing for a 204', async () => {
    fusion.enqueue(replyText(200, '{"scenarioId":1}\n{"scenarioId":2}\n'), replyText(204, ''));
    const exported = await runCommand(['/api/v3/scenarios/export', '--input', '-'], { stdin: '{"scenarioIds":[1,2]}' });
    expect(exported).toMatchObject({ code: 0, stdout: '{"scenarioId":1}\n{"scenarioId":2}\n' });
    const deleted = await runCommand(['-X', 'DELETE', '/api/v3/folders/3']);
    expect(deleted).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(fusion.requests.map(({ method, body, headers }) => [method, body, headers['content-type']])).toEqual([
      ['POST', '{"scenarioIds":[1,2]}', 'application/json'],
      ['DELETE', '', undefined],
    ]);
  });

  it('pages with --paginate into one JSON array, and stops on a cursor that comes back', async () => {
    const page = (items: unknown[], next: unknown) =>
      replyJson(200, { items, _page: { next }, _links: { next: '/v3/x' } });
    fusion.enqueue(page([{ id: 1 }], 'c2'), page([{ id: 2 }, { id: 3 }], 'c3'), page([], ''));
    const listed = await runCommand(['/api/v3/scenarios', '--paginate', '-q', 'orderby=+id', '-q', 'limit=2']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(fusion.requests.map(({ target }) => target)).toEqual([
      '/api/v3/scenarios?orderby=%2Bid&limit=2',
      '/api/v3/scenarios?orderby=%2Bid&limit=2&start=c2',
      '/api/v3/scenarios?orderby=%2Bid&limit=2&start=c3',
    ]);
    fusion.reset();
    fusion.otherwise(page([{ id: 1 }], 'same'));
    const looping = await runCommand(['/api/v3/scenarios', '--paginate']);
    expect(looping.code).toBe(1);
    expect(fusion.requests).toHaveLength(2);
    expect(looping.stderr).toContain('page 2 gave the cursor "same", which page 1 gave already');
  });

  it('retries a 429 after its Retry-After, in seconds or as an HTTP date', async () => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    fusion.enqueue(
      replyJson(429, {}, { 'retry-after': past }),
      replyJson(429, {}, { 'retry-after': '1' }),
      replyJson(201, { id: 1 }),
    );
    const result = await runCommand(['/api/v3/folders', '-d', '{"teamId":1,"name":"n"}']);
    expect(result.code).toBe(0);
    expect(fusion.requests.map(({ method }) => method)).toEqual(['POST', 'POST', 'POST']);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
    const retries = result.stderr.split('\n').filter((line) => line.includes('trying again'));
    expect(retries).toHaveLength(2);
    expect(retries[1]).toContain('HTTP 429 (Retry-After: "1") (attempt 2 of 4)');
  });

  it('retries a 503 for a GET, never for a POST', async () => {
    fusion.otherwise(replyJson(503, { message: 'unavailable' }));
    const get = await runCommand(['/api/v3/scenarios/1', '--retries', '1']);
    expect(get.code).toBe(1);
    expect(fusion.requests).toHaveLength(2);
    expect(get.stderr).toContain('failed with HTTP 503: unavailable, after 2 attempts.');
    fusion.requests.length = 0;
    const post = await runCommand(['/api/v3/scenarios/1/clone', '-d', '{"teamId":1,"name":"copy"}', '--retries', '1']);
    expect(post.code).toBe(1);
    expect(fusion.requests).toHaveLength(1);
    expect(post.stderr).not.toContain('trying again');
  });

  it('gives up on a server that hangs after timeoutMs per attempt, and retries a reset', async () => {
    fusion.enqueue(replyHang);
    const hung = await runCommand(['/api/v3/scenarios'], { session: writeSession({ timeoutMs: 300, retries: 0 }) });
    expect(hung.code).toBe(1);
    expect(hung.elapsedMs).toBeLessThan(5000);
    expect(hung.stderr).toContain('no answer for 0.3 s');
    fusion.enqueue(replyReset, replyJson(200, { ok: 1 }));
    const reset = await runCommand(['/api/v3/scenarios']);
    expect(reset).toMatchObject({ code: 0, stdout: '{"ok":1}' });
    expect(reset.stderr).toContain('the connection was reset (ECONNRESET) (attempt 1 of 4)');
  });

  it('follows no redirect, naming the host it points to', async () => {
    fusion.enqueue(replyText(301, '', { location: 'https://collector.elsewhere.example/steal' }));
    const result = await runCommand(['/api/v3/scenarios']);
    expect(result.code).toBe(1);
    expect(fusion.requests).toHaveLength(1);
    expect(result.stderr).toContain('HTTP 301, a redirect to the host collector.elsewhere.example');
  });

  it.each([
    [
      401,
      { error_code: '401013', message: 'Oauth token is not valid' },
      '401013 Oauth token is not valid',
      'The token is not valid',
    ],
    [
      403,
      { error_code: '403003', message: 'Api Key is invalid' },
      '403003 Api Key is invalid',
      'x-api-key is not a client with the Workfront Fusion API',
    ],
    [
      400,
      { error_code: '400003', message: 'Missing header' },
      '400003 Missing header',
      'set fusion-org-id and fusion-region',
    ],
    [
      403,
      { type: 'Forbidden', status: 403, title: 'Access denied', report: { 'request-id': 'req-403' } },
      'Access denied (request-id: req-403)',
      'Add it to the Fusion team'.toLowerCase(),
    ],
    [
      404,
      { type: 'NotFound', status: 404, title: 'Resource not found', report: { 'request-id': 'req-404' } },
      'Resource not found (request-id: req-404)',
      'Check the path and the ID.',
    ],
  ])('words HTTP %i as the table says', async (status, body, says, advice) => {
    fusion.enqueue(replyJson(status, body));
    const result = await runCommand(['/api/v3/scenarios/1']);
    expect(result.code).toBe(1);
    const [first] = result.stderr.split('\n');
    expect(first).toContain(`fusion-api: GET /api/v3/scenarios/1 failed with HTTP ${status}: ${says}`);
    expect(first?.toLowerCase()).toContain(advice.toLowerCase());
  });

  it('shows no piece of the token when the error echoes the request headers', async () => {
    fusion.enqueue((request, response) => {
      response.writeHead(400, { 'content-type': 'application/json', 'x-request-id': 'echo-1' });
      // A gateway that echoes the header whole, cut off, and split over two fields.
      const authorization = request.headers.authorization ?? '';
      response.end(
        JSON.stringify({
          title: `bad request from ${authorization.slice(0, 60)}`,
          headers: request.headers,
          tail: authorization.slice(-30),
        }),
      );
    });
    const result = await runCommand(['/api/v3/scenarios']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(request-id: echo-1)');
    expect(result.stderr).toContain("the answer's body (redacted, cut):");
    expect(piecesShown(result.stderr + result.stdout, TOKEN)).toEqual([]);
  });

  it.each([
    [['/api/v3/scenarios', '--limit', '5']],
    [['fusion.adobe.io/api/v3/scenarios']],
    [['-X', 'DELETE', '/api/v3/scenarios', '--paginate']],
    [['/api/v3/folders', '-d', "{'name': 'x'}"]],
  ])('sends nothing on the usage error %j: exit 2, one line', async (argv) => {
    const result = await runCommand(argv);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(fusion.requests).toHaveLength(0);
  });

  it('sends nothing with an expired token, or without a session', async () => {
    const expired = await runCommand(['/api/v3/scenarios'], {
      session: writeSession({ expiresAt: new Date(Date.now() - 3 * 3600_000).toISOString() }),
    });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toMatch(/the token expired at \S+ \(3 h 0 min ago\).*min-remaining-minutes/);
    const none = await runCommand(['/api/v3/scenarios'], { session: null });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('run fusion-token-action with fusion-api: true');
    expect(fusion.requests).toHaveLength(0);
  });

  it('streams a 200 MB answer to standard output with a peak memory under 150 MiB', async () => {
    const total = 200 * 1024 * 1024;
    fusion.enqueue(replyStream({ total }));
    const result = await runCommand(['/api/v3/activity-logs/export'], { countOnly: true });
    expect(result.code).toBe(0);
    expect(result.stdoutBytes).toBe(total);
    expect(result.maxRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(result.maxRssBytes).toBeLessThan(150 * 1024 * 1024);
    process.stdout.write(
      `200 MB answer: peak RSS ${(result.maxRssBytes / 1048576).toFixed(1)} MiB, ${result.elapsedMs.toFixed(0)} ms\n`,
    );
  });

  it('loads neither @actions/core nor @actions/cache: the bundle holds none of their code', () => {
    const marks = ['::add-mask::', 'add-mask', 'GITHUB_OUTPUT', 'ACTIONS_CACHE_URL', 'ACTIONS_RESULTS_URL'];
    const folder = path.join(ROOT, 'dist', 'fusion-api');
    const command = [BUNDLE, ...readdirSync(folder).map((name) => path.join(folder, name))]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    expect(command).toContain('fusion-api');
    expect(marks.filter((mark) => command.includes(mark))).toEqual([]);
    // The same marks find both libraries in the main step's bundle and its chunks.
    const main = readdirSync(path.join(ROOT, 'dist'))
      .filter((name) => /^(index|\d+\.index)\.js$/.test(name))
      .map((name) => readFileSync(path.join(ROOT, 'dist', name), 'utf8'))
      .join('\n');
    expect(marks.filter((mark) => main.includes(mark))).toEqual(marks);
  });
});

describe('the bundled command over HTTPS and through a proxy', () => {
  const authority = createCertificateAuthority();
  let secure: HttpStubServer;
  let proxy: ConnectProxy;
  let caFile: string;

  beforeAll(async () => {
    secure = await HttpStubServer.start({ tls: authority.issue([HOST, '127.0.0.1']) });
    proxy = await ConnectProxy.start({ hosts: { [HOST]: '127.0.0.1' } });
    caFile = path.join(work, 'ca.pem');
    writeFileSync(caFile, authority.caPem);
  });
  afterEach(() => {
    secure.reset();
    proxy.reset();
  });
  afterAll(async () => {
    await secure.close();
    await proxy.close();
  });

  it('trusts NODE_EXTRA_CA_CERTS, and loads no proxy code when no proxy applies', async () => {
    secure.enqueue(replyJson(200, { secure: true }));
    const result = await runCommand(['/api/v3/scenarios'], {
      session: writeSession({ baseUrl: secure.url }),
      env: { NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxy.url(), NO_PROXY: '' },
    });
    expect(result).toMatchObject({ code: 0, stdout: '{"secure":true}' });
    // 127.0.0.1 is never proxied; the proxy agent's module (tunnel, which loads assert) stays unloaded.
    expect(proxy.tunnels).toEqual([]);
    expect(result.modules).not.toContain('NativeModule assert');
  });

  it('goes through the CONNECT proxy HTTPS_PROXY names, verifying the certificate behind it', async () => {
    secure.enqueue(replyJson(200, { via: 'proxy' }));
    const result = await runCommand(['/api/v3/scenarios', '-q', 'orderby=+id'], {
      session: writeSession({ baseUrl: `https://${HOST}:${secure.port}` }),
      env: { NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxy.url() },
    });
    expect(result).toMatchObject({ code: 0, stdout: '{"via":"proxy"}' });
    expect(proxy.tunnels).toEqual([{ target: `${HOST}:${secure.port}`, status: 200 }]);
    expect(secure.requests[0]?.target).toBe('/api/v3/scenarios?orderby=%2Bid');
    expect(secure.requests[0]?.headers['x-gw-region']).toBe('or2');
    expect(result.modules).toContain('NativeModule assert');
  });

  it('refuses a certificate it cannot verify, through the proxy too, even with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    secure.otherwise(replyJson(200, {}));
    const direct = await runCommand(['/api/v3/scenarios', '--retries', '0'], {
      session: writeSession({ baseUrl: secure.url }),
      env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    });
    const proxied = await runCommand(['/api/v3/scenarios', '--retries', '0'], {
      session: writeSession({ baseUrl: `https://${HOST}:${secure.port}` }),
      env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', HTTPS_PROXY: proxy.url() },
    });
    for (const result of [direct, proxied]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored');
      expect(result.stderr).toContain('set NODE_EXTRA_CA_CERTS');
      // Node's own warning that certificate checks are off never shows: they are not.
      expect(result.stderr).not.toContain('Warning');
    }
    expect(proxied.stderr).toContain(`through the proxy ${proxy.url()}`);
    expect(secure.requests).toHaveLength(0);
  });
});
