// End to end, scheduled runs sharing one token through the Actions cache:
// dist/ under Node 24 as the runner runs it, with ACTIONS_RESULTS_URL,
// ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_SERVICE_V2 pointing at the cache
// service emulator, which @actions/cache talks to over real sockets.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectFailure, runAudited } from '../testbed/audit.js';
import { CacheService, archiveOf } from '../testbed/cache-service.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { DEFAULT_REPOSITORY, ROOT, type RunResult, findLeaks, runAction } from '../testbed/runner.js';
import { cacheKeyPrefix } from '../src/cache.js';
import { valueFile } from '../src/cache-store.js';
import { sealToken } from '../src/seal.js';
import { secretForms } from '../src/text.js';

const CLIENT = { clientId: 'cache-client', clientSecret: 'p8e-Cache+secret/=&%', scopes: FUSION_SCOPES };
let ims: ImsEmulator;
let service: CacheService;
/** A second service, speaking v1 as GHES does. */
let ghes: CacheService | undefined;
let root: string;
/** The same folders in every run, as on one runner: the cache version depends on the path. */
let directories: { RUNNER_TEMP: string; GITHUB_WORKSPACE: string };

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  service = await CacheService.start();
  root = mkdtempSync(path.join(tmpdir(), 'fusion-e2e-cache-'));
  directories = { RUNNER_TEMP: path.join(root, '_temp'), GITHUB_WORKSPACE: path.join(root, 'repo') };
  for (const folder of Object.values(directories)) mkdirSync(folder, { recursive: true });
});
afterEach(() => {
  ims.reset();
  service.reset();
});
afterAll(async () => {
  await ims.close();
  await service.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * Nothing of @actions/cache reaches the log: none of its lines, debug lines
 * (they hold signed URLs) or masks. The action registers only the secret, in
 * its echoed forms, and the tokens.
 */
function expectNoLibraryOutput(result: RunResult, secret: string): void {
  expect(result.stdout).not.toMatch(/^::debug::|\[command\]|^Cache (hit|restored|saved|Size)|^(Sent|Received) \d+/m);
  // And the signatures of the download URLs, which the step masks before it downloads.
  const signatures = [service, ghes]
    .flatMap((each) => each?.requests ?? [])
    .filter((request) => request.operation === 'download')
    .flatMap((request) => new URL(request.url, 'http://x').searchParams.getAll('sig'))
    .flatMap((signature) => [signature, encodeURIComponent(signature)]);
  const allowed = new Set([...secretForms(secret), ...ims.issued.map((issued) => issued.accessToken), ...signatures]);
  expect(result.masks.filter((mask) => !allowed.has(mask))).toEqual([]);
}

async function run(
  inputs: Record<string, string> = {},
  env: Record<string, string> = { ...service.env(), ...directories },
  killAfterMs?: number,
): Promise<RunResult> {
  const result = await runAudited(
    {
      inputs: {
        'client-id': CLIENT.clientId,
        'client-secret': CLIENT.clientSecret,
        'ims-url': ims.url,
        cache: 'true',
        ...inputs,
      },
      env,
      ...(killAfterMs === undefined ? {} : { killAfterMs }),
    },
    { emulators: [ims], secrets: [CLIENT.clientSecret] },
  );
  expectNoLibraryOutput(result, inputs['client-secret'] ?? CLIENT.clientSecret);
  return result;
}

/** IMS's next token lives `expiresIn` seconds. */
function nextTokenLives(expiresIn: number): void {
  ims.enqueue({ kind: 'ims', expiresIn });
}

const warnings = (result: RunResult): string[] => result.log.filter((line) => line.startsWith('Warning: '));
const KEY = /^fusion-token-v1-[0-9a-f]{16}-\d{13}$/;

describe('cache: true', () => {
  it('run 1 mints and saves; run 2 reuses it with no IMS request', async () => {
    const first = await run();
    expect(first.exitCode).toBe(0);
    expect(first.outputs['source']).toBe('minted');
    expect(ims.requests).toHaveLength(1);
    expect(service.entries().map((entry) => entry.key)).toEqual([expect.stringMatching(KEY)]);
    const key = service.entries()[0]?.key as string;
    expect(first.log).toEqual([
      `No cached token for this credential yet (cache key ${key.replace(/\d+$/, '')}*).`,
      expect.stringMatching(/^Got an IMS access token for client cache-client\. /),
      `Saved the sealed token in the Actions cache as ${key}, for later runs.`,
    ]);
    // A key names the credential and the time, nothing derived from the secret.
    expect(Number(key.split('-').at(-1))).toBeLessThanOrEqual(Date.now());

    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.outputs['source']).toBe('cache');
    expect(second.outputs['access-token']).toBe(first.outputs['access-token']);
    expect(second.outputs['expires-at']).toBe(first.outputs['expires-at']);
    expect(ims.requests).toHaveLength(1);
    expect(service.entries()).toHaveLength(1);
    expect(second.log).toEqual([
      expect.stringMatching(
        /^Reused the IMS access token from the Actions cache for client cache-client; nothing was sent to IMS\./,
      ),
    ]);
  });

  it('replaces a token too close to expiry, and the next run reuses the new entry', async () => {
    nextTokenLives(1800);
    await run();
    const second = await run();
    expect(second.outputs['source']).toBe('minted');
    expect(second.log[0]).toMatch(
      /^The token from the Actions cache has (29|30) min left, less than min-remaining-minutes \(60\): not reused\.$/,
    );
    expect(service.entries()).toHaveLength(2);
    const third = await run();
    expect(third.outputs['source']).toBe('cache');
    expect(third.outputs['access-token']).toBe(second.outputs['access-token']);
    expect(ims.requests).toHaveLength(2);
  });

  it('lets a valid sealed-token input win over the cache', async () => {
    const cached = await run();
    const other = await run({ cache: 'false' });
    const result = await run({ 'sealed-token': other.outputs['sealed-token'] as string });
    expect(result.outputs['source']).toBe('sealed-token');
    expect(result.outputs['access-token']).not.toBe(cached.outputs['access-token']);
    expect(service.count('GetCacheEntryDownloadURL')).toBe(1);
  });

  it('refuses cache with revoke before any request', async () => {
    const message = expectFailure(await run({ revoke: 'true' }));
    expect(message).toMatch(/^Input cache must be false when revoke is true/);
    expect(ims.requests).toHaveLength(0);
    expect(service.requests).toHaveLength(0);
  });
});

describe('the cache never fails the step', () => {
  it('without a cache service: one plain line, a minted token, nothing saved', async () => {
    const result = await run({}, directories);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(result.log.filter((line) => !line.startsWith('Got an IMS access token'))).toEqual([
      'No Actions cache to read here (the runner offers this step no cache service): the token is not cached.',
    ]);
    expect(warnings(result)).toEqual([]);
    expect(service.requests).toHaveLength(0);
  });

  it.each([
    ['a 500 on every lookup', 'GetCacheEntryDownloadURL', { kind: 'status', status: 500 }],
    ['a 429 on lookups', 'GetCacheEntryDownloadURL', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
    ['a corrupt archive', 'download', { kind: 'corrupt' }],
    ['a read the runner forbids', 'GetCacheEntryDownloadURL', { kind: 'deny' }],
  ] as const)(
    '%s: one warning, a minted token',
    async (_what, operation, fault) => {
      if (operation === 'download') await run();
      ims.reset();
      service.fail(operation, fault);
      // The library retries a 5xx until the 15 s bound.
      const result = await run({}, undefined, 45_000);
      expect(result.exitCode).toBe(0);
      expect(result.outputs['source']).toBe('minted');
      expect(ims.requests).toHaveLength(1);
      expect(warnings(result)).toEqual([
        expect.stringMatching(
          /^Warning: Could not read the Actions cache: .+\. Asking IMS instead\.( If this repeats, delete the entry: gh cache delete \S+, or the repository's Actions > Caches page\.)?$/,
        ),
      ]);
    },
    60_000,
  );

  it("a miss with Node's debug output on (NODE_DEBUG=http,net) gives no warning", async () => {
    // Not audited for stderr: Node itself prints the debug lines there.
    const result = await runAction({
      inputs: { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, cache: 'true' },
      env: { ...service.env(), ...directories, NODE_DEBUG: 'http,net' },
    });
    expect(result.stderr).toMatch(/^NET \d+: /m);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([]);
    expect(service.entries()).toHaveLength(1);
    expect(findLeaks(result, { secrets: [CLIENT.clientSecret], tokens: ims.issued.map((t) => t.accessToken) })).toEqual(
      [],
    );
  });

  it('a write the runner forbids: one warning, and the step keeps the token it minted', async () => {
    service.fail('CreateCacheEntry', { kind: 'deny' });
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      expect.stringMatching(
        /^Warning: Could not save the sealed token in the Actions cache: .*denied.*\. This step has its token; the next run asks IMS again\.$/,
      ),
    ]);
    expect(service.entries()).toEqual([]);
  });

  it('refuses an entry sealed with another secret (planted or forged) with a warning, then mints and saves', async () => {
    // Someone without the secret plants a seal of a token of theirs under this credential's key prefix.
    const binding = {
      repository: DEFAULT_REPOSITORY,
      clientId: CLIENT.clientId,
      imsBaseUrl: ims.url,
      scopes: FUSION_SCOPES,
      orgId: undefined,
    };
    const key = `${cacheKeyPrefix(binding)}${Date.now()}`;
    const forged = sealToken(
      {
        accessToken: 'eyJ.forged.sig',
        tokenType: 'bearer',
        expiresIn: '86399',
        expiresAt: new Date(Date.now() + 86_399_000),
      },
      'p8e-a-guessed-secret',
      binding,
      randomBytes,
    );
    const { version, archive } = await archiveOf(valueFile({ RUNNER_TEMP: directories.RUNNER_TEMP }), forged, {
      runnerTemp: directories.RUNNER_TEMP,
      workspace: directories.GITHUB_WORKSPACE,
    });
    service.plant(key, version, archive);
    ims.reset();
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      `Warning: The cached token ${key} does not open with the client secret for this repository, client, IMS and scopes: it was sealed with another client secret, or forged; it is not used, and a new token is minted. If this repeats, delete the entry: gh cache delete ${key}, or the repository's Actions > Caches page.`,
    ]);
    expect(service.entries()).toHaveLength(2);
    expect((await run()).outputs['source']).toBe('cache');
  });

  it('a save that hangs costs at most its 15 s bound, and the step keeps the token it minted', async () => {
    service.fail('CreateCacheEntry', { kind: 'hang' });
    const result = await run({}, undefined, 45_000);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      expect.stringMatching(
        /^Warning: Could not save the sealed token in the Actions cache: the cache gave no result within 15 s/,
      ),
    ]);
    expect(result.elapsedMs).toBeLessThan(40_000);
  }, 60_000);

  it('a lookup that hangs costs at most its 15 s bound, then the step mints', async () => {
    service.fail('GetCacheEntryDownloadURL', { kind: 'hang' });
    const result = await run({}, undefined, 45_000);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      expect.stringMatching(/^Warning: Could not read the Actions cache: the cache gave no result within 15 s/),
    ]);
    expect(result.elapsedMs).toBeLessThan(40_000);
  }, 60_000);
});

