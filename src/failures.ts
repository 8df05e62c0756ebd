// The wording of every failure: what happened and what to do next. Pure.
// Nothing here quotes the client secret or a token: answer excerpts pass
// through redact() first.

import { RETRYABLE_STATUSES } from './retry.js';
import { quote, secretForms, visible } from './text.js';

export interface AttemptFailure {
  /** Worth another attempt: a transient network error, or a status in RETRYABLE_STATUSES (src/retry.ts). */
  readonly retryable: boolean;
  /**
   * Whether this looks like an IMS outage rather than a wrong credential or
   * request, where that differs from `retryable` (see isOutage).
   */
  readonly transient?: boolean;
  /** A few words for the retry log line, e.g. "HTTP 503 internal_error". */
  readonly summary: string;
  /** The full explanation for the step's error annotation. */
  readonly message: string;
  /** The Retry-After header of the answer, if any. */
  readonly retryAfter?: string | undefined;
  /** The `error` of an IMS error answer, e.g. "invalid_client". */
  readonly imsError?: string;
}

export interface FailureContext {
  /** What was asked of IMS, e.g. "token request". */
  readonly request: string;
  /** host[:port] of the IMS endpoint. */
  readonly host: string;
  readonly scopes: readonly string[];
  /** Values that must never be shown: the client secret. */
  readonly secrets: readonly string[];
}

/**
 * A proxy's answers to CONNECT that say it could not reach IMS (Bad Gateway,
 * Service Unavailable, Gateway Timeout): a list of its own, not
 * RETRYABLE_STATUSES, because these are the only proxy answers that say
 * anything about IMS (an outage, see isOutage). The proxy's other statuses in
 * RETRYABLE_STATUSES are retried too, but speak only of the proxy.
 */
export const PROXY_UPSTREAM_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

const MASK = '***';
const EXCERPT_LENGTH = 200;
// A JWT (the shape of IMS access tokens), or the value of an access_token field.
const JWT_LIKE = /eyJ[\w-]*(?:\.[\w-]*)*/g;
// The value runs to the first unescaped quote: a token may hold \" itself.
const ACCESS_TOKEN_FIELD = /("access_token"\s*:\s*")(?:[^"\\]|\\.)*/g;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const WHITESPACE_OR_CONTROL = /[\s\x00-\x1f\x7f]+/g;

export function redact(text: string, secrets: readonly string[]): string {
  // Whole values first, the longest first (as the runner masks): a token
  // pattern or a shorter value taken out before would leave a piece of a secret.
  const forms = [...new Set(secrets.flatMap(secretForms))]
    .filter((form) => form !== '')
    .sort((a, b) => b.length - a.length);
  let redacted = text;
  for (const form of forms) redacted = redacted.split(form).join(MASK);
  return redacted.replace(ACCESS_TOKEN_FIELD, `$1${MASK}`).replace(JWT_LIKE, MASK);
}

/** A short single-line excerpt of an answer body, safe to print. */
export function excerpt(body: string, secrets: readonly string[]): string {
  const line = redact(body, secrets).replace(WHITESPACE_OR_CONTROL, ' ').trim();
  return line === '' ? '(empty body)' : quote(line, EXCERPT_LENGTH);
}

/**
 * Text from an answer, safe and short enough for a log line: redacted whole,
 * then cut. Cut first, it could end in a piece of a secret that no mask hides.
 */
function answerText(text: string, max: number, secrets: readonly string[]): string {
  return visible(redact(text, secrets).slice(0, max));
}

function headerText(value: string, secrets: readonly string[]): string {
  return answerText(value, 100, secrets);
}

function debugIdNote(debugId: string | undefined, secrets: readonly string[]): string {
  return debugId ? ` (x-debug-id: ${headerText(debugId, secrets)})` : '';
}

function supportNote(debugId: string | undefined): string {
  return debugId ? 'If it persists, give Adobe support the x-debug-id.' : 'If it persists, contact Adobe support.';
}

function hintFor(error: string, retryable: boolean, debugId: string | undefined, context: FailureContext): string {
  switch (error) {
    case 'invalid_client':
      return (
        'Check the client-id and client-secret inputs: they must be the client ID and a current client secret ' +
        'of an OAuth Server-to-Server credential. The secret may have been rotated in the Adobe Developer Console; ' +
        'update the repository secret.'
      );
    case 'invalid_scope':
      return (
        `The credential is not granted one of the requested scopes (${context.scopes.join(', ')}). ` +
        'Request only the scopes of the APIs added to the Developer Console project (set the scopes input), ' +
        'or add the missing API to the project.'
      );
    case 'unauthorized_client':
      return (
        'This client may not use the client_credentials grant: use an OAuth Server-to-Server credential ' +
        'from the Adobe Developer Console project, not an OAuth Web App, single-page app or JWT credential.'
      );
    default:
      return retryable
        ? `IMS may be having trouble; try again later. ${supportNote(debugId)}`
        : `Check the inputs against the credential in the Adobe Developer Console. ${supportNote(debugId)}`;
  }
}

