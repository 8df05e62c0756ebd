// Stands in for: a corporate forward proxy, for the faults real proxies will not produce on demand.
// A forward proxy on loopback that speaks real HTTP CONNECT, as corporate
// proxies do. It resolves host names itself from a table (so the action can
// ask for a non-loopback name, which @actions/http-client sends through the
// proxy), can demand Basic proxy authentication (407), can itself be reached
// over TLS (an https:// proxy), counts tunnels, and can hang: read each
// CONNECT and never answer it.

import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { ServerCertificate } from './tls.js';
import { listenOnLoopback } from './loopback.js';

export interface ProxyOptions {
  /** Host name -> the loopback address to connect to instead. */
  readonly hosts: Readonly<Record<string, string>>;
  /** When set, CONNECT needs `Proxy-Authorization: Basic base64(user:password)`. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Speak TLS to the client with this certificate (an https:// proxy URL). */
  readonly tls?: ServerCertificate;
  /** Read each CONNECT, then never answer it: the socket stays open until the client or close() ends it. */
  readonly neverAnswer?: boolean;
}

export interface TunnelRecord {
  readonly target: string;
  /** The status the proxy answered; 0 for a CONNECT it never answered. */
  readonly status: number;
}

export class ConnectProxy {
  readonly tunnels: TunnelRecord[] = [];
  private stop: () => Promise<void> = async () => {};

  private constructor(
    private readonly server: http.Server,
    private readonly options: ProxyOptions,
  ) {}

  static async start(options: ProxyOptions): Promise<ConnectProxy> {
    const refuseRequest = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('this proxy only tunnels (CONNECT)');
    };
    const server = options.tls
      ? https.createServer({ ...options.tls }, refuseRequest)
      : http.createServer(refuseRequest);
    // A client that refuses the certificate is not the proxy's error.
    server.on('tlsClientError', () => {});
    const proxy = new ConnectProxy(server, options);
    server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      proxy.tunnel(req, socket, head),
    );
    proxy.stop = await listenOnLoopback(server);
    return proxy;
  }

  /** http://127.0.0.1:port (https:// with tls), with credentials when given. */
  url(credentials?: { user: string; password: string }): string {
    const { port } = this.server.address() as net.AddressInfo;
    const auth = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
      : '';
    return `${this.options.tls ? 'https' : 'http'}://${auth}127.0.0.1:${port}`;
  }

  reset(): void {
    this.tunnels.length = 0;
  }

  close(): Promise<void> {
    return this.stop();
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const target = req.url ?? '';
    const refuse = (status: number, reason: string, headers = ''): void => {
      this.tunnels.push({ target, status });
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}Content-Length: 0\r\n\r\n`);
    };
    if (this.options.neverAnswer) {
      this.tunnels.push({ target, status: 0 });
      return;
    }
    const { credentials } = this.options;
    if (credentials) {
      const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
      if (req.headers['proxy-authorization'] !== expected) {
        refuse(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test proxy"\r\n');
        return;
      }
    }
    const match = /^([^:]+):(\d+)$/.exec(target);
    const address = match ? this.options.hosts[match[1] as string] : undefined;
    if (!match || address === undefined) {
      refuse(502, 'Bad Gateway');
      return;
    }
    let established = false;
    const upstream = net.connect(Number(match[2]), address, () => {
      established = true;
      this.tunnels.push({ target, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    // Once the tunnel stands, an error (a reset as a client exits) only ends it; before, it is a 502.
    upstream.on('error', () => (established ? client.destroy() : refuse(502, 'Bad Gateway')));
    client.on('error', () => upstream.destroy());
  }
}
