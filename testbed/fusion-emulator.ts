// Stands in for: the Workfront Fusion API gateway (fusion.adobe.io) and the Fusion API v3 behind it, which
// cannot be reached from here. Built from Adobe's OpenAPI document for the Fusion API (its 22 operations).
// A real HTTP or HTTPS server on 127.0.0.1, seeded with one organization
// (testbed/fusion-seed.ts), that can be scripted to misbehave.
//
// The gateway checks every request, in this order, and answers
// `{"error_code": "...", "message": "..."}` (application/json):
//   1. no x-api-key                                          403 403000 Api Key is required
//   2. x-api-key is a client without the Fusion API           403 403003 Api Key is invalid
//   3. Authorization is not `Bearer <a valid token>` (absent,
//      unknown, expired, revoked at IMS)                       401 401013 Oauth token is not valid
//   4. the token was issued to another client than x-api-key  403 403003 Api Key is invalid
//   5. x-organization-id or x-gw-region absent or empty        400 400003 Missing header
// Then the service, whose errors are RFC 7807 application/problem+json
// `{"type", "status", "title", "report": {"request-id", "x-gw-ims-org-id", "errors"?}}`:
//   - x-organization-id not a number: 400 Validation failed;
//   - an organization other than the seeded one, or the seeded one under
//     another region than its own: 403 Access denied (the regional instance
//     does not know the organization for this technical account);
//   - a team the technical account is not a member of (TEAM_WITHOUT_ACCESS, or
//     any unknown team ID): 403 Access denied; activity logs when the account
//     is not a Fusion admin: 403 Access denied;
//   - an unknown ID: 404 Resource not found; an unknown path: 404.
// `report.request-id` is the request's x-request-id header, else a fresh UUID.
// The document shows no request-id response header, so none is sent: a client
// reads it from the body. Lists and query decoding: see testbed/fusion-lists.ts.
//
// Token validity comes from the caller: `tokens` (e.g. tokensOf(ims), the
// tokens an ImsEmulator issued and did not revoke) and accept(). Faults, for
// the next N requests (optionally of one path or method), come before the
// gateway, as a load balancer's would: see FusionFault.
//
//   const fusion = await FusionEmulator.start({ tokens: tokensOf(ims) }); // { tls } for HTTPS
//   fusion.inputs()     // { 'fusion-url', 'fusion-org-id', 'fusion-region' } for the action
//   fusion.teamIds      // [88, 304]: the teamId that hooks, data stores and folders want
//   fusion.fault({ kind: 'status', status: 429, retryAfter: '1' }, { times: 2, path: '/api/v3/scenarios' });
//   fusion.requests     // method, path, rawQuery, query, headers, body, at, status, fault
//   fusion.data         // the organization as it stands, to compute what to expect
//   fusion.reset(); await fusion.close();

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import {
  type LastPage,
  type ListSpec,
  Problem,
  QueryParams,
  type QueryPair,
  decodeQuery,
  invalid,
  listPage,
  matches,
  parseProperty,
  wholeNumber,
} from './fusion-lists.js';
import {
  type ActivityLog,
  type Connection,
  type DataStore,
  type ExecutionRecord,
  type Folder,
  type FusionData,
  type Hook,
  type Scenario,
  TEAM_WITHOUT_ACCESS,
  moduleOperations,
  seedFusionData,
} from './fusion-seed.js';
import { XLSX_TYPE, workbook } from './fusion-xlsx.js';
import { LoopbackService } from './loopback.js';
import type { ServerCertificate } from './tls.js';

/** A token the gateway accepts, for the client it was issued to, until expiresAt (ms since the epoch). */
export interface IssuedToken {
  readonly accessToken: string;
  readonly clientId: string;
  readonly expiresAt?: number;
}

/** The tokens an ImsEmulator issued and has not revoked, read at each request. */
export function tokensOf(ims: {
  readonly issued: readonly IssuedToken[];
  readonly revoked: readonly string[];
}): () => IssuedToken[] {
  return () => ims.issued.filter((token) => !ims.revoked.includes(token.accessToken));
}

/** What the emulator does with a request instead of answering it as Fusion would. */
export type FusionFault =
  /** This status with an RFC 7807 body; `retryAfter` (seconds, or an HTTP date) becomes Retry-After. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfter?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** This answer exactly: a body given as an object is sent as JSON (a scripted page, say). */
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: unknown;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Read the request, then never answer. */
  | { readonly kind: 'hang' }
  /** Read the request, then reset the connection (over TLS: destroy it). */
  | { readonly kind: 'reset' }
  /** 200 and `bytes` bytes of valid JSON, generated as it is sent; with content-length unless told not to. */
  | { readonly kind: 'huge'; readonly bytes: number; readonly contentLength?: boolean }
  /** 200 and `bytes` bytes of JSON, `chunkBytes` at a time every `everyMs`: slow, but always moving. */
  | { readonly kind: 'slow'; readonly bytes: number; readonly chunkBytes: number; readonly everyMs: number }
  /** 200 and `bytes` bytes of JSON (content-length set), with a pause of `pauseMs` after `afterBytes`. */
  | { readonly kind: 'stall'; readonly bytes: number; readonly afterBytes: number; readonly pauseMs: number }
  /** An error (401 unless told) whose problem+json body quotes the request's Authorization header. */
  | { readonly kind: 'echo-authorization'; readonly status?: number }
  /** A redirect (302 unless told) to `location`, e.g. another host. */
  | { readonly kind: 'redirect'; readonly location: string; readonly status?: number };

/** Which requests a fault applies to: the next `times` (1 by default) of this path and method, if given. */
export interface FaultMatch {
  readonly times?: number;
  /** The path without the query: exactly this string, or matching this expression. */
  readonly path?: string | RegExp;
  readonly method?: string;
}

export interface FusionRequest {
  readonly method: string;
  /** As received: the path and the raw query. */
  readonly url: string;
  readonly path: string;
  /** The query string exactly as sent, without `?`: `orderby=%2Bid` stays so. */
  readonly rawQuery: string;
  /** The query decoded as the emulator reads it (a bare `+` is a space); undefined if it is malformed. */
  readonly query: readonly QueryPair[] | undefined;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The request-id an error answer reports. */
  readonly requestId: string;
  /** The fault that answered it, if one did. */
  fault?: FusionFault['kind'];
  /** The status answered; undefined for a hang or a reset. */
  status?: number;
}

