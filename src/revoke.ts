// Revoking the token at the end of the job: whether to, and the invalidation
// request with retries and each secret in turn. Pure but for the injected
// network, clock, sleep, randomness and log.

import { type AttemptDependencies, MAX_ANSWER_BYTES, sendWithRetries, trySecrets } from './attempts.js';
import { type FailureContext, attemptsNote, secretsNote } from './failures.js';
import { REQUEST_HEADERS, invalidateRequestBody, readInvalidateAnswer } from './ims.js';
import { type ActionInputs, invalidateUrl, parseBoolean } from './inputs.js';

/** What the main step leaves for the post step (never the secret). */
export const STATE_TOKEN = 'token';
export const STATE_EXPIRES_AT = 'expires-at';

export type RevocationPlan =
  { readonly revoke: false; readonly reason: string } | { readonly revoke: true; readonly token: string };

/** Whether the post step has a live token to revoke, or the one line it logs instead. */
export function planRevocation(
  revokeInput: string,
  state: { readonly token: string; readonly expiresAt: string },
  nowMs: number,
): RevocationPlan {
  let revoke: boolean;
  try {
    revoke = parseBoolean('revoke', revokeInput || 'false');
  } catch {
    revoke = false;
  }
  if (!revoke) return { revoke: false, reason: 'Token revocation is off (revoke: false): nothing to do.' };
  if (state.token === '') return { revoke: false, reason: 'This step minted no token: nothing to revoke.' };
  const expiresAt = Date.parse(state.expiresAt);
  if (expiresAt <= nowMs) {
    return { revoke: false, reason: `The token expired at ${new Date(expiresAt).toISOString()}: nothing to revoke.` };
  }
  return { revoke: true, token: state.token };
}

/** The token could not be revoked; the message is meant for the user as it is. */
export class RevokeError extends Error {
  override name = 'RevokeError';
}

export async function revokeToken(inputs: ActionInputs, accessToken: string, deps: AttemptDependencies): Promise<void> {
  const url = invalidateUrl(inputs);
  const context: FailureContext = {
    request: 'token invalidation',
    host: url.host,
    scopes: inputs.scopes,
    secrets: [...inputs.clientSecrets, accessToken],
  };
  const outcome = await trySecrets(inputs.clientSecrets, (secret) =>
    sendWithRetries(
      {
        url,
        headers: REQUEST_HEADERS,
        body: invalidateRequestBody(inputs.clientId, secret, accessToken),
        timeoutMs: inputs.timeoutMs,
        maxAnswerBytes: MAX_ANSWER_BYTES,
      },
      (answer) => readInvalidateAnswer(answer, context),
      inputs.retries,
      context,
      deps,
    ),
  );
  if (!outcome.ok) {
    throw new RevokeError(
      `Could not revoke the access token${secretsNote(outcome.position, inputs.clientSecrets.length)} ` +
        `${attemptsNote(outcome.failure, outcome.attempts, inputs.retries)} The token stays valid until it expires; ` +
        'to invalidate tokens at once, rotate the client secret in the Adobe Developer Console.',
    );
  }
}
