export const id = 758;
export const ids = [758];
export const modules = {

/***/ 5758:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  KEY_VERSION: () => (/* binding */ KEY_VERSION),
  cacheKey: () => (/* binding */ cacheKey),
  cacheKeyPrefix: () => (/* binding */ cacheKeyPrefix),
  openTokenCache: () => (/* binding */ openTokenCache),
  tokenCache: () => (/* binding */ tokenCache)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:async_hooks"
var external_node_async_hooks_ = __webpack_require__(6698);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./src/tar.ts
// Takes one regular file out of a tar archive held in memory, and nothing
// else: the archive's other members (names, links, devices, directories) are
// skipped unread, and nothing is ever written to disk. Reads what GNU tar
// writes with --posix, as @actions/cache does: ustar headers, each optionally
// preceded by a pax extended header ('x') that may override its path or size.
// Pure.
const BLOCK = 512;
const REGULAR_TYPES = new Set(['0', '\0']);
/**
 * The contents of the first regular file member named `name` (a leading "./"
 * ignored on both sides), or undefined when there is none before the archive
 * ends or stops making sense (a bad checksum, a member cut short).
 */
function regularFileOf(archive, name) {
    const wanted = withoutDotSlash(name);
    let pax;
    for (let offset = 0; offset + BLOCK <= archive.length;) {
        const header = archive.subarray(offset, offset + BLOCK);
        if (header.every((byte) => byte === 0) || !checksumHolds(header))
            return undefined;
        const size = paxSize(pax) ?? headerSize(header);
        const start = offset + BLOCK;
        if (size === undefined || start + size > archive.length)
            return undefined;
        const data = archive.subarray(start, start + size);
        offset = start + Math.ceil(size / BLOCK) * BLOCK;
        const type = String.fromCharCode(header[156]);
        if (type === 'x') {
            pax = paxRecords(data);
            continue;
        }
        const memberPax = pax;
        pax = undefined;
        // A global header ('g') and GNU's long names ('L', 'K') only describe other members.
        if (!REGULAR_TYPES.has(type))
            continue;
        if (withoutDotSlash(memberPax?.get('path') ?? ustarName(header)) === wanted)
            return Buffer.from(data);
    }
    return undefined;
}
function withoutDotSlash(name) {
    return name.replace(/^(\.\/)+/, '');
}
/** A NUL-terminated field, as text. */
function field(header, start, length) {
    const bytes = header.subarray(start, start + length);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
}
function ustarName(header) {
    const name = field(header, 0, 100);
    const prefix = field(header, 257, 6) === 'ustar' ? field(header, 345, 155) : '';
    return prefix === '' ? name : `${prefix}/${name}`;
}
/** The header's octal size, or undefined (GNU's base-256 sizes are for members far larger than a value). */
function headerSize(header) {
    const text = field(header, 124, 12).trim();
    return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}
/** The sum of the header's bytes, its checksum field counted as spaces, as tar checks it. */
function checksumHolds(header) {
    const stored = field(header, 148, 8).trim();
    if (!/^[0-7]+$/.test(stored))
        return false;
    let sum = 0;
    for (let index = 0; index < BLOCK; index++)
        sum += index >= 148 && index < 156 ? 0x20 : header[index];
    return sum === parseInt(stored, 8);
}
function paxSize(pax) {
    const size = pax?.get('size');
    return size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined;
}
/** The records of a pax extended header: "<length> <key>=<value>\n", the length counting the whole record. */
function paxRecords(data) {
    const records = new Map();
    for (let offset = 0; offset < data.length;) {
        const space = data.indexOf(0x20, offset);
        const digits = data.subarray(offset, space).toString('latin1');
        const length = /^\d{1,9}$/.test(digits) ? Number(digits) : NaN;
        if (space === -1 || !(length > space - offset) || offset + length > data.length)
            break;
        const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
        const equals = record.indexOf('=');
        if (equals > 0)
            records.set(record.slice(0, equals), record.slice(equals + 1));
        offset += length;
    }
    return records;
}

;// CONCATENATED MODULE: ./src/cache-archive.ts
// Opens a downloaded Actions cache entry in memory: decompresses it with
// Node's own zlib (zstd or gzip, whichever the bytes are), never beyond a
// bound, and takes the one file that our save archived. Nothing from the
// archive is written to disk and no process is spawned, so a planted entry can
// neither write a file (absolute paths, "../", links) nor fill the disk (a
// decompression bomb). Pure.


/** The largest archive downloaded, and the most it may expand to. */
const MAX_ARCHIVE_BYTES = 1024 * 1024;
/** 8 MiB: what zstd's own default level needs at most; a frame asking for more is refused unread. */
const ZSTD_WINDOW_LOG_MAX = 23;
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** The file's contents, or what is wrong with the entry (a phrase after "entry <key>"). */
function openCacheArchive(archive, memberName, maxBytes = MAX_ARCHIVE_BYTES) {
    const tar = decompress(archive, maxBytes);
    if ('problem' in tar)
        return tar;
    return regularFileOf(tar, memberName) ?? { problem: 'holds no value file' };
}
function decompress(archive, maxBytes) {
    const options = { maxOutputLength: maxBytes };
    try {
        if (archive.subarray(0, 4).equals(ZSTD_MAGIC)) {
            // zlib has zstd from Node 22.15; the action's runtime (node24) has it.
            if (typeof external_node_zlib_.zstdDecompressSync !== 'function')
                return { problem: 'is zstd, which this Node cannot read' };
            return external_node_zlib_.zstdDecompressSync(archive, {
                ...options,
                params: { [external_node_zlib_.constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX },
            });
        }
        if (archive.subarray(0, 2).equals(GZIP_MAGIC))
            return external_node_zlib_.gunzipSync(archive, options);
    }
    catch (error) {
        const { code, message } = error;
        if (code === 'ERR_BUFFER_TOO_LARGE')
            return { problem: `expands to more than ${maxBytes} bytes` };
        if (code === 'ZSTD_error_frameParameter_windowTooLarge') {
            return { problem: `asks for a zstd window larger than ${2 ** ZSTD_WINDOW_LOG_MAX} bytes` };
        }
        return { problem: `is not a valid archive (${typeof message === 'string' ? message : String(error)})` };
    }
    return { problem: 'is not a cache archive (neither zstd nor gzip)' };
}

// EXTERNAL MODULE: ./src/failures.ts
var failures = __webpack_require__(4320);
// EXTERNAL MODULE: ./src/ims.ts + 1 modules
var ims = __webpack_require__(4241);
// EXTERNAL MODULE: ./src/text.ts
var src_text = __webpack_require__(8992);
;// CONCATENATED MODULE: ./src/cache-reader.ts
// Reads the newest Actions cache entry of a key prefix without @actions/cache,
// whose restoreCache extracts entries with `tar -P` before anything can check
// them. It asks the cache service for the entry as the library would (cache
// service v2 on github.com, the v1 REST service on GHES), downloads the
// archive, and opens it in memory (src/cache-archive.ts). Bounded in time and
// size; nothing is written to disk and no process is spawned.







const NO_SERVICE = 'the runner offers this step no cache service';
const TWIRP_DOWNLOAD_URL = '/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL';
const V1_ACCEPT = 'application/json;api-version=6.0-preview.1';
/** The salt @actions/cache 6 adds to every version; a new one would mean entries of another format. */
const VERSION_SALT = '1.0';
const MAX_JSON_BYTES = 64 * 1024;
const KEY_SHOWN = 100;
/** GitHub Enterprise Server: a host that is neither github.com, *.ghe.com nor *.localhost (as @actions/cache decides). */
function isGhes(env) {
    const host = new URL(env['GITHUB_SERVER_URL'] || 'https://github.com').hostname.trimEnd().toUpperCase();
    return host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
}
/** The cache service this step may use, chosen as @actions/cache chooses it; undefined when there is none. */
function cacheServiceOf(env) {
    const protocol = !isGhes(env) && env['ACTIONS_CACHE_SERVICE_V2'] ? 'v2' : 'v1';
    const url = env[protocol === 'v2' ? 'ACTIONS_RESULTS_URL' : 'ACTIONS_CACHE_URL'];
    return url ? { protocol, url, token: env['ACTIONS_RUNTIME_TOKEN'] ?? '' } : undefined;
}
/** The reason a key is one @actions/cache refuses, or undefined. */
function keyProblem(key) {
    if (key.length > 512)
        return `Key Validation Error: ${key} cannot be larger than 512 characters.`;
    if (key.includes(','))
        return `Key Validation Error: ${key} cannot contain commas.`;
    return undefined;
}
/**
 * The compression @actions/cache saves with: zstd when `zstd --version` runs,
 * else gzip. We look for the program as @actions/io's which() finds it, and
 * run nothing: a regular file on PATH that this user may execute (on Windows,
 * one with an extension of PATHEXT). A zstd that is found but prints no
 * version is the one case told apart wrongly, and costs a miss.
 */
function compressionOf(env, platform = process.platform) {
    const windows = platform === 'win32';
    const extensions = windows ? (env['PATHEXT'] ?? '').split(';').filter((extension) => extension !== '') : [];
    const names = windows ? extensions.map((extension) => `zstd${extension}`) : ['zstd'];
    for (const folder of (env['PATH'] ?? '').split(windows ? ';' : ':')) {
        if (folder === '')
            continue;
        for (const name of names) {
            let stats;
            try {
                // Most folders have no zstd: a missing file is answered without the cost of an exception.
                stats = (0,external_node_fs_.statSync)(external_node_path_default().join(folder, name), { throwIfNoEntry: false });
            }
            catch {
                continue; // not a folder, or not ours to search
            }
            if (stats?.isFile() && (windows || isUnixExecutable(stats)))
                return 'zstd-without-long';
        }
    }
    return 'gzip';
}
/** As @actions/io decides it: the execute bit for others, or for the file's group or owner when that is us. */
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 && stats.gid === process.getgid?.()) ||
        ((stats.mode & 64) > 0 && stats.uid === process.getuid?.()));
}
/** The version saveCache gives an entry of `paths` (as given), as @actions/cache 6 computes it. */
function cacheVersion(paths, compression, platform = process.platform) {
    const components = [...paths, compression, ...(platform === 'win32' ? ['windows-only'] : []), VERSION_SALT];
    return (0,external_node_crypto_.createHash)('sha256').update(components.join('|')).digest('hex');
}
/** The name saveCache gives `file` inside the archive: relative to the workspace, with forward slashes. */
function memberName(file, env) {
    return external_node_path_default().relative(env['GITHUB_WORKSPACE'] ?? process.cwd(), file)
        .split((external_node_path_default()).sep)
        .join('/');
}
/** A failure of the lookup, already worded as a reason. */
class LookupFailure extends Error {
}
/**
 * The value of the newest entry under `prefix`. The service matches the
 * primary key exactly, then by prefix, before it tries the restore keys: the
 * primary key is the prefix and random digits, so that no planted entry can
 * be matched on it, and where a service matches restore keys newest first,
 * the newest entry of the prefix wins. (GitHub documents an exact match on a
 * restore key as preferred too: an entry planted under the bare prefix is then
 * read on every run, and refused, since it cannot open.)
 */
