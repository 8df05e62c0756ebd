// The fusion-api command's only network code: one HTTP request, its answer
// read chunk by chunk as the caller takes it. An idle timer bounds the wait
// for the answer to begin and for each next piece of its body, never a whole
// download that keeps moving, and never a pause while the caller is still
// writing out the last piece. Redirects are never followed (Node's http does
// not). Certificates are always verified, whatever NODE_TLS_REJECT_UNAUTHORIZED
// says; NODE_EXTRA_CA_CERTS is Node's own. A proxy goes through the agent of
// @actions/http-client, loaded only when one applies.

import * as http from 'node:http';
import * as https from 'node:https';
import { memoryKeeper } from './memory.js';
import { IDLE_TIMEOUT_CODE } from './failure.js';
import { proxyFor, shownProxy } from './proxy.js';

export interface HttpRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The longest wait for the answer to begin, and for each next piece of its body. */
  readonly timeoutMs: number;
}

/** A request that got no answer, or whose answer broke off. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function asNetworkError(error: unknown): NetworkError {
  if (error instanceof NetworkError) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  return new NetworkError(code, message);
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * Reads the body to its end, handing each chunk on and waiting for what
   * that returns before it reads on (so memory stays flat). Rejects with a
   * NetworkError when the body breaks off or pauses past the timeout, or
   * with whatever the chunk handler rejects with.
   */
  read(onChunk: (chunk: Buffer) => Promise<void> | void): Promise<void>;
  /** Drops the rest of the body. */
  discard(): void;
}

export interface Connection {
  readonly agent: http.Agent;
  /** The proxy in use (scheme, host and port), if any. */
  readonly proxy: string | undefined;
  close(): void;
}

/**
 * The agent for requests to this base URL: through the proxy that applies to
 * it (@actions/http-client's, made to verify certificates), else one of
 * Node's that keeps the connection for the next request (a next page).
 */
export async function openConnection(
  baseUrl: URL,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Connection> {
  const proxy = proxyFor(baseUrl, env);
  if (proxy === undefined) {
    const agent =
      baseUrl.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, rejectUnauthorized: true })
        : new http.Agent({ keepAlive: true });
    return { agent, proxy: undefined, close: () => agent.destroy() };
  }
  // A chunk of its own (dist/fusion-api/), loaded only here: most calls never pay for it.
  const [{ HttpClient }, { verifyingAgent }] = await Promise.all([
    import('@actions/http-client'),
    import('../transport.js'),
  ]);
  const client = new HttpClient(undefined, undefined, { keepAlive: false });
  return { agent: verifyingAgent(client, baseUrl), proxy: shownProxy(proxy), close: () => client.dispose() };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function idleError(timeoutMs: number, what: string): NetworkError {
  return new NetworkError(IDLE_TIMEOUT_CODE, `${what} within ${timeoutMs} ms`);
}

function answerOf(response: http.IncomingMessage, timeoutMs: number): Answer {
  // A body that breaks off before read() is called must not crash the process: read() meets the error.
  response.on('error', () => {});
  return {
    status: response.statusCode ?? 0,
    headers: flattenHeaders(response.headers),
    async read(onChunk) {
      const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const spent = memoryKeeper();
      for (;;) {
        // The timer runs only while waiting for the network, not while onChunk writes.
        const timer = setTimeout(() => response.destroy(idleError(timeoutMs, 'no more of the answer')), timeoutMs);
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw asNetworkError(error);
        } finally {
          clearTimeout(timer);
        }
        if (next.done) return;
        await onChunk(next.value);
        spent(next.value.length);
      }
    },
    discard: () => response.destroy(),
  };
}

/** Sends the request; resolves once the answer begins (its status and headers). */
export function send(request: HttpRequest, connection: Connection): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const { url, body, timeoutMs } = request;
    const headers = body === undefined ? request.headers : { ...request.headers, 'content-length': `${body.length}` };
    const transport = url.protocol === 'https:' ? https : http;
    let outgoing: http.ClientRequest;
    try {
      outgoing = transport.request(url, {
        method: request.method,
        headers,
        agent: connection.agent,
        rejectUnauthorized: true,
      });
    } catch (error) {
      reject(asNetworkError(error));
      return;
    }
    const timer = setTimeout(() => outgoing.destroy(idleError(timeoutMs, 'no answer')), timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(asNetworkError(error));
    });
    outgoing.on('response', (response) => {
      clearTimeout(timer);
      resolve(answerOf(response, timeoutMs));
    });
    outgoing.end(body);
  });
}