describe('when IMS is down', () => {
  it('rides out the outage on a cached token with 30 min left, saves nothing, and the next run mints again', async () => {
    nextTokenLives(1800);
    const first = await run();
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'service_unavailable' } });
    const during = await run({ retries: '2' });
    expect(during.exitCode).toBe(0);
    expect(during.outputs['source']).toBe('cache');
    expect(during.outputs['access-token']).toBe(first.outputs['access-token']);
    expect(ims.requests).toHaveLength(1 + 3);
    expect(warnings(during)).toEqual([
      expect.stringMatching(
        /^Warning: IMS failed after 3 attempts \(HTTP 503 service_unavailable\): using the token from the Actions cache instead/,
      ),
    ]);
    expect(service.entries()).toHaveLength(1);

    ims.setFallback({ kind: 'ims' });
    const after = await run();
    expect(after.outputs['source']).toBe('minted');
    expect(service.entries()).toHaveLength(2);
  });

  it('rides out IMS hanging past timeout-seconds on a cached token', async () => {
    nextTokenLives(1800);
    const first = await run();
    ims.setFallback({ kind: 'hang' });
    const during = await run({ retries: '1', 'timeout-seconds': '0.5' });
    expect(during.exitCode).toBe(0);
    expect(during.outputs['source']).toBe('cache');
    expect(during.outputs['access-token']).toBe(first.outputs['access-token']);
    expect(warnings(during)).toEqual([
      expect.stringMatching(
        /^Warning: IMS failed after 2 attempts \(no complete answer within 0\.5 s\): using the token from the Actions cache/,
      ),
    ]);
    expect(service.entries()).toHaveLength(1);
  });

  it('fails as today when the cached token has less than 5 minutes left', async () => {
    nextTokenLives(240);
    await run();
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'service_unavailable' } });
    expect(expectFailure(await run({ retries: '1' }))).toMatch(
      /^Could not get an Adobe IMS access token after 2 attempts \(retries: 1\)\. IMS refused .*HTTP 503/,
    );
  });

  it('fails as today on invalid_client, cached token or not', async () => {
    nextTokenLives(1800);
    await run();
    ims.setFallback({
      kind: 'json',
      status: 401,
      body: { error: 'invalid_client', error_description: 'invalid client_secret parameter' },
    });
    expect(expectFailure(await run())).toMatch(
      /^Could not get an Adobe IMS access token after 1 attempt .*invalid_client/,
    );
  });
});

