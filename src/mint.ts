// Mints one access token: a client-credentials request per secret, with
// retries, and the final verdict in words.

import { type AttemptDependencies, MAX_ANSWER_BYTES, sendWithRetries, trySecrets } from './attempts.js';
import { type AttemptFailure, type FailureContext, attemptsNote, secretsNote } from './failures.js';
import { type IssuedToken, REQUEST_HEADERS, readTokenAnswer, tokenRequestBody } from './ims.js';
import { type ActionInputs, tokenUrl } from './inputs.js';

/** The token could not be had; the message is meant for the user as it is. */
export class MintError extends Error {
  override name = 'MintError';
  constructor(
    message: string,
    readonly failure: AttemptFailure,
    /** Requests sent in all, with every client-secret line tried. */
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface Minted {
  readonly token: IssuedToken;
  /** Which line of client-secret (1-based) IMS accepted. */
  readonly secretPosition: number;
}

export async function mintToken(inputs: ActionInputs, deps: AttemptDependencies): Promise<Minted> {
  const url = tokenUrl(inputs);
  const context: FailureContext = {
    request: 'token request',
    host: url.host,
    scopes: inputs.scopes,
    secrets: inputs.clientSecrets,
  };
  const outcome = await trySecrets(inputs.clientSecrets, (secret) =>
    sendWithRetries(
      {
        url,
        headers: REQUEST_HEADERS,
        body: tokenRequestBody(inputs, secret),
        timeoutMs: inputs.timeoutMs,
        maxAnswerBytes: MAX_ANSWER_BYTES,
      },
      (answer, receivedAtMs) => readTokenAnswer(answer, receivedAtMs, context),
      inputs.retries,
      context,
      deps,
    ),
  );
  if (outcome.ok) return { token: outcome.value, secretPosition: outcome.position };
  throw new MintError(
    `Could not get an Adobe IMS access token${secretsNote(outcome.position, inputs.clientSecrets.length)} ` +
      attemptsNote(outcome.failure, outcome.attempts, inputs.retries),
    outcome.failure,
    outcome.totalAttempts,
  );
}