async function readNewestEntry(prefix, options) {
    const deadline = options.now() + options.boundMs;
    const within = () => {
        const left = deadline - options.now();
        if (left <= 0)
            throw new LookupFailure(timeoutReason(options.boundMs));
        return left;
    };
    try {
        const found = await findEntry(`${prefix}${options.randomHex()}`, prefix, options, within);
        if (found === undefined)
            return { kind: 'miss' };
        const bad = (problem) => ({
            kind: 'unavailable',
            reason: `entry ${quoteKey(found.key)} ${problem}`,
            entry: found.key,
        });
        // The signature lets anyone read the entry for a while: masked before any line (NODE_DEBUG=http) can show it.
        for (const signature of new URL(found.url).searchParams.getAll('sig')) {
            for (const form of new Set([signature, encodeURIComponent(signature)]))
                options.mask(form);
        }
        let download;
        try {
            download = await call(options, within, {
                method: 'GET',
                url: new URL(found.url),
                headers: { 'User-Agent': ims/* USER_AGENT */._O },
                maxAnswerBytes: MAX_ARCHIVE_BYTES,
            });
        }
        catch (error) {
            if (error instanceof LookupFailure)
                return bad(`could not be downloaded: ${error.message}`);
            throw error;
        }
        if (download.status !== 200)
            return bad(`could not be downloaded: the blob host answered HTTP ${download.status}`);
        const value = openCacheArchive(download.body, options.memberName);
        if ('problem' in value)
            return bad(value.problem);
        if (value.length > options.maxValueBytes)
            return bad(`holds a value larger than ${options.maxValueBytes} bytes`);
        return { kind: 'hit', key: found.key, value: value.toString('utf8') };
    }
    catch (error) {
        if (error instanceof LookupFailure)
            return { kind: 'unavailable', reason: error.message };
        throw error;
    }
}
function timeoutReason(boundMs) {
    return `the cache gave no result within ${boundMs / 1000} s`;
}
/** A key as a line shows it: quoted, and cut (a planted key may be long). */
function quoteKey(key) {
    return JSON.stringify(key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key);
}
/** One request within the bound; a network failure or the bound is a LookupFailure. */
async function call(options, within, request) {
    try {
        return await options.request({ ...request, timeoutMs: within() });
    }
    catch (error) {
        if (error instanceof LookupFailure)
            throw error;
        const { code, message } = error;
        if (code === failures/* TIMEOUT_CODE */.of)
            throw new LookupFailure(timeoutReason(options.boundMs));
        throw new LookupFailure(`the cache service could not be reached (${typeof message === 'string' ? message : String(error)})`);
    }
}
/** The matched key and the archive's download URL, or undefined for a miss. */
async function findEntry(primaryKey, prefix, options, within) {
    const { service } = options;
    const auth = { Authorization: `Bearer ${service.token}`, 'User-Agent': ims/* USER_AGENT */._O };
    if (service.protocol === 'v2') {
        const answer = await call(options, within, {
            method: 'POST',
            url: new URL(TWIRP_DOWNLOAD_URL, service.url),
            headers: { ...auth, 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify({ key: primaryKey, restore_keys: [prefix], version: options.version }),
            maxAnswerBytes: MAX_JSON_BYTES,
        });
        const json = jsonOf(answer);
        if (answer.status !== 200)
            throw new LookupFailure(serviceError(answer.status, json?.['msg'] ?? json?.['code']));
        if (json?.['ok'] !== true)
            return undefined;
        // Proto3 JSON: the service writes field names as in the .proto; a reader also takes their lowerCamelCase.
        return entryOf(json['matched_key'] ?? json['matchedKey'], json['signed_download_url'] ?? json['signedDownloadUrl']);
    }
    const keys = encodeURIComponent([primaryKey, prefix].join(','));
    const answer = await call(options, within, {
        method: 'GET',
        url: new URL(`${service.url}_apis/artifactcache/cache?keys=${keys}&version=${options.version}`),
        headers: { ...auth, Accept: V1_ACCEPT },
        maxAnswerBytes: MAX_JSON_BYTES,
    });
    if (answer.status === 204)
        return undefined;
    const json = jsonOf(answer);
    if (answer.status !== 200)
        throw new LookupFailure(serviceError(answer.status, json?.['message']));
    return entryOf(json?.['cacheKey'], json?.['archiveLocation']);
}
function entryOf(key, url) {
    if (typeof key !== 'string' || typeof url !== 'string' || !URL.canParse(url)) {
        throw new LookupFailure('the cache service named an entry without a key or a download URL');
    }
    return { key, url };
}
function jsonOf(answer) {
    return (0,src_text/* parseJsonObject */.dw)(answer.body.toString('utf8'));
}
function serviceError(status, message) {
    return `the cache service answered HTTP ${status}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`;
}

// EXTERNAL MODULE: ./src/transport.ts
var transport = __webpack_require__(9646);
;// CONCATENATED MODULE: ./src/cache-store.ts
// The token cache's store: keeps one opaque string (the sealed token) in the
// GitHub Actions cache, as a file archived under a key. Loaded only with
// `cache: true`. It never throws and never prints: each call settles within
// its bound into an outcome whose reason fits one log line.
// - A lookup never goes through @actions/cache, whose restoreCache extracts
//   the entry with `tar -P` before anything can check it: src/cache-reader.ts
//   reads it in memory instead.
// - A save goes through @actions/cache's saveCache, loaded only then: it
//   archives only our own file. The library prints by itself (progress,
//   ::add-mask:: and ::debug:: commands); that output is kept from the log
//   and read for reasons.








const CACHE_BOUND_MS = 15_000;
const MAX_VALUE_BYTES = 64 * 1024;
const REASON_LENGTH = 240;
const OUTPUT_KEPT = 64 * 1024;
/**
 * Where the value lives while it is archived. The cache version is a hash of
 * this string, so it must be the same in every run that should share
 * entries: RUNNER_TEMP is fixed per runner installation
 * (/home/runner/work/_temp on hosted Linux), per runner (so two runners on one
 * machine never share the file), outside the user's checkout, and emptied by
 * the runner after each job. Runners with another RUNNER_TEMP (other OS,
 * self-hosted) get other versions: they do not share entries, which is right,
 * since the archive names the file relative to GITHUB_WORKSPACE. Without
 * RUNNER_TEMP (a local run with a cache service), the user's own home, never
 * a folder other users could prepare. A lookup never writes it.
 */
function valueFile(env = process.env) {
    const base = env['RUNNER_TEMP'] || external_node_path_default().join((0,external_node_os_.homedir)(), '.cache');
    return external_node_path_default().join(base, 'fusion-token-action', 'sealed-token');
}
/** A cache store for this process; it reads process.env when called, as the library does. */
function openCacheStore(options = {}) {
    return new ActionsCacheStore(options.library, options.boundMs ?? CACHE_BOUND_MS, options.maxValueBytes ?? MAX_VALUE_BYTES, options.mask ?? (() => { }));
}
class ActionsCacheStore {
    library;
    boundMs;
    maxValueBytes;
    mask;
    /** A save abandoned at its bound that still runs and may still touch the file. */
    abandoned;
    request = (0,transport/* createRequest */.WL)();
    constructor(library, boundMs, maxValueBytes, mask) {
        this.library = library;
        this.boundMs = boundMs;
        this.maxValueBytes = maxValueBytes;
        this.mask = mask;
    }
    async lookup(prefix) {
        try {
            return await this.tryLookup(prefix);
        }
        catch (error) {
            return { kind: 'unavailable', reason: errorReason(error) };
        }
    }
    async save(key, value) {
        try {
            return await this.trySave(key, value);
        }
        catch (error) {
            return { kind: 'failed', reason: errorReason(error) };
        }
    }
    async tryLookup(prefix) {
        const env = process.env;
        const service = cacheServiceOf(env);
        if (service === undefined)
            return { kind: 'off', reason: NO_SERVICE, writable: false };
        // The runner's cache mode, as @actions/cache reads it: write-only and none permit no reads.
        const mode = (env['ACTIONS_CACHE_MODE'] ?? '').trim().toLowerCase();
        if (mode === 'none' || mode === 'write-only') {
            return {
                kind: 'off',
                reason: `the runner's cache mode ${mode} permits no reads`,
                writable: mode === 'write-only',
            };
        }
        const problem = keyProblem(prefix);
        if (problem !== undefined)
            return { kind: 'unavailable', reason: oneLine(problem) };
        const file = valueFile(env);
        const found = await readNewestEntry(prefix, {
            service,
            request: this.request,
            boundMs: this.boundMs,
            now: Date.now,
            randomHex: () => (0,external_node_crypto_.randomBytes)(16).toString('hex'),
            version: cacheVersion([file], compressionOf(env)),
            memberName: memberName(file, env),
            maxValueBytes: this.maxValueBytes,
            mask: this.mask,
        });
        return found.kind === 'unavailable' ? { ...found, reason: oneLine(found.reason) } : found;
    }
    async trySave(key, value) {
        if (Buffer.byteLength(value) > this.maxValueBytes) {
            return { kind: 'failed', reason: `the value is larger than ${this.maxValueBytes} bytes` };
        }
        if (cacheServiceOf(process.env) === undefined)
            return { kind: 'failed', reason: NO_SERVICE };
        if (this.abandoned)
            return { kind: 'failed', reason: 'an earlier cache operation of this step is still running' };
        // Only a save runs the library: a lookup leaves the streams and error handlers as they are.
        divertLibraryOutput();
        routeLibraryErrors();
        const library = (this.library ??= await __webpack_require__.e(/* import() */ 429).then(__webpack_require__.bind(__webpack_require__, 5429)));
        if (!library.isFeatureAvailable())
            return { kind: 'failed', reason: NO_SERVICE };
        const file = valueFile();
        const outcome = await this.call(file, () => {
            (0,external_node_fs_.mkdirSync)(external_node_path_default().dirname(file), { recursive: true, mode: 0o700 });
            (0,external_node_fs_.writeFileSync)(file, value, { mode: 0o600 });
            return library.saveCache([file], key);
        });
        try {
            // saveCache answers -1 for every failure it swallows or save it skips (saying why), else the entry's id.
            if (outcome.kind === 'returned' && outcome.value !== -1)
                return { kind: 'saved' };
            if (outcome.kind === 'returned') {
                return { kind: 'failed', reason: outcome.output.reason() ?? 'the cache service did not keep the entry' };
            }
            return { kind: 'failed', reason: this.failure(outcome) };
        }
        finally {
            if (!this.abandoned)
                removeValue(file);
        }
    }
    /**
     * Runs one library call with its output diverted, for at most the bound. A
     * call that outlives it is abandoned, not stopped (the library cannot be):
     * until it settles, the store refuses new saves that would share the file.
     */
    async call(file, work) {
        const output = new LibraryOutput();
        removeValue(file);
        const settled = libraryCall
            .run(output, async () => work())
            .then((value) => ({ kind: 'returned', value }), (error) => ({ kind: 'threw', error }));
        let timer;
        const timeout = new Promise((resolve) => {
            timer = setTimeout(() => resolve({ kind: 'timeout' }), this.boundMs);
        });
        // An error the library raised where nothing catches it ends the call, never the process.
        const crashed = output.crashed.then((error) => ({ kind: 'threw', error }));
        const first = await Promise.race([settled, timeout, crashed]);
        clearTimeout(timer);
        if (first.kind === 'timeout' || output.hasCrashed) {
            this.abandoned = settled.finally(() => {
                this.abandoned = undefined;
                removeValue(file);
            });
        }
        return { ...first, output };
    }
    failure(outcome) {
        if (outcome.kind === 'threw')
            return errorReason(outcome.error);
        const last = outcome.output.reason();
        return `the cache gave no result within ${this.boundMs / 1000} s${last ? ` (last message: ${last})` : ''}`;
    }
}
function errorReason(error) {
    // Not instanceof Error: a Node error can come from another realm (vm contexts, as in tests).
    const message = error?.message;
    return oneLine(firstLine(typeof message === 'string' ? message : String(error)));
}
/** The gist of a message: the library's longer ones add advice on further lines. */
function firstLine(text) {
    return text.split(/\r?\n/).find((line) => line.trim() !== '') ?? text;
}
function removeValue(file) {
    try {
        (0,external_node_fs_.rmSync)(file, { recursive: true, force: true });
        (0,external_node_fs_.rmdirSync)(external_node_path_default().dirname(file));
    }
    catch {
        // Gone already, or the folder is not empty: the runner empties RUNNER_TEMP after the job.
    }
}
/** A log-safe single line of at most REASON_LENGTH characters, URL queries (signatures) cut. */
function oneLine(text) {
    const line = (0,src_text/* visible */.RK)(text
        .replace(/(https?:\/\/[^\s?#]+)[?#]\S*/g, '$1?…')
        .replace(/\s+/g, ' ')
        .trim());
    return line.length > REASON_LENGTH ? `${line.slice(0, REASON_LENGTH - 1)}…` : line;
}
/**
 * Lines that never say why a call failed: a command the library ran, its
 * progress, and Node's own debug output (NODE_DEBUG=http,net prints
 * "NET 1234: close handle" into the call's stderr).
 */
const NOT_A_REASON = /^(\[command\]|(Sent|Received) \d+ of \d+|[A-Z][A-Z0-9_]* \d+: )/;
/** What the library printed during one call, stdout and stderr together. */
class LibraryOutput {
    text = '';
    hasCrashed = false;
    crash = () => { };
    /** Settles when the library raises an error that nothing catches, during or after the call. */
    crashed = new Promise((resolve) => (this.crash = resolve));
    fail(error) {
        this.hasCrashed = true;
        this.crash(error);
    }
    take(chunk) {
        // The tail is what reason() reads; a call that prints for ever costs no more.
        this.text = (this.text + (Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk))).slice(-OUTPUT_KEPT);
    }
    /**
     * Its last warning or error annotation, else its last line for the log
     * (neither a command, nor a command it ran, nor progress), as a reason;
     * undefined when it printed only debug lines and commands.
     */
    reason() {
        let annotation;
        let line;
        for (const raw of this.text.split(/\r?\n/)) {
            const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(raw);
            if (command) {
                if (command[1] === 'warning' || command[1] === 'error')
                    annotation = unescapeData(command[2]);
            }
            else if (raw.trim() !== '' && !NOT_A_REASON.test(raw)) {
                line = raw;
            }
        }
        const reason = annotation ?? line;
        return reason === undefined ? undefined : oneLine(firstLine(reason).replace(/^Failed to (save|restore): /, ''));
    }
}
function unescapeData(data) {
    return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
/**
 * The calls into @actions/cache, and everything they start (retries, timers,
 * child processes), run in this async context: what they write to stdout or
 * stderr goes to the call's LibraryOutput instead, even after the call was
 * abandoned. The streams are the one place where the library's output can be
 * caught: it writes through @actions/core and @actions/exec straight to
 * process.stdout and process.stderr, and its ESM import of @actions/core
 * cannot be swapped. Keyed by async context rather than by time, our own
 * lines pass while the library runs, and none of the library's lines or
 * commands (::add-mask::, ::debug::, ::warning::) pass, during or after.
 */
const libraryCall = new external_node_async_hooks_.AsyncLocalStorage();
const diverters = new Map();
function divertLibraryOutput() {
    for (const stream of [process.stdout, process.stderr]) {
        if (stream.write === diverters.get(stream))
            continue;
        const write = stream.write.bind(stream);
        const diverter = ((chunk, ...rest) => {
            const output = libraryCall.getStore();
            if (!output)
                return write(chunk, ...rest);
            output.take(chunk);
            // Written, as far as the writer can tell: its callback runs as a real write's would.
            rest.filter((argument) => typeof argument === 'function').forEach((callback) => process.nextTick(callback));
            return true;
        });
        diverters.set(stream, diverter);
        stream.write = diverter;
    }
}
let errorsRouted = false;
/**
 * An exception or rejection that the library leaves uncaught would end the
 * process (and fail the step). Raised inside a library call's async context,
 * it fails that call instead, which the store reports as one reason. Any other
 * is thrown on, as Node would without these listeners.
 */
function routeLibraryErrors() {
    if (errorsRouted)
        return;
    errorsRouted = true;
    const route = (error) => {
        const output = libraryCall.getStore();
        if (output === undefined)
            throw error;
        output.fail(error);
    };
    process.on('uncaughtException', route);
    process.on('unhandledRejection', route);
}

// EXTERNAL MODULE: ./src/reuse.ts
var reuse = __webpack_require__(2671);
;// CONCATENATED MODULE: ./src/cache.ts
// The token cache of `cache: true`: sealed tokens kept in the GitHub Actions
// cache under keys that name the credential, never a secret. Loaded by the
// main step only when asked (a dynamic import), with @actions/cache behind it.




const KEY_VERSION = 'fusion-token-v1';
/**
 * `fusion-token-v1-<h>-`: <h> is the first 16 hex digits of SHA-256 over the
 * repository, client ID, IMS base URL, scopes and org ID. Keys are visible to
 * anyone who can list the caches, so nothing in them comes from a secret.
 */
function cacheKeyPrefix(binding) {
    const credential = JSON.stringify([
        binding.repository,
        binding.clientId,
        binding.imsBaseUrl,
        binding.scopes.join(','),
        binding.orgId ?? '',
    ]);
    return `${KEY_VERSION}-${(0,external_node_crypto_.createHash)('sha256').update(credential, 'utf8').digest('hex').slice(0, 16)}-`;
}
/** The key of a token minted at mintedAtMs: restored by prefix, the newest wins. */
function cacheKey(binding, mintedAtMs) {
    return `${cacheKeyPrefix(binding)}${Math.floor(mintedAtMs)}`;
}
const info = (text) => ({ text, warning: false });
const warning = (text) => ({ text, warning: true });
/**
 * obtainToken's view of a cache store, with the one line each outcome gives.
 * A cache in trouble is one warning, not two: after a failed lookup a failed
 * save says nothing more, and without a cache service nothing is saved.
 */
function tokenCache(binding, store) {
    const prefix = cacheKeyPrefix(binding);
    // What the lookup learnt: whether a save may go ahead, and whether a warning was given already.
    let writable = true;
    let warned = false;
    return {
        async lookup() {
            const found = await store.lookup(prefix);
            writable = found.kind !== 'off' || found.writable;
            warned = found.kind === 'unavailable';
            switch (found.kind) {
                case 'hit':
                    return { key: found.key, sealed: found.value };
                case 'miss':
                    return info(`No cached token for this credential yet (cache key ${prefix}*).`);
                case 'off':
                    return info(`No Actions cache to read here (${(0,src_text/* visible */.RK)(found.reason)}): ` +
                        (found.writable ? 'a new token is minted and saved.' : 'the token is not cached.'));
                case 'unavailable':
                    return warning(`Could not read the Actions cache: ${(0,src_text/* visible */.RK)(found.reason)}. Asking IMS instead.` +
                        (found.entry === undefined ? '' : ` ${(0,reuse/* deleteEntryAdvice */.ad)(found.entry)}`));
            }
        },
        async save(sealed, mintedAtMs) {
            if (!writable)
                return undefined;
            const key = cacheKey(binding, mintedAtMs);
            const saved = await store.save(key, sealed);
            if (saved.kind === 'saved')
                return info(`Saved the sealed token in the Actions cache as ${key}, for later runs.`);
            if (warned)
                return undefined;
            return warning(`Could not save the sealed token in the Actions cache: ${(0,src_text/* visible */.RK)(saved.reason)}. ` +
                'This step has its token; the next run asks IMS again.');
        },
    };
}
/** The token cache of this process; `mask` registers a value with the runner's masking. */
function openTokenCache(binding, mask) {
    return tokenCache(binding, openCacheStore({ mask }));
}


/***/ })

};
