// obtainToken in-process: the real transport to the IMS emulator, an injected
// clock and no sleeping, to walk every path from a sealed token to a token.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type InputName, parseInputs } from '../src/inputs.js';
import { type LogLine, type ObtainDependencies, type TokenCache, obtainToken } from '../src/obtain.js';
import { type SealBinding, sealToken } from '../src/seal.js';
import { createPost } from '../src/transport.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';

const CLIENT = { clientId: 'obtain-client', clientSecret: 'p8e-obtain-secret', scopes: FUSION_SCOPES };
let ims: ImsEmulator;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
});
afterEach(() => ims.reset());
afterAll(() => ims.close());

function setup(extra: Partial<Record<InputName, string>> = {}) {
  const inputs = parseInputs(
    (name) =>
      ({ 'client-id': CLIENT.clientId, 'client-secret': CLIENT.clientSecret, 'ims-url': ims.url, ...extra })[name] ??
      '',
  );
  const binding: SealBinding = { ...inputs, repository: 'octo/obtain' };
  const lines: string[] = [];
  const masks: string[] = [];
  const deps: ObtainDependencies = {
    post: createPost(),
    sleep: async () => {},
    now: Date.now,
    random: () => 0.5,
    randomBytes,
    log: (line) => lines.push(`info: ${line}`),
    warn: (line) => lines.push(`warning: ${line}`),
    mask: (value) => masks.push(value),
  };
  return { inputs, binding, deps, lines, masks };
}

function sealedFor(binding: SealBinding, expiresInSeconds: number): string {
  const token = {
    accessToken: 'eyJ.stale-token.sig',
    tokenType: 'bearer',
    expiresIn: '86399',
    expiresAt: new Date(Date.now() + expiresInSeconds * 1000),
  };
  return sealToken(token, CLIENT.clientSecret, binding, randomBytes);
}

describe('obtainToken', () => {
  it('mints and seals with the secret IMS accepted when no sealed token is given, saying nothing of reuse', async () => {
    const { inputs, binding, deps, lines, masks } = setup();
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained.source).toBe('minted');
    expect(obtained.secretPosition).toBe(1);
    expect(masks).toEqual([obtained.token.accessToken]);
    // The default path: reuse was never asked for, so no line names it.
    expect(lines).toEqual([]);
    expect(obtained.sealed).toMatch(/^fta1\./);
  });

  it('reuses a sealed token with enough time left, masking it, without a request', async () => {
    const { binding } = setup();
    const sealed = sealedFor(binding, 3 * 3600);
    const { inputs, deps, lines, masks } = setup({ 'sealed-token': sealed });
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained).toEqual({
      token: expect.objectContaining({ accessToken: 'eyJ.stale-token.sig' }),
      source: 'sealed-token',
      sealed,
    });
    expect(masks).toEqual(['eyJ.stale-token.sig']);
    expect(lines).toEqual([]);
    expect(ims.requests).toHaveLength(0);
  });

  it('falls back to a short-lived token when IMS keeps failing', async () => {
    const { binding } = setup();
    const sealed = sealedFor(binding, 30 * 60);
    const { inputs, deps, lines } = setup({ 'sealed-token': sealed, retries: '1' });
    ims.setFallback({ kind: 'json', status: 502, body: { error: 'bad_gateway' } });
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained.source).toBe('sealed-token');
    expect(obtained.sealed).toBe(sealed);
    expect(obtained.fallbackWarning).toMatch(/^IMS failed after 2 attempts \(HTTP 502 bad_gateway\)/);
    expect(lines[0]).toMatch(/^info: The token from the sealed-token input has (29|30) min left/);
    expect(ims.requests).toHaveLength(2);
  });

  it('says that an expired token is not reused, and fails as today when IMS fails', async () => {
    const { binding } = setup();
    const { inputs, deps, lines } = setup({ 'sealed-token': sealedFor(binding, -60), retries: '0' });
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'down' } });
    await expect(obtainToken(inputs, binding, deps)).rejects.toThrow(/^Could not get an Adobe IMS access token/);
    expect(lines[0]).toMatch(/^info: The token from the sealed-token input expired at /);
  });

  it('never falls back on a permanent failure, even with a fallback in hand', async () => {
    const { binding } = setup();
    const { inputs, deps } = setup({ 'sealed-token': sealedFor(binding, 30 * 60) });
    ims.setFallback({ kind: 'json', status: 400, body: { error: 'invalid_scope' } });
    await expect(obtainToken(inputs, binding, deps)).rejects.toThrow(/HTTP 400 invalid_scope/);
  });

  it('warns once about a seal that does not open, then mints', async () => {
    const { inputs, binding, deps, lines } = setup({ 'sealed-token': 'fta1.AAAA' });
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained.source).toBe('minted');
    expect(lines).toEqual([
      expect.stringMatching(/^warning: The sealed-token input is too short to be one; it is not used\./),
    ]);
  });

  it('lets an unexpected error through as it is', async () => {
    const { inputs, binding, deps } = setup();
    const broken = { ...deps, post: () => Promise.reject(new TypeError('a bug')) };
    await expect(obtainToken(inputs, binding, broken)).rejects.toThrow(TypeError);
  });
});

