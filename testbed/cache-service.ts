// Stands in for: the GitHub Actions cache service (v2 on github.com, v1 on GHES) and the Azure Blob Storage behind its signed URLs.
// A local cache service: a real HTTP server on loopback. In protocol 'v2' it
// answers the twirp JSON methods @actions/cache 6 calls under
// ACTIONS_RESULTS_URL (CreateCacheEntry, FinalizeCacheEntryUpload,
// GetCacheEntryDownloadURL) as github.com does; in protocol 'v1' the REST API
// under ACTIONS_CACHE_URL that GHES speaks (_apis/artifactcache: look up,
// reserve, upload in chunks, commit). It serves the signed blob URLs it hands
// out as Azure Storage does (Put Blob, Get Blob Properties, ranged Get Blob),
// and in 'azure' mode it is the step's HTTP proxy for the blob host, both for
// proxy-form requests and CONNECT tunnels. Each operation can be scripted to
// fail: a status, a hang, a reset, a corrupt blob, a denial.

import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { TunnelRecord } from './connect-proxy.js';
import { ROOT } from './runner.js';
import { listenOnLoopback } from './loopback.js';

export const TWIRP_PATH = '/twirp/github.actions.results.api.v1.CacheService/';
const TWIRP_METHODS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'] as const;
export type TwirpMethod = (typeof TWIRP_METHODS)[number];

/** Where ACTIONS_CACHE_URL points in protocol 'v1', as on GHES: a path of its own, with a trailing slash. */
export const V1_BASE_PATH = '/_services/artifactcache/fusion-test/';
/** The v1 REST calls, named as @actions/cache names them in its retry messages. */
const V1_OPERATIONS = ['getCacheEntry', 'listCaches', 'reserveCache', 'uploadChunk', 'commitCache'] as const;
/**
 * getCacheEntry: GET _apis/artifactcache/cache?keys=&version=; listCaches: GET _apis/artifactcache/caches?key=
 * (the library's diagnostics under RUNNER_DEBUG); reserveCache: POST _apis/artifactcache/caches;
 * uploadChunk: PATCH _apis/artifactcache/caches/{id}; commitCache: POST _apis/artifactcache/caches/{id}.
 */
export type V1Operation = (typeof V1_OPERATIONS)[number];
/** The Accept header @actions/cache sends with every v1 call; the service refuses others. */
export const V1_ACCEPT = 'application/json;api-version=6.0-preview.1';
/** GITHUB_SERVER_URL in protocol 'v1': not github.com, so @actions/cache's isGhes() holds and it speaks v1. */
export const GHES_SERVER_URL = 'https://ghes.fusion-test.example';
/** The scope v1 answers name: the entries a run on the default branch saves. */
const SCOPE = 'refs/heads/main';

export type CacheProtocol = 'v1' | 'v2';
/**
 * What a request asks for: a twirp method (v2), a v1 REST call, or the blob behind a signed URL
 * ('upload' is v2's Put Blob; v1 uploads through uploadChunk).
 */
export type CacheOperation = TwirpMethod | V1Operation | 'upload' | 'download';

const ACCOUNT = 'fusioncache';
const CONTAINER = 'actions-cache';
/** The host name of the signed URLs in 'azure' mode; the emulator answers for it as an HTTP proxy. */
export const BLOB_HOST = `${ACCOUNT}.blob.core.windows.net`;
const AZURE_VERSION = '2025-01-05';

/** What the service does instead of its job, for one operation. */
export type CacheFault =
  /** Answer with this status (a twirp error body, a v1 error body, or an Azure XML error for a blob) and these headers. */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** Read the request, then never answer. */
  | { readonly kind: 'hang' }
  /** Read the request, then close the connection without an answer (ECONNRESET for the client). */
  | { readonly kind: 'reset' }
  /** download only: serve the stored archive's bytes inverted (same length, not an archive); a HEAD is not counted. */
  | { readonly kind: 'corrupt' }
  /**
   * Refuse as the service does when the run's token lacks the cache scope. v2: CreateCacheEntry and
   * FinalizeCacheEntryUpload answer 200 {ok:false, message:"cache write denied: ..."},
   * GetCacheEntryDownloadURL answers 403 permission_denied "cache read denied: ...". v1: 403 with a
   * message "cache read denied: ..." for getCacheEntry and listCaches, "cache write denied: ..." for
   * reserveCache, uploadChunk and commitCache. A blob: 403.
   */
  | { readonly kind: 'deny' };

