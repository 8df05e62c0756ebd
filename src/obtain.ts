// Gets the step its token: reused from a sealed token when one opens with
// enough time left, else minted and sealed for later jobs; a minted token that
// IMS cannot give falls back to a valid token set aside. Pure but for the
// injected network, clock, randomness, masking and log.

import type { AttemptDependencies } from './attempts.js';
import type { IssuedToken } from './ims.js';
import type { ActionInputs } from './inputs.js';
import { MintError, mintToken } from './mint.js';
import {
  type ReuseCandidate,
  type TokenSource,
  judgeFallback,
  judgeReuse,
  notReusedLine,
  unopenedCacheWarning,
  unopenedWarning,
} from './reuse.js';
import { type RandomBytes, type SealBinding, openSealed, sealAvoiding } from './seal.js';
import { secretForms } from './text.js';

/** One line for the log: info, or a warning. */
export interface LogLine {
  readonly text: string;
  readonly warning: boolean;
}

/**
 * The Actions cache as obtainToken sees it: src/cache.ts, loaded only with
 * cache: true. Neither call ever throws; each outcome but a hit is one line.
 */
export interface TokenCache {
  /** The newest entry for this credential. */
  lookup(): Promise<{ readonly key: string; readonly sealed: string } | LogLine>;
  /** Keeps a sealed token that this step minted at mintedAtMs; the line to log, if any. */
  save(sealed: string, mintedAtMs: number): Promise<LogLine | undefined>;
}

export interface ObtainDependencies extends AttemptDependencies {
  readonly randomBytes: RandomBytes;
  /** Registers a value with the runner's masking, before any line can show it. */
  readonly mask: (value: string) => void;
  readonly warn: (line: string) => void;
  /** Present with cache: true. */
  readonly cache?: TokenCache | undefined;
}

export interface Obtained {
  readonly token: IssuedToken;
  readonly source: TokenSource;
  /** The token sealed for later jobs: a reused one's seal as given, a minted one's new seal. */
  readonly sealed: string;
  /** For a minted token: which client-secret line (1-based) IMS accepted. */
  readonly secretPosition?: number;
  /** Set when IMS failed and a token set aside was used instead: the warning to give. */
  readonly fallbackWarning?: string;
  /** With the cache, for a minted token: keeps it for later runs, once the step has said what it got. */
  readonly saveToCache?: () => Promise<void>;
}

function say(deps: ObtainDependencies, line: LogLine): void {
  if (line.warning) deps.warn(line.text);
  else deps.log(line.text);
}

/**
 * Opens the sealed-token input; undefined when it is empty (silently: the
 * default path says nothing about reuse) or, after a warning, does not open.
 */
function openInput(inputs: ActionInputs, binding: SealBinding, deps: ObtainDependencies): ReuseCandidate | undefined {
  if (inputs.sealedToken === '') return undefined;
  const opened = openSealed(inputs.sealedToken, inputs.clientSecrets, binding);
  if (!opened.ok) {
    deps.warn(unopenedWarning(opened.problem));
    return undefined;
  }
  deps.mask(opened.token.accessToken);
  return { source: 'sealed-token', token: opened.token, sealed: inputs.sealedToken };
}

/** Looks up and opens the newest cache entry; undefined (after its one line) when there is none to use. */
async function openCached(
  cache: TokenCache,
  inputs: ActionInputs,
  binding: SealBinding,
  deps: ObtainDependencies,
): Promise<ReuseCandidate | undefined> {
  const found = await cache.lookup();
  if (!('sealed' in found)) {
    say(deps, found);
    return undefined;
  }
  const opened = openSealed(found.sealed, inputs.clientSecrets, binding);
  if (!opened.ok) {
    deps.warn(unopenedCacheWarning(found.key, opened.problem));
    return undefined;
  }
  deps.mask(opened.token.accessToken);
  return { source: 'cache', token: opened.token, sealed: found.sealed };
}

/** The later-expiring of two fallbacks. */
function longerLived(a: ReuseCandidate | undefined, b: ReuseCandidate): ReuseCandidate {
  return a !== undefined && a.token.expiresAt >= b.token.expiresAt ? a : b;
}

export async function obtainToken(
  inputs: ActionInputs,
  binding: SealBinding,
  deps: ObtainDependencies,
): Promise<Obtained> {
  let fallback: ReuseCandidate | undefined;
  // The input first: it wins over the cache when it opens.
  const sources: (() => ReuseCandidate | undefined | Promise<ReuseCandidate | undefined>)[] = [
    () => openInput(inputs, binding, deps),
  ];
  const { cache } = deps;
  if (cache !== undefined) sources.push(() => openCached(cache, inputs, binding, deps));
  for (const open of sources) {
    const candidate = await open();
    if (candidate === undefined) continue;
    const verdict = judgeReuse(candidate.token, deps.now(), inputs.minRemainingMs);
    if (verdict.kind === 'reuse') return { token: candidate.token, source: candidate.source, sealed: candidate.sealed };
    deps.log(notReusedLine(candidate, verdict, inputs.minRemainingMs, deps.now()));
    if (verdict.kind === 'short') fallback = longerLived(fallback, candidate);
  }

  let minted: Awaited<ReturnType<typeof mintToken>>;
  try {
    minted = await mintToken(inputs, deps);
  } catch (error) {
    if (!(error instanceof MintError)) throw error;
    const decision = judgeFallback(error, fallback, deps.now());
    if (!decision.use || fallback === undefined) throw error;
    // A fallback is never saved again: the next run asks IMS as soon as it can.
    return {
      token: fallback.token,
      source: fallback.source,
      sealed: fallback.sealed,
      fallbackWarning: decision.warning,
    };
  }
  const { token, secretPosition } = minted;
  deps.mask(token.accessToken);
  const secret = inputs.clientSecrets[secretPosition - 1] as string;
  // What the runner masks: the secret lines in each echoed form, the token, and a client ID kept in secrets.
  const masked = [...inputs.clientSecrets.flatMap(secretForms), token.accessToken, inputs.clientId];
  const sealed = sealAvoiding(token, secret, binding, deps.randomBytes, masked);
  if (cache === undefined) return { token, source: 'minted', sealed, secretPosition };
  const saveToCache = async (): Promise<void> => {
    // Minted when the answer arrived: the expiry less the lifetime IMS gave.
    const line = await cache.save(sealed, token.expiresAt.getTime() - Number(token.expiresIn) * 1000);
    if (line !== undefined) say(deps, line);
  };
  return { token, source: 'minted', sealed, secretPosition, saveToCache };
}
