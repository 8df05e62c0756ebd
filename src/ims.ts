// The IMS token protocol: the request to send and the reading of the answer.
// Pure: no network, no clock of its own.

import {
  type AttemptFailure,
  type FailureContext,
  imsErrorFailure,
  redirectFailure,
  unexpectedAnswerFailure,
} from './failures.js';
import type { ActionInputs } from './inputs.js';
import { RETRYABLE_STATUSES } from './retry.js';
import { ACTION_VERSION } from './version.js';

export const USER_AGENT = `fusion-token-action/${ACTION_VERSION}`;

/** The form body of a client-credentials token request. Credentials never go in the URL. */
export function tokenRequestBody(inputs: ActionInputs): string {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: inputs.clientId,
    client_secret: inputs.clientSecret,
    scope: inputs.scopes.join(','),
  });
  if (inputs.orgId !== undefined) form.set('org_id', inputs.orgId);
  return form.toString();
}

export const TOKEN_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/x-www-form-urlencoded',
  Accept: 'application/json',
  'User-Agent': USER_AGENT,
};

/** An HTTP answer, read in full. Header names are lower case. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Seconds, as IMS returned it. */
  readonly expiresIn: string;
  readonly expiresAt: Date;
}

export type AttemptResult =
  | { readonly ok: true; readonly token: IssuedToken }
  | { readonly ok: false; readonly failure: AttemptFailure };

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** expires_in in seconds, as a number or a numeric string; undefined when unusable. */
function readExpiresIn(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return value;
  return undefined;
}

/**
 * Reads the answer to one token request. `receivedAtMs` is when it arrived:
 * the token's expiry counts from then.
 */
export function readTokenAnswer(
  answer: HttpAnswer,
  receivedAtMs: number,
  context: FailureContext,
): AttemptResult {
  const { status, headers, body } = answer;
  const debugId = headers['x-debug-id'];
  const retryable = RETRYABLE_STATUSES.has(status);
  const fail = (failure: Omit<AttemptFailure, 'retryAfter'>): AttemptResult => ({
    ok: false,
    failure: { ...failure, retryAfter: headers['retry-after'] },
  });
  const json = parseJsonObject(body);
  const accessToken = json?.['access_token'];
  // A token in an answer we reject is still a token: keep it out of the excerpt.
  const excerptContext =
    typeof accessToken === 'string' && accessToken !== ''
      ? { ...context, secrets: [...context.secrets, accessToken] }
      : context;
  const unexpected = (problem: string): AttemptResult =>
    fail(
      unexpectedAnswerFailure(status, problem, headers['content-type'], body, debugId, retryable, excerptContext),
    );

  if (status >= 300 && status < 400) {
    return fail(redirectFailure(status, headers['location'], context));
  }
  if (status === 200) {
    if (json === undefined) return unexpected('without a JSON object');
    if (typeof accessToken !== 'string' || accessToken === '') {
      return unexpected('without an access_token');
    }
    // Masking works line by line on visible text: a token must be one printable word.
    if (!/^[\x21-\x7e]+$/.test(accessToken)) return unexpected('with a malformed access_token');
    const expiresIn = readExpiresIn(json['expires_in']);
    if (expiresIn === undefined) return unexpected('without a usable expires_in');
    const tokenType = json['token_type'];
    return {
      ok: true,
      token: {
        accessToken,
        tokenType: typeof tokenType === 'string' && tokenType !== '' ? tokenType : 'bearer',
        expiresIn,
        expiresAt: new Date(receivedAtMs + Number(expiresIn) * 1000),
      },
    };
  }
  const error = json?.['error'];
  if (typeof error === 'string' && error !== '') {
    const description = json?.['error_description'];
    return fail(
      imsErrorFailure(
        status,
        error,
        typeof description === 'string' ? description : undefined,
        debugId,
        retryable,
        context,
      ),
    );
  }
  return unexpected(json === undefined ? 'that is not IMS JSON' : 'without an IMS error');
}
