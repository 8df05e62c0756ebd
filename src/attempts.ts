// Asking IMS with retries, and with each client secret in turn. The network,
// the clock, sleep, randomness and the log are passed in.

import { type AttemptFailure, type FailureContext, networkFailure } from './failures.js';
import type { AnswerReader } from './ims.js';
import { retryAfterMs, retryDelayMs } from './retry.js';
import { type HttpPost, type PostFunction, TransportError } from './transport.js';

/** IMS answers are a few kilobytes; anything near this is not one. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface AttemptDependencies {
  readonly post: PostFunction;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A number in [0, 1). */
  readonly random: () => number;
  /** One line for the step's log. */
  readonly log: (line: string) => void;
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: AttemptFailure; readonly attempts: number };

/**
 * Sends the request until an answer reads as a success, a failure is not
 * worth retrying, or `retries` retries are spent. Logs one line per retry.
 */
export async function sendWithRetries<T>(
  request: HttpPost,
  read: AnswerReader<T>,
  retries: number,
  context: FailureContext,
  deps: AttemptDependencies,
): Promise<Outcome<T>> {
  const attempts = retries + 1;
  for (let attempt = 1; ; attempt++) {
    let failure: AttemptFailure;
    try {
      const answer = await deps.post(request);
      const result = read(answer, deps.now());
      if (result.ok) return result;
      failure = result.failure;
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      failure = networkFailure(
        { code: error.code, detail: error.message, proxy: error.proxy },
        request.timeoutMs,
        context,
      );
    }
    if (!failure.retryable || attempt === attempts) return { ok: false, failure, attempts: attempt };
    const delayMs = retryDelayMs(attempt, retryAfterMs(failure.retryAfter, deps.now()), deps.random);
    deps.log(
      `Attempt ${attempt} of ${attempts} failed: ${failure.summary}. Retrying in ${(delayMs / 1000).toFixed(1)} s.`,
    );
    await deps.sleep(delayMs);
  }
}

export type SecretsOutcome<T> = Outcome<T> & {
  /** Which secret (1-based) gave this outcome. */
  readonly position: number;
  /** For a failure, the requests sent with every secret tried. */
  readonly totalAttempts: number;
};

/**
 * Tries each client secret in order. Only invalid_client (a rejected secret)
 * moves on to the next one; any other failure stops at once.
 */
export async function trySecrets<T>(
  secrets: readonly string[],
  send: (secret: string) => Promise<Outcome<T>>,
): Promise<SecretsOutcome<T>> {
  let totalAttempts = 0;
  for (let index = 0; ; index++) {
    const outcome = await send(secrets[index] as string);
    totalAttempts += outcome.ok ? 1 : outcome.attempts;
    const rejected = !outcome.ok && outcome.failure.imsError === 'invalid_client';
    if (!rejected || index === secrets.length - 1) return { ...outcome, position: index + 1, totalAttempts };
  }
}
