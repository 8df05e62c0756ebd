// The runner harness is what the end-to-end tests trust: check that it reads
// file commands and masks as the runner does, and that its leak audit bites.
import { describe, expect, it } from '@jest/globals';
import {
  type RunResult,
  findLeaks,
  inputEnvironment,
  parseFileCommands,
  renderRunnerLog,
  stateEnvironment,
} from './support/runner.js';

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

  it('shows annotations as the runner does, unescaped, and hides debug lines', () => {
    const stdout = '::add-mask::a%25b%0Ac\n::debug::hidden\n::warning::careful\n::error::bad%0Anews with a%b\n';
    const rendered = renderRunnerLog(stdout);
    expect(rendered.masks).toEqual(['a%b\nc']);
    expect(rendered.errors).toEqual(['bad\nnews with a%b']);
    expect(rendered.log).toEqual(['Warning: careful', 'Error: bad\nnews with a%b']);
  });
});

describe('leak audit', () => {
  const values = { secrets: ['SECRET'], tokens: ['TOKEN'] };

  it('passes a clean run, where the token stands only in its own places', () => {
    const clean = result({
      stdout: '::add-mask::SECRET\n::add-mask::TOKEN\nall good\n',
      outputs: { 'access-token': 'TOKEN', 'token-type': 'bearer' },
      exportedEnv: { FUSION_ACCESS_TOKEN: 'TOKEN' },
      state: { token: 'TOKEN' },
      files: {
        output: 'access-token<<d\nTOKEN\nd\n',
        env: 'FUSION_ACCESS_TOKEN<<e\nTOKEN\ne\n',
        state: 'token<<s\nTOKEN\ns\n',
      },
    });
    expect(findLeaks(clean, values)).toEqual([]);
  });

  it('finds every leak', () => {
    const leaky = result({
      stdout: '::add-mask::SECRET\nsecret is SECRET\n',
      stderr: 'Error: TOKEN\n    at x',
      outputs: { 'access-token': 'TOKEN', echo: 'SECRET', copy: 'Bearer TOKEN' },
      exportedEnv: { X: 'SECRET' },
      state: { saved: 'TOKEN', token: 'TOKEN' },
      files: { output: '', env: 'X=SECRET\n', state: 'saved<<d\nTOKEN\nd\ntoken<<d\nTOKEN\nd\n' },
    });
    expect(findLeaks(leaky, values)).toEqual([
      'secret on stdout line 2',
      'secret in output echo',
      'secret in GITHUB_ENV X',
      'token on stderr line 1',
      'token in output copy',
      'token in GITHUB_STATE saved',
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
    });
    expect(() => inputEnvironment({ 'client-idd': 'x' })).toThrow('input client-idd is not declared in action.yml');
  });
});
