// The wording of the fusion-api command's failures and retries, each one line
// on standard error: what was asked, what came back, and what to do. Pure.
// Text from the network is redacted (no piece of the token), then cut, then
// shown visibly.

import {
  PROXY_CREDENTIALS_ADVICE,
  isPassingProxyRefusal,
  isProxyAuthentication,
  isTlsCode,
  proxyStatusOf,
  redact,
} from '../failures.js';
import { maskPieces, parseJsonObject, quote, secretForms, visible } from '../text.js';

export const PREFIX = 'fusion-api:';

/** An echoed run this long of the token (in any form an echo gives it) is masked. */
const TOKEN_PIECE = 6;
const BODY_EXCERPT_LENGTH = 300;
const FIELD_LENGTH = 200;

/** A request, as a failure line names it: "GET /api/v3/scenarios?limit=5". */
export interface RequestLabel {
  readonly method: string;
  /** The path and query as sent. */
  readonly target: string;
  /** host[:port] of the Fusion API. */
  readonly host: string;
  /** What the target may not show a piece of (a cursor is the server's text): the token. */
  readonly secrets?: readonly string[];
}

/** The text with no piece of any secret in it: whole forms, runs of TOKEN_PIECE characters, and JWTs. */
export function redactAnswer(text: string, secrets: readonly string[]): string {
  const forms = secrets.filter((secret) => secret !== '').flatMap(secretForms);
  return redact(maskPieces(text, forms, TOKEN_PIECE), secrets);
}