export interface CacheServiceOptions {
  /** 'v2' (the default): github.com's twirp service. 'v1': GHES's REST service under ACTIONS_CACHE_URL. */
  readonly protocol?: CacheProtocol;
  /**
   * Where the signed URLs point. 'azure' (the default in v2): http://fusioncache.blob.core.windows.net/...,
   * reached through this emulator as HTTP_PROXY (env() sets it), so @actions/cache downloads as it does
   * from Azure: in v2 with the Azure SDK (HEAD, then ranged GETs, in proxy form), in v1 with its own
   * concurrent download (the same, through CONNECT tunnels). 'loopback' (the default in v1): this
   * server's own address, which @actions/cache downloads with one plain GET (its path for hosts not under
   * blob.core.windows.net, as for a GHES appliance's own storage).
   */
  readonly blobHost?: 'azure' | 'loopback';
}

export interface CacheRequest {
  readonly operation: CacheOperation | 'unknown';
  readonly method: string;
  /** As received: absolute (proxy form) for blob requests in 'azure' mode, origin form inside a CONNECT tunnel. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The JSON body of a twirp method, reserveCache or commitCache. */
  readonly json?: Record<string, unknown>;
  /** Came through a CONNECT tunnel to the blob host. */
  readonly tunnelled: boolean;
  readonly at: number;
}

export interface CacheEntry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  /** The uploaded archive; undefined until the upload (v2) or the commit (v1). */
  readonly archive: Buffer | undefined;
  /** Only finalized (v1: committed) entries can be restored. */
  readonly finalized: boolean;
  /** Finalization order: the highest is the newest. */
  readonly order: number;
}

interface StoredEntry {
  id: number;
  key: string;
  version: string;
  archive: Buffer | undefined;
  /** v1 chunks uploaded so far, by their first byte's offset (a retried chunk replaces itself). */
  chunks: Map<number, Buffer>;
  finalized: boolean;
  order: number;
  etag: string;
  created: Date;
  modified: Date;
}

interface Grant {
  readonly entry: StoredEntry;
  readonly access: 'read' | 'write';
  readonly blobPath: string;
}

const TWIRP_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

const AZURE_CODES: Readonly<Record<number, string>> = {
  400: 'InvalidHeaderValue',
  403: 'AuthorizationPermissionMismatch',
  404: 'BlobNotFound',
  416: 'InvalidRange',
  500: 'InternalError',
  503: 'ServerBusy',
};

const READ_DENIED = 'cache read denied: token has no readable scopes';
const WRITE_DENIED = 'cache write denied: token has no writable scopes';

export class CacheService {
  readonly requests: CacheRequest[] = [];
  /** The CONNECTs received, each with the status answered: 200 for the blob host in 'azure' mode, else 403. */
  readonly tunnels: TunnelRecord[] = [];
  /** The bearer token the service's calls accept: ACTIONS_RUNTIME_TOKEN. */
  readonly runtimeToken = `emulated-runtime-${randomBytes(8).toString('hex')}`;
  private readonly store: StoredEntry[] = [];
  private readonly grants = new Map<string, Grant>();
  private readonly faults = new Map<CacheOperation, { fault: CacheFault; remaining: number }>();
  /** Sockets handed back to the HTTP server after a CONNECT: the origin their requests are for. */
  private readonly tunnelOrigins = new WeakMap<Socket, string>();
  private stop: () => Promise<void> = async () => {};
  private nextId = 1;
  private nextOrder = 1;

