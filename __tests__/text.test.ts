import { describe, expect, it } from '@jest/globals';
import { errorText, quote, secretForms, visible } from '../src/text.js';

describe('quote', () => {
  it('shows a value as one JSON string', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('escapes control, invisible and bidi characters so the log shows them', () => {
    expect(quote('a\nb\r\tc\u0000\u007f')).toBe('"a\\nb\\r\\tc\\u0000\\u007f"');
    expect(quote('open\u200bid')).toBe('"open\\u200bid"');
    expect(quote('x\u202ey\u2028z\u2029\ufeff')).toBe('"x\\u202ey\\u2028z\\u2029\\ufeff"');
    expect(quote('ü 漢字 🔑')).toBe('"ü 漢字 🔑"');
  });

  it('cuts long values, by default at 60 characters', () => {
    expect(quote('x'.repeat(100))).toBe(JSON.stringify(`${'x'.repeat(60)}…`));
    expect(quote('y'.repeat(10), 4)).toBe('"yyyy…"');
    expect(quote('y'.repeat(4), 4)).toBe('"yyyy"');
  });
});

describe('visible', () => {
  it('escapes only what cannot be seen', () => {
    expect(visible('plain text: ü 漢字')).toBe('plain text: ü 漢字');
    expect(visible('a\nb\u202ec\u200b')).toBe('a\\u000ab\\u202ec\\u200b');
  });
});

describe('runner commands in untrusted text', () => {
  it('defuses the legacy ##[command] syntax, which the runner obeys anywhere in a line', () => {
    expect(visible('HTTP 503 ##[stop-commands]zz and ##[add-mask]x')).toBe(
      'HTTP 503 ##\\u005bstop-commands]zz and ##\\u005badd-mask]x',
    );
    expect(quote('##[set-output name=x]y')).not.toContain('##[');
    expect(visible('# [not a command] #[ either')).toBe('# [not a command] #[ either');
  });
});

describe('secretForms', () => {
  it('lists a secret as is, percent-encoded, form-encoded, JSON-escaped and as a header echoes it, once each', () => {
    expect(secretForms('a+b "c"/ü')).toEqual([
      'a+b "c"/ü',
      'a%2Bb%20%22c%22%2F%C3%BC',
      'a%2Bb+%22c%22%2F%C3%BC',
      'a+b \\"c\\"/ü',
      'a+b "c"/\u00c3\u00bc',
    ]);
    expect(secretForms('plain-secret')).toEqual(['plain-secret']);
  });

  it('lists a non-ASCII secret as a header echoes it too: its UTF-8 bytes read as Latin-1', () => {
    expect(secretForms('ab-ü')).toContain('ab-\u00c3\u00bc');
  });
});

describe('errorText', () => {
  it("gives an error's message, whatever realm made it, else the value as text", () => {
    expect(errorText(new TypeError('boom'))).toBe('boom');
    expect(errorText({ message: 'from another realm', code: 'ENOTDIR' })).toBe('from another realm');
    expect(errorText('a string')).toBe('a string');
    expect(errorText({ message: 7 })).toBe('[object Object]');
    expect(errorText(null)).toBe('null');
  });
});
