import { describe, expect, it } from '@jest/globals';
import { quote } from '../src/text.js';
import {
  INPUT_DEFAULTS,
  INPUT_NAMES,
  InputError,
  type InputName,
  isLoopbackHost,
  parseInputs,
  tokenUrl,
  invalidateUrl,
} from '../src/inputs.js';
import { readActionMetadata } from '../testbed/runner.js';

const SECRET = 'p8e-Secret+&=%;#/ünï';

function reader(values: Partial<Record<InputName, string>>) {
  return (name: InputName): string => values[name] ?? '';
}

function parse(values: Partial<Record<InputName, string>>) {
  return parseInputs(reader({ 'client-id': 'abc123', 'client-secret': SECRET, ...values }));
}

function errorOf(values: Partial<Record<InputName, string>>): InputError {
  try {
    parse(values);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('parseInputs accepted the inputs');
}

describe('parseInputs', () => {
  it('reads the minimal inputs and fills in the defaults', () => {
    const inputs = parse({});
    expect(inputs).toEqual({
      clientId: 'abc123',
      clientSecrets: [SECRET],
      scopes: ['openid', 'AdobeID', 'profile', 'additional_info.projectedProductContext'],
      orgId: undefined,
      imsBaseUrl: 'https://ims-na1.adobelogin.com',
      retries: 3,
      timeoutMs: 30_000,
      exportEnv: false,
      revoke: false,
      sealedToken: '',
      minRemainingMs: 3_600_000,
      cache: false,
      fusionApi: false,
      fusionOrgId: '',
      fusionRegion: '',
      fusionBaseUrl: 'https://fusion.adobe.io',
    });
    expect(tokenUrl(inputs).href).toBe('https://ims-na1.adobelogin.com/ims/token/v3');
    expect(invalidateUrl(inputs).href).toBe('https://ims-na1.adobelogin.com/ims/invalidate_token/v2');
  });

  it('keeps the defaults equal to action.yml', () => {
    const declared = readActionMetadata().inputs;
    expect(Object.keys(declared)).toEqual([...INPUT_NAMES]);
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) {
      expect([name, declared[name]?.default]).toEqual([name, value]);
    }
    expect(declared['client-id']?.required).toBe(true);
    expect(declared['client-secret']?.required).toBe(true);
  });

  it.each([
    ['client-id', { 'client-id': '' }, /Input client-id is required: the client ID/],
    ['client-secret', { 'client-secret': '' }, /Input client-secret is required/],
  ])('requires %s', (_name, values, message) => {
    expect(errorOf(values).message).toMatch(message);
  });

  it.each(['with space', 'tab\there', 'x'.repeat(256), 'ünicode'])(
    'rejects the client-id %j without quoting it',
    (clientId) => {
      const { message } = errorOf({ 'client-id': clientId });
      expect(message).toMatch(/^Input client-id must be .* printable ASCII characters without spaces\.$/);
      expect(message).not.toContain(clientId);
    },
  );

  it.each([
    ['zq\0nul', /^Input client-secret must be a client secret of at most 1024 characters, without control characters/],
    ['zq'.repeat(513), /^Input client-secret must be a client secret of at most 1024/],
    ['zq-ok\nzq\u0007bell', /^Input client-secret \(line 2\) must be a client secret/],
    [
      Array.from({ length: 11 }, (_, i) => `zq${i}`).join('\n'),
      /^Input client-secret has 11 lines; give at most 10 secrets, one per line\.$/,
    ],
  ])('rejects a client-secret %#, never quoting it', (secret, message) => {
    const error = errorOf({ 'client-secret': secret });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('zq');
  });

  it.each([
    ['org-id', 'p8e-AbCdEfGh12345678'],
    ['ims-url', 'https://ims.example.com/p8e-AbCdEfGh12345678?'],
    ['retries', 'p8e-AbCdEfGh12345678'],
  ] as const)('never shows a secret pasted into %s', (name, value) => {
    const { message } = errorOf({ 'client-secret': 'p8e-AbCdEfGh12345678', [name]: value });
    expect(message).toBe(`Input ${name} is not valid; its value is not shown because it contains the client secret.`);
  });

  it('takes one secret per line, trimmed, blank lines dropped, order kept', () => {
    expect(parse({ 'client-secret': ' new-secret \r\n\n old-secret\n' }).clientSecrets).toEqual([
      'new-secret',
      'old-secret',
    ]);
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads the booleans export-env and revoke: %s', (value, expected) => {
    expect(parse({ 'export-env': value, revoke: value })).toMatchObject({ exportEnv: expected, revoke: expected });
  });

  it.each(['yes', '1', 'tRue', 'on'])('rejects the boolean %j, naming the input', (value) => {
    expect(errorOf({ 'export-env': value }).message).toBe(`Input export-env must be true or false, got "${value}".`);
    expect(errorOf({ revoke: value }).message).toBe(`Input revoke must be true or false, got "${value}".`);
    expect(errorOf({ cache: value }).message).toBe(`Input cache must be true or false, got "${value}".`);
    expect(errorOf({ 'fusion-api': value }).message).toBe(`Input fusion-api must be true or false, got "${value}".`);
  });

  it('reads cache, off by default', () => {
    expect(parse({ cache: 'true' }).cache).toBe(true);
    expect(parse({}).cache).toBe(false);
  });

  it('refuses cache with revoke: a cached token must outlive the job', () => {
    expect(errorOf({ cache: 'true', revoke: 'true' }).message).toMatch(
      /^Input cache must be false when revoke is true: a cached token must outlive the job/,
    );
    expect(parse({ cache: 'true', revoke: 'false' }).cache).toBe(true);
  });

  it.each([
    ['0', 0],
    ['60', 3_600_000],
    ['1380', 82_800_000],
  ])('reads min-remaining-minutes %s', (value, ms) => {
    expect(parse({ 'min-remaining-minutes': value }).minRemainingMs).toBe(ms);
  });

  it.each(['1381', '-1', '1.5', '1e2', 'sixty'])('rejects min-remaining-minutes %j', (value) => {
    expect(errorOf({ 'min-remaining-minutes': value }).message).toBe(
      `Input min-remaining-minutes must be a whole number of minutes from 0 to 1380, got "${value}".`,
    );
  });

  it('takes any sealed-token as given: it never fails the step', () => {
    expect(parse({ 'sealed-token': 'not a seal at all' }).sealedToken).toBe('not a seal at all');
  });

  it('splits scopes on commas, spaces and newlines, drops duplicates and keeps order', () => {
    expect(parse({ scopes: ' openid, AdobeID\nprofile  openid,,AdobeID ' }).scopes).toEqual([
      'openid',
      'AdobeID',
      'profile',
    ]);
  });

  it.each([', ,', '\n,\n'])('rejects scopes that split into nothing: %j', (scopes) => {
    expect(errorOf({ scopes }).message).toMatch(/^Input scopes must name at least one scope/);
  });

  it.each(['open"id', 'back\\slash', 'bell\x07'])('rejects the scope %j', (scope) => {
    expect(errorOf({ scopes: `openid,${scope}` }).message).toMatch(/^Input scopes has an invalid scope "/);
  });

  it('accepts an IMS org ID and rejects a numeric Fusion org ID with a pointer to the header', () => {
    expect(parse({ 'org-id': '0123456789ABCDEF01234567@AdobeOrg' }).orgId).toBe('0123456789ABCDEF01234567@AdobeOrg');
    expect(errorOf({ 'org-id': '123456' }).message).toMatch(
      /^Input org-id must be an IMS organization ID .*got "123456".*x-organization-id/,
    );
  });

  it.each([
    ['https://ims-na1-stg1.adobelogin.com', 'https://ims-na1-stg1.adobelogin.com/ims/token/v3'],
    ['https://ims-na1.adobelogin.com/', 'https://ims-na1.adobelogin.com/ims/token/v3'],
    ['https://gateway.example.com/adobe//', 'https://gateway.example.com/adobe/ims/token/v3'],
    ['http://localhost:8080', 'http://localhost:8080/ims/token/v3'],
    ['http://127.0.0.1:9', 'http://127.0.0.1:9/ims/token/v3'],
    ['http://[::1]:9/', 'http://[::1]:9/ims/token/v3'],
  ])('turns ims-url %s into %s', (imsUrl, expected) => {
    expect(tokenUrl(parse({ 'ims-url': imsUrl })).href).toBe(expected);
  });

  it.each([
    ['ims-na1.adobelogin.com', /^Input ims-url must be the IMS base URL, .*"ims-na1.adobelogin.com" is not a URL/],
    ['http://ims-na1.adobelogin.com', /^Input ims-url must use https \(plain http only for a loopback host/],
    ['ftp://127.0.0.1', /^Input ims-url must use https/],
    ['https://ims-na1.adobelogin.com?client_secret=x', /^Input ims-url must not have a query or a fragment/],
    ['https://ims-na1.adobelogin.com/#frag', /^Input ims-url must not have a query or a fragment/],
    ['https://ims-na1.adobelogin.com/ims/token/v3', /^Input ims-url is the IMS base URL, without \/ims\/token\/v3/],
  ])('rejects the ims-url %s', (imsUrl, message) => {
    expect(errorOf({ 'ims-url': imsUrl }).message).toMatch(message);
  });

  it('rejects credentials in ims-url without quoting them', () => {
    const { message } = errorOf({ 'ims-url': 'https://user:hunter2@ims-na1.adobelogin.com' });
    expect(message).toMatch(/^Input ims-url must not contain a user name or password/);
    expect(message).not.toContain('hunter2');
  });

  it.each([
    ['0', 0],
    ['10', 10],
    ['007', 7],
  ])('accepts retries %s', (retries, expected) => {
    expect(parse({ retries }).retries).toBe(expected);
  });

  it.each(['11', '-1', '1.5', 'three', '1e1', ' 2x'])('rejects retries %j', (retries) => {
    expect(errorOf({ retries }).message).toMatch(/^Input retries must be a whole number from 0 to 10, got "/);
  });

  it.each([
    ['0.5', 500],
    ['600', 600_000],
    ['.25', 250],
    ['30.', 30_000],
  ])('accepts timeout-seconds %s', (timeout, expectedMs) => {
    expect(parse({ 'timeout-seconds': timeout }).timeoutMs).toBe(expectedMs);
  });

  it.each(['0', '600.5', '-1', 'Infinity', '1e2', 'NaN', '.'])('rejects timeout-seconds %j', (timeout) => {
    expect(errorOf({ 'timeout-seconds': timeout }).message).toMatch(
      /^Input timeout-seconds must be a number of seconds greater than 0 and at most 600, got "/,
    );
  });
});

describe('fusion-api inputs', () => {
  it('reads fusion-api, fusion-org-id, fusion-region and fusion-url', () => {
    expect(
      parse({
        'fusion-api': 'true',
        'fusion-org-id': '0123456',
        'fusion-region': 'us-east-1',
        'fusion-url': 'http://127.0.0.1:9/gateway/',
      }),
    ).toMatchObject({
      fusionApi: true,
      fusionOrgId: '0123456',
      fusionRegion: 'us-east-1',
      fusionBaseUrl: 'http://127.0.0.1:9/gateway',
    });
  });

  it.each([
    ['https://fusion.adobe.io/', 'https://fusion.adobe.io'],
    ['https://gateway.example.com/fusion//', 'https://gateway.example.com/fusion'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:9/', 'http://[::1]:9'],
  ])('keeps fusion-url %s as %s', (fusionUrl, expected) => {
    expect(parse({ 'fusion-url': fusionUrl }).fusionBaseUrl).toBe(expected);
  });

  it.each([
    ['fusion.adobe.io', /^Input fusion-url must be the Fusion API base URL, .*"fusion.adobe.io" is not a URL\.$/],
    ['http://fusion.adobe.io', /^Input fusion-url must use https \(plain http only for a loopback host/],
    ['ftp://127.0.0.1', /^Input fusion-url must use https/],
    ['https://fusion.adobe.io/?limit=1', /^Input fusion-url must not have a query or a fragment/],
    ['https://fusion.adobe.io#x', /^Input fusion-url must not have a query or a fragment/],
    ['https://fusion.adobe.io/api/v3/', /^Input fusion-url is the Fusion API base URL, without \/api\/v3 /],
    ['https://fusion.adobe.io/api', /^Input fusion-url is the Fusion API base URL, without \/api\/v3 /],
  ])('rejects the fusion-url %s, even with fusion-api: false', (fusionUrl, message) => {
    expect(errorOf({ 'fusion-url': fusionUrl }).message).toMatch(message);
    expect(errorOf({ 'fusion-url': fusionUrl, 'fusion-api': 'true' }).message).toMatch(message);
  });

  it('rejects credentials in fusion-url without quoting them', () => {
    const { message } = errorOf({ 'fusion-url': 'https://user:hunter2@fusion.adobe.io' });
    expect(message).toMatch(/^Input fusion-url must not contain a user name or password/);
    expect(message).not.toContain('hunter2');
  });

  it.each(['abc', '12 34', '-1', '1e3', '１２３', '0x1F', '1'.repeat(21)])(
    'rejects the fusion-org-id %j: up to 20 digits',
    (orgId) => {
      expect(errorOf({ 'fusion-org-id': orgId }).message).toBe(
        'Input fusion-org-id must be the numeric Fusion organization ID (up to 20 digits: the number in the Fusion URL ' +
          `.../organization/{id}/dashboard), got ${JSON.stringify(orgId)}.`,
      );
    },
  );

  it('points an IMS organization ID given as fusion-org-id to org-id', () => {
    expect(errorOf({ 'fusion-org-id': '0123456789ABCDEF01234567@AdobeOrg' }).message).toMatch(
      /got "0123456789ABCDEF01234567@AdobeOrg"\. An IMS organization ID \(\.\.\.@AdobeOrg\) belongs in org-id\.$/,
    );
  });

  it.each(['OR2', 'or_2', 'or 2', 'or2.', 'оr2', 'r'.repeat(64)])('rejects the fusion-region %j', (region) => {
    expect(errorOf({ 'fusion-region': region }).message).toBe(
      'Input fusion-region must be a Fusion region such as or2 (up to 63 lowercase letters, digits and hyphens: the ' +
        `"Adobe region" of your Fusion profile), got ${quote(region)}.`,
    );
  });

  it.each([
    ['fusion-org-id', '12345678901234', '12345678901234'],
    ['fusion-region', 'p8e-abcdefgh', 'p8e-abcdefgh'],
    ['fusion-url', 'https://fusion.adobe.io/p8e-AbCdEfGh', 'p8e-AbCdEfGh'],
    ['fusion-region', 'abcd+efgh', 'abcd+efgh'],
  ] as const)('never takes (nor shows) a secret pasted into %s, even where it fits', (name, value, secret) => {
    const { message } = errorOf({ 'client-secret': secret, [name]: value });
    expect(message).toBe(`Input ${name} is not valid; its value is not shown because it contains the client secret.`);
  });
});

describe('helpers', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['[::1]', true],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
