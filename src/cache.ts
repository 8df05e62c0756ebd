// The token cache of `cache: true`: sealed tokens kept in the GitHub Actions
// cache under keys that name the credential, never a secret. Loaded by the
// main step only when asked (a dynamic import), with @actions/cache behind it.

import { createHash } from 'node:crypto';
import { type CacheStore, openCacheStore } from './cache-store.js';
import type { LogLine, TokenCache } from './obtain.js';
import type { SealBinding } from './seal.js';
import { deleteEntryAdvice } from './reuse.js';
import { visible } from './text.js';

export const KEY_VERSION = 'fusion-token-v1';

/**
 * `fusion-token-v1-<h>-`: <h> is the first 16 hex digits of SHA-256 over the
 * repository, client ID, IMS base URL, scopes and org ID. Keys are visible to
 * anyone who can list the caches, so nothing in them comes from a secret.
 */
export function cacheKeyPrefix(binding: SealBinding): string {
  const credential = JSON.stringify([
    binding.repository,
    binding.clientId,
    binding.imsBaseUrl,
    binding.scopes.join(','),
    binding.orgId ?? '',
  ]);
  return `${KEY_VERSION}-${createHash('sha256').update(credential, 'utf8').digest('hex').slice(0, 16)}-`;
}

/** The key of a token minted at mintedAtMs: restored by prefix, the newest wins. */
export function cacheKey(binding: SealBinding, mintedAtMs: number): string {
  return `${cacheKeyPrefix(binding)}${Math.floor(mintedAtMs)}`;
}

const info = (text: string): LogLine => ({ text, warning: false });
const warning = (text: string): LogLine => ({ text, warning: true });

/**
 * obtainToken's view of a cache store, with the one line each outcome gives.
 * A cache in trouble is one warning, not two: after a failed lookup a failed
 * save says nothing more, and without a cache service nothing is saved.
 */
export function tokenCache(binding: SealBinding, store: CacheStore): TokenCache {
  const prefix = cacheKeyPrefix(binding);
  // What the lookup learnt: whether a save may go ahead, and whether a warning was given already.
  let writable = true;
  let warned = false;
  return {
    async lookup() {
      const found = await store.lookup(prefix);
      writable = found.kind !== 'off' || found.writable;
      warned = found.kind === 'unavailable';
      switch (found.kind) {
        case 'hit':
          return { key: found.key, sealed: found.value };
        case 'miss':
          return info(`No cached token for this credential yet (cache key ${prefix}*).`);
        case 'off':
          return info(
            `No Actions cache to read here (${visible(found.reason)}): ` +
              (found.writable ? 'a new token is minted and saved.' : 'the token is not cached.'),
          );
        case 'unavailable':
          return warning(
            `Could not read the Actions cache: ${visible(found.reason)}. Asking IMS instead.` +
              (found.entry === undefined ? '' : ` ${deleteEntryAdvice(found.entry)}`),
          );
      }
    },
    async save(sealed, mintedAtMs) {
      if (!writable) return undefined;
      const key = cacheKey(binding, mintedAtMs);
      const saved = await store.save(key, sealed);
      if (saved.kind === 'saved') return info(`Saved the sealed token in the Actions cache as ${key}, for later runs.`);
      if (warned) return undefined;
      return warning(
        `Could not save the sealed token in the Actions cache: ${visible(saved.reason)}. ` +
          'This step has its token; the next run asks IMS again.',
      );
    },
  };
}

/** The token cache of this process; `mask` registers a value with the runner's masking. */
export function openTokenCache(binding: SealBinding, mask: (value: string) => void): TokenCache {
  return tokenCache(binding, openCacheStore({ mask }));
}
