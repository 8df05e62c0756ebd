// Stands in for: the Fusion API gateway, as far as the fusion-api command's own tests need it (one scripted answer per request).
// A real HTTP(S) server on loopback that records every request (method, raw
// target, headers, body) and answers each with the next scripted reply:
// JSON, a status with headers, a body streamed in pieces, a hang, a reset.
// What the gateway itself checks and answers is the Fusion emulator's job.

import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { listenOnLoopback } from './loopback.js';
import type { ServerCertificate } from './tls.js';

export interface RecordedRequest {
  readonly method: string;
  /** The request target exactly as sent: path and raw query. */
  readonly target: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type StubReply = (request: RecordedRequest, response: http.ServerResponse) => void | Promise<void>;

export class HttpStubServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: StubReply[] = [];
  private fallback: StubReply = replyJson(599, { message: 'no reply scripted for this request' });
  private stop: () => Promise<void> = async () => {};

  private constructor(
    private readonly server: http.Server,
    private readonly tls: boolean,
  ) {}

  static async start(options: { tls?: ServerCertificate } = {}): Promise<HttpStubServer> {
    const server = options.tls ? https.createServer({ ...options.tls }) : http.createServer();
    const stub = new HttpStubServer(server, options.tls !== undefined);
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      void stub.answer(request, response);
    });
    // A client that refuses the certificate, or leaves, is not the server's error.
    server.on('tlsClientError', () => {});
    server.on('clientError', (_error, socket) => socket.destroy());
    stub.stop = await listenOnLoopback(server);
    return stub;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** http(s)://127.0.0.1:port */
  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Replies for the next requests, one each, in order. */
  enqueue(...replies: StubReply[]): void {
    this.queue.push(...replies);
  }

  /** The reply once the queue is empty. */
  otherwise(reply: StubReply): void {
    this.fallback = reply;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.fallback = replyJson(599, { message: 'no reply scripted for this request' });
  }

  close(): Promise<void> {
    return this.stop();
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      target: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const reply = this.queue.shift() ?? this.fallback;
    try {
      await reply(recorded, response);
    } catch {
      response.destroy();
    }
  }
}

export function replyJson(status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): StubReply {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

export function replyText(status: number, text: string, headers: http.OutgoingHttpHeaders = {}): StubReply {
  return (_request, response) => {
    response.writeHead(status, headers);
    response.end(text);
  };
}

/** Reads the request, then never answers (the socket stays open until the client or close() ends it). */
export const replyHang: StubReply = () => {};

/** Resets the connection instead of answering. */
export const replyReset: StubReply = (_request, response) => {
  response.socket?.resetAndDestroy();
};

/**
 * A body of `total` bytes written in pieces of `piece` bytes, `pauseMs` apart
 * (0: as fast as the client reads it), with backpressure: the server never
 * holds more than a piece. Then, with `resetAfter`, a reset once that many
 * bytes are out instead of the rest.
 */
export function replyStream(options: {
  readonly total: number;
  readonly piece?: number;
  readonly pauseMs?: number;
  readonly resetAfter?: number;
  readonly headers?: http.OutgoingHttpHeaders;
}): StubReply {
  const piece = options.piece ?? 64 * 1024;
  return async (_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': options.total,
      ...options.headers,
    });
    const block = Buffer.alloc(piece, 'x');
    for (let sent = 0; sent < options.total;) {
      if (options.resetAfter !== undefined && sent >= options.resetAfter) {
        // Let what was written reach the client first: a reset discards data still unsent.
        await new Promise((resolve) => setTimeout(resolve, 50));
        response.socket?.resetAndDestroy();
        return;
      }
      const size = Math.min(piece, options.total - sent);
      if (!response.write(size === piece ? block : block.subarray(0, size))) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            response.off('drain', done).off('close', done);
            resolve();
          };
          response.once('drain', done).once('close', done);
        });
      }
      sent += size;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      if (response.destroyed) return;
    }
    response.end();
  };
}
