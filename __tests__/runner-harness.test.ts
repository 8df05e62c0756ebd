// The runner harness is what the end-to-end tests trust: check that it reads
// file commands and masks as the runner does, that its leak audit bites, and
// that a later step gets the PATH and environment the runner would give it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { encodeSession, sessionPaths } from '../src/fusion-session.js';
import {
  type RunResult,
  findLeaks,
  inputEnvironment,
  parseFileCommands,
  parsePathFile,
  findStrayCommands,
  renderRunnerLog,
  runLaterStep,
  stateEnvironment,
} from '../testbed/runner.js';

function result(overrides: Partial<RunResult>): RunResult {
  return {
    exitCode: 0,
    stdout: '',
    stderr: '',
    log: [],
    masks: [],
    errors: [],
    outputs: {},
    exportedEnv: {},
    state: {},
    addedPath: [],
    files: { output: '', env: '', state: '', path: '' },
    runnerTemp: '/runner/_temp',
    tempFiles: {},
    elapsedMs: 0,
    ...overrides,
  };
}

describe('file commands', () => {
  it('reads heredoc blocks and name=value lines', () => {
    const text = 'a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=plain=value\n\nc<<EOF\n\nEOF\n';
    expect(parseFileCommands(text)).toEqual({ a: 'line 1\nline 2', b: 'plain=value', c: '' });
  });

  it('refuses malformed files', () => {
    expect(() => parseFileCommands('a<<END\nvalue\n')).toThrow('no closing delimiter END');
    expect(() => parseFileCommands('just text\n')).toThrow('neither name=value nor name<<DELIM');
  });
});

describe('runner log', () => {
  it('masks values only after their ::add-mask:: line, longest first', () => {
    const stdout = 'early s3cret\n::add-mask::s3cret\n::add-mask::s3cret-long\nlate s3cret and s3cret-long\n';
    expect(renderRunnerLog(stdout)).toEqual({
      log: ['early s3cret', 'late *** and ***'],
      masks: ['s3cret', 's3cret-long'],
      errors: [],
    });
  });

  it('ends a line at \\n, \\r\\n and a lone \\r, as the runner reads them (StreamReader.ReadLine)', () => {
    expect(renderRunnerLog('text\r::set-output name=x::y\n').log).toEqual(['text', '::set-output name=x::y']);
    expect(renderRunnerLog('a\r\nb\nc\rd\r\r').log).toEqual(['a', 'b', 'c', 'd']);
    expect(renderRunnerLog('::add-mask::s3cret\rshown s3cret\n')).toEqual({
      log: ['shown ***'],
      masks: ['s3cret'],
      errors: [],
    });
  });

  it('shows annotations as the runner does, unescaped, and hides debug lines', () => {
    const stdout = '::add-mask::a%25b%0Ac\n::debug::hidden\n::warning::careful\n::error::bad%0Anews with a%b\n';
    const rendered = renderRunnerLog(stdout);
    expect(rendered.masks).toEqual(['a%b\nc']);
    expect(rendered.errors).toEqual(['bad\nnews with a%b']);
    expect(rendered.log).toEqual(['Warning: careful', 'Error: bad\nnews with a%b']);
  });
});

const SESSION = {
  accessToken: 'x',
  clientId: 'client',
  expiresAt: '2026-12-02T00:00:00.000Z',
  orgId: '123',
  region: 'or2',
  baseUrl: 'https://fusion.adobe.io',
  retries: 3,
  timeoutMs: 30_000,
};

