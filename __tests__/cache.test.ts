// The token cache's keys and lines: pure over a scripted store (the store
// itself is tested against the cache service emulator in cache-store.test.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { cacheKey, cacheKeyPrefix, tokenCache } from '../src/cache.js';
import type { CacheStore, LookupResult, SaveResult } from '../src/cache-store.js';
import type { SealBinding } from '../src/seal.js';

const BINDING: SealBinding = {
  repository: 'octo/fusion-jobs',
  clientId: 'key-client',
  imsBaseUrl: 'https://ims-na1.adobelogin.com',
  scopes: ['openid', 'AdobeID'],
  orgId: undefined,
};

function scriptedStore(lookup: LookupResult, save: SaveResult): CacheStore & { saves: string[] } {
  const saves: string[] = [];
  return {
    saves,
    lookup: async () => lookup,
    save: async (key) => {
      saves.push(key);
      return save;
    },
  };
}

describe('cache keys', () => {
  it('name the credential by a hash of repository, client, IMS, scopes and org ID, then the minting time', () => {
    const hash = createHash('sha256')
      .update(
        JSON.stringify(['octo/fusion-jobs', 'key-client', 'https://ims-na1.adobelogin.com', 'openid,AdobeID', '']),
      )
      .digest('hex')
      .slice(0, 16);
    expect(cacheKeyPrefix(BINDING)).toBe(`fusion-token-v1-${hash}-`);
    expect(cacheKey(BINDING, 1_796_000_000_123.7)).toBe(`fusion-token-v1-${hash}-1796000000123`);
  });

  it.each([
    ['repository', { repository: 'octo/other' }],
    ['client', { clientId: 'other-client' }],
    ['IMS', { imsBaseUrl: 'https://ims-na1-stg1.adobelogin.com' }],
    ['scopes', { scopes: ['openid'] }],
    ['org ID', { orgId: '0123456789ABCDEF01234567@AdobeOrg' }],
  ])('differ for another %s', (_what, change) => {
    expect(cacheKeyPrefix({ ...BINDING, ...change })).not.toBe(cacheKeyPrefix(BINDING));
  });
});

describe('tokenCache', () => {
  const saved: SaveResult = { kind: 'saved' };
  const failed: SaveResult = { kind: 'failed', reason: 'cache write denied' };

  it('hands over a hit', async () => {
    const cache = tokenCache(BINDING, scriptedStore({ kind: 'hit', key: 'k', value: 'fta1.x' }, saved));
    expect(await cache.lookup()).toEqual({ key: 'k', sealed: 'fta1.x' });
  });

  it('says a miss plainly, then a save plainly', async () => {
    const store = scriptedStore({ kind: 'miss' }, saved);
    const cache = tokenCache(BINDING, store);
    expect(await cache.lookup()).toEqual({
      text: expect.stringMatching(/^No cached token for this credential yet/),
      warning: false,
    });
    expect(await cache.save('fta1.x', 1_796_000_000_000)).toEqual({
      text: `Saved the sealed token in the Actions cache as ${cacheKey(BINDING, 1_796_000_000_000)}, for later runs.`,
      warning: false,
    });
  });

  it('warns about a save that fails after a good lookup', async () => {
    const cache = tokenCache(BINDING, scriptedStore({ kind: 'miss' }, failed));
    await cache.lookup();
    expect(await cache.save('fta1.x', 1)).toEqual({
      text: 'Could not save the sealed token in the Actions cache: cache write denied. This step has its token; the next run asks IMS again.',
      warning: true,
    });
  });

  it('warns once for a cache in trouble: a failed save after a failed lookup says nothing more', async () => {
    const cache = tokenCache(BINDING, scriptedStore({ kind: 'unavailable', reason: 'HTTP 500' }, failed));
    expect(await cache.lookup()).toEqual({
      text: 'Could not read the Actions cache: HTTP 500. Asking IMS instead.',
      warning: true,
    });
    expect(await cache.save('fta1.x', 1)).toBeUndefined();
  });

  it('still says a save that works after a failed lookup', async () => {
    const cache = tokenCache(BINDING, scriptedStore({ kind: 'unavailable', reason: 'HTTP 500' }, saved));
    await cache.lookup();
    expect(await cache.save('fta1.x', 1)).toMatchObject({ warning: false });
  });

  it('without a cache service, says so once and saves nothing', async () => {
    const store = scriptedStore({ kind: 'off', reason: 'no service', writable: false }, failed);
    const cache = tokenCache(BINDING, store);
    expect(await cache.lookup()).toEqual({
      text: 'No Actions cache to read here (no service): the token is not cached.',
      warning: false,
    });
    expect(await cache.save('fta1.x', 1)).toBeUndefined();
    expect(store.saves).toEqual([]);
  });

  it('with a cache the runner lets it write but not read, says so once and still saves', async () => {
    const store = scriptedStore({ kind: 'off', reason: 'write-only', writable: true }, saved);
    const cache = tokenCache(BINDING, store);
    expect(await cache.lookup()).toEqual({
      text: 'No Actions cache to read here (write-only): a new token is minted and saved.',
      warning: false,
    });
    expect(await cache.save('fta1.x', 1)).toMatchObject({ warning: false });
    expect(store.saves).toHaveLength(1);
  });

  it('shows a reason from the cache service visibly', async () => {
    const cache = tokenCache(BINDING, scriptedStore({ kind: 'unavailable', reason: 'odd\u202eреason' }, failed));
    expect(await cache.lookup()).toMatchObject({ text: expect.stringContaining('odd\\u202eреason') });
  });
});
