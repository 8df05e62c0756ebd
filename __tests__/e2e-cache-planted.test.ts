// End to end, entries planted in the Actions cache by someone who can save
// caches but has no client secret (issue 15): archives that `tar -xf -P`
// would write outside the runner's folders, a decompression bomb, and a
// forged seal under the bare key prefix. dist/ runs under Node 24 as the
// runner runs it, against the cache service emulator (v2, and v1 as GHES
// speaks it). The tar, zstd and gzip on its PATH are shims that log each run
// and then exec the real program, so that no extraction can go unseen.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { runAudited } from '../testbed/audit.js';
import {
  absolutePathArchive,
  dotDotArchive,
  memberName,
  plainArchive,
  symlinkThroughArchive,
  zstdBomb,
} from '../testbed/cache-archives.js';
import { CacheService, archiveOf } from '../testbed/cache-service.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { DEFAULT_REPOSITORY, type RunResult } from '../testbed/runner.js';
import { cacheKeyPrefix } from '../src/cache.js';
import { valueFile } from '../src/cache-store.js';
import { sealToken } from '../src/seal.js';

const CLIENT = { clientId: 'planted-client', clientSecret: 'p8e-Planted+secret/=', scopes: FUSION_SCOPES };
const MiB = 1024 * 1024;
let ims: ImsEmulator;
let root: string;
let shims: string;
let shimLog: string;
let directories: { RUNNER_TEMP: string; GITHUB_WORKSPACE: string };
/** Where the planted members would land if extracted: none of these may ever exist. */
let targets: { actionPost: string; dotDot: string; throughLink: string };

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  root = mkdtempSync(path.join(tmpdir(), 'fusion-e2e-planted-'));
  directories = {
    RUNNER_TEMP: path.join(root, 'work', '_temp'),
    GITHUB_WORKSPACE: path.join(root, 'work', 'repo', 'repo'),
  };
  for (const folder of Object.values(directories)) mkdirSync(folder, { recursive: true });
  targets = {
    actionPost: path.join(root, 'work', '_actions', 'org', 'fusion-token-action', 'v1', 'dist', 'post.js'),
    dotDot: path.join(root, 'planted-by-dot-dot.js'),
    throughLink: path.join(root, 'linked', 'planted-through-link.js'),
  };
  mkdirSync(path.dirname(targets.throughLink), { recursive: true });
  shims = path.join(root, 'shims');
  shimLog = path.join(root, 'shims.log');
  mkdirSync(shims);
  for (const program of ['tar', 'zstd', 'zstdmt', 'unzstd', 'gzip']) {
    const real = execFileSync('sh', ['-c', `command -v ${program} || true`], { encoding: 'utf8' }).trim();
    if (real === '') continue;
    writeFileSync(
      path.join(shims, program),
      `#!/bin/sh\necho "$$ ${program} $*" >> '${shimLog}'\nexec '${real}' "$@"\n`,
    );
    chmodSync(path.join(shims, program), 0o755);
  }
});
afterEach(() => {
  ims.reset();
  rmSync(shimLog, { force: true });
});
afterAll(async () => {
  await ims.close();
  rmSync(root, { recursive: true, force: true });
});

const BINDING = () => ({
  repository: DEFAULT_REPOSITORY,
  clientId: CLIENT.clientId,
  imsBaseUrl: ims.url,
  scopes: FUSION_SCOPES,
  orgId: undefined,
});

/** The programs the shims saw: [pid, name, arguments]. */
function shimRuns(): { pid: number; program: string; args: string }[] {
  if (!existsSync(shimLog)) return [];
  return readFileSync(shimLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, program, ...args] = line.split(' ');
      return { pid: Number(pid), program: program as string, args: args.join(' ') };
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The largest file below the runner's folders, sampled every few ms while `work` runs. */
async function largestFileWhile<T>(work: () => Promise<T>): Promise<{ result: T; largest: number }> {
  let largest = 0;
  const sample = (): void => {
    for (const folder of Object.values(directories)) {
      let entries;
      try {
        entries = readdirSync(folder, { recursive: true, withFileTypes: true });
      } catch {
        // A folder below went away while it was listed (the save removes its own): sample again next time.
        continue;
      }
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        try {
          largest = Math.max(largest, statSync(path.join(entry.parentPath, entry.name)).size);
        } catch {
          // Gone between the listing and the look.
        }
      }
    }
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work();
    sample();
    return { result, largest };
  } finally {
    clearInterval(timer);
  }
}

async function run(service: CacheService): Promise<RunResult> {
  return runAudited(
    {
      inputs: {
        'client-id': CLIENT.clientId,
        'client-secret': CLIENT.clientSecret,
        'ims-url': ims.url,
        cache: 'true',
      },
      env: { ...service.env(), ...directories, PATH: `${shims}${path.delimiter}${process.env['PATH'] ?? ''}` },
    },
    { emulators: [ims], secrets: [CLIENT.clientSecret] },
  );
}