describe('leak audit', () => {
  const SECRET = 'p8e-Secret+value%1';
  const TOKEN = 'eyJhbGciOi.eyJpZCI6IjEifQ.c2lnbmF0dXJlLXBhcnQ';
  const values = { secrets: [SECRET], tokens: [TOKEN] };

  it('passes a clean run, where the token stands only in its own places', () => {
    const clean = result({
      stdout: `::add-mask::${SECRET.replace('%', '%25')}\n::add-mask::${TOKEN}\nall good\n`,
      outputs: { 'access-token': TOKEN, 'token-type': 'bearer' },
      exportedEnv: { FUSION_ACCESS_TOKEN: TOKEN },
      state: { token: TOKEN },
      files: {
        output: `access-token<<d\n${TOKEN}\nd\ntoken-type<<d\nbearer\nd\n`,
        env: `FUSION_ACCESS_TOKEN<<e\n${TOKEN}\ne\n`,
        state: `token<<s\n${TOKEN}\ns\n`,
        path: '/runner/_temp/fusion-token-action-api/bin\n',
      },
      tempFiles: { [sessionPaths('.').file]: encodeSession({ ...SESSION, accessToken: TOKEN }) },
    });
    expect(findLeaks(clean, values)).toEqual([]);
  });

  it.each([
    ['as is', (value: string) => value],
    ['escaped in an annotation', (value: string) => `::error::x ${value.replace(/%/g, '%25')}`],
    ['percent-encoded', (value: string) => encodeURIComponent(value)],
    ['JSON-escaped', (value: string) => JSON.stringify(value)],
    ['cut to 12 characters', (value: string) => `"${value.slice(3, 15)}…"`],
  ])('finds a secret or token printed %s', (_how, form) => {
    expect(findLeaks(result({ stdout: `ok\n${form(SECRET)}\n` }), values)).toEqual(['secret on stdout line 2']);
    expect(findLeaks(result({ stderr: form(TOKEN) }), values)).toEqual(['token on stderr line 1']);
  });

  it('finds a secret or token anywhere in the files, names included, but the token in its own places', () => {
    const leaky = result({
      outputs: { 'access-token': TOKEN, copy: `Bearer ${TOKEN}` },
      exportedEnv: {},
      state: { token: TOKEN },
      files: {
        output: `access-token<<d\n${TOKEN}\nd\ncopy<<d\nBearer ${TOKEN}\nd\n`,
        env: `${SECRET}<<e\nx\ne\n`,
        state: `token<<s\n${TOKEN}\ns\n`,
        path: '',
      },
    });
    expect(findLeaks(leaky, values)).toEqual(['secret in GITHUB_ENV', 'token in output']);
    const misplaced = result({
      state: { saved: TOKEN },
      files: { output: '', env: '', state: `saved<<s\n${TOKEN}\ns\n`, path: '' },
    });
    expect(findLeaks(misplaced, values)).toEqual(['token in GITHUB_STATE']);
  });

  it('finds a token in GITHUB_PATH, and a secret or token in any file left in RUNNER_TEMP but its session', () => {
    const session = sessionPaths('.').file;
    const leaky = result({
      files: { output: '', env: '', state: '', path: `/tmp/${TOKEN}\n` },
      tempFiles: {
        [session]: encodeSession({ ...SESSION, accessToken: TOKEN, clientId: SECRET }),
        'fusion-token-action-api/bin/fusion-api': `exec node x.js ${TOKEN}`,
      },
    });
    expect(findLeaks(leaky, values)).toEqual([
      `secret in RUNNER_TEMP/${session}`,
      'token in GITHUB_PATH',
      'token in RUNNER_TEMP/fusion-token-action-api/bin/fusion-api',
    ]);
    // The token stands only in the accessToken of a session file, not in one that does not parse.
    const broken = result({ tempFiles: { [session]: `{"accessToken": "${TOKEN}"}` } });
    expect(findLeaks(broken, values)).toEqual([`token in RUNNER_TEMP/${session}`]);
  });

  it('finds a secret after a lone \\r, on a line of its own, even behind a mask command', () => {
    expect(findLeaks(result({ stdout: `::add-mask::x\r${SECRET}\n` }), values)).toEqual(['secret on stdout line 2']);
    expect(findLeaks(result({ stderr: `ok\r${TOKEN}` }), values)).toEqual(['token on stderr line 2']);
  });

  it('finds a command after a lone \\r, which starts a line for the runner', () => {
    expect(findStrayCommands('text\r::set-output name=x::y\n')).toEqual(['::set-output:: on line 2']);
    expect(findStrayCommands('a\r\n  ::stop-commands::z\r\n')).toEqual(['::stop-commands:: on line 2']);
  });

  it('finds commands the runner would obey that the action never means to give', () => {
    const stdout =
      '::add-mask::x\n::error::fine\n  ::stop-commands::abc\ntext ##[set-output name=a]b\n::set-output name=x::y\n';
    expect(findStrayCommands(stdout)).toEqual([
      '::stop-commands:: on line 3',
      '##[ on line 4',
      '::set-output:: on line 5',
    ]);
  });
});