/** Untrusted text for a log line: redacted whole, then cut, then on one visible line. */
function shown(text: string, max: number, secrets: readonly string[]): string {
  const flat = redactAnswer(text, secrets).replace(/\s+/g, ' ').trim();
  return visible(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

function label(request: RequestLabel): string {
  return `${request.method} ${shown(request.target, 300, request.secrets ?? [])}`;
}

function attemptsNote(attempts: number): string {
  return attempts > 1 ? `, after ${attempts} attempts` : '';
}

/** What an error answer says: the gateway's error_code and message, or an RFC 7807 title; its request-id. */
export interface ErrorAnswer {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly requestId: string | undefined;
}

function field(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export function readErrorAnswer(body: string, headers: Readonly<Record<string, string | undefined>>): ErrorAnswer {
  // Not a JSON object (an HTML page from a proxy, say): the status speaks alone.
  const record = parseJsonObject(body) ?? {};
  const report = record['report'];
  const reported =
    typeof report === 'object' && report !== null ? field(report as Record<string, unknown>, 'request-id') : undefined;
  const code = field(record, 'error_code');
  return {
    code,
    message: code === undefined ? (field(record, 'title') ?? field(record, 'message')) : field(record, 'message'),
    requestId: reported ?? headers['x-request-id'] ?? headers['request-id'],
  };
}

/** What to do about an error answer, by the gateway's error code, else by the status. */
export function adviceFor(status: number, code: string | undefined): string {
  if (code === '401013' || status === 401) {
    return (
      'The token is not valid (expired, revoked, or a stage token against production): run the token step ' +
      'again, and check that ims-url and fusion-url are both production or both stage.'
    );
  }
  if (code === '403000' || code === '403003') {
    return (
      'x-api-key is not a client with the Workfront Fusion API: add the API to the Developer Console project, ' +
      'or check client-id.'
    );
  }
  if (code === '400003') {
    return 'A header is missing: set fusion-org-id and fusion-region on the token step (or pass --org-id and --region).';
  }
  if (status === 403) {
    return (
      'The technical account lacks the permission: add it to the Fusion team, or make it an admin ' +
      '(the Technical Accounts guide).'
    );
  }
  if (status === 404) return 'Check the path and the ID.';
  if (status === 429) return 'Fusion is throttling the calls: make fewer, or raise --retries to wait longer.';
  if (status >= 500) {
    return 'Fusion may be having trouble: try again later. If it persists, give Adobe support the request-id.';
  }
  return 'Check the path, the query parameters and the body against the Fusion API reference.';
}

export interface HttpFailure {
  readonly request: RequestLabel;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The start of the answer's body, as received. */
  readonly body: string;
  readonly attempts: number;
  /** Values no line may show any piece of: the token. */
  readonly secrets: readonly string[];
}

/** The failure line of an error answer, then the answer's body (redacted, cut) when it has one. */
export function httpFailureLines(failure: HttpFailure): string[] {
  const { status, secrets } = failure;
  const says = readErrorAnswer(failure.body, failure.headers);
  const what = [says.code, says.message]
    .filter((part): part is string => part !== undefined && part !== '')
    .map((part) => shown(part, FIELD_LENGTH, secrets))
    .join(' ');
  const requestId = says.requestId === undefined ? '' : ` (request-id: ${shown(says.requestId, 100, secrets)})`;
  const first =
    `${PREFIX} ${label(failure.request)} failed with HTTP ${status}${what ? `: ${what}` : ''}${requestId}` +
    `${attemptsNote(failure.attempts)}. ${adviceFor(status, says.code)}`;
  const body = shown(failure.body, BODY_EXCERPT_LENGTH, secrets);
  return body === '' ? [first] : [first, `${PREFIX} the answer's body (redacted, cut): ${body}`];
}

/** A redirect: never followed, since the request carries the token. Names the host it points to. */
export function redirectFailureLine(
  request: RequestLabel,
  status: number,
  location: string | undefined,
  requestUrl: URL,
  secrets: readonly string[],
): string {
  let target: string;
  if (location === undefined || location === '') {
    target = 'without a Location';
  } else {
    try {
      target = `to the host ${shown(new URL(location, requestUrl).host, 100, secrets)}`;
    } catch {
      target = `to "${shown(location, 100, secrets)}", not a URL`;
    }
  }
  return (
    `${PREFIX} ${label(request)} failed with HTTP ${status}, a redirect ${target}. Redirects are not followed, ` +
    'since the request carries the token. Set fusion-url to the Fusion API base URL itself (https://fusion.adobe.io).'
  );
}

/** Why a request got no (complete) answer: Node's error code, or the command's own. */
export interface NetworkProblem {
  readonly code: string | undefined;
  readonly detail: string;
}

/** The code of an attempt that waited longer than timeoutMs for its answer, or for the next piece of it. */
export const IDLE_TIMEOUT_CODE = 'ETIMEOUT_IDLE';

const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection closed while sending',
  ECONNABORTED: 'the connection was aborted',
  ECONNREFUSED: 'the connection was refused',
  ETIMEDOUT: 'the connection timed out',
  EAI_AGAIN: 'a temporary DNS failure',
  ENETUNREACH: 'the network was unreachable',
  EHOSTUNREACH: 'the host was unreachable',
  ENETDOWN: 'the network was down',
  EHOSTDOWN: 'the host was down',
  ENOTFOUND: 'the host was not found',
};

/**
 * The status with which the proxy refused to open a tunnel, when that is the problem. The tunnel agent
 * reports it as a reset (ECONNRESET), with the status in its message.
 */
export function proxyRefusalOf(problem: NetworkProblem, proxy: string | undefined): number | undefined {
  const status = proxy === undefined ? undefined : proxyStatusOf(problem.detail);
  return status === undefined ? undefined : Number(status);
}

/** A few words for a network problem, for a retry line: "the connection was reset (ECONNRESET)". */
export function networkSummary(problem: NetworkProblem, timeoutMs: number, proxy?: string): string {
  const refusal = proxyRefusalOf(problem, proxy);
  if (refusal !== undefined) return `the proxy answered HTTP ${refusal}`;
  if (problem.code === IDLE_TIMEOUT_CODE) return `no answer for ${timeoutMs / 1000} s`;
  const words = problem.code === undefined ? undefined : NETWORK_WORDS[problem.code];
  return words ? `${words} (${problem.code})` : `network error ${problem.code ?? 'without a code'}`;
}

function networkAdvice(problem: NetworkProblem): string {
  const code = problem.code ?? '';
  if (code === IDLE_TIMEOUT_CODE) {
    return "Check the runner's network, or raise the token step's timeout-seconds.";
  }
  if (isTlsCode(code)) {
    return (
      'If the runner reaches Fusion through a TLS-inspecting proxy or a private CA, set NODE_EXTRA_CA_CERTS ' +
      "to the PEM file of that CA's root certificate."
    );
  }
  return "Check fusion-url, and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).";
}

export interface NetworkFailure {
  readonly request: RequestLabel;
  readonly problem: NetworkProblem;
  /** The proxy the request went through (no credentials), if any. */
  readonly proxy: string | undefined;
  readonly timeoutMs: number;
  readonly attempts: number;
  /** Set when the answer began (its status) and then broke off after this many bytes. */
  readonly cutOff?: { readonly status: number; readonly bytes: number } | undefined;
  readonly secrets: readonly string[];
}

function proxyRefusalAdvice(status: number, host: string): string {
  if (isProxyAuthentication(status)) return PROXY_CREDENTIALS_ADVICE;
  if (isPassingProxyRefusal(status)) {
    return `It could not reach ${host}; check the proxy, or try again later.`;
  }
  return `Check HTTPS_PROXY, or add ${host} to NO_PROXY if it must be reached directly.`;
}

export function networkFailureLine(failure: NetworkFailure): string {
  const { request, problem, proxy, cutOff, secrets } = failure;
  const refusal = proxyRefusalOf(problem, proxy);
  if (proxy !== undefined && refusal !== undefined) {
    return (
      `${PREFIX} ${label(request)} failed: the proxy ${visible(proxy)} refused to connect to ${request.host} ` +
      `with HTTP ${refusal}${attemptsNote(failure.attempts)}. ${proxyRefusalAdvice(refusal, request.host)}`
    );
  }
  const via = proxy ? ` through the proxy ${visible(proxy)}` : '';
  const summary = networkSummary(problem, failure.timeoutMs);
  // Node's words add nothing to a known code, but through a proxy they say which leg failed.
  const known = problem.code === IDLE_TIMEOUT_CODE || NETWORK_WORDS[problem.code ?? ''] !== undefined;
  const detail = known && !proxy ? '' : `: ${shown(problem.detail, 200, secrets)}`;
  const what = cutOff
    ? `the answer (HTTP ${cutOff.status}) from ${request.host}${via} broke off after ${cutOff.bytes} bytes: ${summary}${detail}`
    : `no answer from ${request.host}${via}: ${summary}${detail}`;
  return `${PREFIX} ${label(request)} failed, ${what}${attemptsNote(failure.attempts)}. ` + networkAdvice(problem);
}

/** Writing the answer out failed: `problem` is the sink's own words. */
export function outputFailureLine(request: RequestLabel, problem: string): string {
  return `${PREFIX} ${label(request)} failed: ${visible(problem)}.`;
}

/** One line before each retry. */
export function retryLine(
  request: RequestLabel,
  why: string,
  attempt: number,
  attempts: number,
  waitMs: number,
): string {
  return `${PREFIX} ${label(request)}: ${why} (attempt ${attempt} of ${attempts}); trying again in ${(waitMs / 1000).toFixed(1)} s`;
}

export function repeatedCursorLine(request: RequestLabel, cursor: string, page: number, firstPage: number): string {
  return (
    `${PREFIX} ${label(request)} --paginate stopped: page ${page} gave the cursor ` +
    `${quote(redactAnswer(cursor, request.secrets ?? []), 200)}, ` +
    `which page ${firstPage} gave already; following it would fetch the same pages forever. ` +
    'Check that orderby names a unique field, e.g. -q orderby=+id.'
  );
}

export function notAListLine(request: RequestLabel, page: number, problem: string): string {
  return (
    `${PREFIX} ${label(request)} --paginate stopped: page ${page} ${problem}. --paginate is for the list ` +
    'operations, which answer {"items": [...], "_page": {...}}; call others without it.'
  );
}