export interface FusionEmulatorOptions {
  /** Serve HTTPS with this certificate (testbed/tls.ts) instead of HTTP. */
  readonly tls?: ServerCertificate;
  /** The port on 127.0.0.1; any free one when absent. */
  readonly port?: number;
  /** The tokens the gateway accepts besides those given to accept(), read at each request: e.g. tokensOf(ims). */
  readonly tokens?: () => Iterable<IssuedToken>;
  /** Client IDs whose Developer Console project lacks the Fusion API: their x-api-key gets 403003. */
  readonly withoutFusionApi?: readonly string[];
  /** How many scenarios the organization has (DEFAULT_SCENARIO_COUNT, 230). */
  readonly scenarios?: number;
  /** Whether the technical account is a Fusion admin, which activity logs need (true). */
  readonly admin?: boolean;
  /** What the last page of a list says of its next cursor: nothing (the default), null or ''. */
  readonly lastPage?: LastPage;
  /** The clock that tokens expire by: Date.now by default. */
  readonly now?: () => number;
}

interface Answer {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a handler gets: the request as read, the decoded query, the path's parameters. */
interface Call {
  readonly record: FusionRequest;
  readonly params: QueryParams;
  readonly ids: readonly string[];
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
export const NDJSON_TYPE = 'application/x-ndjson';
const MAX_REQUEST_BODY = 16 * 1024 * 1024;
const DAY = 86_400_000;

const PROBLEMS: Readonly<Record<number, readonly [string, string]>> = {
  400: ['BadRequest', 'Bad request'],
  401: ['Unauthorized', 'Authentication required'],
  403: ['Forbidden', 'Access denied'],
  404: ['ResourceNotFound', 'Resource not found'],
  406: ['NotAcceptable', 'Not acceptable'],
  413: ['PayloadTooLarge', 'Payload too large'],
  429: ['TooManyRequests', 'Too many requests'],
  500: ['InternalServerError', 'Server error'],
  502: ['BadGateway', 'Bad gateway'],
  503: ['ServiceUnavailable', 'Service unavailable'],
  504: ['GatewayTimeout', 'Gateway timeout'],
};

const SCENARIO_SPEC: Omit<ListSpec<Scenario>, 'resource'> = {
  orderFields: ['id', 'name', 'lastEdit'],
  propertyFields: [
    'id',
    'name',
    'teamId',
    'description',
    'folderId',
    'isInvalid',
    'isActive',
    'isLocked',
    'isPaused',
    'lastEdit',
    'hookId',
  ],
  defaultOrder: '+id',
  key: (scenario) => scenario.id,
};

const CONNECTION_SPEC: ListSpec<Connection> = {
  resource: 'connections',
  orderFields: ['id', 'name', 'accountName', 'expire'],
  propertyFields: [
    'id',
    'name',
    'accountName',
    'accountType',
    'expire',
    'teamId',
    'scopesCount',
    'editable',
    'uid',
    'environmentType',
    'authenticationType',
  ],
  defaultOrder: '+id',
  key: (connection) => connection.id,
};

const HOOK_FIELDS: Readonly<Record<string, (hook: Hook) => unknown>> = {
  type: (hook) => hook.typeName,
  automationType: (hook) => hook.automation?.type,
  automationId: (hook) => hook.automation?.id,
};

/** The columns of the activity-log export: every field of ActivityLog, in its order. */
const ACTIVITY_COLUMNS = [
  'timestamp',
  'messageId',
  'userId',
  'userName',
  'teamId',
  'teamName',
  'orgId',
  'entity',
  'entityId',
  'action',
  'message',
] as const;

const ACTIVITY_SPEC: ListSpec<ActivityLog> = {
  resource: 'activity-logs',
  orderFields: ['timestamp'],
  // The document lets every field but orgId be filtered.
  propertyFields: ACTIVITY_COLUMNS.filter((column) => column !== 'orgId'),
  defaultOrder: '-timestamp',
  key: (log) => log.messageId,
};

function withoutKeys<T extends object, K extends keyof T>(item: T, keys: readonly K[]): Omit<T, K> {
  const copy = { ...item };
  for (const key of keys) delete copy[key];
  return copy;
}

function json(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}

function gatewayError(status: number, code: string, message: string): Answer {
  return {
    status,
    contentType: 'application/json;charset=UTF-8',
    body: JSON.stringify({ error_code: code, message }),
  };
}

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A path parameter: a number, else the document's 400. */
function pathId(name: string, text: string | undefined): number {
  if (text === undefined || !/^\d{1,15}$/.test(text)) throw new Problem(400, `${name} must be a number string`);
  return Number(text);
}

/** A JSON object body sent as application/json; anything else is a 400. */
function jsonBody(record: FusionRequest): Record<string, unknown> {
  if (!/^application\/json\b/i.test(record.headers['content-type'] ?? '')) {
    throw invalid('the body must be JSON, sent with content-type application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(record.body);
  } catch {
    throw new Problem(400, 'Bad request', ['the body is not valid JSON']);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('the body must be a JSON object');
  return value as Record<string, unknown>;
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Exactly `bytes` bytes of valid JSON, `{"items":[],"padding":"xxx…"}`, any slice of it made on demand. */
function fillerJson(bytes: number): (offset: number, length: number) => Buffer {
  const head = Buffer.from('{"items":[],"padding":"');
  const tail = Buffer.from('"}');
  if (bytes < head.length + tail.length) throw new Error(`a generated body needs at least 25 bytes, not ${bytes}`);
  const padding = Buffer.alloc(64 * 1024, 'x');
  return (offset, length) => {
    const inMiddle = offset >= head.length && offset + length <= bytes - tail.length;
    if (inMiddle && length <= padding.length) return padding.subarray(0, length);
    const chunk = Buffer.alloc(length, 'x');
    for (let i = 0; i < length; i++) {
      const at = offset + i;
      if (at < head.length) chunk[i] = head[at] as number;
      else if (at >= bytes - tail.length) chunk[i] = tail[at - (bytes - tail.length)] as number;
    }
    return chunk;
  };
}

/** Sends a generated JSON body: as fast as the client reads, or paced, or with one pause. */
function streamJson(
  res: http.ServerResponse,
  bytes: number,
  plan: { chunkBytes: number; everyMs?: number; pause?: { afterBytes: number; ms: number } },
): void {
  const slice = fillerJson(bytes);
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, then: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };
  res.on('close', () => timers.forEach(clearTimeout));
  let sent = 0;
  let paused = false;
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      if (plan.pause && !paused && sent >= plan.pause.afterBytes) {
        paused = true;
        later(plan.pause.ms, pump);
        return;
      }
      let length = Math.min(plan.chunkBytes, bytes - sent);
      if (plan.pause && !paused) length = Math.min(length, plan.pause.afterBytes - sent);
      const flowing = res.write(slice(sent, length));
      sent += length;
      if (plan.everyMs !== undefined) {
        const wait = plan.everyMs;
        if (flowing) later(wait, pump);
        else res.once('drain', () => later(wait, pump));
        return;
      }
      if (!flowing) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** The emulator on 127.0.0.1: its `url` (or urlFor a host name) is the fusion-url; the API is under /api/v3/. */
export class FusionEmulator extends LoopbackService {
  readonly requests: FusionRequest[] = [];
  private dataSet: FusionData;
  private readonly accepted = new Map<string, IssuedToken>();
  private readonly withoutApi: Set<string>;
  private readonly faults: { fault: FusionFault; match: FaultMatch; remaining: number }[] = [];
  private admin: boolean;

  private constructor(private readonly options: FusionEmulatorOptions) {
    super();
    this.dataSet = seedFusionData(options.scenarios);
    this.withoutApi = new Set(options.withoutFusionApi ?? []);
    this.admin = options.admin ?? true;
  }

  static async start(options: FusionEmulatorOptions = {}): Promise<FusionEmulator> {
    const emulator = new FusionEmulator(options);
    await emulator.listen(options);
    return emulator;
  }

  /** The seeded organization's numeric ID, as x-organization-id carries it. */
  get orgId(): string {
    return String(this.dataSet.org.id);
  }

  /** The seeded organization's region, as x-gw-region carries it. */
  get region(): string {
    return this.dataSet.org.region;
  }

  get imsOrgId(): string {
    return this.dataSet.org.imsOrgId;
  }

  /** The teams the technical account is a member of (hooks, data stores and folders are listed per team). */
  get teamIds(): number[] {
    return this.dataSet.teams.map((team) => team.id);
  }

  /** A team of the organization that the technical account is not a member of: its resources answer 403. */
  get teamWithoutAccess(): number {
    return TEAM_WITHOUT_ACCESS.id;
  }

  /** The organization's data as it stands (created folders and clones included): to compute what to expect. */
  get data(): FusionData {
    return this.dataSet;
  }

  /** The action's inputs that point the fusion-api command at this emulator. */
  inputs(): { 'fusion-url': string; 'fusion-org-id': string; 'fusion-region': string } {
    return { 'fusion-url': this.url, 'fusion-org-id': this.orgId, 'fusion-region': this.region };
  }

  /** The gateway accepts `token` for `clientId`, until `expiresAt` if given. */
  accept(token: string, clientId: string, expiresAt?: number | Date): void {
    const at = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
    this.accepted.set(token, { accessToken: token, clientId, ...(at === undefined ? {} : { expiresAt: at }) });
  }

  /** Whether `clientId`'s project has the Fusion API (without it, its x-api-key gets 403003). */
  setFusionApi(clientId: string, enabled: boolean): void {
    if (enabled) this.withoutApi.delete(clientId);
    else this.withoutApi.add(clientId);
  }

  /** Whether the technical account is a Fusion admin (activity logs answer 403 without). */
  setAdmin(admin: boolean): void {
    this.admin = admin;
  }

  /** The next matching requests (`times`, 1 by default; Infinity for all) get `fault`; faults queue in order. */
  fault(fault: FusionFault, match: FaultMatch = {}): void {
    // A bad plan fails here, in the test that made it, not later inside the server.
    if ('bytes' in fault && !(Number.isInteger(fault.bytes) && fault.bytes >= 25)) {
      throw new Error(`a ${fault.kind} body is valid JSON of at least 25 bytes; got bytes ${fault.bytes}`);
    }
    if (fault.kind === 'slow' && !(fault.chunkBytes >= 1 && fault.everyMs >= 0)) {
      throw new Error('a slow body needs chunkBytes of at least 1 and everyMs of at least 0');
    }
    if (fault.kind === 'stall' && !(fault.afterBytes >= 0 && fault.afterBytes < fault.bytes && fault.pauseMs >= 0)) {
      throw new Error('a stall pauses after afterBytes, from 0 to less than bytes, for pauseMs of at least 0');
    }
    this.faults.push({ fault, match, remaining: match.times ?? 1 });
  }

  /**
   * Forgets the requests and the faults, seeds the data anew, and restores the
   * options' admin and withoutFusionApi; tokens given to accept() stay.
   */
  reset(): void {
    this.requests.length = 0;
    this.connections = 0;
    this.faults.length = 0;
    this.dataSet = seedFusionData(this.options.scenarios);
    this.admin = this.options.admin ?? true;
    this.withoutApi.clear();
    for (const clientId of this.options.withoutFusionApi ?? []) this.withoutApi.add(clientId);
  }

  protected override handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = req.url ?? '/';
      const question = url.indexOf('?');
      const rawQuery = question < 0 ? '' : url.slice(question + 1);
      let query: QueryPair[] | undefined;
      try {
        query = decodeQuery(rawQuery);
      } catch {
        query = undefined;
      }
      const headers = req.headers;
      const record: FusionRequest = {
        method: req.method ?? '',
        url,
        path: question < 0 ? url : url.slice(0, question),
        rawQuery,
        query,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        requestId: typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID(),
      };
      this.requests.push(record);
      const fault = this.takeFault(record);
      if (fault) {
        record.fault = fault.kind;
        this.misbehave(fault, record, res);
        return;
      }
      let answer: Answer;
      try {
        answer =
          size > MAX_REQUEST_BODY
            ? this.problem(record, new Problem(413, 'Payload too large'))
            : (this.gateway(record) ?? this.serve(record));
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        answer = this.problem(record, error);
      }
      send(res, record, answer);
    });
  }

  private takeFault(record: FusionRequest): FusionFault | undefined {
    const index = this.faults.findIndex(({ match }) => {
      if (match.method !== undefined && match.method.toUpperCase() !== record.method) return false;
      if (match.path === undefined) return true;
      return typeof match.path === 'string' ? match.path === record.path : match.path.test(record.path);
    });
    const scripted = this.faults[index];
    if (!scripted) return undefined;
    scripted.remaining--;
    if (scripted.remaining <= 0) this.faults.splice(index, 1);
    return scripted.fault;
  }

  private misbehave(fault: FusionFault, record: FusionRequest, res: http.ServerResponse): void {
    switch (fault.kind) {
      case 'status': {
        const headers = {
          ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
          ...fault.headers,
        };
        const answer = this.problem(record, new Problem(fault.status, PROBLEMS[fault.status]?.[1] ?? 'Error'));
        send(res, record, { ...answer, headers });
        return;
      }
      case 'answer': {
        const raw = typeof fault.body === 'string' || Buffer.isBuffer(fault.body);
        send(res, record, {
          status: fault.status,
          contentType: fault.contentType ?? (raw ? 'text/plain; charset=utf-8' : JSON_TYPE),
          body: raw ? (fault.body as string | Buffer) : JSON.stringify(fault.body),
          ...(fault.headers ? { headers: fault.headers } : {}),
        });
        return;
      }
      case 'hang':
        return;
      case 'reset':
        try {
          res.socket?.resetAndDestroy();
        } catch {
          // A TLS socket cannot send a TCP reset; destroying it is the nearest.
          res.socket?.destroy();
        }
        return;
      case 'huge':
        record.status = 200;
        res.writeHead(200, {
          'content-type': JSON_TYPE,
          ...(fault.contentLength === false ? {} : { 'content-length': String(fault.bytes) }),
        });
        streamJson(res, fault.bytes, { chunkBytes: 64 * 1024 });
        return;
      case 'slow':
        record.status = 200;
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(fault.bytes) });
        streamJson(res, fault.bytes, { chunkBytes: fault.chunkBytes, everyMs: fault.everyMs });
        return;
      case 'stall':
        record.status = 200;
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(fault.bytes) });
        streamJson(res, fault.bytes, {
          chunkBytes: 64 * 1024,
          pause: { afterBytes: fault.afterBytes, ms: fault.pauseMs },
        });
        return;
      case 'echo-authorization': {
        const authorization = String(record.headers.authorization ?? '');
        const status = fault.status ?? 401;
        const problem = new Problem(status, `The request was refused; it sent Authorization: ${authorization}`, [
          `authorization: ${authorization}`,
        ]);
        send(res, record, this.problem(record, problem));
        return;
      }
      case 'redirect':
        send(res, record, {
          status: fault.status ?? 302,
          contentType: 'text/plain; charset=utf-8',
          body: `Found. Redirecting to ${fault.location}`,
          headers: { location: fault.location },
        });
        return;
    }
  }

  private lookup(token: string): IssuedToken | undefined {
    const own = this.accepted.get(token);
    if (own) return own;
    for (const issued of this.options.tokens?.() ?? []) if (issued.accessToken === token) return issued;
    return undefined;
  }

  /** The gateway's checks, in its order; undefined when the request may pass. */
  private gateway(record: FusionRequest): Answer | undefined {
    const header = (name: string): string => {
      const value = record.headers[name];
      return (Array.isArray(value) ? value.join(', ') : (value ?? '')).trim();
    };
    const apiKey = header('x-api-key');
    if (apiKey === '') return gatewayError(403, '403000', 'Api Key is required');
    if (this.withoutApi.has(apiKey)) return gatewayError(403, '403003', 'Api Key is invalid');
    const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization'));
    const token = bearer ? this.lookup(bearer[1] as string) : undefined;
    const now = (this.options.now ?? Date.now)();
    if (!token || (token.expiresAt !== undefined && token.expiresAt <= now)) {
      return gatewayError(401, '401013', 'Oauth token is not valid');
    }
    if (token.clientId !== apiKey) return gatewayError(403, '403003', 'Api Key is invalid');
    if (header('x-organization-id') === '' || header('x-gw-region') === '') {
      return gatewayError(400, '400003', 'Missing header');
    }
    return undefined;
  }

  private problem(record: FusionRequest, problem: Problem): Answer {
    const [type, fallbackTitle] = PROBLEMS[problem.status] ?? ['Error', 'Error'];
    const forwarded = record.headers['x-gw-ims-org-id'];
    const imsOrg =
      typeof forwarded === 'string'
        ? forwarded
        : record.headers['x-organization-id'] === this.orgId
          ? this.imsOrgId
          : undefined;
    const report = {
      'request-id': record.requestId,
      ...(imsOrg === undefined ? {} : { 'x-gw-ims-org-id': imsOrg }),
      ...(problem.errors ? { errors: problem.errors } : {}),
    };
    const body = { type, status: problem.status, title: problem.title || fallbackTitle, report };
    return { status: problem.status, contentType: PROBLEM_TYPE, body: JSON.stringify(body) };
  }

  /** The service behind the gateway: the organization and region, then the operation. */
  private serve(record: FusionRequest): Answer {
    const orgId = String(record.headers['x-organization-id']).trim();
    if (!/^\d+$/.test(orgId)) throw invalid('x-organization-id must be a number');
    if (orgId !== this.orgId || String(record.headers['x-gw-region']).trim() !== this.region) {
      throw new Problem(403, 'Access denied');
    }
    if (record.query === undefined) decodeQuery(record.rawQuery); // throws the 400 that says what is wrong
    const params = new QueryParams(record.query ?? []);
    const method = record.method === 'HEAD' ? 'GET' : record.method;
    for (const [verb, pattern, handler] of this.routes) {
      const match = verb === method ? pattern.exec(record.path) : null;
      if (!match) continue;
      const ids = match.slice(1).map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      });
      return handler({ record, params, ids });
    }
    throw new Problem(404, 'Resource not found');
  }

  private readonly routes: readonly (readonly [string, RegExp, (call: Call) => Answer])[] = [
    ['POST', /^\/api\/v3\/scenarios\/export$/, (call) => this.exportScenarios(call)],
    ['GET', /^\/api\/v3\/scenarios$/, (call) => this.listScenarios(call)],
    ['GET', /^\/api\/v3\/scenarios\/([^/]+)$/, (call) => this.getScenario(call)],
    ['GET', /^\/api\/v3\/scenarios\/([^/]+)\/dependencies$/, (call) => this.scenarioDependencies(call)],
    ['POST', /^\/api\/v3\/scenarios\/([^/]+)\/clone$/, (call) => this.cloneScenario(call)],
    ['GET', /^\/api\/v3\/folders$/, (call) => this.listFolders(call)],
    ['POST', /^\/api\/v3\/folders$/, (call) => this.createFolder(call)],
    ['DELETE', /^\/api\/v3\/folders\/([^/]+)$/, (call) => this.deleteFolder(call)],
    ['PATCH', /^\/api\/v3\/folders\/([^/]+)$/, (call) => this.updateFolder(call)],
    ['GET', /^\/api\/v3\/activity-logs$/, (call) => this.listActivityLogs(call)],
    ['GET', /^\/api\/v3\/activity-logs\/export$/, (call) => this.exportActivityLogs(call)],
    ['GET', /^\/api\/v3\/operations$/, (call) => this.operations(call)],
    ['GET', /^\/api\/v3\/operations\/summary$/, (call) => this.operationsSummary(call)],
    ['GET', /^\/api\/v3\/connections$/, (call) => this.listConnections(call)],
    ['GET', /^\/api\/v3\/connections\/([^/]+)$/, (call) => this.getConnection(call)],
    ['GET', /^\/api\/v3\/connections\/([^/]+)\/scenarios$/, (call) => this.connectionScenarios(call)],
    ['GET', /^\/api\/v3\/hooks\/([^/]+)$/, (call) => this.getHook(call)],
    ['GET', /^\/api\/v3\/hooks$/, (call) => this.listHooks(call)],
    ['GET', /^\/api\/v3\/data-stores$/, (call) => this.listDataStores(call)],
    ['GET', /^\/api\/v3\/data-stores\/([^/]+)$/, (call) => this.getDataStore(call)],
    ['GET', /^\/api\/v3\/logs$/, (call) => this.listExecutions(call)],
    ['GET', /^\/api\/v3\/logs\/([^/]+)$/, (call) => this.getExecution(call)],
  ];

  // ---- helpers shared by the operations ----

  private page<T, S>(call: Call, items: readonly T[], spec: ListSpec<T>, show: (item: T) => S): Answer {
    return json(200, listPage(items, call.params, spec, show, this.options.lastPage));
  }

  /** A team the technical account is a member of, else 403. */
  private visibleTeam(teamId: number): number {
    if (!this.dataSet.teams.some((team) => team.id === teamId)) throw new Problem(403, 'Access denied');
    return teamId;
  }

  /** The `teamId` that hooks, data stores and folders require. */
  private requiredTeam(params: QueryParams): number {
    const text = params.one('teamId');
    if (text === undefined || text === '') throw new Problem(400, '"teamId" has to be set.');
    return this.visibleTeam(wholeNumber('teamId', text));
  }

  private found<T extends { readonly id: number | string }>(items: readonly T[], id: number | string): T {
    const item = items.find((candidate) => candidate.id === id);
    if (!item) throw new Problem(404, 'Resource not found');
    return item;
  }

  private scenarioBase(scenario: Scenario): Omit<Scenario, 'blueprint'> {
    return withoutKeys(scenario, ['blueprint']);
  }

  // ---- scenarios ----

  private listScenarios(call: Call): Answer {
    return this.page(call, this.dataSet.scenarios, { ...SCENARIO_SPEC, resource: 'scenarios' }, (scenario) =>
      this.scenarioBase(scenario),
    );
  }

  private getScenario(call: Call): Answer {
    return json(200, this.found(this.dataSet.scenarios, pathId('scenarioId', call.ids[0])));
  }

  private scenarioDependencies(call: Call): Answer {
    const scenario = this.found(this.dataSet.scenarios, pathId('scenarioId', call.ids[0]));
    const items: { id: number; name: string; kind: string; type?: string }[] = [];
    const add = (kind: string, item: { id: number; name: string } | undefined, type?: string): void => {
      if (item && !items.some((known) => known.kind === kind && known.id === item.id)) {
        items.push({ id: item.id, name: item.name, kind, ...(type === undefined ? {} : { type }) });
      }
    };
    const data = this.dataSet;
    for (const step of scenario.blueprint.flow) {
      const { connection, hook, datastore, key } = step.parameters;
      const usedConnection = data.connections.find((candidate) => candidate.id === connection);
      add('connection', usedConnection, usedConnection?.accountName);
      const usedHook = data.hooks.find((candidate) => candidate.id === hook);
      add('hook', usedHook, usedHook?.typeName);
      const store = data.dataStores.find((candidate) => candidate.id === datastore);
      add('dataStore', store);
      add(
        'dataStructure',
        data.dataStructures.find((candidate) => candidate.id === store?.datastructureId),
      );
      const usedKey = data.keys.find((candidate) => candidate.id === key);
      add('key', usedKey, usedKey?.type);
    }
    return json(200, { items });
  }

  private exportScenarios(call: Call): Answer {
    const ids = jsonBody(call.record)['scenarioIds'];
    if (!Array.isArray(ids) || ids.length === 0) throw new Problem(400, 'At least one scenarioId must be provided.');
    if (ids.length > 100) throw invalid('scenarioIds must contain no more than 100 elements');
    if (!ids.every(isWholeNumber)) {
      throw invalid('each value in scenarioIds must be a number conforming to the specified constraints');
    }
    const wanted = [...new Set(ids)];
    const missing = wanted.filter((id) => !this.dataSet.scenarios.some((scenario) => scenario.id === id));
    if (missing.length > 0) throw new Problem(404, `Scenario(s) not found: ${missing.join(', ')}.`);
    const lines = wanted.map((id) => {
      const scenario = this.found(this.dataSet.scenarios, id);
      const record = {
        scenarioId: scenario.id,
        name: scenario.name,
        teamId: scenario.teamId,
        folderId: scenario.folderId ?? null,
        blueprint: scenario.blueprint,
      };
      return `${JSON.stringify(record)}\n`;
    });
    return { status: 200, contentType: NDJSON_TYPE, body: lines.join('') };
  }

  private cloneScenario(call: Call): Answer {
    const source = this.found(this.dataSet.scenarios, pathId('scenarioId', call.ids[0]));
    const body = jsonBody(call.record);
    const { teamId, folderId, name, replacements } = body;
    if (!isWholeNumber(teamId)) throw invalid('teamId must be a number conforming to the specified constraints');
    if (folderId !== undefined && !isWholeNumber(folderId)) {
      throw invalid('folderId must be a number conforming to the specified constraints');
    }
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
      throw invalid('name must be a non-empty string');
    }
    if (!Array.isArray(replacements)) throw invalid('replacements must be an array');
    const kinds = ['hook', 'dataStore', 'dataStructure', 'connection', 'key'];
    replacements.forEach((replacement: unknown, index) => {
      const entry = (typeof replacement === 'object' && replacement !== null ? replacement : {}) as Record<
        string,
        unknown
      >;
      if (!kinds.includes(entry['kind'] as string)) {
        throw invalid(`replacements.${index}.kind must be one of the following values: ${kinds.join(', ')}`);
      }
      if (!isWholeNumber(entry['sourceId']) || !isWholeNumber(entry['targetId'])) {
        throw invalid(`replacements.${index}.sourceId and targetId must be numbers`);
      }
    });
    const target = this.visibleTeam(teamId);
    if (folderId !== undefined && !this.dataSet.folders.some((f) => f.id === folderId && f.teamId === target)) {
      throw invalid(`folderId ${folderId} is not a folder of team ${target}`);
    }
    const replaced = (kind: string, sourceId: number): number | undefined =>
      (replacements as { kind: string; sourceId: number; targetId: number }[]).find(
        (entry) => entry.kind === kind && entry.sourceId === sourceId,
      )?.targetId;
    // A hook drives one scenario only: the clone needs a free hook of the target team.
    let newHook: Hook | undefined;
    if (source.hookId !== undefined) {
      const hookId = replaced('hook', source.hookId);
      newHook = this.dataSet.hooks.find((hook) => hook.id === hookId && hook.teamId === target);
      if (!newHook || newHook.scenarioId !== undefined) throw new Problem(400, 'Correct hook should be provided');
    }
    for (const step of source.blueprint.flow) {
      const connectionId = step.parameters['connection'];
      if (connectionId === undefined) continue;
      const replacement = replaced('connection', connectionId);
      const usable = (id: number | undefined): boolean =>
        this.dataSet.connections.some((connection) => connection.id === id && connection.teamId === target);
      if (replacement === undefined ? target !== source.teamId : !usable(replacement)) {
        throw new Problem(400, `Connection ${connectionId} must be replaced by a connection of team ${target}`);
      }
    }
    const id = this.dataSet.nextScenarioId++;
    const flow = source.blueprint.flow.map((step) => ({
      ...step,
      parameters: Object.fromEntries(
        Object.entries(step.parameters).map(([parameter, value]) => {
          const kind = { connection: 'connection', hook: 'hook', datastore: 'dataStore', key: 'key' }[parameter];
          return [parameter, kind === undefined ? value : (replaced(kind, value) ?? value)];
        }),
      ),
    }));
    if (newHook) {
      newHook.scenarioId = id;
      newHook.automation = { type: 'scenario', id };
    }
    const cloneName = typeof name === 'string' ? name : `${source.name} (copy)`;
    const clone: Scenario = {
      ...structuredClone(withoutKeys(source, ['folderId', 'hookId'])),
      id,
      name: cloneName,
      teamId: target,
      ...(folderId === undefined ? {} : { folderId }),
      ...(newHook ? { hookId: newHook.id } : {}),
      isActive: false,
      isPaused: false,
      lastEdit: new Date().toISOString(),
      blueprint: { ...structuredClone(source.blueprint), name: cloneName, flow },
    };
    this.dataSet.scenarios.push(clone);
    return json(201, { id }, { location: `/api/v3/scenarios/${id}` });
  }

  // ---- folders ----

  private folderView(folder: Folder): { id: number; name: string; scenariosTotal: number } {
    const total = this.dataSet.scenarios.filter((scenario) => scenario.folderId === folder.id).length;
    return { id: folder.id, name: folder.name, scenariosTotal: total };
  }

  private listFolders(call: Call): Answer {
    const teamId = this.requiredTeam(call.params);
    const spec: ListSpec<Folder> = {
      resource: 'folders',
      orderFields: ['id', 'name', 'scenariosTotal'],
      propertyFields: ['id', 'name'],
      defaultOrder: '+id',
      fixed: [['teamId', String(teamId)]],
      key: (folder) => folder.id,
      field: (folder, name) =>
        name === 'scenariosTotal' ? this.folderView(folder).scenariosTotal : folder[name as 'id'],
    };
    const folders = this.dataSet.folders.filter((folder) => folder.teamId === teamId);
    return this.page(call, folders, spec, (folder) => this.folderView(folder));
  }

  private folderName(body: Record<string, unknown>): string {
    const name = body['name'];
    if (typeof name !== 'string' || name.trim() === '') throw invalid('name must be a non-empty string');
    if (name.length > 128) throw invalid('name must be shorter than or equal to 128 characters');
    return name;
  }

  private createFolder(call: Call): Answer {
    const body = jsonBody(call.record);
    if (!isWholeNumber(body['teamId']))
      throw invalid('teamId must be a number conforming to the specified constraints');
    const name = this.folderName(body);
    const teamId = this.visibleTeam(body['teamId']);
    const folder: Folder = { id: this.dataSet.nextFolderId++, name, teamId };
    this.dataSet.folders.push(folder);
    return json(201, { id: folder.id });
  }

  private updateFolder(call: Call): Answer {
    const folder = this.found(this.dataSet.folders, pathId('folderId', call.ids[0]));
    folder.name = this.folderName(jsonBody(call.record));
    return json(200, this.folderView(folder));
  }

  /** Deletes the folder; its scenarios stay, in no folder. */
  private deleteFolder(call: Call): Answer {
    const folder = this.found(this.dataSet.folders, pathId('folderId', call.ids[0]));
    this.dataSet.folders.splice(this.dataSet.folders.indexOf(folder), 1);
    for (const scenario of this.dataSet.scenarios) if (scenario.folderId === folder.id) delete scenario.folderId;
    return { status: 204 };
  }

  // ---- connections, hooks, data stores ----

  private listConnections(call: Call): Answer {
    return this.page(call, this.dataSet.connections, CONNECTION_SPEC, (connection) =>
      withoutKeys(connection, ['type', 'valid', 'defaultScopes', 'scopes']),
    );
  }

  private getConnection(call: Call): Answer {
    return json(200, this.found(this.dataSet.connections, pathId('connectionId', call.ids[0])));
  }

  private connectionScenarios(call: Call): Answer {
    const connection = this.found(this.dataSet.connections, pathId('connectionId', call.ids[0]));
    const using = this.dataSet.scenarios.filter((scenario) =>
      scenario.blueprint.flow.some((step) => step.parameters['connection'] === connection.id),
    );
    const spec: ListSpec<Scenario> = {
      resource: `connections/${connection.id}/scenarios`,
      orderFields: ['id'],
      propertyFields: ['id'],
      defaultOrder: '+id',
      key: (scenario) => scenario.id,
    };
    return this.page(call, using, spec, (scenario) => ({ id: scenario.id }));
  }

  private listHooks(call: Call): Answer {
    const teamId = this.requiredTeam(call.params);
    const spec: ListSpec<Hook> = {
      resource: 'hooks',
      orderFields: ['id', 'name', 'teamId', 'udid', 'type', 'priority'],
      propertyFields: [
        'id',
        'name',
        'udid',
        'type',
        'enabled',
        'gone',
        'typeName',
        'scenarioId',
        'priority',
        'detached',
        'automationType',
        'automationId',
      ],
      defaultOrder: '+id',
      fixed: [['teamId', String(teamId)]],
      key: (hook) => hook.id,
      field: (hook, name) => (HOOK_FIELDS[name] ?? ((item: Hook) => item[name as keyof Hook]))(hook),
    };
    const hooks = this.dataSet.hooks.filter((hook) => hook.teamId === teamId);
    return this.page(call, hooks, spec, (hook) => withoutKeys(hook, ['data']));
  }

  private getHook(call: Call): Answer {
    return json(200, this.found(this.dataSet.hooks, pathId('hookId', call.ids[0])));
  }

  private listDataStores(call: Call): Answer {
    const teamId = this.requiredTeam(call.params);
    const fields = ['id', 'name', 'records', 'size', 'maxSize', 'datastructureId'];
    const spec: ListSpec<DataStore> = {
      resource: 'data-stores',
      orderFields: fields,
      propertyFields: fields,
      defaultOrder: '+id',
      fixed: [['teamId', String(teamId)]],
      key: (store) => store.id,
    };
    const stores = this.dataSet.dataStores.filter((store) => store.teamId === teamId);
    return this.page(call, stores, spec, (store) => store);
  }

  private getDataStore(call: Call): Answer {
    return json(200, this.found(this.dataSet.dataStores, pathId('id', call.ids[0])));
  }

  // ---- executions ----

  /** The scenario or DLQ that `/logs` asks about: exactly one of scenarioId and dlqId. */
  private executionOwner(params: QueryParams): { kind: 'scenario' | 'dlq'; kindId: string; fixed: QueryPair } {
    const scenarioId = params.one('scenarioId');
    const dlqId = params.one('dlqId');
    if ((scenarioId === undefined) === (dlqId === undefined)) {
      throw new Problem(400, 'Bad Request: exactly one of scenarioId or dlqId is required');
    }
    if (scenarioId !== undefined) {
      const scenario = this.found(this.dataSet.scenarios, wholeNumber('scenarioId', scenarioId));
      return { kind: 'scenario', kindId: String(scenario.id), fixed: ['scenarioId', scenarioId] };
    }
    if (!this.dataSet.dlqIds.includes(dlqId as string)) throw new Problem(404, 'Resource not found');
    return { kind: 'dlq', kindId: dlqId as string, fixed: ['dlqId', dlqId as string] };
  }

  private listExecutions(call: Call): Answer {
    const owner = this.executionOwner(call.params);
    const showText = call.params.one('showCheckRuns');
    if (showText !== undefined && showText !== 'true' && showText !== 'false') {
      throw invalid('showCheckRuns must be a boolean value');
    }
    const spec: ListSpec<ExecutionRecord> = {
      resource: 'logs',
      orderFields: ['timestamp', 'duration', 'bundles', 'operations'],
      propertyFields: ['id', 'status', 'timestamp', 'duration', 'bundles', 'operations', 'transfer'],
      defaultOrder: '-timestamp',
      fixed: [owner.fixed, ...(showText === undefined ? [] : [['showCheckRuns', showText] as const])],
      key: (record) => record.execution.id,
      field: (record, name) => record.execution[name as keyof ExecutionRecord['execution']],
    };
    const records = this.dataSet.executions.filter(
      ({ execution, checkRun }) =>
        execution.kind === owner.kind && execution.kindId === owner.kindId && (showText === 'true' || !checkRun),
    );
    return this.page(call, records, spec, (record) => record.execution);
  }

  private getExecution(call: Call): Answer {
    const owner = this.executionOwner(call.params);
    const record = this.dataSet.executions.find(
      ({ execution }) =>
        execution.id === call.ids[0] && execution.kind === owner.kind && execution.kindId === owner.kindId,
    );
    if (!record) throw new Problem(404, 'Resource not found');
    return json(200, record.execution);
  }

  // ---- activity logs ----

  private activityLogs(call: Call): ReturnType<typeof listPage<ActivityLog, ActivityLog>> {
    // Activity logs need the technical account to be a Fusion admin of the organization.
    if (!this.admin) throw new Problem(403, 'Access denied');
    return listPage(this.dataSet.activityLogs, call.params, ACTIVITY_SPEC, (log) => log, this.options.lastPage);
  }

  private listActivityLogs(call: Call): Answer {
    return json(200, this.activityLogs(call));
  }

  /** CSV (the default) or XLSX, as Accept asks; anything else is a 406. */
  private exportActivityLogs(call: Call): Answer {
    const accepted = String(call.record.headers.accept ?? '')
      .split(',')
      .map((part) => (part.split(';')[0] as string).trim().toLowerCase())
      .filter((type) => type !== '');
    const format =
      accepted.length === 0
        ? 'csv'
        : accepted
            .map((type) =>
              type === 'text/csv' || type === 'text/*' || type === '*/*' ? 'csv' : type === XLSX_TYPE ? 'xlsx' : '',
            )
            .find((type) => type !== '');
    if (!format) {
      throw new Problem(406, `Supported formats: text/csv, ${XLSX_TYPE}`);
    }
    const logs = this.activityLogs(call).items;
    const rows = [
      [...ACTIVITY_COLUMNS],
      ...logs.map((log) => ACTIVITY_COLUMNS.map((column) => String(log[column as keyof ActivityLog] ?? ''))),
    ];
    if (format === 'xlsx') {
      return {
        status: 200,
        contentType: XLSX_TYPE,
        body: workbook(rows),
        headers: { 'content-disposition': 'attachment; filename="activity-logs.xlsx"' },
      };
    }
    return {
      status: 200,
      contentType: 'text/csv; charset=utf-8',
      body: rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join(''),
      headers: { 'content-disposition': 'attachment; filename="activity-logs.csv"' },
    };
  }

  // ---- operations ----

  /** The parameters both operations endpoints share: the range, the filters, the property. */
  private operationsQuery(params: QueryParams, scenarioNeedsTeam: boolean) {
    const instant = (name: string): number => {
      const text = params.one(name);
      const at = text === undefined ? NaN : Date.parse(text);
      if (!Number.isFinite(at)) throw invalid(`${name} must be a valid ISO 8601 date string`);
      return at;
    };
    const from = instant('from');
    const to = instant('to');
    if (to <= from) throw invalid('to must be later than from');
    if (to - from > 366 * DAY) throw invalid('The date range between from and to cannot exceed 1 year');
    const organizationId = params.one('organizationId'); // deprecated: x-organization-id says which
    if (organizationId !== undefined) wholeNumber('organizationId', organizationId);
    const teamText = params.one('teamId');
    const teamId = teamText === undefined ? undefined : this.visibleTeam(wholeNumber('teamId', teamText));
    const scenarioText = params.one('scenarioId');
    if (scenarioText !== undefined && scenarioNeedsTeam && teamId === undefined) {
      throw invalid('scenarioId requires teamId');
    }
    const scenarioId = scenarioText === undefined ? undefined : wholeNumber('scenarioId', scenarioText);
    const packageName = params.one('package');
    if (packageName !== undefined && scenarioNeedsTeam && scenarioId === undefined) {
      throw invalid('package requires scenarioId');
    }
    const propertyText = params.one('property');
    const property = propertyText === undefined ? undefined : parseProperty(propertyText, ['operations']);
    const scenarios = this.dataSet.scenarios.filter(
      (scenario) =>
        scenario.isActive &&
        (teamId === undefined || scenario.teamId === teamId) &&
        (scenarioId === undefined || scenario.id === scenarioId),
    );
    if (scenarioId !== undefined && !this.dataSet.scenarios.some((scenario) => scenario.id === scenarioId)) {
      throw new Problem(404, 'Resource not found');
    }
    const firstDay = Math.floor(from / DAY);
    const lastDay = Math.floor((to - 1) / DAY);
    const passes = (operations: number): boolean => property === undefined || matches(property, operations);
    return { from, to, firstDay, lastDay, packageName, scenarios, passes };
  }

  private operations(call: Call): Answer {
    const query = this.operationsQuery(call.params, true);
    const groupby = call.params.one('groupby');
    const groups = { module: 'modules', package: 'packages', scenario: 'scenarios', team: 'teams' } as const;
    if (groupby !== undefined && !(groupby in groups)) {
      throw invalid('groupby must be one of the following values: module, package, scenario, team');
    }
    const orderby = call.params.one('orderby') ?? '+timestamp';
    if (orderby !== '+timestamp' && orderby !== '-timestamp') throw invalid('orderby must be +timestamp or -timestamp');
    const timeUnit = query.to - query.from <= 31 * DAY ? 'day' : 'month';
    const buckets = new Map<string, { operations: number; groups: Map<string | number, number> }>();
    for (let day = query.firstDay; day <= query.lastDay; day++) {
      const date = new Date(day * DAY).toISOString();
      const bucketKey = timeUnit === 'day' ? date.slice(0, 10) : `${date.slice(0, 7)}-01`;
      const bucket = buckets.get(bucketKey) ?? { operations: 0, groups: new Map<string | number, number>() };
      buckets.set(bucketKey, bucket);
      for (const scenario of query.scenarios) {
        for (const step of scenario.blueprint.flow) {
          const packageName = step.module.split(':')[0] as string;
          if (query.packageName !== undefined && packageName !== query.packageName) continue;
          const count = moduleOperations(scenario.id, step.id, day);
          bucket.operations += count;
          const group =
            groupby === 'module'
              ? step.module
              : groupby === 'package'
                ? packageName
                : groupby === 'scenario'
                  ? scenario.id
                  : scenario.teamId;
          bucket.groups.set(group, (bucket.groups.get(group) ?? 0) + count);
        }
      }
    }
    const items = [...buckets.entries()].map(([timestamp, bucket]) => {
      if (groupby === undefined) return { timestamp, operations: bucket.operations };
      const nested = [...bucket.groups.entries()]
        .filter(([, operations]) => query.passes(operations))
        .map(([group, operations]) =>
          typeof group === 'number' ? { id: group, operations } : { name: group, operations },
        );
      return { timestamp, [groups[groupby as keyof typeof groups]]: nested, operations: bucket.operations };
    });
    const listed = groupby === undefined ? items.filter((item) => query.passes(item.operations)) : items;
    if (orderby === '-timestamp') listed.reverse();
    return json(200, { items: listed, timeUnit, orderby });
  }

  private operationsSummary(call: Call): Answer {
    const query = this.operationsQuery(call.params, false);
    const orderby = call.params.one('orderby') ?? '-operations';
    const match = /^([+-])(scenarioId|teamId|operations)$/.exec(orderby);
    if (!match) throw invalid('orderby must be +field or -field with a field of scenarioId, teamId, operations');
    const items = query.scenarios
      .map((scenario) => {
        let operations = 0;
        for (const step of scenario.blueprint.flow) {
          if (query.packageName !== undefined && step.module.split(':')[0] !== query.packageName) continue;
          for (let day = query.firstDay; day <= query.lastDay; day++) {
            operations += moduleOperations(scenario.id, step.id, day);
          }
        }
        return { scenarioId: scenario.id, teamId: scenario.teamId, operations };
      })
      .filter((item) => item.operations > 0 && query.passes(item.operations));
    const field = match[2] as 'scenarioId' | 'teamId' | 'operations';
    const sign = match[1] === '+' ? 1 : -1;
    items.sort((a, b) => sign * (a[field] - b[field]) || a.scenarioId - b.scenarioId);
    const totalOperations = items.reduce((sum, item) => sum + item.operations, 0);
    return json(200, { items, totalOperations, orderby });
  }
}

function send(res: http.ServerResponse, record: FusionRequest, answer: Answer): void {
  record.status = answer.status;
  const body = answer.body ?? '';
  res.writeHead(answer.status, {
    ...(answer.contentType ? { 'content-type': answer.contentType } : {}),
    ...(answer.status === 204 ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    ...answer.headers,
  });
  res.end(answer.status === 204 ? undefined : body);
}