describe('post step', () => {
  it('passes the main step state as STATE_* variables', () => {
    expect(stateEnvironment({ token: 't', 'expires-at': 'x' })).toEqual({ STATE_token: 't', 'STATE_expires-at': 'x' });
  });
});

describe('inputs', () => {
  it('sets every declared input with its action.yml default, names upper-cased, hyphens kept', () => {
    const env = inputEnvironment({ 'client-id': 'id', retries: '0' });
    expect(env).toEqual({
      'INPUT_CLIENT-ID': 'id',
      INPUT_SCOPES: 'openid,AdobeID,profile,additional_info.projectedProductContext',
      'INPUT_ORG-ID': '',
      'INPUT_IMS-URL': 'https://ims-na1.adobelogin.com',
      INPUT_RETRIES: '0',
      'INPUT_TIMEOUT-SECONDS': '30',
      'INPUT_EXPORT-ENV': 'false',
      INPUT_REVOKE: 'false',
      'INPUT_SEALED-TOKEN': '',
      'INPUT_MIN-REMAINING-MINUTES': '60',
      INPUT_CACHE: 'false',
      'INPUT_FUSION-API': 'false',
      'INPUT_FUSION-ORG-ID': '',
      'INPUT_FUSION-REGION': '',
      'INPUT_FUSION-URL': 'https://fusion.adobe.io',
    });
    expect(() => inputEnvironment({ 'client-idd': 'x' })).toThrow('input client-idd is not declared in action.yml');
  });
});

describe('later steps', () => {
  it('puts the GITHUB_PATH folders first on PATH as the runner does: the last added first, each once', () => {
    expect(parsePathFile('/a\n/b\r\n\n/a\n/c')).toEqual(['/c', '/a', '/b']);
    expect(parsePathFile('')).toEqual([]);
  });

  it('runs a command found on that PATH, with the GITHUB_ENV variables and the same RUNNER_TEMP', async () => {
    const runnerTemp = mkdtempSync(path.join(tmpdir(), 'harness-later-'));
    try {
      const bin = path.join(runnerTemp, 'bin');
      mkdirSync(bin);
      const probe = path.join(bin, 'probe');
      writeFileSync(probe, '#!/bin/sh\nprintf "%s|%s|%s|%s|%s" "$PATH" "$FROM_ENV" "$RUNNER_TEMP" "$OWN" "$(cat)"\n');
      chmodSync(probe, 0o755);
      const step = result({ runnerTemp, addedPath: ['/first', bin], exportedEnv: { FROM_ENV: 'exported' } });
      const later = await runLaterStep(step, 'probe', [], {
        env: { OWN: 'own' },
        basePath: '/usr/bin:/bin',
        input: 'in',
      });
      expect(later).toMatchObject({
        exitCode: 0,
        stdout: `/first:${bin}:/usr/bin:/bin|exported|${runnerTemp}|own|in`,
        stderr: '',
      });
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true });
    }
  });

  it('runs it in the folder given as cwd, and samples its peak memory through an exec', async () => {
    const runnerTemp = mkdtempSync(path.join(tmpdir(), 'harness-later-'));
    try {
      const workspace = path.join(runnerTemp, 'workspace');
      mkdirSync(workspace);
      const step = result({ runnerTemp });
      const here = await runLaterStep(step, 'pwd', [], { cwd: workspace });
      expect(here.stdout.trim()).toBe(workspace);
      expect(here.peakRssBytes).toBeUndefined();
      // A launcher that execs Node, as fusion-api's does: the peak is Node's, holding 96 MiB.
      const hold = `exec ${JSON.stringify(process.execPath)} -e "const b = Buffer.alloc(96 * 2 ** 20, 1); setTimeout(() => b, 200)"`;
      const held = await runLaterStep(step, 'sh', ['-c', hold], { measureMemory: true });
      expect(held.exitCode).toBe(0);
      expect(held.peakRssBytes).toBeGreaterThan(96 * 2 ** 20);
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true });
    }
  });

  it('refuses a step whose RUNNER_TEMP is gone', async () => {
    const step = result({ runnerTemp: path.join(tmpdir(), 'harness-no-such-folder') });
    await expect(runLaterStep(step, 'true', [])).rejects.toThrow('is gone: run the step with a runnerTemp');
  });
});