const warnings = (result: RunResult): string[] => result.log.filter((line) => line.startsWith('Warning: '));

/** The version the library gives our value file on this runner (zstd is on the shims' PATH). */
async function valueVersion(): Promise<string> {
  const file = valueFile(directories);
  return (await archiveOf(file, 'x', { runnerTemp: directories.RUNNER_TEMP, workspace: directories.GITHUB_WORKSPACE }))
    .version;
}

const VALUE_MEMBER = () => memberName(valueFile(directories), directories.GITHUB_WORKSPACE);

const PLANTS = {
  'an absolute path (the action’s own post.js)': () => absolutePathArchive(targets.actionPost, 'stealSecret()'),
  'a ../ path': () =>
    dotDotArchive(path.relative(directories.GITHUB_WORKSPACE, targets.dotDot).split(path.sep).join('/'), 'x'),
  'a symlink, then a file through it': () =>
    symlinkThroughArchive(
      '../../_temp/link',
      path.dirname(targets.throughLink),
      path.basename(targets.throughLink),
      'x',
    ),
  'a 2 GiB zstd bomb under the real name': () => zstdBomb(VALUE_MEMBER()),
} as const;

/** The run after a plant: exit 0, minted, one warning naming the entry, nothing written, nothing left running. */
async function expectRefusedAndReplaced(service: CacheService, key: string): Promise<void> {
  const { result, largest } = await largestFileWhile(() => run(service));
  expect(result.exitCode).toBe(0);
  expect(result.outputs['source']).toBe('minted');
  expect(warnings(result)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^Warning: (Could not read the Actions cache: entry "${key}" .+\\. Asking IMS instead\\.|The cached token ${key} .+) ` +
          `If this repeats, delete the entry: gh cache delete ${key}, or the repository's Actions > Caches page\\.$`,
      ),
    ),
  ]);
  expect(result.elapsedMs).toBeLessThan(10_000);
  expect(largest).toBeLessThanOrEqual(MiB);
  for (const target of Object.values(targets)) expect(existsSync(target)).toBe(false);
  // The save archives our own file with tar and zstd; nothing ever extracts, and nothing outlives the step.
  const runs = shimRuns();
  expect(
    runs.filter(
      (entry) =>
        /(^| )-[a-zA-Z]*x|--extract|--get| -d( |$)|--decompress/.test(entry.args) || entry.program === 'unzstd',
    ),
  ).toEqual([]);
  expect(runs.filter((entry) => alive(entry.pid))).toEqual([]);
  // The fresh token is saved, as the newest entry of the prefix.
  expect(service.entries().at(-1)?.key).toMatch(new RegExp(`^${cacheKeyPrefix(BINDING())}\\d{13}$`));
}

describe.each([
  ['v2', () => CacheService.start()],
  ['v1 (GHES)', () => CacheService.start({ protocol: 'v1' })],
] as const)('cache service %s: an entry planted as the newest of the prefix', (_protocol, start) => {
  let service: CacheService;
  let version: string;
  beforeAll(async () => {
    service = await start();
    version = await valueVersion();
  });
  afterEach(() => service.reset());
  afterAll(() => service.close());

  it.each(Object.keys(PLANTS) as (keyof typeof PLANTS)[])(
    '%s: writes nothing, mints, saves, and the next run reuses',
    async (plant) => {
      const key = `${cacheKeyPrefix(BINDING())}${Date.now() + 60_000}`;
      service.plant(key, version, PLANTS[plant]());
      await expectRefusedAndReplaced(service, key);
      ims.reset();
      // Entries are immutable and the planted one is newer still: a later run reads it again, unless deleted.
      service.remove(key);
      const next = await run(service);
      expect(next.outputs['source']).toBe('cache');
      expect(ims.requests).toHaveLength(0);
    },
    30_000,
  );
});

describe('a forged seal under the bare prefix (cache service v2 prefers an exact match on a restore key)', () => {
  let service: CacheService;
  beforeAll(async () => {
    service = await CacheService.start();
  });
  afterAll(() => service.close());

  it('is refused on every run, which mints and saves a fresh token each time', async () => {
    const prefix = cacheKeyPrefix(BINDING());
    const forged = sealToken(
      {
        accessToken: 'eyJ.forged.sig',
        tokenType: 'bearer',
        expiresIn: '86399',
        expiresAt: new Date(Date.now() + 86_399_000),
      },
      'p8e-a-guessed-secret',
      BINDING(),
      randomBytes,
    );
    service.plant(prefix, await valueVersion(), plainArchive(VALUE_MEMBER(), forged, 'zstd'));
    await expectRefusedAndReplaced(service, prefix);
    await expectRefusedAndReplaced(service, prefix);
    expect(ims.requests).toHaveLength(2);
    // Once it is deleted (gh cache delete), the fresh token is reused.
    service.remove(prefix);
    ims.reset();
    expect((await run(service)).outputs['source']).toBe('cache');
    expect(ims.requests).toHaveLength(0);
  }, 30_000);
});
