// The runner harness is what the end-to-end tests trust: check that it reads
// file commands and masks as the runner does, and that its leak audit bites.
import { describe, expect, it } from '@jest/globals';
import {
  type RunResult,
  findLeaks,
  inputEnvironment,
  parseFileCommands,
  findStrayCommands,
  renderRunnerLog,
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
    files: { output: '', env: '', state: '' },
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
      },
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
      },
    });
    expect(findLeaks(leaky, values)).toEqual(['secret in GITHUB_ENV', 'token in output']);
    const misplaced = result({
      state: { saved: TOKEN },
      files: { output: '', env: '', state: `saved<<s\n${TOKEN}\ns\n` },
    });
    expect(findLeaks(misplaced, values)).toEqual(['token in GITHUB_STATE']);
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
    });
    expect(() => inputEnvironment({ 'client-idd': 'x' })).toThrow('input client-idd is not declared in action.yml');
  });
});
