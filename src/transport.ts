// The one place that touches the network: a single HTTP request, read in
// full, with a limit on its total time and on the size of the answer. Proxies
// (HTTPS_PROXY, NO_PROXY) are chosen by @actions/http-client's agent.
// Redirects are never followed: a 3xx is returned like any other answer.
// Certificates are always verified, whatever NODE_TLS_REJECT_UNAUTHORIZED says.

import * as http from 'node:http';
import * as https from 'node:https';
import { HttpClient, getProxyUrl } from '@actions/http-client';
import { TIMEOUT_CODE, TOO_LARGE_CODE } from './failures.js';
import type { HttpAnswer } from './ims.js';

export interface HttpPost {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Limit for the whole exchange, from connecting to the last byte of the answer. */
  readonly timeoutMs: number;
  readonly maxAnswerBytes: number;
}

export type PostFunction = (request: HttpPost) => Promise<HttpAnswer>;

/** Any method; the body, if any, is sent as given. */
export interface HttpRequest extends Omit<HttpPost, 'body'> {
  readonly method: 'GET' | 'POST';
  readonly body?: string;
}

/** An answer read in full, as bytes (an archive is not text). */
export interface HttpBytes extends Omit<HttpAnswer, 'body'> {
  readonly body: Buffer;
}

export type RequestFunction = (request: HttpRequest) => Promise<HttpBytes>;

/** A request that got no complete answer. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly code: string | undefined,
    message: string,
    /** The proxy used, without credentials. */
    readonly proxy?: string,
  ) {
    super(message);
  }
}

/** The proxy @actions/http-client would use for this URL, without credentials. */
export function proxyFor(url: URL): string | undefined {
  const proxy = getProxyUrl(url.href);
  if (proxy === '') return undefined;
  const { protocol, host } = new URL(proxy);
  return `${protocol}//${host}`;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Where the agents of @actions/http-client (Node's, and tunnel's for a proxy) keep their TLS options. */
interface AgentTlsOptions {
  readonly options: { rejectUnauthorized?: boolean };
  /** A tunnel agent's options for the connection to the proxy itself: TLS for an https:// proxy. */
  readonly proxyOptions?: { rejectUnauthorized?: boolean; servername?: string };
}

/**
 * The agent @actions/http-client picks for the URL, made to verify every
 * certificate: Node's default follows NODE_TLS_REJECT_UNAUTHORIZED, which a
 * job may set to 0 for some other tool, and the request carries the client
 * secret. A tunnel agent (through a proxy) ignores the request's TLS options:
 * it takes those for IMS from its own options, and those for an https://
 * proxy from its proxy options. `proxy` is proxyFor(url), when the caller has
 * it already.
 */
export function verifyingAgent(client: HttpClient, url: URL, proxy: string | undefined = proxyFor(url)): http.Agent {
  const agent = client.getAgent(url.href);
  const tls = agent as unknown as AgentTlsOptions;
  tls.options.rejectUnauthorized = true;
  if (tls.proxyOptions) {
    tls.proxyOptions.rejectUnauthorized = true;
    // No TLS to an http:// proxy, hence no server name: Node would otherwise work one out from the
    // CONNECT's Host header, whose first test of a host name as an IPv6 address costs some 5 ms.
    if (!proxy?.startsWith('https:')) tls.proxyOptions.servername = '';
  }
  return agent;
}

export function createPost(): PostFunction {
  const send = createRequest();
  return async (request) => {
    const answer = await send({ ...request, method: 'POST' });
    return { ...answer, body: answer.body.toString('utf8') };
  };
}

export function createRequest(): RequestFunction {
  // Only its agent is used: the one @actions/http-client picks for the URL and
  // the proxy settings. The request itself is made here, to bound its time. A
  // client per request, since a client keeps the first agent it made, whose
  // protocol may not be the next URL's (an https cache service, an http blob).
  return (request) => send(new HttpClient(undefined, undefined, { keepAlive: false }), request);
}

function send(client: HttpClient, request: HttpRequest): Promise<HttpBytes> {
  const { url, timeoutMs, maxAnswerBytes, body = '' } = request;
  const proxy = proxyFor(url);
  return new Promise<HttpBytes>((resolve, reject) => {
    let settled = false;
    const settle = (error: TransportError | undefined, answer?: HttpBytes): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.destroy();
        reject(error);
      } else {
        resolve(answer as HttpBytes);
      }
    };
    const failWith = (code: string | undefined, message: string): void =>
      settle(new TransportError(code, message, proxy));

    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      {
        method: request.method,
        agent: verifyingAgent(client, url, proxy),
        rejectUnauthorized: true,
        headers: {
          ...request.headers,
          ...(request.method === 'GET' ? {} : { 'Content-Length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (declared > maxAnswerBytes) {
          failWith(TOO_LARGE_CODE, `an answer of ${declared} bytes, more than the ${maxAnswerBytes} allowed`);
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxAnswerBytes) {
            failWith(TOO_LARGE_CODE, `an answer of more than the ${maxAnswerBytes} bytes allowed`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          settle(undefined, {
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => failWith(error.code, error.message));
      },
    );
    const timer = setTimeout(() => failWith(TIMEOUT_CODE, `no complete answer within ${timeoutMs} ms`), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => failWith(error.code, error.message));
    req.end(request.method === 'GET' ? undefined : body);
  });
}