/** A cache that holds what the test puts in it and records what is saved: obtainToken's view of it. */
function memoryCache(entry?: string): TokenCache & { saved: [string, number][]; lookups: number } {
  const cache = {
    saved: [] as [string, number][],
    lookups: 0,
    lookup: async (): Promise<{ key: string; sealed: string } | LogLine> => {
      cache.lookups++;
      return entry === undefined
        ? { text: 'No cached token for this credential yet.', warning: false }
        : { key: 'fusion-token-v1-0123456789abcdef-1', sealed: entry };
    },
    save: async (sealed: string, mintedAtMs: number): Promise<LogLine> => {
      cache.saved.push([sealed, mintedAtMs]);
      return { text: 'Saved.', warning: false };
    },
  };
  return cache;
}

describe('obtainToken with the cache', () => {
  it('reuses a cached token that opens, and saves nothing', async () => {
    const { inputs, binding, deps, lines } = setup();
    const cache = memoryCache(sealedFor(binding, 3 * 3600));
    const obtained = await obtainToken(inputs, binding, { ...deps, cache });
    expect(obtained.source).toBe('cache');
    expect(cache.saved).toEqual([]);
    expect(lines).toEqual([]);
    expect(ims.requests).toHaveLength(0);
  });

  it('mints on a miss and saves what it minted, with the time it was minted', async () => {
    const { inputs, binding, deps, lines } = setup();
    const cache = memoryCache();
    const before = Date.now();
    const obtained = await obtainToken(inputs, binding, { ...deps, cache });
    expect(obtained.source).toBe('minted');
    // Saved only when the shell asks, after it has set the outputs.
    expect(cache.saved).toEqual([]);
    await obtained.saveToCache?.();
    expect(cache.saved).toEqual([[obtained.sealed, expect.any(Number)]]);
    expect(cache.saved[0]?.[1]).toBeGreaterThanOrEqual(before);
    expect(cache.saved[0]?.[1]).toBeLessThanOrEqual(Date.now());
    expect(lines).toEqual(['info: No cached token for this credential yet.', 'info: Saved.']);
  });

  it('warns about an entry sealed with another secret, then mints and saves', async () => {
    const { inputs, binding, deps, lines } = setup();
    const forged = sealToken(
      {
        accessToken: 'eyJ.forged.sig',
        tokenType: 'bearer',
        expiresIn: '86399',
        expiresAt: new Date(Date.now() + 86_399_000),
      },
      'not-the-secret',
      binding,
      randomBytes,
    );
    const cache = memoryCache(forged);
    const obtained = await obtainToken(inputs, binding, { ...deps, cache });
    await obtained.saveToCache?.();
    expect(obtained.source).toBe('minted');
    expect(lines[0]).toMatch(
      /^warning: The cached token fusion-token-v1-0123456789abcdef-1 does not open .* or forged; it is not used/,
    );
    expect(cache.saved).toHaveLength(1);
  });

  it('never looks at the cache when the sealed-token input is reused', async () => {
    const { binding } = setup();
    const { inputs, deps } = setup({ 'sealed-token': sealedFor(binding, 3 * 3600) });
    const cache = memoryCache();
    expect((await obtainToken(inputs, binding, { ...deps, cache })).source).toBe('sealed-token');
    expect(cache.lookups).toBe(0);
  });

  it('takes a fresh cached token over a short-lived input', async () => {
    const { binding } = setup();
    const { inputs, deps } = setup({ 'sealed-token': sealedFor(binding, 10 * 60) });
    const cache = memoryCache(sealedFor(binding, 3 * 3600));
    expect((await obtainToken(inputs, binding, { ...deps, cache })).source).toBe('cache');
  });

  it('falls back to the longer-lived of two short tokens when IMS is down, and saves nothing', async () => {
    const { binding } = setup();
    const { inputs, deps } = setup({ 'sealed-token': sealedFor(binding, 10 * 60), retries: '0' });
    const cached = sealedFor(binding, 40 * 60);
    const cache = memoryCache(cached);
    ims.setFallback({ kind: 'json', status: 500, body: { error: 'internal_error' } });
    const obtained = await obtainToken(inputs, binding, { ...deps, cache });
    expect(obtained.source).toBe('cache');
    expect(obtained.sealed).toBe(cached);
    expect(obtained.fallbackWarning).toMatch(/using the token from the Actions cache instead/);
    expect(cache.saved).toEqual([]);
  });
});
