// Stands in for: Adobe IMS (ims-na1.adobelogin.com), which cannot be reached from here.
// A local Adobe IMS emulator: a real HTTP server on loopback that answers
// POST /ims/token/v3 as IMS does (form body, RFC 6749 errors, x-debug-id on
// every answer), and can be scripted to misbehave: throttling, 5xx, hangs,
// resets, HTML, truncated JSON, redirects.

import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { ServerCertificate } from './tls.js';
import { LoopbackService } from './loopback.js';

export const TOKEN_PATH = '/ims/token/v3';
export const INVALIDATE_PATH = '/ims/invalidate_token/v2';

export interface EmulatorClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes granted to the credential. */
  readonly scopes: readonly string[];
}

export const FUSION_SCOPES = ['openid', 'AdobeID', 'profile', 'additional_info.projectedProductContext'];

/** What the emulator does with one request. */
export type Behaviour =
  /** Answer as IMS would, from the registered clients; a token lives expiresIn seconds (86399). */
  | { readonly kind: 'ims'; readonly expiresIn?: number }
  /** Answer with this status, JSON body and headers. */
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Record<string, string>;
    }
  /** Answer with this status and raw body (HTML pages, truncated JSON). */
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly body: string;
      readonly contentType: string;
      readonly headers?: Record<string, string>;
    }
  /** Read the request, then never answer. */
  | { readonly kind: 'hang' }
  /** Read the request, then reset the connection. */
  | { readonly kind: 'reset' }
  /** Send headers and part of the body, then reset the connection. */
  | { readonly kind: 'cut'; readonly partialBody: string }
  /** Send 200 and this many bytes of body, chunked (no content-length), as fast as the client reads. */
  | { readonly kind: 'flood'; readonly bytes: number }
  /** Send 200 headers, then one byte of body every `everyMs`, forever. */
  | { readonly kind: 'trickle'; readonly everyMs: number };

export interface EmulatorOptions {
  /** Serve HTTPS with this certificate instead of HTTP. */
  readonly tls?: ServerCertificate;
  /** The port to listen on (127.0.0.1); any free one when absent. */
  readonly port?: number;
  /** Admit at most this many token requests in any second; answer the rest 429. */
  readonly rateLimit?: { readonly perSecond: number; readonly retryAfter: string };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  readonly form: URLSearchParams;
  readonly at: number;
}