  private constructor(
    private readonly server: http.Server,
    readonly protocol: CacheProtocol,
    private readonly blobHost: 'azure' | 'loopback',
  ) {}

  static async start(options: CacheServiceOptions = {}): Promise<CacheService> {
    const server = http.createServer();
    const protocol = options.protocol ?? 'v2';
    const service = new CacheService(server, protocol, options.blobHost ?? (protocol === 'v2' ? 'azure' : 'loopback'));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => service.handle(req, res));
    server.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) =>
      service.connect(req, socket, head),
    );
    service.stop = await listenOnLoopback(server);
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The variables the runner gives a step that may use the cache, pointing at this service. */
  env(): Record<string, string> {
    const proxy: Record<string, string> = this.blobHost === 'azure' ? { HTTP_PROXY: this.url } : {};
    if (this.protocol === 'v1') {
      return {
        ACTIONS_CACHE_URL: `${this.url}${V1_BASE_PATH}`,
        ACTIONS_RUNTIME_TOKEN: this.runtimeToken,
        GITHUB_SERVER_URL: GHES_SERVER_URL,
        ...proxy,
      };
    }
    return {
      ACTIONS_RESULTS_URL: `${this.url}/`,
      ACTIONS_RUNTIME_TOKEN: this.runtimeToken,
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ...proxy,
    };
  }

  /** The next `times` requests for `operation` get `fault` instead of an answer (all of them by default). */
  fail(operation: CacheOperation, fault: CacheFault, times = Infinity): void {
    const own: readonly CacheOperation[] =
      this.protocol === 'v1' ? [...V1_OPERATIONS, 'download'] : [...TWIRP_METHODS, 'upload', 'download'];
    if (!own.includes(operation)) throw new Error(`${operation} is not an operation of cache service ${this.protocol}`);
    if (fault.kind === 'corrupt' && operation !== 'download') throw new Error('only a download can be corrupt');
    this.faults.set(operation, { fault, remaining: times });
  }

  /** How many requests asked for `operation`. */
  count(operation: CacheOperation): number {
    return this.requests.filter((request) => request.operation === operation).length;
  }

  entries(): CacheEntry[] {
    return this.store.map(({ id, key, version, archive, finalized, order }) => ({
      id,
      key,
      version,
      archive,
      finalized,
      order,
    }));
  }

  /** Puts a finalized entry in the cache by hand, as the newest one; see archiveOf and cache-archives.ts for archives. */
  plant(key: string, version: string, archive: Buffer): CacheEntry {
    const entry = this.newEntry(key, version);
    entry.archive = archive;
    this.finalize(entry);
    return this.entries().find((candidate) => candidate.id === entry.id) as CacheEntry;
  }

  /** Deletes the entries under `key`, as `gh cache delete <key>` does. */
  remove(key: string): void {
    for (let index = this.store.length - 1; index >= 0; index--) {
      if (this.store[index]?.key === key) this.store.splice(index, 1);
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.tunnels.length = 0;
    this.store.length = 0;
    this.grants.clear();
    this.faults.clear();
  }

  close(): Promise<void> {
    return this.stop();
  }

  /**
   * A CONNECT, as @actions/http-client's agent sends even an http:// request through an http:// proxy:
   * in 'azure' mode a tunnel to the blob host, whose requests this same server then answers; refused otherwise.
   */
  private connect(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const target = (req.url ?? '').toLowerCase();
    // The client may reset the socket at any time; that is its business, not a test failure.
    socket.on('error', () => {});
    if (this.blobHost !== 'azure' || target !== `${BLOB_HOST}:80`) {
      this.tunnels.push({ target, status: 403 });
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.tunnels.push({ target, status: 200 });
    this.tunnelOrigins.set(socket, `http://${BLOB_HOST}`);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    this.server.emit('connection', socket);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const origin = this.tunnelOrigins.get(req.socket);
      // Absolute in proxy form (a blob request in 'azure' mode), else relative to this server or the tunnel's host.
      const target = new URL(req.url ?? '/', origin ?? this.url);
      const method = req.method ?? '';
      const grant = this.grants.get(target.searchParams.get('sig') ?? '');
      const operation = this.operationOf(target, method, grant);
      const api = operation !== 'unknown' && operation !== 'upload' && operation !== 'download';
      let json: Record<string, unknown> | undefined;
      if (api && (method === 'POST' || method === 'PUT')) {
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      this.requests.push({
        operation,
        method,
        url: req.url ?? '',
        headers: req.headers,
        body,
        ...(json ? { json } : {}),
        tunnelled: origin !== undefined,
        at: Date.now(),
      });

      if (operation === 'unknown' || !this.fromHere(target, operation)) {
        if (grant === undefined && target.searchParams.has('sig')) {
          azureError(res, 403, 'AuthenticationFailed', 'Signature did not match a URL this service signed.');
        } else if (this.protocol === 'v1') {
          v1Error(res, 404, `no handler for ${method} ${target.pathname}`);
        } else {
          twirpError(res, 404, 'bad_route', `no handler for ${method} ${target.pathname}`);
        }
        return;
      }
      const fault = this.takeFault(operation, method);
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      const twirpMethod = TWIRP_METHODS.find((name) => name === operation);
      const v1Operation = V1_OPERATIONS.find((name) => name === operation);
      if (fault?.kind === 'status') {
        const message = `emulated fault: HTTP ${fault.status}`;
        if (twirpMethod) twirpError(res, fault.status, TWIRP_CODES[fault.status] ?? 'unknown', message, fault.headers);
        else if (v1Operation) v1Error(res, fault.status, message, fault.headers);
        else azureError(res, fault.status, AZURE_CODES[fault.status] ?? 'InternalError', message, fault.headers);
        return;
      }
      const denied = fault?.kind === 'deny';
      if (twirpMethod) {
        this.answerTwirp(twirpMethod, req, json, res, denied);
      } else if (v1Operation) {
        this.answerV1(v1Operation, target, req, body, json, res, denied);
      } else if (denied) {
        azureError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized.');
      } else if (operation === 'upload') {
        this.putBlob(grant as Grant, target, req, body, res);
      } else {
        this.getBlob(grant as Grant, method, req, res, fault?.kind === 'corrupt');
      }
    });
  }

  /** The operation a request asks for, in this service's protocol. */
  private operationOf(target: URL, method: string, grant: Grant | undefined): CacheOperation | 'unknown' {
    if (this.protocol === 'v2') {
      const twirpMethod = TWIRP_METHODS.find((name) => target.pathname === `${TWIRP_PATH}${name}`);
      if (twirpMethod) return twirpMethod;
    }
    if (grant) {
      if (method === 'GET' || method === 'HEAD') return 'download';
      return method === 'PUT' && this.protocol === 'v2' ? 'upload' : 'unknown';
    }
    if (this.protocol === 'v2') return 'unknown';
    const api = `${V1_BASE_PATH}_apis/artifactcache/`;
    if (!target.pathname.startsWith(api)) return 'unknown';
    const resource = target.pathname.slice(api.length);
    if (resource === 'cache') return method === 'GET' ? 'getCacheEntry' : 'unknown';
    if (resource === 'caches') return method === 'POST' ? 'reserveCache' : method === 'GET' ? 'listCaches' : 'unknown';
    if (/^caches\/\d+$/.test(resource)) {
      return method === 'PATCH' ? 'uploadChunk' : method === 'POST' ? 'commitCache' : 'unknown';
    }
    return 'unknown';
  }

  /** The service's own calls on this server; blobs under the host the signed URLs name. */
  private fromHere(target: URL, operation: CacheOperation): boolean {
    if (operation !== 'upload' && operation !== 'download') return target.host === new URL(this.url).host;
    return this.blobHost === 'azure' ? target.host === BLOB_HOST : target.host === new URL(this.url).host;
  }

  private takeFault(operation: CacheOperation, method: string): CacheFault | undefined {
    const programmed = this.faults.get(operation);
    // Only bytes can be corrupt: the Azure SDK's HEAD before its GETs gets the true properties.
    if (!programmed || (programmed.fault.kind === 'corrupt' && method === 'HEAD')) return undefined;
    programmed.remaining--;
    if (programmed.remaining <= 0) this.faults.delete(operation);
    return programmed.fault;
  }

  private answerTwirp(
    method: TwirpMethod,
    req: http.IncomingMessage,
    json: Record<string, unknown> | undefined,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (req.method !== 'POST') return twirpError(res, 404, 'bad_route', 'twirp methods are POSTed');
    if (req.headers.authorization !== `Bearer ${this.runtimeToken}`) {
      return twirpError(res, 401, 'unauthenticated', 'invalid or missing runtime token');
    }
    if (!String(req.headers['content-type']).startsWith('application/json') || json === undefined) {
      return twirpError(res, 400, 'malformed', 'the body must be a JSON request message');
    }
    const key = typeof json['key'] === 'string' ? json['key'] : '';
    const version = typeof json['version'] === 'string' ? json['version'] : '';
    if (key === '' || version === '') return twirpError(res, 400, 'invalid_argument', 'key and version are required');
    if (!validKey(key)) {
      return twirpError(res, 400, 'invalid_argument', 'key must be at most 512 characters without commas');
    }
    switch (method) {
      case 'CreateCacheEntry':
        return this.createEntry(key, version, res, denied);
      case 'FinalizeCacheEntryUpload':
        return this.finalizeUpload(key, version, json['size_bytes'], res, denied);
      case 'GetCacheEntryDownloadURL': {
        if (denied) return twirpError(res, 403, 'permission_denied', READ_DENIED);
        const restoreKeys = Array.isArray(json['restore_keys']) ? json['restore_keys'].map(String) : [];
        const found = this.match([key, ...restoreKeys], version);
        if (!found) return sendJson(res, 200, { ok: false });
        return sendJson(res, 200, { ok: true, signed_download_url: this.sign(found, 'read'), matched_key: found.key });
      }
    }
  }

  private createEntry(key: string, version: string, res: http.ServerResponse, denied: boolean): void {
    if (denied) return sendJson(res, 200, { ok: false, message: WRITE_DENIED });
    // Entries are immutable: one per key and version, uploaded or being uploaded.
    if (this.exists(key, version)) {
      return twirpError(res, 409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
    }
    const entry = this.newEntry(key, version);
    sendJson(res, 200, { ok: true, signed_upload_url: this.sign(entry, 'write') });
  }

  private finalizeUpload(
    key: string,
    version: string,
    sizeBytes: unknown,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (denied) return sendJson(res, 200, { ok: false, message: WRITE_DENIED });
    const entry = this.store.find((candidate) => candidate.key === key && candidate.version === version);
    if (!entry || entry.finalized) return twirpError(res, 404, 'not_found', 'no cache entry is being uploaded');
    if (!entry.archive) return sendJson(res, 200, { ok: false, message: 'the archive was not uploaded' });
    if (String(sizeBytes) !== String(entry.archive.length)) {
      return sendJson(res, 200, { ok: false, message: `size_bytes ${String(sizeBytes)} is not the uploaded size` });
    }
    this.finalize(entry);
    // int64 travels as a JSON string in proto3 JSON.
    sendJson(res, 200, { ok: true, entry_id: String(entry.id) });
  }

  private answerV1(
    operation: V1Operation,
    target: URL,
    req: http.IncomingMessage,
    body: Buffer,
    json: Record<string, unknown> | undefined,
    res: http.ServerResponse,
    denied: boolean,
  ): void {
    if (req.headers.authorization !== `Bearer ${this.runtimeToken}`) {
      return v1Error(res, 401, 'invalid or missing runtime token');
    }
    if (req.headers.accept !== V1_ACCEPT) return v1Error(res, 400, `the Accept header must be ${V1_ACCEPT}`);
    if (denied) {
      return v1Error(
        res,
        403,
        operation === 'getCacheEntry' || operation === 'listCaches' ? READ_DENIED : WRITE_DENIED,
      );
    }
    const id = Number(target.pathname.split('/').pop());
    switch (operation) {
      case 'getCacheEntry':
        return this.lookupV1(target.searchParams, res);
      case 'listCaches':
        return this.listV1(target.searchParams.get('key') ?? '', res);
      case 'reserveCache':
        return this.reserveV1(json, res);
      case 'uploadChunk':
        return this.uploadChunkV1(id, req, body, res);
      case 'commitCache':
        return this.commitV1(id, json, res);
    }
  }

  /** keys: the primary key, then the restore keys, comma-separated; 204 on a miss. */
  private lookupV1(query: URLSearchParams, res: http.ServerResponse): void {
    const keys = (query.get('keys') ?? '').split(',');
    const version = query.get('version') ?? '';
    if (keys.some((key) => key === '') || version === '') return v1Error(res, 400, 'keys and version are required');
    if (keys.length > 10) return v1Error(res, 400, 'at most 10 keys can be looked up');
    const found = this.match(keys, version);
    if (!found) {
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, 200, {
      cacheKey: found.key,
      scope: SCOPE,
      creationTime: found.created.toISOString(),
      archiveLocation: this.sign(found, 'read'),
    });
  }

  /** The committed entries under exactly `key`, any version: what the library lists after a miss. */
  private listV1(key: string, res: http.ServerResponse): void {
    const caches = this.store.filter((entry) => entry.finalized && entry.key === key);
    sendJson(res, 200, {
      totalCount: caches.length,
      artifactCaches: caches.map((entry) => ({
        cacheKey: entry.key,
        cacheVersion: entry.version,
        scope: SCOPE,
        creationTime: entry.created.toISOString(),
      })),
    });
  }

  private reserveV1(json: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    const key = typeof json?.['key'] === 'string' ? json['key'] : '';
    const version = typeof json?.['version'] === 'string' ? json['version'] : '';
    if (key === '' || version === '') return v1Error(res, 400, 'key and version are required');
    if (!validKey(key)) return v1Error(res, 400, 'key must be at most 512 characters without commas');
    if (this.exists(key, version)) {
      return v1Error(res, 409, `Cache already exists. Scope: ${SCOPE}, Key: ${key}, Version: ${version}`);
    }
    sendJson(res, 200, { cacheId: this.newEntry(key, version).id });
  }

  private uploadChunkV1(id: number, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const entry = this.store.find((candidate) => candidate.id === id);
    if (!entry) return v1Error(res, 404, `no cache with id ${id} is reserved`);
    if (entry.finalized) return v1Error(res, 409, `cache ${id} is already committed`);
    if (req.headers['content-type'] !== 'application/octet-stream') {
      return v1Error(res, 400, 'a chunk is sent as application/octet-stream');
    }
    const range = /^bytes (\d+)-(\d+)\/\*$/.exec(String(req.headers['content-range'] ?? ''));
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== body.length) {
      return v1Error(res, 400, `Content-Range must be bytes <first>-<last>/* and match the ${body.length} bytes sent`);
    }
    entry.chunks.set(Number(range[1]), body);
    res.writeHead(204);
    res.end();
  }

  /** The chunks must cover bytes 0 to size-1, without gaps or overlaps. */
  private commitV1(id: number, json: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    const entry = this.store.find((candidate) => candidate.id === id);
    if (!entry) return v1Error(res, 404, `no cache with id ${id} is reserved`);
    if (entry.finalized) return v1Error(res, 409, `cache ${id} is already committed`);
    const size = json?.['size'];
    if (typeof size !== 'number') return v1Error(res, 400, 'the commit must give the size in bytes');
    const parts: Buffer[] = [];
    let offset = 0;
    for (const [start, chunk] of [...entry.chunks].sort(([a], [b]) => a - b)) {
      if (start !== offset) return v1Error(res, 400, `the chunks leave bytes from ${offset} uncovered or overlapping`);
      parts.push(chunk);
      offset += chunk.length;
    }
    if (offset !== size) {
      return v1Error(res, 400, `Uploaded cache size of ${offset} bytes does not match the committed size of ${size}`);
    }
    entry.archive = Buffer.concat(parts);
    entry.chunks.clear();
    entry.modified = new Date();
    entry.etag = `"0x${randomBytes(7).toString('hex').toUpperCase()}"`;
    this.finalize(entry);
    res.writeHead(204);
    res.end();
  }

  private exists(key: string, version: string): boolean {
    return this.store.some((entry) => entry.key === key && entry.version === version);
  }

  /**
   * As GitHub documents matching a cache key: for each key in turn (the primary key, then each restore
   * key), an exact match first, then the newest entry whose key starts with it. Only finalized entries
   * of the same version count.
   */
  private match(keys: readonly string[], version: string): StoredEntry | undefined {
    const visible = this.store.filter((entry) => entry.finalized && entry.version === version);
    const newest = (matches: (entry: StoredEntry) => boolean): StoredEntry | undefined =>
      visible.filter(matches).sort((a, b) => b.order - a.order)[0];
    for (const key of keys) {
      const found = newest((entry) => entry.key === key) ?? newest((entry) => entry.key.startsWith(key));
      if (found) return found;
    }
    return undefined;
  }

  private newEntry(key: string, version: string): StoredEntry {
    const entry: StoredEntry = {
      id: this.nextId++,
      key,
      version,
      archive: undefined,
      chunks: new Map(),
      finalized: false,
      order: 0,
      etag: '',
      created: new Date(),
      modified: new Date(),
    };
    this.store.push(entry);
    return entry;
  }

  private finalize(entry: StoredEntry): void {
    entry.finalized = true;
    entry.order = this.nextOrder++;
  }

  /** A SAS-style URL for the entry's blob; the signature names the entry and what it may do. */
  private sign(entry: StoredEntry, access: 'read' | 'write'): string {
    const sig = randomBytes(24).toString('base64');
    const blobPath = this.blobHost === 'azure' ? `/${CONTAINER}/${entry.id}` : `/${ACCOUNT}/${CONTAINER}/${entry.id}`;
    this.grants.set(sig, { entry, access, blobPath });
    const base = this.blobHost === 'azure' ? `http://${BLOB_HOST}` : this.url;
    const query = new URLSearchParams({
      sv: AZURE_VERSION,
      sr: 'b',
      sp: access === 'read' ? 'r' : 'cw',
      se: new Date(Date.now() + 3_600_000).toISOString(),
      sig,
    });
    return `${base}${blobPath}?${query.toString()}`;
  }

  private putBlob(grant: Grant, target: URL, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    if (grant.access !== 'write' || target.pathname !== grant.blobPath) {
      return azureError(res, 403, 'AuthorizationPermissionMismatch', 'The signature does not allow this write.');
    }
    if (target.searchParams.has('comp')) {
      // Block uploads only happen above 128 MiB (maxSingleShotSize): not emulated.
      return azureError(res, 400, 'UnsupportedQueryParameter', 'block uploads are not emulated');
    }
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return azureError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type must be BlockBlob');
    }
    if (grant.entry.finalized) return azureError(res, 409, 'BlobImmutable', 'The entry is already finalized.');
    const entry = grant.entry;
    entry.archive = body;
    entry.modified = new Date();
    entry.etag = `"0x${randomBytes(7).toString('hex').toUpperCase()}"`;
    res.writeHead(201, {
      ...azureHeaders(req),
      etag: entry.etag,
      'last-modified': entry.modified.toUTCString(),
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-ms-request-server-encrypted': 'true',
      'content-length': '0',
    });
    res.end();
  }

  private getBlob(
    grant: Grant,
    method: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    corrupt: boolean,
  ): void {
    const entry = grant.entry;
    if (grant.access !== 'read' || !entry.archive) {
      return azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    }
    const blob = corrupt ? Buffer.from(entry.archive.map((byte) => byte ^ 0xff)) : entry.archive;
    const headers = {
      ...azureHeaders(req),
      'content-type': 'application/octet-stream',
      etag: entry.etag || '"0x1"',
      'last-modified': entry.modified.toUTCString(),
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-creation-time': entry.modified.toUTCString(),
      'x-ms-lease-state': 'available',
      'x-ms-lease-status': 'unlocked',
      'x-ms-server-encrypted': 'true',
    };
    const range = parseRange(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''), blob.length);
    if (range === 'invalid') return azureError(res, 416, 'InvalidRange', 'The range specified is invalid.');
    const [start, end] = range ?? [0, blob.length - 1];
    const part = blob.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(part.length),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${blob.length}` } : {}),
    });
    res.end(method === 'HEAD' ? undefined : part);
  }
}

/** `bytes=a-b` or `bytes=a-` within a blob of `size` bytes; undefined when absent. */
function parseRange(header: string, size: number): [number, number] | 'invalid' | undefined {
  if (header === '') return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return 'invalid';
  const start = Number(match[1]);
  const end = Math.min(match[2] ? Number(match[2]) : size - 1, size - 1);
  return start > end ? 'invalid' : [start, end];
}

/** The headers Azure Storage puts on every answer; x-ms-version echoes the request's. */
function azureHeaders(req?: http.IncomingMessage): Record<string, string> {
  const version = req?.headers['x-ms-version'];
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': typeof version === 'string' ? version : AZURE_VERSION,
    date: new Date().toUTCString(),
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function twirpError(
  res: http.ServerResponse,
  status: number,
  code: string,
  msg: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { code, msg }, { ...headers });
}

/** Keys as both protocols accept them. */
function validKey(key: string): boolean {
  return key.length <= 512 && !key.includes(',');
}

/** An error as the v1 service (an Azure DevOps-style service) answers it: @actions/http-client reads `message`. */
function v1Error(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(
    res,
    status,
    {
      $id: '1',
      innerException: null,
      message,
      typeName: 'GitHub.Services.WebApi.VssServiceException, GitHub.Services.WebApi',
      typeKey: 'VssServiceException',
      errorCode: 0,
      eventId: 3000,
    },
    { ...headers },
  );
}

function azureError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    ...azureHeaders(),
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-ms-error-code': code,
    ...headers,
  });
  res.end(body);
}

export interface RunnerDirectories {
  /** RUNNER_TEMP */
  readonly runnerTemp: string;
  /** GITHUB_WORKSPACE */
  readonly workspace: string;
}

/**
 * The archive and version @actions/cache makes of one file holding `contents`
 * (or of a symbolic link there), as a runner with these directories would: its
 * own saveCache, run in a child Node process against a scratch service. The
 * file is removed afterwards.
 */
export async function archiveOf(
  file: string,
  contents: string | Buffer | { readonly symlinkTo: string },
  directories: RunnerDirectories,
): Promise<{ version: string; archive: Buffer }> {
  const scratch = await CacheService.start({ blobHost: 'loopback' });
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof contents === 'object' && 'symlinkTo' in contents) symlinkSync(contents.symlinkTo, file);
    else writeFileSync(file, contents);
    const script =
      "const { saveCache } = await import('@actions/cache');" +
      'const id = await saveCache([process.env.ARCHIVE_FILE], "archive");' +
      'if (id < 0) process.exitCode = 1;';
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          cwd: ROOT,
          env: {
            PATH: process.env['PATH'],
            HOME: process.env['HOME'],
            ...scratch.env(),
            RUNNER_TEMP: directories.runnerTemp,
            GITHUB_WORKSPACE: directories.workspace,
            ARCHIVE_FILE: file,
          },
        },
        (error, stdout) => (error ? reject(new Error(`saveCache failed: ${error.message}\n${stdout}`)) : resolve()),
      );
    });
    const entry = scratch.entries()[0] as CacheEntry;
    return { version: entry.version, archive: entry.archive as Buffer };
  } finally {
    rmSync(file, { force: true });
    await scratch.close();
  }
}
