// `npm start -- fusion-api=true` (scripts/start.ts, run with tsx as npm runs
// it): the bundled step against the IMS emulator, then one fusion-api call as
// a later step of the job makes it, against the Fusion API emulator. The
// expected answer comes from the emulator's seeded organization.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { seedFusionData } from '../testbed/fusion-seed.js';
import { ROOT } from '../testbed/runner.js';

/** Runs scripts/start.ts with these arguments, with no real credential in its environment. */
function start(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const name of ['FUSION_CLIENT_ID', 'FUSION_CLIENT_SECRET', 'HTTPS_PROXY', 'https_proxy']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start -- fusion-api=true', () => {
  it('makes one fusion-api call after the step, as a later step would, and prints its answer', async () => {
    const { code, stdout, stderr } = await start(['fusion-api=true']);
    const seeded = seedFusionData();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain(
      `The fusion-api command is on PATH for the later steps of this job, for organization ${seeded.org.id} in region ${seeded.org.region}.`,
    );
    const call = lines.indexOf('--- a later step: fusion-api /api/v3/scenarios -q limit=3 -q orderby=+id ---');
    expect(call).toBeGreaterThan(0);
    const answer = JSON.parse(lines[call + 1] as string) as { items: { id: number }[]; _page: { count: number } };
    const firstThree = seeded.scenarios
      .map((scenario) => scenario.id)
      .sort((a, b) => a - b)
      .slice(0, 3);
    expect(answer.items.map((item) => item.id)).toEqual(firstThree);
    expect(answer._page.count).toBe(3);
    expect(lines[call + 2]).toMatch(/^--- exit code 0 after \d+ ms ---$/);
    expect(lines).toContain('The Fusion API emulator received 1 request(s).');
    // The token shows only masked: nothing shaped like one (a JWT) is printed.
    expect(stdout).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(stdout).toContain('access-token: ***');
  }, 90_000);

  it('makes no call and starts no Fusion API emulator without it', async () => {
    const { code, stdout } = await start([]);
    expect(code).toBe(0);
    expect(stdout).not.toContain('fusion-api');
    expect(stdout).not.toContain('Fusion API');
  }, 90_000);
});