export interface IssuedRecord {
  readonly clientId: string;
  readonly accessToken: string;
  /** When the token expires, in ms since the epoch, as the answer's expires_in says. */
  readonly expiresAt?: number;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT shaped like an IMS access token (claims as seen on real ones; the signature is random). */
export function makeAccessToken(clientId: string, scopes: readonly string[], nowMs: number): string {
  const header = { alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' };
  const payload = {
    id: `${nowMs}_${randomUUID()}_va6c2`,
    type: 'access_token',
    client_id: clientId,
    user_id: `${randomBytes(12).toString('hex').toUpperCase()}@techacct.adobe.com`,
    as: 'ims-na1',
    aa_id: `${randomBytes(12).toString('hex').toUpperCase()}@techacct.adobe.com`,
    ctp: 0,
    fg: 'Z7K3EXAMPLE======',
    moi: randomBytes(4).toString('hex'),
    expires_in: '86400000',
    created_at: String(nowMs),
    scope: scopes.join(','),
  };
  return `${base64url(header)}.${base64url(payload)}.${randomBytes(64).toString('base64url')}`;
}

/** The emulator on 127.0.0.1: its `url` (or urlFor a host name) is what the action takes as ims-url. */
export class ImsEmulator extends LoopbackService {
  readonly requests: RecordedRequest[] = [];
  readonly issued: IssuedRecord[] = [];
  /** Tokens invalidated through INVALIDATE_PATH. */
  readonly revoked: string[] = [];
  private readonly clients = new Map<string, EmulatorClient>();
  private readonly script: Behaviour[] = [];
  /** Token requests answered 429 by the rate limit. */
  throttled = 0;
  private readonly admitted: number[] = [];
  private fallback: Behaviour = { kind: 'ims' };

  private constructor(private readonly options: EmulatorOptions) {
    super();
  }

  static async start(clients: readonly EmulatorClient[] = [], options: EmulatorOptions = {}): Promise<ImsEmulator> {
    const emulator = new ImsEmulator(options);
    for (const client of clients) emulator.addClient(client);
    await emulator.listen(options);
    return emulator;
  }

  addClient(client: EmulatorClient): void {
    this.clients.set(client.clientId, client);
  }

  /** The next requests get these behaviours, one each, in order. */
  enqueue(...behaviours: Behaviour[]): void {
    this.script.push(...behaviours);
  }

  /** What every request gets once the queue is empty. */
  setFallback(behaviour: Behaviour): void {
    this.fallback = behaviour;
  }

  reset(): void {
    this.requests.length = 0;
    this.issued.length = 0;
    this.revoked.length = 0;
    this.admitted.length = 0;
    this.connections = 0;
    this.throttled = 0;
    this.script.length = 0;
    this.fallback = { kind: 'ims' };
  }

  protected override handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawBody,
        form: new URLSearchParams(rawBody),
        at: Date.now(),
      };
      this.requests.push(recorded);
      if (this.isThrottled(recorded.at)) {
        this.throttled++;
        send(
          res,
          429,
          JSON.stringify({ error: 'too_many_requests', error_description: 'Too many requests' }),
          'application/json;charset=UTF-8',
          { 'x-debug-id': randomUUID(), 'retry-after': this.options.rateLimit?.retryAfter ?? '1' },
        );
        return;
      }
      this.respond(this.script.shift() ?? this.fallback, recorded, res);
    });
  }

  /** A sliding one-second window: admit while fewer than perSecond were admitted in the last second. */
  private isThrottled(now: number): boolean {
    const limit = this.options.rateLimit;
    if (!limit) return false;
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= now - 1000) this.admitted.shift();
    if (this.admitted.length >= limit.perSecond) return true;
    this.admitted.push(now);
    return false;
  }

  private respond(behaviour: Behaviour, request: RecordedRequest, res: http.ServerResponse): void {
    const debugId = randomUUID();
    switch (behaviour.kind) {
      case 'ims':
        this.answerAsIms(request, res, debugId, behaviour.expiresIn ?? 86399);
        return;
      case 'json':
        send(res, behaviour.status, JSON.stringify(behaviour.body), 'application/json;charset=UTF-8', {
          'x-debug-id': debugId,
          ...behaviour.headers,
        });
        return;
      case 'raw':
        send(res, behaviour.status, behaviour.body, behaviour.contentType, {
          'x-debug-id': debugId,
          ...behaviour.headers,
        });
        return;
      case 'hang':
        return;
      case 'reset':
        res.socket?.resetAndDestroy();
        return;
      case 'cut':
        res.writeHead(200, {
          'content-type': 'application/json;charset=UTF-8',
          'content-length': String(Buffer.byteLength(behaviour.partialBody) + 100),
          'x-debug-id': debugId,
        });
        res.write(behaviour.partialBody, () => res.socket?.resetAndDestroy());
        return;
      case 'flood':
        flood(res, behaviour.bytes);
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'x-debug-id': debugId });
        const timer = setInterval(() => res.write(' '), behaviour.everyMs);
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
  }

  /** POST /ims/invalidate_token/v2: 200 with an empty body for a live token this client was issued. */
  private invalidate(
    form: URLSearchParams,
    clientId: string,
    res: http.ServerResponse,
    debugId: string,
    error: (status: number, code: string, description: string) => void,
  ): void {
    const token = form.get('token') ?? '';
    if (form.get('token_type') !== 'access_token' || form.get('cascading') !== 'all') {
      error(400, 'invalid_request', 'token_type must be access_token and cascading all');
      return;
    }
    const issued = this.issued.some((record) => record.clientId === clientId && record.accessToken === token);
    if (!issued || this.revoked.includes(token)) {
      error(400, 'invalid_token', 'the token is unknown or already invalidated');
      return;
    }
    this.revoked.push(token);
    res.writeHead(200, { 'content-length': '0', 'x-debug-id': debugId });
    res.end();
  }

  private answerAsIms(request: RecordedRequest, res: http.ServerResponse, debugId: string, expiresIn: number): void {
    const error = (status: number, code: string, description: string): void =>
      send(
        res,
        status,
        JSON.stringify({ error: code, error_description: description }),
        'application/json;charset=UTF-8',
        {
          'x-debug-id': debugId,
        },
      );
    const path = request.url.split('?')[0];
    if (request.method !== 'POST' || (path !== TOKEN_PATH && path !== INVALIDATE_PATH)) {
      error(404, 'not_found', `no such endpoint ${request.method} ${path}`);
      return;
    }
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      error(400, 'bad_request', 'the request body must be application/x-www-form-urlencoded');
      return;
    }
    const form = request.form;
    const clientId = form.get('client_id');
    if (!clientId) {
      error(400, 'invalid_request', 'missing client_id parameter');
      return;
    }
    const client = this.clients.get(clientId);
    if (!client) {
      error(400, 'invalid_client', 'invalid client_id parameter');
      return;
    }
    if (form.get('client_secret') !== client.clientSecret) {
      error(401, 'invalid_client', 'invalid client_secret parameter');
      return;
    }
    if (path === INVALIDATE_PATH) {
      this.invalidate(form, clientId, res, debugId, error);
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      error(400, 'unsupported_grant_type', 'unsupported grant_type parameter');
      return;
    }
    const requested = (form.get('scope') ?? '').split(',').filter((scope) => scope !== '');
    const missing = requested.filter((scope) => !client.scopes.includes(scope));
    if (requested.length === 0 || missing.length > 0) {
      error(400, 'invalid_scope', `invalid scope (${missing.join(',')})`);
      return;
    }
    const accessToken = makeAccessToken(clientId, requested, Date.now());
    this.issued.push({ clientId, accessToken, expiresAt: Date.now() + expiresIn * 1000 });
    send(
      res,
      200,
      JSON.stringify({ access_token: accessToken, token_type: 'bearer', expires_in: expiresIn }),
      'application/json;charset=UTF-8',
      { 'x-debug-id': debugId },
    );
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Writes `bytes` bytes of JSON-ish filler, honouring backpressure, until done or the client goes away. */
function flood(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}
