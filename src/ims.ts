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
import { parseJsonObject } from './text.js';
import { ACTION_VERSION } from './version.js';

export const USER_AGENT = `fusion-token-action/${ACTION_VERSION}`;

/** The form body of a client-credentials token request. Credentials never go in the URL. */
export function tokenRequestBody(
  inputs: Pick<ActionInputs, 'clientId' | 'scopes' | 'orgId'>,
  clientSecret: string,
): string {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: inputs.clientId,
    client_secret: clientSecret,
    scope: inputs.scopes.join(','),
  });
  if (inputs.orgId !== undefined) form.set('org_id', inputs.orgId);
  return form.toString();
}

/** The form body that invalidates an access token (and, cascading, what it begot). */
export function invalidateRequestBody(clientId: string, clientSecret: string, accessToken: string): string {
  return new URLSearchParams({
    token_type: 'access_token',
    token: accessToken,
    client_id: clientId,
    client_secret: clientSecret,
    cascading: 'all',
  }).toString();
}

/** Headers of every request to IMS. */
export const REQUEST_HEADERS: Readonly<Record<string, string>> = {
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

/** What one answer meant: the value asked for, or why not. */
export type AttemptResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AttemptFailure };

/** Reads one answer; `receivedAtMs` is when it arrived. */
export type AnswerReader<T> = (answer: HttpAnswer, receivedAtMs: number) => AttemptResult<T>;

/** expires_in in seconds, as a number or a numeric string; undefined when unusable. */
function readExpiresIn(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return value;
  return undefined;
}

/** An answer that is not a success: a refused redirect, an IMS error, or something else. */
function readFailure(answer: HttpAnswer, context: FailureContext, problem?: string): AttemptResult<never> {
  const { status, headers, body } = answer;
  const debugId = headers['x-debug-id'];
  const retryable = RETRYABLE_STATUSES.has(status);
  const fail = (failure: Omit<AttemptFailure, 'retryAfter'>): AttemptResult<never> => ({
    ok: false,
    failure: { ...failure, retryAfter: headers['retry-after'] },
  });
  if (status >= 300 && status < 400) return fail(redirectFailure(status, headers['location'], context));
  const json = parseJsonObject(body);
  const error = json?.['error'];
  if (problem === undefined && typeof error === 'string' && error !== '') {
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
  // A token in an answer we reject is still a token: keep it out of the excerpt.
  const accessToken = json?.['access_token'];
  const excerptContext =
    typeof accessToken === 'string' && accessToken !== ''
      ? { ...context, secrets: [...context.secrets, accessToken] }
      : context;
  const what = problem ?? (json === undefined ? 'that is not IMS JSON' : 'without an IMS error');
  return fail(unexpectedAnswerFailure(status, what, headers['content-type'], body, debugId, retryable, excerptContext));
}

/** Reads the answer to a token request; the token's expiry counts from when it arrived. */
export function readTokenAnswer(
  answer: HttpAnswer,
  receivedAtMs: number,
  context: FailureContext,
): AttemptResult<IssuedToken> {
  if (answer.status !== 200) return readFailure(answer, context);
  const json = parseJsonObject(answer.body);
  if (json === undefined) return readFailure(answer, context, 'without a JSON object');
  const accessToken = json['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    return readFailure(answer, context, 'without an access_token');
  }
  // Masking works line by line on visible text: a token must be one printable word.
  if (!/^[\x21-\x7e]+$/.test(accessToken)) return readFailure(answer, context, 'with a malformed access_token');
  const expiresIn = readExpiresIn(json['expires_in']);
  const expiresAt = new Date(receivedAtMs + Number(expiresIn) * 1000);
  // Absent, not a number, or so large that no date can hold it.
  if (expiresIn === undefined || Number.isNaN(expiresAt.getTime())) {
    return readFailure(answer, context, 'without a usable expires_in');
  }
  const tokenType = json['token_type'];
  return {
    ok: true,
    value: {
      accessToken,
      tokenType: typeof tokenType === 'string' && tokenType !== '' ? tokenType : 'bearer',
      expiresIn,
      expiresAt,
    },
  };
}

/** Reads the answer to an invalidation: IMS answers 200, with an empty body. */
export function readInvalidateAnswer(answer: HttpAnswer, context: FailureContext): AttemptResult<true> {
  return answer.status === 200 ? { ok: true, value: true } : readFailure(answer, context);
}