/** An RFC 6749 error answer from IMS: {"error": ..., "error_description": ...}. */
export function imsErrorFailure(
  status: number,
  error: string,
  description: string | undefined,
  debugId: string | undefined,
  retryable: boolean,
  context: FailureContext,
): Omit<AttemptFailure, 'retryAfter'> {
  // IMS's own words, but still text from the network: shown visibly, and short.
  const code = answerText(error, 100, context.secrets);
  const detail = description ? `: ${answerText(description, 300, context.secrets)}` : '';
  return {
    retryable,
    summary: `HTTP ${status} ${code}`,
    message:
      `IMS refused the ${context.request} with HTTP ${status} ${code}${detail}${debugIdNote(debugId, context.secrets)}. ` +
      hintFor(error, retryable, debugId, context),
    imsError: error,
  };
}

/** An answer that is not what IMS sends: HTML from a gateway, truncated JSON, no token. */
export function unexpectedAnswerFailure(
  status: number,
  problem: string,
  contentType: string | undefined,
  body: string,
  debugId: string | undefined,
  retryable: boolean,
  context: FailureContext,
): Omit<AttemptFailure, 'retryAfter'> {
  return {
    retryable,
    summary: `HTTP ${status} ${problem}`,
    message:
      `${context.host} answered HTTP ${status} ${problem} ` +
      `(content type ${contentType === undefined ? 'none' : headerText(contentType, context.secrets)})` +
      `${debugIdNote(debugId, context.secrets)}: ` +
      `${excerpt(body, context.secrets)}. Check that ims-url is the IMS base URL, and that no proxy or gateway ` +
      'rewrites the answer.',
  };
}

export function redirectFailure(status: number, location: string | undefined, context: FailureContext): AttemptFailure {
  const target = location ? ` to ${excerpt(location, context.secrets)}` : '';
  return {
    retryable: false,
    summary: `HTTP ${status} redirect`,
    message:
      `${context.host} answered HTTP ${status}, a redirect${target}. Redirects are not followed because they ` +
      'could carry the client secret to another host. Set ims-url to the IMS base URL itself, such as ' +
      'https://ims-na1.adobelogin.com.',
  };
}

/** Why a request got no answer, from the error code Node (or the transport) gives. */
export interface NetworkProblem {
  readonly code: string | undefined;
  readonly detail: string;
  /** The proxy the request went through (no credentials), if any. */
  readonly proxy?: string | undefined;
}

export const TIMEOUT_CODE = 'ETIMEOUT_ATTEMPT';
export const TOO_LARGE_CODE = 'EANSWER_TOO_LARGE';

/**
 * Network errors that may pass, in a few words: the token step retries them, and fusion-api too, for
 * the methods it may repeat.
 */
export const TRANSIENT_NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EAI_AGAIN: 'temporary DNS failure',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENETDOWN: 'network down',
  EHOSTDOWN: 'host down',
};

const TLS_HINT =
  "If the runner sits behind a TLS-inspecting proxy or IMS is reached through a private CA, set NODE_EXTRA_CA_CERTS to the PEM file of that CA's root certificate.";

export function isTlsCode(code: string): boolean {
  // EPROTO: TLS spoken to something that does not speak it (a plain-http port).
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|^EPROTO$/.test(code);
}

/** The status of a proxy's refusal to open a tunnel, as @actions/http-client's tunnel agent words it, or undefined. */
export function proxyStatusOf(detail: string): string | undefined {
  return /tunneling socket could not be established, statusCode=(\d+)/.exec(detail)?.[1];
}

/**
 * Whether a proxy's refusal asks for other credentials: 407 is proxy
 * authentication, but some proxies (tinyproxy) refuse missing or wrong
 * credentials with 401. Never retried: the credentials must change.
 */
export function isProxyAuthentication(status: number): boolean {
  return status === 401 || status === 407;
}

/**
 * Whether a proxy's refusal of the tunnel may pass, and is retried (by the token step and by
 * fusion-api, for every method: nothing went through): a status retried from IMS.
 */
export function isPassingProxyRefusal(status: number): boolean {
  return !isProxyAuthentication(status) && RETRYABLE_STATUSES.has(status);
}

export const PROXY_CREDENTIALS_ADVICE =
  'It requires authentication, and the credentials in the proxy URL are missing or wrong: put its user name ' +
  'and password in HTTPS_PROXY (http://user:password@proxy:port, special characters percent-encoded), ' +
  'or ask for the runner to be allowed through.';

