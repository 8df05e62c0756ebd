import { describe, expect, it } from '@jest/globals';
import { quote, visible } from '../src/text.js';

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
