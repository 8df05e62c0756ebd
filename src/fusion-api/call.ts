// One Fusion API call with its retries: each attempt sends the request and,
// on a 2xx, streams the body into the sink; a failure is retried as the
// policy says (announced in one line each), else worded for standard error.

import { type Answer, type Connection, type HttpRequest, NetworkError, send } from './client.js';
import {
  type RequestLabel,
  httpFailureLines,
  networkFailureLine,
  networkSummary,
  proxyRefusalOf,
  outputFailureLine,
  redactAnswer,
  redirectFailureLine,
  retryLine,
} from './failure.js';
import { quote } from '../text.js';
import { OutputError, type Sink } from './output.js';
import { type AttemptOutcome, retryWaitMs } from './retry.js';

/** How much of an error answer's body is read for its failure line. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface CallContext {
  readonly connection: Connection;
  readonly retries: number;
  /** Values no line may show any piece of: the token. */
  readonly secrets: readonly string[];
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Writes one line to standard error. */
  readonly log: (line: string) => void;
}

export type CallResult =
  { readonly ok: true; readonly status: number } | { readonly ok: false; readonly lines: readonly string[] };

/** An attempt that failed: what the policy looks at, and the failure's wording should it be the last. */
interface FailedAttempt {
  readonly outcome: AttemptOutcome | undefined;
  readonly summary: string;
  readonly lines: (attempts: number) => readonly string[];
}

/** The request as lines name it, with the token it carries, which no line may show a piece of. */
export function labelOf(request: HttpRequest): RequestLabel {
  const token = /^Bearer (.+)$/.exec(request.headers['authorization'] ?? '')?.[1];
  return {
    method: request.method,
    target: `${request.url.pathname}${request.url.search}`,
    host: request.url.host,
    secrets: token === undefined ? [] : [token],
  };
}

async function readErrorBody(answer: Answer): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    await answer.read((chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) throw new RangeError('enough of the error body');
    });
  } catch {
    // What came is enough to word the failure; the rest is dropped.
    answer.discard();
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
}

async function attempt(
  request: HttpRequest,
  sink: Sink,
  context: CallContext,
): Promise<{ status: number } | FailedAttempt> {
  const label = labelOf(request);
  const { secrets, connection } = context;
  const networkFailure = (error: NetworkError, cutOff?: { status: number; bytes: number }): FailedAttempt => {
    const problem = { code: error.code, detail: error.message };
    const refusal = proxyRefusalOf(problem, connection.proxy);
    const summary = networkSummary(problem, request.timeoutMs, connection.proxy);
    return {
      outcome: refusal === undefined ? { kind: 'network', code: error.code } : { kind: 'proxy', status: refusal },
      summary: cutOff ? `the answer broke off after ${cutOff.bytes} bytes: ${summary}` : summary,
      lines: (attempts) => [
        networkFailureLine({
          request: label,
          problem,
          proxy: connection.proxy,
          timeoutMs: request.timeoutMs,
          attempts,
          cutOff,
          secrets,
        }),
      ],
    };
  };

  let answer: Answer;
  try {
    answer = await send(request, connection);
  } catch (error) {
    return networkFailure(error as NetworkError);
  }
  const { status, headers } = answer;
  if (status >= 200 && status < 300) {
    let bytes = 0;
    try {
      await answer.read((chunk) => {
        bytes += chunk.length;
        return sink.write(chunk);
      });
      return { status };
    } catch (error) {
      answer.discard();
      if (error instanceof OutputError) {
        const line = outputFailureLine(label, error.message);
        return { outcome: undefined, summary: error.message, lines: () => [line] };
      }
      const failure = networkFailure(error as NetworkError, { status, bytes });
      // An answer that broke off is retried only if what was written of it can be taken back.
      return (await sink.restart()) ? failure : { ...failure, outcome: undefined };
    }
  }
  if (status >= 300 && status < 400) {
    answer.discard();
    const line = redirectFailureLine(label, status, headers['location'], request.url, secrets);
    return { outcome: undefined, summary: `HTTP ${status}`, lines: () => [line] };
  }
  const body = await readErrorBody(answer);
  const retryAfter = headers['retry-after'];
  return {
    outcome: { kind: 'status', status, retryAfter },
    summary: `HTTP ${status}${retryAfter === undefined ? '' : ` (Retry-After: ${quote(redactAnswer(retryAfter, secrets), 40)})`}`,
    lines: (attempts) => httpFailureLines({ request: label, status, headers, body, attempts, secrets }),
  };
}

export async function call(request: HttpRequest, sink: Sink, context: CallContext): Promise<CallResult> {
  const attempts = context.retries + 1;
  for (let number = 1; ; number++) {
    const result = await attempt(request, sink, context);
    if ('status' in result) return { ok: true, status: result.status };
    const waitMs =
      number < attempts && result.outcome !== undefined
        ? retryWaitMs(request.method, result.outcome, number, context.now(), context.random)
        : undefined;
    if (waitMs === undefined) return { ok: false, lines: result.lines(number) };
    context.log(retryLine(labelOf(request), result.summary, number, attempts, waitMs));
    await context.sleep(waitMs);
  }
}