describe('on GitHub Enterprise Server (cache service v1)', () => {
  beforeAll(async () => {
    ghes = await CacheService.start({ protocol: 'v1' });
  });
  afterEach(() => ghes?.reset());
  afterAll(() => ghes?.close());
  const onGhes = (): Record<string, string> => ({ ...(ghes as CacheService).env(), ...directories });

  it('run 1 mints and saves; run 2 reuses it with no IMS request', async () => {
    const first = await run({}, onGhes());
    expect(first.outputs['source']).toBe('minted');
    expect((ghes as CacheService).entries().map((entry) => entry.key)).toEqual([expect.stringMatching(KEY)]);
    const second = await run({}, onGhes());
    expect(second.outputs['source']).toBe('cache');
    expect(second.outputs['access-token']).toBe(first.outputs['access-token']);
    expect(ims.requests).toHaveLength(1);
    expect(warnings(second)).toEqual([]);
    expect((ghes as CacheService).count('getCacheEntry')).toBe(2);
    expect(service.requests).toEqual([]);
  });

  it.each([
    ['a 500 on lookups', 'getCacheEntry', { kind: 'status', status: 500 }, /HTTP 500/],
    ['a read the runner forbids', 'getCacheEntry', { kind: 'deny' }, /cache read denied/],
    ['a lookup that hangs', 'getCacheEntry', { kind: 'hang' }, /no result within 15 s/],
    ['a corrupt archive', 'download', { kind: 'corrupt' }, /is not a cache archive/],
  ] as const)(
    '%s: one warning, a minted token, saved for the next run',
    async (_what, operation, fault, reason) => {
      if (operation === 'download') await run({}, onGhes());
      ims.reset();
      (ghes as CacheService).fail(operation, fault, 1);
      const result = await run({}, onGhes(), 45_000);
      expect(result.exitCode).toBe(0);
      expect(result.outputs['source']).toBe('minted');
      expect(ims.requests).toHaveLength(1);
      expect(warnings(result)).toEqual([expect.stringMatching(/^Warning: Could not read the Actions cache: /)]);
      expect(warnings(result)[0]).toMatch(reason);
      // A lookup that failed never keeps the fresh token from being saved.
      const next = await run({}, onGhes());
      expect(next.outputs['source']).toBe('cache');
      expect(next.outputs['access-token']).toBe(result.outputs['access-token']);
    },
    60_000,
  );

  it('a save the service refuses: one warning, and the step keeps the token it minted', async () => {
    (ghes as CacheService).fail('reserveCache', { kind: 'status', status: 500 });
    const result = await run({}, onGhes(), 45_000);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['source']).toBe('minted');
    expect(warnings(result)).toEqual([
      expect.stringMatching(
        /^Warning: Could not save the sealed token in the Actions cache: .+\. This step has its token;/,
      ),
    ]);
    expect((ghes as CacheService).entries().filter((entry) => entry.finalized)).toEqual([]);
  }, 60_000);
});

