// GitHub's debugger @github/local-action, as `npm run local-action` runs it:
// the TypeScript source of both steps, main then post, in one process with its
// own @actions/core, with the inputs of .env.example, against the IMS emulator.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { secretForms } from '../src/text.js';
import { FUSION_SCOPES, INVALIDATE_PATH, ImsEmulator, TOKEN_PATH } from '../testbed/ims-emulator.js';
import { ROOT } from '../testbed/runner.js';

// local-action starts tsx through npm exec: seconds, more on a loaded machine.
const KILL_AFTER_MS = 90_000;

/** KEY=VALUE lines of a dotenv file, comments and blank lines left out. */
function readDotenv(file: string): Record<string, string> {
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`${file}: not KEY=VALUE: ${line}`);
      return [line.slice(0, eq), line.slice(eq + 1)] as const;
    });
  return Object.fromEntries(entries);
}

const example = readDotenv(path.join(ROOT, '.env.example'));
const script = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts['local-action'];

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the npm script's command line with its .env swapped for `envFile`. */
function runLocalAction(envFile: string): Promise<Finished> {
  const [bin, ...args] = (script ?? '').split(' ');
  expect(bin).toBe('local-action');
  expect(args).toContain('.env');
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0' };
  // Jest's flags and any proxy of the machine are not the action's.
  for (const name of ['NODE_OPTIONS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'local-action'),
      args.map((arg) => (arg === '.env' ? envFile : arg)),
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

let work: string;
let ims: ImsEmulator;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'fusion-local-action-'));
  ims = await ImsEmulator.start([
    {
      clientId: example['INPUT_CLIENT-ID'] ?? '',
      clientSecret: example['INPUT_CLIENT-SECRET'] ?? '',
      scopes: FUSION_SCOPES,
    },
  ]);
});
afterAll(async () => {
  await ims.close();
  rmSync(work, { recursive: true, force: true });
});

describe('npm run local-action', () => {
  it('runs src/main.ts and src/post.ts from .env.example, which points at npm run emulator', () => {
    expect(script).toBe('local-action . src/main.ts .env --post src/post.ts');
    expect(example).toEqual({
      'INPUT_CLIENT-ID': 'selftest-client',
      'INPUT_CLIENT-SECRET': 'selftest-secret',
      'INPUT_IMS-URL': 'http://127.0.0.1:8123',
      INPUT_REVOKE: 'true',
    });
  });

  it('mints in the main step and revokes that token in the post step', async () => {
    const envFile = path.join(work, '.env');
    const env: Record<string, string> = { ...example, 'INPUT_IMS-URL': ims.url };
    writeFileSync(
      envFile,
      Object.entries(env)
        .map(([name, value]) => `${name}=${value}\n`)
        .join(''),
    );

    const before = Date.now();
    const { code, stdout, stderr } = await runLocalAction(envFile);
    const context = `local-action printed:\n${stdout}\n${stderr}`;
    expect({ code, context }).toEqual({ code: 0, context });
    expect(stdout).not.toContain('::error::');

    // One token minted, then exactly that token revoked, both with the client's credentials.
    expect(ims.requests.map((request) => request.url)).toEqual([TOKEN_PATH, INVALIDATE_PATH]);
    expect(ims.issued).toHaveLength(1);
    const token = ims.issued[0]?.accessToken as string;
    expect(ims.revoked).toEqual([token]);

    // The steps ran in order, each through local-action's @actions/core.
    const main = stdout.indexOf('Running Action');
    const post = stdout.indexOf('Running Post Step');
    expect(main).toBeGreaterThan(-1);
    expect(post).toBeGreaterThan(main);
    const outputs = Object.fromEntries(
      [...stdout.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)].map((match) => [match[1], match[2]]),
    );
    // With revoke: true the token dies with the job, so no sealed token is handed on.
    expect(outputs).toEqual({
      'token-type': 'bearer',
      'expires-in': '86399',
      'expires-at': expect.any(String),
      'sealed-token': '',
      source: 'minted',
    });
    const expiresAt = Date.parse(outputs['expires-at'] as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_399_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_399_000 + 1000);
    // The token was masked before it was set: local-action, like the runner
    // with job outputs, then withholds an output that holds a masked value.
    expect(stdout).toContain('::warning::Skip output access-token since it may contain secret.');
    expect(stdout.indexOf('::info::Revoked the IMS access token of client selftest-client.')).toBeGreaterThan(post);

    // Neither the secret nor the token shows anywhere.
    for (const value of [token, ...secretForms(env['INPUT_CLIENT-SECRET'] ?? '')]) {
      expect(stdout.includes(value) || stderr.includes(value)).toBe(false);
    }
  }, 120_000);
});