export function networkFailure(problem: NetworkProblem, timeoutMs: number, context: FailureContext): AttemptFailure {
  const { host } = context;
  const code = problem.code ?? '';
  const detail = redact(problem.detail, context.secrets);
  const via = problem.proxy ? ` through the proxy ${problem.proxy}` : '';

  if (code === TIMEOUT_CODE) {
    const seconds = timeoutMs / 1000;
    return {
      retryable: true,
      summary: `no complete answer within ${seconds} s`,
      message: `No complete answer from ${host}${via} within ${seconds} s (timeout-seconds). Check the runner's network, or raise timeout-seconds.`,
    };
  }
  if (code === TOO_LARGE_CODE) {
    return {
      retryable: false,
      summary: 'answer too large',
      message: `${host} sent ${detail}; an IMS token answer is a few kilobytes, so it was refused. Check that ims-url is the IMS base URL.`,
    };
  }
  const proxyStatus = proxyStatusOf(detail);
  if (problem.proxy && proxyStatus) {
    const authentication = isProxyAuthentication(Number(proxyStatus));
    const retryable = isPassingProxyRefusal(Number(proxyStatus));
    const advice = authentication
      ? ` ${PROXY_CREDENTIALS_ADVICE}`
      : retryable
        ? ' It could not reach IMS; check the proxy, or try again later.'
        : ' Check HTTPS_PROXY, or add the IMS host to NO_PROXY if it must be reached directly.';
    return {
      retryable,
      transient: PROXY_UPSTREAM_STATUSES.has(Number(proxyStatus)),
      summary: `proxy answered HTTP ${proxyStatus}`,
      message: `The proxy ${problem.proxy} refused to connect to ${host} with HTTP ${proxyStatus}.${advice}`,
    };
  }
  if (isTlsCode(code)) {
    return {
      retryable: false,
      summary: `TLS error ${code}`,
      message: `The TLS connection to ${host}${via} failed: ${detail} (${code}). ${TLS_HINT}`,
    };
  }
  if (code === 'ENOTFOUND') {
    return {
      retryable: false,
      // Not retried (a typo in ims-url does not heal), but a host that resolved before may be down.
      transient: true,
      summary: 'host not found',
      message: `The host ${host} was not found (DNS: ${code}). Check ims-url.`,
    };
  }
  const transient = TRANSIENT_NETWORK_CODES[code];
  if (transient !== undefined) {
    return {
      retryable: true,
      summary: `${transient}${via} (${code})`,
      message: `Could not reach ${host}${via}: ${transient} (${detail}). Check ims-url and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).`,
    };
  }
  return {
    retryable: false,
    transient: true,
    summary: `network error ${code || 'without a code'}`,
    message: `The request to ${host}${via} failed: ${detail}${code ? ` (${code})` : ''}. Check ims-url and the runner's network and proxy settings.`,
  };
}

/**
 * Whether a failure, once retries are spent, is an outage that a still-valid
 * token may ride out: a network error, an attempt timeout, a status in
 * RETRYABLE_STATUSES (whatever the body), or one in PROXY_UPSTREAM_STATUSES
 * from a proxy. Anything else (an IMS error such as invalid_client, another
 * status, a redirect, a TLS error, an answer that is not IMS JSON, proxy
 * authentication) says the credential or the request is wrong.
 */
export function isOutage(failure: AttemptFailure): boolean {
  return failure.transient ?? failure.retryable;
}

/** The last failure, and how many attempts were made: "after 4 attempts (retries: 3). <message>". */
export function attemptsNote(failure: AttemptFailure, attempts: number, retries: number): string {
  const count = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const why = failure.retryable
    ? ` (retries: ${retries})`
    : attempts === 1
      ? ' (not retried: this failure would not go away by itself)'
      : '';
  return `after ${count}${why}. ${failure.message}`;
}

function lines(last: number): string {
  return last === 1 ? 'line 1' : `lines 1 to ${last}`;
}

/** Which of several client secrets a final failure came from: "" for a single secret. */
export function secretsNote(position: number, count: number): string {
  if (count === 1) return '';
  const rejected = position > 1 ? ` (IMS rejected ${lines(position - 1)} with invalid_client)` : '';
  return ` with client-secret line ${position} of ${count}${rejected}`;
}

/** The warning when a later secret worked: the earlier ones are stale. */
export function rotationWarning(position: number): string {
  return (
    `IMS accepted client-secret line ${position} and rejected ${lines(position - 1)} with invalid_client. ` +
    'When the secret rotation is complete, remove the rejected secret from the repository secret.'
  );
}

/** The warning when the job sets NODE_TLS_REJECT_UNAUTHORIZED=0, which would turn certificate checks off. */
export const TLS_OVERRIDE_IGNORED_WARNING =
  'NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: fusion-token-action always verifies certificates, because its ' +
  `requests carry the client secret. ${TLS_HINT}`;
