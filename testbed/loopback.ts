// Stands in for: nothing by itself. It is the plumbing the test bed's servers
// (the IMS, Fusion API and cache service emulators, the CONNECT proxy) share:
// they listen on 127.0.0.1, and close at once, open connections and all.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { ServerCertificate } from './tls.js';

/**
 * Listens on 127.0.0.1 (any free port by default). Returns what closes the
 * server at once: it ends the connections still open (a hang, a tunnel) too.
 */
export async function listenOnLoopback(server: Server, port = 0): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/**
 * What the test bed's emulators share: an HTTP server, or HTTPS with `tls`,
 * on 127.0.0.1 (any free port by default), its URL, the connections it took.
 */
export abstract class LoopbackService {
  /** TCP connections accepted, answered or not (a failed TLS handshake counts too). */
  connections = 0;
  private listening: { port: number; scheme: string; close: () => Promise<void> } | undefined;

  /** Answers one request. */
  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): void;

  protected async listen(options: { readonly tls?: ServerCertificate; readonly port?: number }): Promise<void> {
    const server = options.tls ? https.createServer({ ...options.tls }) : http.createServer();
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res));
    server.on('connection', () => this.connections++);
    // A client that refuses the certificate is not the server's error.
    server.on('tlsClientError', () => {});
    const close = await listenOnLoopback(server, options.port);
    this.listening = { port: (server.address() as AddressInfo).port, scheme: options.tls ? 'https' : 'http', close };
  }

  get port(): number {
    if (!this.listening) throw new Error('the server is not listening yet');
    return this.listening.port;
  }

  /** The base URL under this host name: 127.0.0.1, or a name a proxy resolves to it. */
  urlFor(host: string): string {
    return `${this.listening?.scheme ?? 'http'}://${host}:${this.port}`;
  }

  /** The base URL on 127.0.0.1. */
  get url(): string {
    return this.urlFor('127.0.0.1');
  }

  close(): Promise<void> {
    return this.listening?.close() ?? Promise.resolve();
  }
}
