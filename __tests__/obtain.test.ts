// obtainToken in-process: the real transport to the IMS emulator, an injected
// clock and no sleeping, to walk every path from a sealed token to a token.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type InputName, parseInputs } from '../src/inputs.js';
import { type ObtainDependencies, obtainToken } from '../src/obtain.js';
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
  it('mints and seals with the secret IMS accepted when no sealed token is given', async () => {
    const { inputs, binding, deps, lines, masks } = setup();
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained.source).toBe('minted');
    expect(obtained.secretPosition).toBe(1);
    expect(masks).toEqual([obtained.token.accessToken]);
    expect(lines).toEqual(['info: No sealed-token given: asking IMS for a new token.']);
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

  it('does not fall back to an expired token', async () => {
    const { binding } = setup();
    const { inputs, deps, lines } = setup({ 'sealed-token': sealedFor(binding, -60), retries: '0' });
    ims.setFallback({ kind: 'json', status: 503, body: { error: 'down' } });
    await expect(obtainToken(inputs, binding, deps)).rejects.toThrow(/^Could not get an Adobe IMS access token/);
    expect(lines[0]).toMatch(/^info: The token from the sealed-token input expired at /);
  });

  it('warns once about a seal that does not open, then mints', async () => {
    const { inputs, binding, deps, lines } = setup({ 'sealed-token': 'fta1.AAAA' });
    const obtained = await obtainToken(inputs, binding, deps);
    expect(obtained.source).toBe('minted');
    expect(lines).toEqual([expect.stringMatching(/^warning: The sealed-token input is too short to be one\./)]);
  });

  it('lets an unexpected error through as it is', async () => {
    const { inputs, binding, deps } = setup();
    const broken = { ...deps, post: () => Promise.reject(new TypeError('a bug')) };
    await expect(obtainToken(inputs, binding, broken)).rejects.toThrow(TypeError);
  });
});
