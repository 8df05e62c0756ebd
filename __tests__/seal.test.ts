// The sealed token (format fta1): round trip, every binding, every byte, and
// the format as documented, opened here with node:crypto alone as another tool would.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { IssuedToken } from '../src/ims.js';
import { type SealBinding, openSealed, sealAvoiding, sealToken } from '../src/seal.js';
import { seededRandom } from '../testbed/fuzz.js';

const TOKEN: IssuedToken = {
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJzZWFsLWNsaWVudCJ9.c2lnbmF0dXJl',
  tokenType: 'bearer',
  expiresIn: '86399',
  expiresAt: new Date('2026-12-01T03:00:00.000Z'),
};
const SECRET = 'p8e-Seal+secret&=%ünï';
const BINDING: SealBinding = {
  repository: 'octo/fusion-jobs',
  clientId: 'seal-client',
  imsBaseUrl: 'https://ims-na1.adobelogin.com',
  scopes: ['openid', 'AdobeID'],
  orgId: undefined,
};

/** Deterministic bytes for tests that need a fixed seal. */
function seededBytes(seed: number): (size: number) => Buffer {
  const random = seededRandom(seed);
  return (size) => Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
}

const sealed = sealToken(TOKEN, SECRET, BINDING, randomBytes);

describe('sealToken and openSealed', () => {
  it('round-trips the token with the secret that sealed it', () => {
    expect(sealed).toMatch(/^fta1\.[A-Za-z0-9_-]+$/);
    expect(openSealed(sealed, [SECRET], BINDING)).toEqual({ ok: true, token: TOKEN, position: 1 });
  });

  it('opens with any line of a rotated secret and says which', () => {
    expect(openSealed(sealed, ['the-new-secret', SECRET], BINDING)).toEqual({ ok: true, token: TOKEN, position: 2 });
  });

  it('uses a fresh salt and IV every time, so two seals of one token differ', () => {
    expect(sealToken(TOKEN, SECRET, BINDING, randomBytes)).not.toBe(sealed);
    expect(sealToken(TOKEN, SECRET, BINDING, seededBytes(1))).toBe(sealToken(TOKEN, SECRET, BINDING, seededBytes(1)));
  });

  it('holds neither the token, the secret nor any bound value in clear', () => {
    const decoded = Buffer.from(sealed.slice(5), 'base64url').toString('latin1');
    for (const value of [TOKEN.accessToken, SECRET, BINDING.clientId, BINDING.repository, 'openid', 'bearer']) {
      expect(sealed).not.toContain(value);
      expect(decoded).not.toContain(value);
    }
  });

  it.each([
    ['another secret', [['secret', 'another-secret']]],
    ['another repository', [['repository', 'octo/other']]],
    ['outside Actions (no repository)', [['repository', '']]],
    ['another client', [['clientId', 'other-client']]],
    ['another IMS', [['imsBaseUrl', 'https://ims-na1-stg1.adobelogin.com']]],
    ['other scopes', [['scopes', ['openid', 'AdobeID', 'profile']]]],
    ['the same scopes in another order', [['scopes', ['AdobeID', 'openid']]]],
    ['an org ID', [['orgId', '0123456789ABCDEF01234567@AdobeOrg']]],
  ] as const)('does not open for %s', (_what, changes) => {
    let secret = SECRET;
    let binding: SealBinding = BINDING;
    for (const [field, value] of changes) {
      if (field === 'secret') secret = value;
      else binding = { ...binding, [field]: value };
    }
    expect(openSealed(sealed, [secret], binding)).toEqual({ ok: false, problem: 'does not open' });
  });

  it('does not open when any byte is flipped', () => {
    const bytes = Buffer.from(sealed.slice(5), 'base64url');
    for (let index = 0; index < bytes.length; index++) {
      const flipped = Buffer.from(bytes);
      flipped[index] = (flipped[index] as number) ^ 0x01;
      const result = openSealed(`fta1.${flipped.toString('base64url')}`, [SECRET], BINDING);
      expect([index, result]).toEqual([index, { ok: false, problem: 'does not open' }]);
    }
  });

  it('does not open when any character is changed, even in the unused low bits of the last one', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let opened = 0;
    for (let index = 5; index < sealed.length; index++) {
      for (const character of alphabet) {
        if (character === sealed[index]) continue;
        const changed = sealed.slice(0, index) + character + sealed.slice(index + 1);
        if (openSealed(changed, [SECRET], BINDING).ok) opened++;
      }
    }
    expect(opened).toBe(0);
  });

  it('does not open when cut anywhere', () => {
    for (let length = sealed.length - 1; length >= 5; length--) {
      const result = openSealed(sealed.slice(0, length), [SECRET], BINDING);
      expect([length, result.ok]).toEqual([length, false]);
    }
  });

  it.each([
    ['empty', '', 'is not an fta1 sealed token'],
    ['another version', 'fta2.AAAA', 'is not an fta1 sealed token'],
    ['another case', 'FTA1.AAAA', 'is not an fta1 sealed token'],
    ['a leading space', ` ${sealed}`, 'is not an fta1 sealed token'],
    ['a base64 (not base64url) character', sealed.replace('fta1.', 'fta1.+'), 'is not base64url'],
    ['padding', `${sealed}=`, 'is not base64url'],
    ['a length no base64 has', `fta1.${'A'.repeat(4 * 20 + 1)}`, 'is not base64url'],
    ['a line break inside', `${sealed.slice(0, 30)}\n${sealed.slice(30)}`, 'is not base64url'],
    ['nothing after the prefix', 'fta1.', 'is too short to be one'],
    ['salt, IV and tag but no ciphertext', `fta1.${Buffer.alloc(44).toString('base64url')}`, 'is too short to be one'],
    ['70,000 characters', `fta1.${'A'.repeat(70_000)}`, 'is too long to be one'],
  ])('refuses %s: %s', (_label, value, problem) => {
    expect(openSealed(value, [SECRET], BINDING)).toEqual({ ok: false, problem });
  });

  it('refuses a seal that opens but holds something else than a token', () => {
    const sealWith = (plaintext: string): string => {
      // Seal arbitrary plaintext the documented way, as a buggy or hostile sealer with the secret could.
      const salt = randomBytes(16);
      const iv = randomBytes(12);
      const key = Buffer.from(hkdfSync('sha256', SECRET, salt, 'fusion-token-action sealed-token v1', 32));
      const aad = JSON.stringify([
        'fta1',
        BINDING.repository,
        BINDING.clientId,
        BINDING.imsBaseUrl,
        'openid,AdobeID',
        '',
      ]);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `fta1.${Buffer.concat([salt, iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    };
    const good = { access_token: 'tok', token_type: 'bearer', expires_in: 1, expires_at: '2026-12-01T00:00:00.000Z' };
    expect(openSealed(sealWith(JSON.stringify(good)), [SECRET], BINDING).ok).toBe(true);
    // expires_in as a numeric string, as IMS may send it, is read as seconds.
    expect(openSealed(sealWith(JSON.stringify({ ...good, expires_in: '86399' })), [SECRET], BINDING)).toMatchObject({
      ok: true,
      token: { expiresIn: '86399' },
    });
    for (const bad of [
      'not json',
      'null',
      '[]',
      JSON.stringify({ ...good, access_token: '' }),
      JSON.stringify({ ...good, access_token: 'with space' }),
      JSON.stringify({ ...good, token_type: 7 }),
      JSON.stringify({ ...good, expires_in: 'soon' }),
      JSON.stringify({ ...good, expires_at: 'Tue, 01 Dec 2026 00:00:00 GMT' }),
      JSON.stringify({ ...good, expires_in: -1 }),
      JSON.stringify({ ...good, expires_at: 'tomorrow' }),
    ]) {
      expect([bad, openSealed(sealWith(bad), [SECRET], BINDING)]).toEqual([
        bad,
        { ok: false, problem: 'holds no usable token' },
      ]);
    }
  });
});

describe('sealAvoiding', () => {
  it('seals again while the seal holds a value the runner masks', () => {
    const first = sealToken(TOKEN, SECRET, BINDING, seededBytes(7));
    const masked = first.slice(20, 26);
    const sealedAgain = sealAvoiding(TOKEN, SECRET, BINDING, seededBytes(7), [masked]);
    expect(sealedAgain).not.toContain(masked);
    expect(openSealed(sealedAgain, [SECRET], BINDING)).toMatchObject({ ok: true, token: TOKEN });
  });

  it('keeps the first seal when it holds no masked value', () => {
    expect(sealAvoiding(TOKEN, SECRET, BINDING, seededBytes(7), [SECRET, TOKEN.accessToken])).toBe(
      sealToken(TOKEN, SECRET, BINDING, seededBytes(7)),
    );
  });

  it('gives up after a few tries on a value no seal can avoid', () => {
    expect(sealAvoiding(TOKEN, SECRET, BINDING, randomBytes, ['A', 'B', 'C', 'D'])).toMatch(/^fta1\./);
  });
});

describe('the documented format', () => {
  it('opens with node:crypto alone, as README describes it', () => {
    const bytes = Buffer.from(sealed.slice('fta1.'.length), 'base64url');
    const salt = bytes.subarray(0, 16);
    const iv = bytes.subarray(16, 28);
    const tag = bytes.subarray(bytes.length - 16);
    const key = Buffer.from(
      hkdfSync('sha256', Buffer.from(SECRET, 'utf8'), salt, 'fusion-token-action sealed-token v1', 32),
    );
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(
      Buffer.from(
        JSON.stringify([
          'fta1',
          'octo/fusion-jobs',
          'seal-client',
          'https://ims-na1.adobelogin.com',
          'openid,AdobeID',
          '',
        ]),
        'utf8',
      ),
    );
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(28, bytes.length - 16)), decipher.final()]);
    expect(JSON.parse(plaintext.toString('utf8'))).toEqual({
      access_token: TOKEN.accessToken,
      token_type: 'bearer',
      expires_in: 86399,
      expires_at: '2026-12-01T03:00:00.000Z',
    });
  });
});
