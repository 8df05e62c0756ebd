// The sealed token, format fta1: an access token encrypted and authenticated
// with a key that only a holder of the client secret can derive, so that it
// can travel where a secret cannot (a job output, a cache entry). Pure: the
// randomness is passed in; only node:crypto.
//
//   fta1.<base64url, no padding, of: salt (16) | iv (12) | ciphertext | GCM tag (16)>
//   key   = HKDF-SHA256(client secret as UTF-8, salt, "fusion-token-action sealed-token v1", 32 bytes)
//   AAD   = UTF-8 of JSON ["fta1", repository, client ID, IMS base URL, scopes joined by ",", org ID]
//   plain = UTF-8 of JSON {"access_token", "token_type", "expires_in", "expires_at"}

import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type { IssuedToken } from './ims.js';

export const SEAL_PREFIX = 'fta1.';
const HKDF_INFO = 'fusion-token-action sealed-token v1';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** A sealed IMS token is about 2 KB; anything far larger is not one. */
const MAX_SEALED_LENGTH = 64 * 1024;
const MAX_SEAL_TRIES = 16;

/** What a sealed token is bound to: it opens only for the same of each. */
export interface SealBinding {
  /** GITHUB_REPOSITORY (owner/name), or '' outside Actions. */
  readonly repository: string;
  readonly clientId: string;
  /** The validated IMS base URL, without a trailing slash. */
  readonly imsBaseUrl: string;
  readonly scopes: readonly string[];
  readonly orgId: string | undefined;
}

export type RandomBytes = (size: number) => Buffer;

function additionalData(binding: SealBinding): Buffer {
  return Buffer.from(
    JSON.stringify([
      'fta1',
      binding.repository,
      binding.clientId,
      binding.imsBaseUrl,
      binding.scopes.join(','),
      binding.orgId ?? '',
    ]),
    'utf8',
  );
}

function deriveKey(secret: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), salt, HKDF_INFO, KEY_BYTES));
}

/**
 * Seals the token, again with fresh randomness while the seal happens to hold
 * a value the runner masks (it would drop the job output): with masked values
 * of a few characters or more, a second try is already all but never needed.
 */
export function sealAvoiding(
  token: IssuedToken,
  secret: string,
  binding: SealBinding,
  randomBytes: RandomBytes,
  masked: readonly string[],
): string {
  let sealed = sealToken(token, secret, binding, randomBytes);
  for (let tries = 1; tries < MAX_SEAL_TRIES && masked.some((value) => sealed.includes(value)); tries++) {
    sealed = sealToken(token, secret, binding, randomBytes);
  }
  return sealed;
}

export function sealToken(token: IssuedToken, secret: string, binding: SealBinding, randomBytes: RandomBytes): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, salt), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(binding));
  const plaintext = JSON.stringify({
    access_token: token.accessToken,
    token_type: token.tokenType,
    // As IMS returned it: a number of seconds.
    expires_in: Number(token.expiresIn),
    expires_at: token.expiresAt.toISOString(),
  });
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SEAL_PREFIX + Buffer.concat([salt, iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/** Why a sealed token did not open, in words that fit "The sealed token ...". */
export type SealProblem =
  | 'is not an fta1 sealed token'
  | 'is not base64url'
  | 'is too short to be one'
  | 'is too long to be one'
  | 'does not open'
  | 'holds no usable token';

export type OpenResult =
  | {
      readonly ok: true;
      readonly token: IssuedToken;
      /** Which secret (1-based) opened it. */ readonly position: number;
    }
  | { readonly ok: false; readonly problem: SealProblem };

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * Opens a sealed token with each secret in turn. It opens only when the GCM
 * tag holds for one of them and for this binding: a changed byte, a cut, another
 * secret, repository, client, IMS or scopes all give 'does not open'.
 */
export function openSealed(sealed: string, secrets: readonly string[], binding: SealBinding): OpenResult {
  if (!sealed.startsWith(SEAL_PREFIX)) return { ok: false, problem: 'is not an fta1 sealed token' };
  const encoded = sealed.slice(SEAL_PREFIX.length);
  if (encoded.length > MAX_SEALED_LENGTH) return { ok: false, problem: 'is too long to be one' };
  // Node's decoder skips what it does not know and ignores unused low bits of
  // the last character: a seal must be exactly the canonical base64url of its bytes.
  const bytes = Buffer.from(encoded, 'base64url');
  if (!BASE64URL.test(encoded) || bytes.toString('base64url') !== encoded)
    return { ok: false, problem: 'is not base64url' };
  if (bytes.length < SALT_BYTES + IV_BYTES + 1 + TAG_BYTES) return { ok: false, problem: 'is too short to be one' };
  const salt = bytes.subarray(0, SALT_BYTES);
  const iv = bytes.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES);
  const ciphertext = bytes.subarray(SALT_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const aad = additionalData(binding);
  for (const [index, secret] of secrets.entries()) {
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt), iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      continue;
    }
    const token = readPlaintext(plaintext);
    return token ? { ok: true, token, position: index + 1 } : { ok: false, problem: 'holds no usable token' };
  }
  return { ok: false, problem: 'does not open' };
}

/** The token in an opened seal; undefined when it is not what sealToken writes. */
function readPlaintext(plaintext: string): IssuedToken | undefined {
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const fields = json as Record<string, unknown>;
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, expires_at: expiresAt } = fields;
  if (typeof accessToken !== 'string' || !/^[\x21-\x7e]+$/.test(accessToken)) return undefined;
  if (typeof tokenType !== 'string' || tokenType === '') return undefined;
  const seconds = typeof expiresIn === 'string' && /^\d+(\.\d+)?$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  if (typeof expiresAt !== 'string' || !ISO_INSTANT.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) {
    return undefined;
  }
  return { accessToken, tokenType, expiresIn: String(seconds), expiresAt: new Date(expiresAt) };
}
