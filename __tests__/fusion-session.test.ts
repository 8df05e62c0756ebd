import { describe, expect, it } from '@jest/globals';
import { SESSION_FORMAT, encodeSession, parseSession, sessionPaths } from '../src/fusion-session.js';

const SESSION = {
  accessToken: 'token-value',
  clientId: 'client',
  expiresAt: '2026-12-02T00:00:00.000Z',
  orgId: '123',
  region: 'or2',
  baseUrl: 'https://fusion.adobe.io',
  retries: 3,
  timeoutMs: 30_000,
};

describe('fusion-api session file', () => {
  it('reads back what it writes, with its format', () => {
    expect(parseSession(encodeSession(SESSION))).toEqual({ format: SESSION_FORMAT, ...SESSION });
  });

  it('keeps the session and the launchers in one folder under RUNNER_TEMP', () => {
    const paths = sessionPaths('/runner/_temp');
    expect(paths.file.startsWith(`${paths.folder}/`)).toBe(true);
    expect(paths.bin.startsWith(`${paths.folder}/`)).toBe(true);
    expect(paths.folder.startsWith('/runner/_temp/')).toBe(true);
  });

  it.each([
    ['not json', 'is not JSON'],
    ['null', 'is not a JSON object'],
    [JSON.stringify({ ...SESSION, format: 'other' }), `is not of format ${SESSION_FORMAT}`],
    [JSON.stringify({ ...SESSION, format: SESSION_FORMAT, clientId: 7 }), 'has no clientId string'],
    [JSON.stringify({ ...SESSION, format: SESSION_FORMAT, retries: -1 }), 'has no retries whole number'],
    [
      JSON.stringify({ ...SESSION, format: SESSION_FORMAT, accessToken: '' }),
      'has an empty accessToken, clientId or baseUrl',
    ],
    [JSON.stringify({ ...SESSION, format: SESSION_FORMAT, expiresAt: 'soon' }), 'has no valid expiresAt'],
  ])('refuses %s without quoting a value', (text, problem) => {
    const parsed = parseSession(text);
    expect(parsed).toEqual({ problem });
    expect(JSON.stringify(parsed)).not.toContain('token-value');
  });
});