describe('the default path', () => {
  it("never runs the cache code: it is reached only through main's import(), and no chunk is needed", async () => {
    // The cache code is bundled into dist/index.js but evaluated only by the import() of loadTokenCache
    // (webpack's "eager" mode): every module of it is reached from main.ts that way, or from one another.
    const stats = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules', '.cache', 'fusion-bundle', 'index.json'), 'utf8'),
    ) as { modules: { name: string; reasons: { type: string; moduleName: string }[] }[] };
    const cacheCode = /^\.\/src\/(cache|cache-store|cache-reader|cache-archive|tar)\.ts\b/;
    const reached = stats.modules
      .filter((module) => cacheCode.test(module.name))
      .flatMap((module) => module.reasons.map((reason) => `${reason.type} from ${reason.moduleName}`))
      .filter((reason) => !/ from \.\/src\/(cache|cache-store|cache-reader|cache-archive)\.ts/.test(reason));
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.every((reason) => /^import\(\)( eager)? from \.\/src\/(main|index)\.ts/.test(reason))).toBe(true);

    const bare = path.join(root, 'dist-without-chunks');
    mkdirSync(bare);
    for (const file of ['index.js', 'package.json']) copyFileSync(path.join(ROOT, 'dist', file), path.join(bare, file));
    const inputs = { 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url };
    const plain = await runAudited(
      { inputs, entry: path.join(bare, 'index.js'), env: { ...service.env(), ...directories } },
      { emulators: [ims], secrets: [CLIENT.clientSecret] },
    );
    expect(plain.exitCode).toBe(0);
    expect(plain.outputs['source']).toBe('minted');
    expect(warnings(plain)).toEqual([]);
  });

  it('a cache hit never loads @actions/cache: it runs without the library chunk, which only a save needs', async () => {
    const chunks = readdirSync(path.join(ROOT, 'dist')).filter((name) => /^\d+\.index\.js$/.test(name));
    const library = chunks.filter((name) =>
      readFileSync(path.join(ROOT, 'dist', name), 'utf8').includes('CacheServiceClientJSON'),
    );
    expect(library).toHaveLength(1);
    const bare = path.join(root, 'dist-without-library');
    mkdirSync(bare);
    for (const file of ['index.js', 'package.json', ...chunks.filter((name) => !library.includes(name))]) {
      copyFileSync(path.join(ROOT, 'dist', file), path.join(bare, file));
    }
    const entry = path.join(bare, 'index.js');
    const runBare = (): Promise<RunResult> =>
      runAudited(
        {
          inputs: {
            'client-id': CLIENT.clientId,
            'client-secret': CLIENT.clientSecret,
            'ims-url': ims.url,
            cache: 'true',
          },
          entry,
          env: { ...service.env(), ...directories },
        },
        { emulators: [ims], secrets: [CLIENT.clientSecret] },
      );
    await run();
    ims.reset();
    const hit = await runBare();
    expect(hit.exitCode).toBe(0);
    expect(hit.outputs['source']).toBe('cache');
    expect(warnings(hit)).toEqual([]);
    expect(ims.requests).toHaveLength(0);
    // The save does need it: without it, a minted token is not cached, with one warning.
    service.reset();
    const miss = await runBare();
    expect(miss.outputs['source']).toBe('minted');
    expect(warnings(miss)).toEqual([
      expect.stringMatching(/^Warning: Could not save the sealed token in the Actions cache: Cannot find module /),
    ]);
  });
});
