// Gets the step its token: reused from a sealed token when one opens with
// enough time left, else minted and sealed for later jobs; a minted token that
// IMS cannot give falls back to a valid token set aside. Pure but for the
// injected network, clock, randomness, masking and log.

import type { AttemptDependencies } from './attempts.js';
import type { IssuedToken } from './ims.js';
import type { ActionInputs } from './inputs.js';
import { MintError, mintToken } from './mint.js';
import {
  NO_SEALED_TOKEN_LINE,
  type ReuseCandidate,
  type TokenSource,
  judgeFallback,
  judgeReuse,
  notReusedLine,
  unopenedWarning,
} from './reuse.js';
import { type RandomBytes, type SealBinding, openSealed, sealToken } from './seal.js';

export interface ObtainDependencies extends AttemptDependencies {
  readonly randomBytes: RandomBytes;
  /** Registers a value with the runner's masking, before any line can show it. */
  readonly mask: (value: string) => void;
  readonly warn: (line: string) => void;
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
}

/** Opens the sealed-token input; undefined (after one line) when it is empty or does not open. */
function openInput(inputs: ActionInputs, binding: SealBinding, deps: ObtainDependencies): ReuseCandidate | undefined {
  if (inputs.sealedToken === '') {
    deps.log(NO_SEALED_TOKEN_LINE);
    return undefined;
  }
  const opened = openSealed(inputs.sealedToken, inputs.clientSecrets, binding);
  if (!opened.ok) {
    deps.warn(unopenedWarning(opened.problem));
    return undefined;
  }
  deps.mask(opened.token.accessToken);
  return { source: 'sealed-token', token: opened.token, sealed: inputs.sealedToken };
}

export async function obtainToken(
  inputs: ActionInputs,
  binding: SealBinding,
  deps: ObtainDependencies,
): Promise<Obtained> {
  let fallback: ReuseCandidate | undefined;
  const candidate = openInput(inputs, binding, deps);
  if (candidate !== undefined) {
    const verdict = judgeReuse(candidate.token, deps.now(), inputs.minRemainingMs);
    if (verdict.kind === 'reuse') return { token: candidate.token, source: candidate.source, sealed: candidate.sealed };
    deps.log(notReusedLine(candidate, verdict, inputs.minRemainingMs, deps.now()));
    if (verdict.kind === 'short') fallback = candidate;
  }

  try {
    const { token, secretPosition } = await mintToken(inputs, deps);
    deps.mask(token.accessToken);
    const secret = inputs.clientSecrets[secretPosition - 1] as string;
    return { token, source: 'minted', sealed: sealToken(token, secret, binding, deps.randomBytes), secretPosition };
  } catch (error) {
    if (!(error instanceof MintError)) throw error;
    const decision = judgeFallback(error, fallback, deps.now());
    if (!decision.use || fallback === undefined) throw error;
    return {
      token: fallback.token,
      source: fallback.source,
      sealed: fallback.sealed,
      fallbackWarning: decision.warning,
    };
  }
}
