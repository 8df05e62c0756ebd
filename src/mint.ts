// Mints one access token: the request, its retries and the final verdict.
// The network, the clock, sleep, randomness and the log are passed in.

import { type AttemptFailure, type FailureContext, finalMessage, networkFailure } from './failures.js';
import { type IssuedToken, readTokenAnswer, TOKEN_REQUEST_HEADERS, tokenRequestBody } from './ims.js';
import type { ActionInputs } from './inputs.js';
import { retryAfterMs, retryDelayMs } from './retry.js';
import { type PostFunction, TransportError } from './transport.js';

/** IMS token answers are a few kilobytes; anything near this is not one. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface MintDependencies {
  readonly post: PostFunction;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A number in [0, 1). */
  readonly random: () => number;
  /** One line for the step's log. */
  readonly log: (line: string) => void;
}

/** The token could not be had; the message is meant for the user as it is. */
export class MintError extends Error {
  override name = 'MintError';
}

export async function mintToken(inputs: ActionInputs, deps: MintDependencies): Promise<IssuedToken> {
  const context: FailureContext = {
    host: inputs.tokenUrl.host,
    scopes: inputs.scopes,
    secrets: [inputs.clientSecret],
  };
  const request = {
    url: inputs.tokenUrl,
    headers: TOKEN_REQUEST_HEADERS,
    body: tokenRequestBody(inputs),
    timeoutMs: inputs.timeoutMs,
    maxAnswerBytes: MAX_ANSWER_BYTES,
  };
  const attempts = inputs.retries + 1;

  for (let attempt = 1; ; attempt++) {
    let failure: AttemptFailure;
    try {
      const answer = await deps.post(request);
      const result = readTokenAnswer(answer, deps.now(), context);
      if (result.ok) return result.token;
      failure = result.failure;
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      failure = networkFailure(
        { code: error.code, detail: error.message, proxy: error.proxy },
        inputs.timeoutMs,
        context,
      );
    }
    if (!failure.retryable || attempt === attempts) {
      throw new MintError(finalMessage(failure, attempt, inputs.retries));
    }
    const delayMs = retryDelayMs(attempt, retryAfterMs(failure.retryAfter, deps.now()), deps.random);
    deps.log(
      `Attempt ${attempt} of ${attempts} failed: ${failure.summary}. Retrying in ${(delayMs / 1000).toFixed(1)} s.`,
    );
    await deps.sleep(delayMs);
  }
}
