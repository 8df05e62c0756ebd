// npm start as a contributor runs it (a child process, against the emulators it
// starts itself): what it prints and how it exits, after a typo, a failed run,
// and with revoke=true, whose post step revokes the token.
import { describe, expect, it } from '@jest/globals';
import { readActionMetadata } from '../testbed/runner.js';
import { type Finished, runCommand, stackTraceLines } from '../testbed/terminal.js';

// npm, tsx and two runs of the bundle under Node 24: seconds, more on a loaded machine.
const SLOW = 120_000;

const npmStart = (...args: string[]): Promise<Finished> => runCommand('npm', ['start', '--', ...args]);
const startScript = (...args: string[]): Promise<Finished> => runCommand('npx', ['tsx', 'scripts/start.ts', ...args]);

/** The lines between `--- title ---` and the `--- exit code` line that closes it. */
function section(stdout: string, title: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(`--- ${title} ---`);
  if (start === -1) throw new Error(`no section ${title} in:\n${stdout}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('--- exit code '));
  return lines.slice(start + 1, end === -1 ? undefined : end + 1);
}

const exitLine = (code: number): RegExp => new RegExp(`^--- exit code ${code} after \\d+ ms ---$`);

describe('npm start', () => {
  it(
    'says a typo in an input name in one line, without a stack trace, and starts nothing',
    async () => {
      const { code, stdout, stderr } = await startScript('retry=3');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const inputs = Object.keys(readActionMetadata().inputs).join(', ');
      expect(stderr).toBe(
        `npm start: retry is not an input of action.yml. Give inputs as name=value, the name one of: ${inputs}.\n`,
      );
      expect(stackTraceLines(stderr)).toEqual([]);
    },
    SLOW,
  );

  it(
    'says an argument that is not name=value in one line',
    async () => {
      const { code, stderr } = await startScript('retries');
      expect(code).toBe(2);
      expect(stderr).toMatch(/^npm start: retries is not name=value\. Give inputs as name=value, the name one of: /);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'says nothing about reuse on the default path, and runs the post step as the job ends',
    async () => {
      const { code, stdout } = await npmStart();
      expect(code).toBe(0);
      expect(section(stdout, 'runner log')).toEqual([
        expect.stringMatching(/^Got an IMS access token for client demo-client-id\. It expires at /),
        expect.stringMatching(exitLine(0)),
      ]);
      expect(section(stdout, 'post step log')).toEqual([
        'Token revocation is off (revoke: false): nothing to do.',
        expect.stringMatching(exitLine(0)),
      ]);
      expect(stdout).toContain('\nThe IMS emulator received 1 request(s): POST /ims/token/v3.\n');
    },
    SLOW,
  );

  it(
    'with revoke=true, runs the post step, which revokes the token the main step minted',
    async () => {
      const { code, stdout } = await npmStart('revoke=true');
      expect(code).toBe(0);
      expect(section(stdout, 'runner log')[0]).toMatch(/^Got an IMS access token for client demo-client-id\./);
      // The token dies with the job: no sealed token is handed on.
      expect(stdout).toContain('\nsealed-token: \n');
      expect(section(stdout, 'post step log')).toEqual([
        'Revoked the IMS access token of client demo-client-id.',
        expect.stringMatching(exitLine(0)),
      ]);
      expect(stdout).toContain(
        '\nThe IMS emulator received 2 request(s): POST /ims/token/v3, POST /ims/invalidate_token/v2.\n',
      );
    },
    SLOW,
  );

  it(
    'stops after a failed run: cache=true revoke=true prints the input error once',
    async () => {
      const { code, stdout } = await startScript('cache=true', 'revoke=true');
      expect(code).toBe(1);
      const inputError = /^Error: Input cache must be false when revoke is true: /;
      expect(stdout.split('\n').filter((line) => inputError.test(line))).toHaveLength(1);
      expect(section(stdout, 'runner log (first run)')).toEqual([
        expect.stringMatching(inputError),
        expect.stringMatching(exitLine(1)),
      ]);
      // The runner still runs the post step of a step that failed.
      expect(section(stdout, 'post step log (first run)')).toEqual([
        'This step minted no token: nothing to revoke.',
        expect.stringMatching(exitLine(0)),
      ]);
      expect(stdout).not.toContain('second run ---');
      expect(stdout).toContain(
        '\nStopped after the first run failed: a second run would find no token in the cache.\n',
      );
      expect(stdout).toContain('\nThe IMS emulator received 0 request(s).\n');
    },
    SLOW,
  );
});
