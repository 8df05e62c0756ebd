export const id = 965;
export const ids = [965];
export const modules = {

/***/ 8965:
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
// EXTERNAL MODULE: ./node_modules/@actions/cache/lib/cache.js + 344 modules
var cache = __webpack_require__(5429);
// EXTERNAL MODULE: ./src/text.ts
var src_text = __webpack_require__(8992);
;// CONCATENATED MODULE: ./src/cache-store.ts
// The token cache's store: keeps one opaque string (the sealed token) in the
// GitHub Actions cache through @actions/cache, as a file archived under a key.
// Loaded only with `cache: true`. It never throws and never prints: each call
// settles within its bound into an outcome whose reason fits one log line.
// @actions/cache prints by itself (progress, hits, failures, ::add-mask:: and
// ::debug:: commands); that output is kept from the log and read for reasons.






const CACHE_BOUND_MS = 15_000;
const NO_SERVICE = 'the runner offers this step no cache service';
const MAX_VALUE_BYTES = 64 * 1024;
const REASON_LENGTH = 240;
const OUTPUT_KEPT = 64 * 1024;
/**
 * Where the value lives while it is archived or restored. The cache version
 * is a hash of this string, so it must be the same in every run that should
 * share entries: RUNNER_TEMP is fixed per runner installation
 * (/home/runner/work/_temp on hosted Linux), per runner (so two runners on one
 * machine never share the file), outside the user's checkout, and emptied by
 * the runner after each job. Runners with another RUNNER_TEMP (other OS,
 * self-hosted) get other versions: they do not share entries, which is right,
 * since the archive names the file relative to GITHUB_WORKSPACE. Without
 * RUNNER_TEMP (a local run with a cache service), the user's own home, never
 * a folder other users could prepare.
 */
function valueFile(env = process.env) {
    const base = env['RUNNER_TEMP'] || external_node_path_default().join((0,external_node_os_.homedir)(), '.cache');
    return external_node_path_default().join(base, 'fusion-token-action', 'sealed-token');
}
/** A cache store for this process; the library reads process.env when called. */
function openCacheStore(options = {}) {
    divertLibraryOutput();
    routeLibraryErrors();
    return new ActionsCacheStore(options.library ?? cache, options.boundMs ?? CACHE_BOUND_MS, options.maxValueBytes ?? MAX_VALUE_BYTES);
}
class ActionsCacheStore {
    library;
    boundMs;
    maxValueBytes;
    /** A call abandoned at its bound that still runs and may still touch the file. */
    abandoned;
    constructor(library, boundMs, maxValueBytes) {
        this.library = library;
        this.boundMs = boundMs;
        this.maxValueBytes = maxValueBytes;
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
        if (!this.library.isFeatureAvailable())
            return { kind: 'off', reason: NO_SERVICE, writable: false };
        // The runner's cache mode, as @actions/cache reads it: write-only and none permit no reads.
        const mode = (process.env['ACTIONS_CACHE_MODE'] ?? '').trim().toLowerCase();
        if (mode === 'none' || mode === 'write-only') {
            return {
                kind: 'off',
                reason: `the runner's cache mode ${mode} permits no reads`,
                writable: mode === 'write-only',
            };
        }
        const refusal = this.refusal();
        if (refusal)
            return { kind: 'unavailable', reason: refusal };
        const file = valueFile();
        const outcome = await this.call(file, () => this.library.restoreCache([file], prefix, [prefix], {
            timeoutInMs: this.boundMs,
            segmentTimeoutInMs: this.boundMs,
        }));
        try {
            if (outcome.kind === 'returned' && outcome.value !== undefined) {
                const value = this.readValue(file);
                return typeof value === 'string'
                    ? { kind: 'hit', key: outcome.value, value }
                    : { kind: 'unavailable', reason: `entry ${quoteKey(outcome.value)} ${value.problem}` };
            }
            if (outcome.kind === 'returned') {
                // restoreCache answers undefined for a miss (saying nothing but debug lines) and for every failure it
                // swallows or operation it skips (saying why).
                const reason = outcome.output.reason();
                return reason === undefined ? { kind: 'miss' } : { kind: 'unavailable', reason };
            }
            return { kind: 'unavailable', reason: this.failure(outcome) };
        }
        finally {
            if (!this.abandoned)
                removeValue(file);
        }
    }
    async trySave(key, value) {
        if (Buffer.byteLength(value) > this.maxValueBytes) {
            return { kind: 'failed', reason: `the value is larger than ${this.maxValueBytes} bytes` };
        }
        const refusal = this.refusal();
        if (refusal)
            return { kind: 'failed', reason: refusal };
        const file = valueFile();
        const outcome = await this.call(file, () => {
            (0,external_node_fs_.mkdirSync)(external_node_path_default().dirname(file), { recursive: true, mode: 0o700 });
            (0,external_node_fs_.writeFileSync)(file, value, { mode: 0o600 });
            return this.library.saveCache([file], key);
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
    refusal() {
        if (!this.library.isFeatureAvailable())
            return NO_SERVICE;
        if (this.abandoned)
            return 'an earlier cache operation of this step is still running';
        return undefined;
    }
    /**
     * Runs one library call with its output diverted, for at most the bound. A
     * call that outlives it is abandoned, not stopped (the library cannot be):
     * until it settles, the store refuses new calls that would share the file.
     */
    async call(file, work) {
        const output = new LibraryOutput();
        // A stale file must never pass for a restored one.
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
    /** The restored value, or what is wrong with the file. */
    readValue(file) {
        let stats;
        try {
            stats = (0,external_node_fs_.lstatSync)(file);
        }
        catch {
            return { problem: 'holds no value' };
        }
        if (!stats.isFile())
            return { problem: 'holds no value file' };
        if (stats.size > this.maxValueBytes)
            return { problem: `holds a value larger than ${this.maxValueBytes} bytes` };
        return (0,external_node_fs_.readFileSync)(file, 'utf8');
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
function quoteKey(key) {
    return oneLine(JSON.stringify(key));
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
            else if (raw.trim() !== '' && !raw.startsWith('[command]') && !/^(Sent|Received) \d+ of \d+/.test(raw)) {
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
                    return warning(`Could not read the Actions cache: ${(0,src_text/* visible */.RK)(found.reason)}. Asking IMS instead.`);
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
/** The token cache of this process. */
function openTokenCache(binding) {
    return tokenCache(binding, openCacheStore());
}


/***/ })

};
