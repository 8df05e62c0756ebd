// Stands in for: careless or hostile workflow authors, who give inputs nobody planned for.
// Hostile input values for the fuzz tests, from a seeded generator so that a
// failing case can be replayed: FUZZ_SEED=<seed> npm test.
import { expect } from '@jest/globals';
import { INPUT_DEFAULTS, INPUT_NAMES, type InputName, parseInputs, tokenUrl } from '../src/inputs.js';
import { seededRandom } from './seeded-random.js';

export { seededRandom };

export function fuzzSeed(): number {
  const fromEnv = Number(process.env['FUZZ_SEED']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

const CONTROL = [...Array(32).keys(), 127].map((code) => String.fromCharCode(code));
const UNICODE = ['ü', 'é', 'ß', '漢字', '🔑', '\u200b', '\u202e', '\u0301', '\ufeff', '\u2028', '\u00a0', 'Ω'];
// Characters that look like valid ones: full-width digits and letters, Cyrillic, superscripts.
const LOOKALIKE_CHARS = ['１', '０', '３', 'ｈ', 'ｔ', 'а', 'о', 'е', 'і', '³', '⁄', '∶', '．'];
const SYNTAX = [
  '%',
  '+',
  '&',
  '=',
  ';',
  '#',
  '/',
  '?',
  '@',
  ':',
  '"',
  '\\',
  "'",
  '<',
  '>',
  '{',
  '}',
  '$',
  '`',
  ' ',
  ',',
  '::',
];

/** Values that look valid but are not, or are valid in a surprising way, per input. */
const LOOKALIKES: Record<InputName, readonly string[]> = {
  'client-id': ['abc 123', 'аbc123', 'abc123\u200b', '::error::x', '${{ secrets.X }}'],
  'client-secret': ['p8e-\u00a0secret', 'p8e-secret\r\nline', '::add-mask::x', 'p8e-%0Asecret'],
  scopes: ['openid,\u200bAdobeID', 'openid;AdobeID', '"openid"', 'openid\\', ',,,', 'оpenid'],
  'org-id': ['1234567890', 'ABC@adobeorg', 'ABC@AdobeOrg\n', 'ABC @AdobeOrg', 'ABC@AdobeOrg.evil'],
  'ims-url': [
    'ims-na1.adobelogin.com',
    'http://ims-na1.adobelogin.com',
    'https://user:pass@ims-na1.adobelogin.com',
    'https://ims-na1.adobelogin.com/ims/token/v3',
    'https://ims-na1.adobelogin.com?x=1',
    'ｈttps://ims-na1.adobelogin.com',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://127.0.0.1.evil.example',
    'https://',
  ],
  retries: ['３', '1e1', '0x3', '+3', '-0', '3.0', '11', '99999999999999999999', 'Infinity'],
  'timeout-seconds': ['１0', '1e2', '0', '-5', '600.0001', 'NaN', '0x10', '.', '1,5', 'Infinity'],
  'export-env': ['yes', '1', 'on', 'tRue', 'true\n', 'ｔrue'],
  revoke: ['yes', '0', 'off', 'fALSE', 'false ', 'ｆalse'],
  'sealed-token': ['fta1.', 'fta1.AAAA', 'fta2.abc', 'fta1.!!!!', 'fta1.' + 'A'.repeat(70_000), '::add-mask::x'],
  cache: ['yes', '1', 'on', 'TRUE ', 'ｔrue'],
  'min-remaining-minutes': ['1381', '-1', '60.5', '６0', '1e2', ' ', '0x3c', '99999999999999999999'],
  'fusion-api': ['yes', '1', 'on', 'tRUE', 'ｔrue'],
  'fusion-org-id': ['１２３', '123 456', '-1', '0x1F', '1e3', 'ABC@AdobeOrg', '12\n34'],
  'fusion-region': ['OR2', 'or_2', 'or 2', 'оr2', 'or2\nx', '::error::x'],
  'fusion-url': [
    'fusion.adobe.io',
    'http://fusion.adobe.io',
    'https://user:pass@fusion.adobe.io',
    'https://fusion.adobe.io/api/v3',
    'https://fusion.adobe.io?x=1',
    'javascript:alert(1)',
    'http://127.0.0.1.evil.example',
  ],
};

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomString(random: () => number, length: number): string {
  const pools = [CONTROL, UNICODE, LOOKALIKE_CHARS, SYNTAX, ['a', 'b', 'z', '0', '9', '-', '_', '.']];
  let value = '';
  for (let i = 0; i < length; i++) value += pick(random, pick(random, pools));
  return value;
}

/** One hostile value for an input: random characters, a lookalike, or a very long value. */
export function hostileValue(random: () => number, name: InputName, valid: string): string {
  const roll = random();
  if (roll < 0.35) return randomString(random, 1 + Math.floor(random() * 40));
  if (roll < 0.6) return pick(random, LOOKALIKES[name]);
  if (roll < 0.7) return valid + randomString(random, 1 + Math.floor(random() * 3));
  if (roll < 0.8) return randomString(random, 1 + Math.floor(random() * 3)) + valid;
  if (roll < 0.9) return (valid || 'x').repeat(Math.ceil((2000 + random() * 60_000) / Math.max(1, valid.length)));
  return '';
}

export interface FuzzCase {
  readonly inputs: Record<InputName, string>;
  /** Which inputs were made hostile. */
  readonly hostile: readonly InputName[];
}

/**
 * Valid inputs with one to three of them made hostile. The client secret
 * always carries a unique marker, so that a leak of it can be told apart from
 * ordinary text.
 */
export function fuzzCase(random: () => number, valid: Record<InputName, string>): FuzzCase {
  const names = Object.keys(valid) as InputName[];
  const count = 1 + Math.floor(random() * 3);
  const hostile = new Set<InputName>();
  while (hostile.size < count) hostile.add(pick(random, names));
  const inputs = { ...valid };
  for (const name of hostile) {
    const defaultValue = (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name];
    inputs[name] = hostileValue(random, name, valid[name] || defaultValue || '');
  }
  if (hostile.has('client-secret')) {
    inputs['client-secret'] = `${inputs['client-secret']}Zq${Math.floor(random() * 1e9).toString(36)}Zq`;
  }
  return { inputs, hostile: [...hostile] };
}

/** The parts of a secret that must never show: the value and each of its lines, when long enough to tell. */
export function secretParts(secret: string): string[] {
  return [secret, ...secret.split(/\r?\n/)].map((part) => part.trim()).filter((part) => part.length >= 6);
}

/**
 * The inputs as given when they are invalid (they send nothing) or point at
 * the emulator; otherwise the same inputs with ims-url set to the emulator, so
 * that no fuzz case ever sends a request off this machine.
 */
export function confineToEmulator(inputs: Record<InputName, string>, emulatorUrl: string): Record<InputName, string> {
  try {
    const parsed = parseInputs((name) => inputs[name].trim());
    if (tokenUrl(parsed).origin !== new URL(emulatorUrl).origin) return { ...inputs, 'ims-url': emulatorUrl };
  } catch {
    // Invalid inputs send nothing, wherever they point.
  }
  return inputs;
}

/** Valid inputs for a credential of the emulator: what the fuzz cases start from. */
export function validInputs(
  client: { readonly clientId: string; readonly clientSecret: string },
  imsUrl: string,
  retries: string,
): Record<InputName, string> {
  return {
    'client-id': client.clientId,
    'client-secret': client.clientSecret,
    scopes: 'openid,AdobeID',
    'org-id': '',
    'ims-url': imsUrl,
    retries,
    'timeout-seconds': '5',
    'export-env': 'false',
    revoke: 'false',
    'sealed-token': '',
    'min-remaining-minutes': '60',
    cache: 'false',
    'fusion-api': 'false',
    'fusion-org-id': '123456',
    'fusion-region': 'or2',
    'fusion-url': 'https://fusion.adobe.io',
  };
}

/**
 * A clear failure: one visible line that starts by naming the bad input, or
 * says the token could not be had; and no request at all for a bad input.
 */
export function expectClearFailure(label: string, message: string, requestsSent: number): void {
  expect([label, message]).toEqual([
    label,
    expect.stringMatching(/^(Input [a-z-]+ |Could not get an Adobe IMS access token (after|with client-secret line) )/),
  ]);
  expect([label, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(message), message.length < 1500]).toEqual([label, false, true]);
  if (message.startsWith('Input ')) {
    expect([label, INPUT_NAMES.some((name) => message.startsWith(`Input ${name} `)), requestsSent]).toEqual([
      label,
      true,
      0,
    ]);
  }
}
