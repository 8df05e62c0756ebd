// npm run emulator as a contributor runs it (npx tsx scripts/emulator.ts): on a
// free port it serves until stopped; on a port that is taken, or one that is
// not a port, it says so in one line and exits 1, without a stack trace.
import { createServer } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { FUSION_SCOPES, TOKEN_PATH } from '../testbed/ims-emulator.js';
import { listenOnLoopback } from '../testbed/loopback.js';
import { runCommand, stackTraceLines } from '../testbed/terminal.js';

const SLOW = 60_000;

const emulator = (...args: string[]) => runCommand('npx', ['tsx', 'scripts/emulator.ts', ...args]);

describe('npm run emulator', () => {
  it(
    'says in one line that a port is taken and how to pick another',
    async () => {
      const holder = createServer();
      const close = await listenOnLoopback(holder);
      const address = holder.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      try {
        const { code, stdout, stderr } = await emulator('--port', String(port));
        expect(code).toBe(1);
        expect(stdout).toBe('');
        expect(stderr).toBe(
          `Port ${port} on 127.0.0.1 is already in use (an emulator already running?): stop what holds it, ` +
            'or pick another port with npm run emulator -- --port N (then point INPUT_IMS-URL in .env at it).\n',
        );
        expect(stackTraceLines(stderr)).toEqual([]);
      } finally {
        await close();
      }
    },
    SLOW,
  );

  it.each([
    [
      'not a number',
      ['--port', 'http'],
      /^--port must be a port number from 0 to 65535 \(0: any free one\), got "http"\./,
    ],
    [
      'out of range',
      ['--port', '70000'],
      /^--port must be a port number from 0 to 65535 \(0: any free one\), got "70000"\./,
    ],
    ['an unknown option', ['--prot', '8123'], /^Unknown option '--prot'.*Usage: npm run emulator -- --port N$/],
  ])(
    'says in one line what is wrong with a port %s',
    async (_what, args, message) => {
      const { code, stdout, stderr } = await emulator(...args);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    },
    SLOW,
  );

  it(
    'serves its credential on a free port, logs the requests it answers, and stops on Ctrl-C',
    async () => {
      // Ctrl-C once the emulator has both answered and logged the request.
      let answered: Promise<{ status: number; body: unknown }> | undefined;
      let logged = false;
      const finished = await runCommand('npx', ['tsx', 'scripts/emulator.ts', '--port', '0'], {
        onStdout: (stdout, command) => {
          const url = /^IMS emulator listening on (http:\/\/127\.0\.0\.1:\d+) /m.exec(stdout)?.[1];
          if (url !== undefined && answered === undefined) {
            const form = {
              grant_type: 'client_credentials',
              client_id: 'selftest-client',
              client_secret: 'selftest-secret',
              scope: FUSION_SCOPES.join(','),
            };
            answered = fetch(`${url}${TOKEN_PATH}`, { method: 'POST', body: new URLSearchParams(form) }).then(
              async (response) => ({ status: response.status, body: await response.json() }),
            );
          }
          if (!logged && stdout.includes(`\nPOST ${TOKEN_PATH}\n`)) {
            logged = true;
            void answered?.finally(() => command.interrupt());
          }
        },
      });
      // npx ends as interrupted, as a shell would show it; nothing of the emulator runs on.
      expect(finished).toEqual({
        code: null,
        signal: 'SIGINT',
        leftRunning: false,
        stderr: '',
        stdout: expect.stringMatching(
          new RegExp(
            '^IMS emulator listening on http://127\\.0\\.0\\.1:\\d+ \\(client selftest-client\\); ' +
              `stop it with Ctrl-C\\.\nPOST ${TOKEN_PATH}\n$`,
          ),
        ),
      });
      expect(await answered).toEqual({
        status: 200,
        body: expect.objectContaining({ access_token: expect.any(String) }),
      });
    },
    SLOW,
  );
});
