import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 320:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E$: () => (/* binding */ redact),
/* harmony export */   Iv: () => (/* binding */ proxyStatusOf),
/* harmony export */   ne: () => (/* binding */ isTlsCode),
/* harmony export */   of: () => (/* binding */ TIMEOUT_CODE),
/* harmony export */   pE: () => (/* binding */ TRANSIENT_NETWORK_CODES),
/* harmony export */   tF: () => (/* binding */ isProxyAuthentication),
/* harmony export */   wP: () => (/* binding */ isPassingProxyRefusal),
/* harmony export */   z4: () => (/* binding */ TOO_LARGE_CODE),
/* harmony export */   zK: () => (/* binding */ PROXY_CREDENTIALS_ADVICE)
/* harmony export */ });
/* unused harmony exports PROXY_UPSTREAM_STATUSES, excerpt, imsErrorFailure, unexpectedAnswerFailure, redirectFailure, networkFailure, isOutage, attemptsNote, secretsNote, rotationWarning, TLS_OVERRIDE_IGNORED_WARNING */
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(809);
/* harmony import */ var _text_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(992);
// The wording of every failure: what happened and what to do next. Pure.
// Nothing here quotes the client secret or a token: answer excerpts pass
// through redact() first.


/**
 * A proxy's answers to CONNECT that say it could not reach IMS (Bad Gateway,
 * Service Unavailable, Gateway Timeout): a list of its own, not
 * RETRYABLE_STATUSES, because these are the only proxy answers that say
 * anything about IMS (an outage, see isOutage). The proxy's other statuses in
 * RETRYABLE_STATUSES are retried too, but speak only of the proxy.
 */
const PROXY_UPSTREAM_STATUSES = new Set([502, 503, 504]);
const MASK = '***';
const EXCERPT_LENGTH = 200;
// A JWT (the shape of IMS access tokens), or the value of an access_token field.
const JWT_LIKE = /eyJ[\w-]*(?:\.[\w-]*)*/g;
// The value runs to the first unescaped quote: a token may hold \" itself.
const ACCESS_TOKEN_FIELD = /("access_token"\s*:\s*")(?:[^"\\]|\\.)*/g;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const WHITESPACE_OR_CONTROL = /[\s\x00-\x1f\x7f]+/g;
function redact(text, secrets) {
    // Whole values first, the longest first (as the runner masks): a token
    // pattern or a shorter value taken out before would leave a piece of a secret.
    const forms = [...new Set(secrets.flatMap(_text_js__WEBPACK_IMPORTED_MODULE_1__/* .secretForms */ .eo))]
        .filter((form) => form !== '')
        .sort((a, b) => b.length - a.length);
    let redacted = text;
    for (const form of forms)
        redacted = redacted.split(form).join(MASK);
    return redacted.replace(ACCESS_TOKEN_FIELD, `$1${MASK}`).replace(JWT_LIKE, MASK);
}
/** A short single-line excerpt of an answer body, safe to print. */
function excerpt(body, secrets) {
    const line = redact(body, secrets).replace(WHITESPACE_OR_CONTROL, ' ').trim();
    return line === '' ? '(empty body)' : quote(line, EXCERPT_LENGTH);
}
/**
 * Text from an answer, safe and short enough for a log line: redacted whole,
 * then cut. Cut first, it could end in a piece of a secret that no mask hides.
 */
function answerText(text, max, secrets) {
    return visible(redact(text, secrets).slice(0, max));
}
function headerText(value, secrets) {
    return answerText(value, 100, secrets);
}
function debugIdNote(debugId, secrets) {
    return debugId ? ` (x-debug-id: ${headerText(debugId, secrets)})` : '';
}
function supportNote(debugId) {
    return debugId ? 'If it persists, give Adobe support the x-debug-id.' : 'If it persists, contact Adobe support.';
}
function hintFor(error, retryable, debugId, context) {
    switch (error) {
        case 'invalid_client':
            return ('Check the client-id and client-secret inputs: they must be the client ID and a current client secret ' +
                'of an OAuth Server-to-Server credential. The secret may have been rotated in the Adobe Developer Console; ' +
                'update the repository secret.');
        case 'invalid_scope':
            return (`The credential is not granted one of the requested scopes (${context.scopes.join(', ')}). ` +
                'Request only the scopes of the APIs added to the Developer Console project (set the scopes input), ' +
                'or add the missing API to the project.');
        case 'unauthorized_client':
            return ('This client may not use the client_credentials grant: use an OAuth Server-to-Server credential ' +
                'from the Adobe Developer Console project, not an OAuth Web App, single-page app or JWT credential.');
        default:
            return retryable
                ? `IMS may be having trouble; try again later. ${supportNote(debugId)}`
                : `Check the inputs against the credential in the Adobe Developer Console. ${supportNote(debugId)}`;
    }
}
/** An RFC 6749 error answer from IMS: {"error": ..., "error_description": ...}. */
function imsErrorFailure(status, error, description, debugId, retryable, context) {
    // IMS's own words, but still text from the network: shown visibly, and short.
    const code = answerText(error, 100, context.secrets);
    const detail = description ? `: ${answerText(description, 300, context.secrets)}` : '';
    return {
        retryable,
        summary: `HTTP ${status} ${code}`,
        message: `IMS refused the ${context.request} with HTTP ${status} ${code}${detail}${debugIdNote(debugId, context.secrets)}. ` +
            hintFor(error, retryable, debugId, context),
        imsError: error,
    };
}
/** An answer that is not what IMS sends: HTML from a gateway, truncated JSON, no token. */
function unexpectedAnswerFailure(status, problem, contentType, body, debugId, retryable, context) {
    return {
        retryable,
        summary: `HTTP ${status} ${problem}`,
        message: `${context.host} answered HTTP ${status} ${problem} ` +
            `(content type ${contentType === undefined ? 'none' : headerText(contentType, context.secrets)})` +
            `${debugIdNote(debugId, context.secrets)}: ` +
            `${excerpt(body, context.secrets)}. Check that ims-url is the IMS base URL, and that no proxy or gateway ` +
            'rewrites the answer.',
    };
}
function redirectFailure(status, location, context) {
    const target = location ? ` to ${excerpt(location, context.secrets)}` : '';
    return {
        retryable: false,
        summary: `HTTP ${status} redirect`,
        message: `${context.host} answered HTTP ${status}, a redirect${target}. Redirects are not followed because they ` +
            'could carry the client secret to another host. Set ims-url to the IMS base URL itself, such as ' +
            'https://ims-na1.adobelogin.com.',
    };
}
const TIMEOUT_CODE = 'ETIMEOUT_ATTEMPT';
const TOO_LARGE_CODE = 'EANSWER_TOO_LARGE';
/**
 * Network errors that may pass, in a few words: the token step retries them, and fusion-api too, for
 * the methods it may repeat.
 */
const TRANSIENT_NETWORK_CODES = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ECONNABORTED: 'connection aborted',
    EPIPE: 'connection closed while sending',
    ETIMEDOUT: 'connection timed out',
    EAI_AGAIN: 'temporary DNS failure',
    ENETUNREACH: 'network unreachable',
    EHOSTUNREACH: 'host unreachable',
    ENETDOWN: 'network down',
    EHOSTDOWN: 'host down',
};
const TLS_HINT = "If the runner sits behind a TLS-inspecting proxy or IMS is reached through a private CA, set NODE_EXTRA_CA_CERTS to the PEM file of that CA's root certificate.";
function isTlsCode(code) {
    // EPROTO: TLS spoken to something that does not speak it (a plain-http port).
    return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|^EPROTO$/.test(code);
}
/** The status of a proxy's refusal to open a tunnel, as @actions/http-client's tunnel agent words it, or undefined. */
function proxyStatusOf(detail) {
    return /tunneling socket could not be established, statusCode=(\d+)/.exec(detail)?.[1];
}
/**
 * Whether a proxy's refusal asks for other credentials: 407 is proxy
 * authentication, but some proxies (tinyproxy) refuse missing or wrong
 * credentials with 401. Never retried: the credentials must change.
 */
function isProxyAuthentication(status) {
    return status === 401 || status === 407;
}
/**
 * Whether a proxy's refusal of the tunnel may pass, and is retried (by the token step and by
 * fusion-api, for every method: nothing went through): a status retried from IMS.
 */
function isPassingProxyRefusal(status) {
    return !isProxyAuthentication(status) && _retry_js__WEBPACK_IMPORTED_MODULE_0__/* .RETRYABLE_STATUSES */ .U3.has(status);
}
const PROXY_CREDENTIALS_ADVICE = 'It requires authentication, and the credentials in the proxy URL are missing or wrong: put its user name ' +
    'and password in HTTPS_PROXY (http://user:password@proxy:port, special characters percent-encoded), ' +
    'or ask for the runner to be allowed through.';
function networkFailure(problem, timeoutMs, context) {
    const { host } = context;
    const code = problem.code ?? '';
    const detail = redact(problem.detail, context.secrets);
    const via = problem.proxy ? ` through the proxy ${problem.proxy}` : '';
    if (code === TIMEOUT_CODE) {
        const seconds = timeoutMs / 1000;
        return {
            retryable: true,
            summary: `no complete answer within ${seconds} s`,
            message: `No complete answer from ${host}${via} within ${seconds} s (timeout-seconds). Check the runner's network, or raise timeout-seconds.`,
        };
    }
    if (code === TOO_LARGE_CODE) {
        return {
            retryable: false,
            summary: 'answer too large',
            message: `${host} sent ${detail}; an IMS token answer is a few kilobytes, so it was refused. Check that ims-url is the IMS base URL.`,
        };
    }
    const proxyStatus = proxyStatusOf(detail);
    if (problem.proxy && proxyStatus) {
        const authentication = isProxyAuthentication(Number(proxyStatus));
        const retryable = isPassingProxyRefusal(Number(proxyStatus));
        const advice = authentication
            ? ` ${PROXY_CREDENTIALS_ADVICE}`
            : retryable
                ? ' It could not reach IMS; check the proxy, or try again later.'
                : ' Check HTTPS_PROXY, or add the IMS host to NO_PROXY if it must be reached directly.';
        return {
            retryable,
            transient: PROXY_UPSTREAM_STATUSES.has(Number(proxyStatus)),
            summary: `proxy answered HTTP ${proxyStatus}`,
            message: `The proxy ${problem.proxy} refused to connect to ${host} with HTTP ${proxyStatus}.${advice}`,
        };
    }
    if (isTlsCode(code)) {
        return {
            retryable: false,
            summary: `TLS error ${code}`,
            message: `The TLS connection to ${host}${via} failed: ${detail} (${code}). ${TLS_HINT}`,
        };
    }
    if (code === 'ENOTFOUND') {
        return {
            retryable: false,
            // Not retried (a typo in ims-url does not heal), but a host that resolved before may be down.
            transient: true,
            summary: 'host not found',
            message: `The host ${host} was not found (DNS: ${code}). Check ims-url.`,
        };
    }
    const transient = TRANSIENT_NETWORK_CODES[code];
    if (transient !== undefined) {
        return {
            retryable: true,
            summary: `${transient}${via} (${code})`,
            message: `Could not reach ${host}${via}: ${transient} (${detail}). Check ims-url and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).`,
        };
    }
    return {
        retryable: false,
        transient: true,
        summary: `network error ${code || 'without a code'}`,
        message: `The request to ${host}${via} failed: ${detail}${code ? ` (${code})` : ''}. Check ims-url and the runner's network and proxy settings.`,
    };
}
/**
 * Whether a failure, once retries are spent, is an outage that a still-valid
 * token may ride out: a network error, an attempt timeout, a status in
 * RETRYABLE_STATUSES (whatever the body), or one in PROXY_UPSTREAM_STATUSES
 * from a proxy. Anything else (an IMS error such as invalid_client, another
 * status, a redirect, a TLS error, an answer that is not IMS JSON, proxy
 * authentication) says the credential or the request is wrong.
 */
function isOutage(failure) {
    return failure.transient ?? failure.retryable;
}
/** The last failure, and how many attempts were made: "after 4 attempts (retries: 3). <message>". */
function attemptsNote(failure, attempts, retries) {
    const count = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    const why = failure.retryable
        ? ` (retries: ${retries})`
        : attempts === 1
            ? ' (not retried: this failure would not go away by itself)'
            : '';
    return `after ${count}${why}. ${failure.message}`;
}
function lines(last) {
    return last === 1 ? 'line 1' : `lines 1 to ${last}`;
}
/** Which of several client secrets a final failure came from: "" for a single secret. */
function secretsNote(position, count) {
    if (count === 1)
        return '';
    const rejected = position > 1 ? ` (IMS rejected ${lines(position - 1)} with invalid_client)` : '';
    return ` with client-secret line ${position} of ${count}${rejected}`;
}
/** The warning when a later secret worked: the earlier ones are stale. */
function rotationWarning(position) {
    return (`IMS accepted client-secret line ${position} and rejected ${lines(position - 1)} with invalid_client. ` +
        'When the secret rotation is complete, remove the rejected secret from the repository secret.');
}
/** The warning when the job sets NODE_TLS_REJECT_UNAUTHORIZED=0, which would turn certificate checks off. */
const TLS_OVERRIDE_IGNORED_WARNING = 'NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: fusion-token-action always verifies certificates, because its ' +
    `requests carry the client secret. ${TLS_HINT}`;


/***/ }),

/***/ 809:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   U3: () => (/* binding */ RETRYABLE_STATUSES),
/* harmony export */   Vs: () => (/* binding */ retryAfterMs),
/* harmony export */   jo: () => (/* binding */ backoffMs),
/* harmony export */   kd: () => (/* binding */ MAX_RETRIES),
/* harmony export */   qO: () => (/* binding */ retryDelayMs)
/* harmony export */ });
/* unused harmony exports BACKOFF_BASE_MS, BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS */
// The retry policy: which failures are worth another attempt, and how long to
// wait before it. Pure: randomness and the clock are passed in.
/**
 * Statuses that say "try again later", from IMS or from a proxy; every other
 * status fails at once. The one list: comments name it rather than repeat it,
 * and __tests__/docs.test.ts holds the README's lists to it.
 */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** The most retries a token step (input retries) or a fusion-api call (--retries, the session's) may make. */
const MAX_RETRIES = 10;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
const RETRY_AFTER_CAP_MS = 60_000;
/**
 * Exponential backoff with full jitter: a uniform wait in
 * [0, min(cap, base * 2^(retry-1))), so clients that failed together spread out.
 * `retry` counts from 1; `random` returns a number in [0, 1).
 */
function backoffMs(retry, random) {
    return Math.floor(random() * backoffWindowMs(retry));
}
function backoffWindowMs(retry) {
    return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
}
/**
 * Milliseconds a Retry-After header asks for (delay-seconds or an HTTP date),
 * capped at RETRY_AFTER_CAP_MS; undefined when absent or unreadable.
 */
function retryAfterMs(header, nowMs) {
    const value = header?.trim();
    if (!value)
        return undefined;
    let waitMs;
    if (/^\d+$/.test(value)) {
        waitMs = Number(value) * 1000;
    }
    else {
        // An HTTP date names its day and month; Date.parse alone also takes "1.5".
        const date = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(date))
            return undefined;
        waitMs = Math.max(0, date - nowMs);
    }
    return Math.min(waitMs, RETRY_AFTER_CAP_MS);
}
/**
 * The wait before retry number `retry`. A Retry-After (already capped) is a
 * floor, with jitter on top over a window at least as long as the Retry-After
 * itself, so that clients throttled together come back spread out, not in the
 * same instant; the whole wait stays within RETRY_AFTER_CAP_MS.
 */
function retryDelayMs(retry, requestedMs, random) {
    if (requestedMs === undefined)
        return backoffMs(retry, random);
    const jitterMs = Math.floor(random() * Math.max(requestedMs, backoffWindowMs(retry)));
    return Math.min(RETRY_AFTER_CAP_MS, requestedMs + jitterMs);
}


/***/ }),

/***/ 992:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   RK: () => (/* binding */ visible),
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   dw: () => (/* binding */ parseJsonObject),
/* harmony export */   eo: () => (/* binding */ secretForms),
/* harmony export */   hD: () => (/* binding */ quote),
/* harmony export */   km: () => (/* binding */ maskPieces)
/* harmony export */ });
/* unused harmony export errorText */
// Showing untrusted text in a log line, and the forms a secret can take when
// something echoes it. Pure.
// Control, format (zero-width, bidi overrides) and line/paragraph separators:
// invisible or misleading in a log, so they are shown as escapes.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// The runner still obeys the legacy `##[command]` syntax anywhere in a line
// (`::command::` only at its start): text from outside must never form one.
const LEGACY_COMMAND = /##\[/g;
/**
 * The text with every invisible or misleading character written as a \uXXXX
 * escape, and `##[` as `##\u005b`, so that it can neither hide nor act as a
 * runner command.
 */
function visible(text) {
    return text
        .replace(INVISIBLE, (character) => `\\u${character.codePointAt(0).toString(16).padStart(4, '0')}`)
        .replace(LEGACY_COMMAND, '##\\u005b');
}
/**
 * A value as one visible JSON string of at most `max` characters (then "…"),
 * so that a log line shows exactly what was given, zero-width spaces and all.
 */
function quote(value, max = 60) {
    return visible(JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value));
}
/**
 * The forms in which a secret can come back from something that echoes it:
 * as is, percent-encoded, form-encoded (as sent), JSON-escaped, and as a
 * header echoes it (Node reads header values as Latin-1, so a UTF-8 echo of
 * a non-ASCII secret arrives as its bytes, one character each).
 */
function secretForms(secret) {
    return [
        ...new Set([
            secret,
            encodeURIComponent(secret),
            new URLSearchParams({ s: secret }).toString().slice(2),
            JSON.stringify(secret).slice(1, -1),
            Buffer.from(secret, 'utf8').toString('latin1'),
        ]),
    ];
}
/**
 * The text with every run of at least `minimum` characters that also occurs
 * in one of `values` replaced by `mask`: an answer that echoes a cut-off or
 * split copy of a token shows none of it. Overlapping and adjacent runs merge
 * into one mask.
 */
function maskPieces(text, values, minimum, mask = '***') {
    const pieces = new Set();
    for (const value of values) {
        for (let start = 0; start + minimum <= value.length; start++)
            pieces.add(value.slice(start, start + minimum));
    }
    if (pieces.size === 0)
        return text;
    const covered = new Uint8Array(text.length);
    for (let start = 0; start + minimum <= text.length; start++) {
        if (pieces.has(text.slice(start, start + minimum)))
            covered.fill(1, start, start + minimum);
    }
    let result = '';
    for (let index = 0; index < text.length; index++) {
        if (covered[index] === 0)
            result += text[index];
        else if (index === 0 || covered[index - 1] === 0)
            result += mask;
    }
    return result;
}
/** The JSON object a text holds, or undefined for anything else (not JSON, an array, a string...). */
function parseJsonObject(text) {
    try {
        const value = JSON.parse(text);
        return typeof value === 'object' && value !== null && !Array.isArray(value)
            ? value
            : undefined;
    }
    catch {
        return undefined;
    }
}
/** A duration for a log line: "23 h 59 min", "12 min", "40 s". */
function formatDuration(seconds) {
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1)
        return `${Math.floor(seconds)} s`;
    const hours = Math.floor(minutes / 60);
    return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
/**
 * An error's message: from an Error of any realm (the errors of node:fs are
 * not instances of a test sandbox's Error), or anything with a message; else
 * the value as text.
 */
function errorText(error) {
    const message = typeof error === 'object' && error !== null ? error.message : undefined;
    return typeof message === 'string' ? message : String(error);
}


/***/ }),

/***/ 613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 67:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 23:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_namespaceObject);
// EXTERNAL MODULE: ./src/failures.ts
var failures = __nccwpck_require__(320);
;// CONCATENATED MODULE: ./src/fusion-session.ts
// The session of the fusion-api command: what the token step hands the later
// steps of its job. One JSON file of mode 0600 in a folder of mode 0700 under
// RUNNER_TEMP, beside the folder of the command's launchers (which go on PATH
// and never hold the token). The client secret is never in it. Pure but for
// the path helpers, which only join strings.
//
// Format `fusion-api-session-v1` (a JSON object; any other `format` is refused):
//   format       "fusion-api-session-v1"
//   accessToken  the IMS access token (Authorization: Bearer)
//   clientId     the credential's client ID (x-api-key)
//   expiresAt    ISO-8601 UTC instant at which the token expires
//   orgId        the numeric Fusion organization ID (x-organization-id), '' when not set
//   region       the Fusion region (x-gw-region), '' when not set
//   baseUrl      the Fusion API base URL, without a trailing slash
//   retries      retries of a transient failure after the first attempt (0 to 10)
//   timeoutMs    the longest an attempt waits for its answer to begin, or for a pause in its body

const SESSION_FORMAT = 'fusion-api-session-v1';
/** A Fusion organization ID: digits (the number in the Fusion URL .../organization/{id}/dashboard). */
function isOrgId(value) {
    return /^\d{1,20}$/.test(value);
}
/** A Fusion region, e.g. or2: lowercase letters, digits and hyphens (a host name label). */
function isRegion(value) {
    return /^[a-z0-9-]{1,63}$/.test(value);
}
/** Names the session file for the command; the launchers set it, so the command never guesses. */
const SESSION_ENV = 'FUSION_API_SESSION';
/** Where a step with fusion-api: true keeps the session and the launchers. */
function sessionPaths(runnerTemp) {
    const folder = path.join(runnerTemp, 'fusion-token-action-api');
    return { folder, file: path.join(folder, 'session.json'), bin: path.join(folder, 'bin') };
}
function encodeSession(session) {
    return `${JSON.stringify({ format: SESSION_FORMAT, ...session })}\n`;
}
/** The session a file holds, or what is wrong with it (never quoting its values: one is the token). */
function parseSession(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        return { problem: 'is not JSON' };
    }
    if (typeof value !== 'object' || value === null)
        return { problem: 'is not a JSON object' };
    const record = value;
    if (record['format'] !== SESSION_FORMAT)
        return { problem: `is not of format ${SESSION_FORMAT}` };
    const strings = ['accessToken', 'clientId', 'expiresAt', 'orgId', 'region', 'baseUrl'];
    for (const name of strings) {
        if (typeof record[name] !== 'string')
            return { problem: `has no ${name} string` };
    }
    for (const name of ['retries', 'timeoutMs']) {
        const number = record[name];
        if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
            return { problem: `has no ${name} whole number` };
        }
    }
    if (record['accessToken'] === '' || record['clientId'] === '' || record['baseUrl'] === '') {
        return { problem: 'has an empty accessToken, clientId or baseUrl' };
    }
    if (Number.isNaN(Date.parse(record['expiresAt'])))
        return { problem: 'has no valid expiresAt' };
    return record;
}

;// CONCATENATED MODULE: ./src/version.ts
/** The action's version, sent in the User-Agent (a test keeps it equal to package.json's). */
const ACTION_VERSION = '1.0.0';

// EXTERNAL MODULE: ./src/retry.ts
var src_retry = __nccwpck_require__(809);
// EXTERNAL MODULE: ./src/text.ts
var src_text = __nccwpck_require__(992);
;// CONCATENATED MODULE: ./src/fusion-api/args.ts
// The fusion-api command line, read into a request plan, or a usage problem
// (exit 2, nothing sent). Modelled on `gh api`, with only the flags the
// Fusion API needs. Pure.



const USAGE = [
    'usage: fusion-api [-X METHOD] PATH [-q NAME=VALUE]... [-d JSON | --input FILE] [--paginate]',
    '                  [-o FILE] [--org-id ID] [--region REGION] [--retries N]',
    '',
    'Calls the Workfront Fusion API with the token of the fusion-token-action step (fusion-api: true)',
    'of this job, and prints the answer body.',
    '',
    "  PATH              the API path, e.g. /api/v3/scenarios (appended to the step's fusion-url)",
    '  -X METHOD         GET (the default), POST (the default with a body), PUT, PATCH, DELETE or HEAD',
    '  -q NAME=VALUE     a query parameter, percent-encoded (a + is sent as %2B); may repeat, kept in order',
    '  -d JSON           the request body, JSON, sent as application/json',
    '  --input FILE      the request body from FILE (- for standard input), JSON',
    '  --paginate        GET every page (start=_page.next) and print one JSON array of all their items',
    '  -o FILE           write the answer body to FILE instead of standard output',
    "  --org-id ID       the Fusion organization ID (x-organization-id) instead of the step's fusion-org-id",
    "  --region REGION   the Fusion region (x-gw-region) instead of the step's fusion-region",
    "  --retries N       retries of a transient failure (0 to 10) instead of the step's retries",
    '',
    'Exit status: 0 on a 2xx answer, 1 on a failure, 2 on a usage error or a missing session.',
].join('\n');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const VALUE_FLAGS = ['-X', '-q', '-d', '--input', '-o', '--org-id', '--region', '--retries'];
const REPEATABLE = new Set(['-q']);
// RFC 3986 pchar (unreserved, sub-delims, ':' and '@') and '/', or a percent-encoded octet.
const PATH_TEXT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
class UsageProblem extends Error {
}
/** A value from the command line in a usage line: quoted, short, nothing invisible. */
const shown = (value) => (0,src_text/* quote */.hD)(value, 60);
function checkPath(path) {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) {
        throw new UsageProblem(`PATH ${shown(path)} is a full URL; give only the path, e.g. /api/v3/scenarios (the base URL is the step's fusion-url)`);
    }
    if (!path.startsWith('/') || path.startsWith('//')) {
        throw new UsageProblem(`PATH ${shown(path)} must start with a single /, e.g. /api/v3/scenarios`);
    }
    if (/[?#]/.test(path)) {
        throw new UsageProblem(`PATH ${shown(path)} holds a query or fragment; give each query parameter as -q NAME=VALUE, which encodes it`);
    }
    if (!PATH_TEXT.test(path)) {
        throw new UsageProblem(`PATH ${shown(path)} holds a character a URL path cannot (percent-encode it, e.g. %20)`);
    }
}
function parseMethod(value) {
    const method = value.toUpperCase();
    if (!METHODS.includes(method)) {
        throw new UsageProblem(`-X ${shown(value)} is not one of ${METHODS.join(', ')}`);
    }
    return method;
}
function parseQuery(value) {
    const equals = value.indexOf('=');
    if (equals <= 0)
        throw new UsageProblem(`-q ${shown(value)} is not NAME=VALUE`);
    return { name: value.slice(0, equals), value: value.slice(equals + 1) };
}
function parseRetries(value) {
    if (!/^\d{1,2}$/.test(value) || Number(value) > src_retry/* MAX_RETRIES */.kd) {
        throw new UsageProblem(`--retries ${shown(value)} is not a whole number from 0 to ${src_retry/* MAX_RETRIES */.kd}`);
    }
    return Number(value);
}
/** Splits `--name=value` into the flag and its value; any other argument is returned as is. */
function splitLongFlag(argument) {
    const equals = argument.indexOf('=');
    if (!argument.startsWith('--') || equals < 0)
        return { flag: argument, inline: undefined };
    return { flag: argument.slice(0, equals), inline: argument.slice(equals + 1) };
}
function isValueFlag(flag) {
    return VALUE_FLAGS.includes(flag);
}
function readPlan(argv) {
    const values = new Map();
    let paginate = false;
    let path;
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (argument === '--help' || argument === '-h')
            return 'help';
        const { flag, inline } = splitLongFlag(argument);
        if (flag === '--paginate') {
            if (inline !== undefined)
                throw new UsageProblem('--paginate takes no value');
            paginate = true;
            continue;
        }
        if (isValueFlag(flag)) {
            const value = inline ?? argv[++index];
            if (value === undefined)
                throw new UsageProblem(`${flag} needs a value`);
            const given = values.get(flag) ?? [];
            if (given.length > 0 && !REPEATABLE.has(flag))
                throw new UsageProblem(`${flag} is given twice`);
            values.set(flag, [...given, value]);
            continue;
        }
        if (argument.startsWith('-') && argument !== '-')
            throw new UsageProblem(`unknown flag ${shown(argument)}`);
        if (path !== undefined)
            throw new UsageProblem(`a second PATH ${shown(argument)}; give one PATH`);
        path = argument;
    }
    if (path === undefined)
        throw new UsageProblem('no PATH given, e.g. fusion-api /api/v3/scenarios');
    checkPath(path);
    const one = (flag) => values.get(flag)?.[0];
    const text = one('-d');
    const input = one('--input');
    if (text !== undefined && input !== undefined)
        throw new UsageProblem('give the body with -d or --input, not both');
    if (input === '')
        throw new UsageProblem('--input needs a FILE, or - for standard input');
    const body = text !== undefined
        ? { from: 'text', text }
        : input === undefined
            ? undefined
            : input === '-'
                ? { from: 'stdin' }
                : { from: 'file', path: input };
    const given = one('-X');
    const method = given === undefined ? (body ? 'POST' : 'GET') : parseMethod(given);
    if (body && (method === 'GET' || method === 'HEAD'))
        throw new UsageProblem(`a ${method} request takes no body`);
    if (paginate && method !== 'GET')
        throw new UsageProblem(`--paginate is for GET requests only, not ${method}`);
    if (text !== undefined) {
        const problem = jsonProblem(text);
        if (problem)
            throw new UsageProblem(`-d is not JSON: ${problem}`);
    }
    const orgId = one('--org-id');
    if (orgId !== undefined && !isOrgId(orgId)) {
        throw new UsageProblem(`--org-id ${shown(orgId)} is not a Fusion organization ID (digits only)`);
    }
    const region = one('--region');
    if (region !== undefined && !isRegion(region)) {
        throw new UsageProblem(`--region ${shown(region)} is not a Fusion region (lowercase letters, digits, -), e.g. or2`);
    }
    const output = one('-o');
    if (output === '')
        throw new UsageProblem('-o needs a FILE');
    const retries = one('--retries');
    return {
        method,
        path,
        query: (values.get('-q') ?? []).map(parseQuery),
        body,
        paginate,
        output,
        orgId,
        region,
        retries: retries === undefined ? undefined : parseRetries(retries),
    };
}
function parseCommandLine(argv) {
    try {
        const plan = readPlan(argv);
        return plan === 'help' ? { kind: 'help' } : { kind: 'plan', plan };
    }
    catch (error) {
        if (error instanceof UsageProblem)
            return { kind: 'usage', problem: error.message };
        throw error;
    }
}
/** Why a body is not JSON (in JSON.parse's words), or undefined when it is. */
function jsonProblem(text) {
    if (text.trim() === '')
        return 'it is empty';
    try {
        JSON.parse(text);
        return undefined;
    }
    catch (error) {
        return (0,src_text/* visible */.RK)(error.message);
    }
}
/** A query value or name percent-encoded as RFC 3986 says: only unreserved characters stay as they are. */
function encodeQueryComponent(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
/** The query string, in the order given (without the `?`); '' for none. */
function queryString(query) {
    return query.map(({ name, value }) => `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`).join('&');
}
/** The query with `start` set to the cursor: in place of the first `start` given (others dropped), else last. */
function withStart(query, cursor) {
    const start = { name: 'start', value: cursor };
    const at = query.findIndex(({ name }) => name === 'start');
    if (at < 0)
        return [...query, start];
    return [...query.slice(0, at), start, ...query.slice(at + 1).filter(({ name }) => name !== 'start')];
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(67);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __nccwpck_require__(708);
;// CONCATENATED MODULE: external "node:v8"
const external_node_v8_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:v8");
;// CONCATENATED MODULE: external "node:vm"
const external_node_vm_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:vm");
;// CONCATENATED MODULE: ./src/fusion-api/memory.ts
// Keeps the command's memory flat on a large answer. Each piece of a body is
// a fresh Buffer outside V8's heap; V8 collects them only after tens of MiB
// have piled up, and later still on a busy machine, so a 200 MB download
// could peak far above what it holds at any moment. A full collection every
// few MiB written (a few ms each) bounds the pile. Node exposes gc() only
// under --expose-gc, which the flag below turns on for a new context.


/** How much body may pass between two collections. */
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;
let collect;
function collector() {
    if (collect === undefined) {
        (0,external_node_v8_namespaceObject.setFlagsFromString)('--expose-gc');
        collect = (0,external_node_vm_namespaceObject.runInNewContext)('gc');
    }
    return collect;
}
/** Counts the bytes of a body, and collects the spent ones every `every` bytes. */
function memoryKeeper(every = COLLECT_EVERY_BYTES, collect = () => collector()()) {
    let since = 0;
    return (bytes) => {
        since += bytes;
        if (since < every)
            return;
        since = 0;
        collect();
    };
}

;// CONCATENATED MODULE: ./src/fusion-api/failure.ts
// The wording of the fusion-api command's failures and retries, each one line
// on standard error: what was asked, what came back, and what to do. Pure.
// Text from the network is redacted (no piece of the token), then cut, then
// shown visibly.


const PREFIX = 'fusion-api:';
/** An echoed run this long of the token (in any form an echo gives it) is masked. */
const TOKEN_PIECE = 6;
const BODY_EXCERPT_LENGTH = 300;
const FIELD_LENGTH = 200;
/** The text with no piece of any secret in it: whole forms, runs of TOKEN_PIECE characters, and JWTs. */
function redactAnswer(text, secrets) {
    const forms = secrets.filter((secret) => secret !== '').flatMap(src_text/* secretForms */.eo);
    return (0,failures/* redact */.E$)((0,src_text/* maskPieces */.km)(text, forms, TOKEN_PIECE), secrets);
}
/** Untrusted text for a log line: redacted whole, then cut, then on one visible line. */
function failure_shown(text, max, secrets) {
    const flat = redactAnswer(text, secrets).replace(/\s+/g, ' ').trim();
    return (0,src_text/* visible */.RK)(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
function label(request) {
    return `${request.method} ${failure_shown(request.target, 300, request.secrets ?? [])}`;
}
function attemptsNote(attempts) {
    return attempts > 1 ? `, after ${attempts} attempts` : '';
}
function field(record, name) {
    const value = record[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
function readErrorAnswer(body, headers) {
    // Not a JSON object (an HTML page from a proxy, say): the status speaks alone.
    const record = (0,src_text/* parseJsonObject */.dw)(body) ?? {};
    const report = record['report'];
    const reported = typeof report === 'object' && report !== null ? field(report, 'request-id') : undefined;
    const code = field(record, 'error_code');
    return {
        code,
        message: code === undefined ? (field(record, 'title') ?? field(record, 'message')) : field(record, 'message'),
        requestId: reported ?? headers['x-request-id'] ?? headers['request-id'],
    };
}
/** What to do about an error answer, by the gateway's error code, else by the status. */
function adviceFor(status, code) {
    if (code === '401013' || status === 401) {
        return ('The token is not valid (expired, revoked, or a stage token against production): run the token step ' +
            'again, and check that ims-url and fusion-url are both production or both stage.');
    }
    if (code === '403000' || code === '403003') {
        return ('x-api-key is not a client with the Workfront Fusion API: add the API to the Developer Console project, ' +
            'or check client-id.');
    }
    if (code === '400003') {
        return 'A header is missing: set fusion-org-id and fusion-region on the token step (or pass --org-id and --region).';
    }
    if (status === 403) {
        return ('The technical account lacks the permission: add it to the Fusion team, or make it an admin ' +
            '(the Technical Accounts guide).');
    }
    if (status === 404)
        return 'Check the path and the ID.';
    if (status === 429)
        return 'Fusion is throttling the calls: make fewer, or raise --retries to wait longer.';
    if (status >= 500) {
        return 'Fusion may be having trouble: try again later. If it persists, give Adobe support the request-id.';
    }
    return 'Check the path, the query parameters and the body against the Fusion API reference.';
}
/** The failure line of an error answer, then the answer's body (redacted, cut) when it has one. */
function httpFailureLines(failure) {
    const { status, secrets } = failure;
    const says = readErrorAnswer(failure.body, failure.headers);
    const what = [says.code, says.message]
        .filter((part) => part !== undefined && part !== '')
        .map((part) => failure_shown(part, FIELD_LENGTH, secrets))
        .join(' ');
    const requestId = says.requestId === undefined ? '' : ` (request-id: ${failure_shown(says.requestId, 100, secrets)})`;
    const first = `${PREFIX} ${label(failure.request)} failed with HTTP ${status}${what ? `: ${what}` : ''}${requestId}` +
        `${attemptsNote(failure.attempts)}. ${adviceFor(status, says.code)}`;
    const body = failure_shown(failure.body, BODY_EXCERPT_LENGTH, secrets);
    return body === '' ? [first] : [first, `${PREFIX} the answer's body (redacted, cut): ${body}`];
}
/** A redirect: never followed, since the request carries the token. Names the host it points to. */
function redirectFailureLine(request, status, location, requestUrl, secrets) {
    let target;
    if (location === undefined || location === '') {
        target = 'without a Location';
    }
    else {
        try {
            target = `to the host ${failure_shown(new URL(location, requestUrl).host, 100, secrets)}`;
        }
        catch {
            target = `to "${failure_shown(location, 100, secrets)}", not a URL`;
        }
    }
    return (`${PREFIX} ${label(request)} failed with HTTP ${status}, a redirect ${target}. Redirects are not followed, ` +
        'since the request carries the token. Set fusion-url to the Fusion API base URL itself (https://fusion.adobe.io).');
}
/** The code of an attempt that waited longer than timeoutMs for its answer, or for the next piece of it. */
const IDLE_TIMEOUT_CODE = 'ETIMEOUT_IDLE';
const NETWORK_WORDS = {
    ECONNRESET: 'the connection was reset',
    EPIPE: 'the connection closed while sending',
    ECONNABORTED: 'the connection was aborted',
    ECONNREFUSED: 'the connection was refused',
    ETIMEDOUT: 'the connection timed out',
    EAI_AGAIN: 'a temporary DNS failure',
    ENETUNREACH: 'the network was unreachable',
    EHOSTUNREACH: 'the host was unreachable',
    ENETDOWN: 'the network was down',
    EHOSTDOWN: 'the host was down',
    ENOTFOUND: 'the host was not found',
};
/**
 * The status with which the proxy refused to open a tunnel, when that is the problem. The tunnel agent
 * reports it as a reset (ECONNRESET), with the status in its message.
 */
function proxyRefusalOf(problem, proxy) {
    const status = proxy === undefined ? undefined : (0,failures/* proxyStatusOf */.Iv)(problem.detail);
    return status === undefined ? undefined : Number(status);
}
/** A few words for a network problem, for a retry line: "the connection was reset (ECONNRESET)". */
function networkSummary(problem, timeoutMs, proxy) {
    const refusal = proxyRefusalOf(problem, proxy);
    if (refusal !== undefined)
        return `the proxy answered HTTP ${refusal}`;
    if (problem.code === IDLE_TIMEOUT_CODE)
        return `no answer for ${timeoutMs / 1000} s`;
    const words = problem.code === undefined ? undefined : NETWORK_WORDS[problem.code];
    return words ? `${words} (${problem.code})` : `network error ${problem.code ?? 'without a code'}`;
}
function networkAdvice(problem) {
    const code = problem.code ?? '';
    if (code === IDLE_TIMEOUT_CODE) {
        return "Check the runner's network, or raise the token step's timeout-seconds.";
    }
    if ((0,failures/* isTlsCode */.ne)(code)) {
        return ('If the runner reaches Fusion through a TLS-inspecting proxy or a private CA, set NODE_EXTRA_CA_CERTS ' +
            "to the PEM file of that CA's root certificate.");
    }
    return "Check fusion-url, and the runner's network and proxy settings (HTTPS_PROXY, NO_PROXY).";
}
function proxyRefusalAdvice(status, host) {
    if ((0,failures/* isProxyAuthentication */.tF)(status))
        return failures/* PROXY_CREDENTIALS_ADVICE */.zK;
    if ((0,failures/* isPassingProxyRefusal */.wP)(status)) {
        return `It could not reach ${host}; check the proxy, or try again later.`;
    }
    return `Check HTTPS_PROXY, or add ${host} to NO_PROXY if it must be reached directly.`;
}
function networkFailureLine(failure) {
    const { request, problem, proxy, cutOff, secrets } = failure;
    const refusal = proxyRefusalOf(problem, proxy);
    if (proxy !== undefined && refusal !== undefined) {
        return (`${PREFIX} ${label(request)} failed: the proxy ${(0,src_text/* visible */.RK)(proxy)} refused to connect to ${request.host} ` +
            `with HTTP ${refusal}${attemptsNote(failure.attempts)}. ${proxyRefusalAdvice(refusal, request.host)}`);
    }
    const via = proxy ? ` through the proxy ${(0,src_text/* visible */.RK)(proxy)}` : '';
    const summary = networkSummary(problem, failure.timeoutMs);
    // Node's words add nothing to a known code, but through a proxy they say which leg failed.
    const known = problem.code === IDLE_TIMEOUT_CODE || NETWORK_WORDS[problem.code ?? ''] !== undefined;
    const detail = known && !proxy ? '' : `: ${failure_shown(problem.detail, 200, secrets)}`;
    const what = cutOff
        ? `the answer (HTTP ${cutOff.status}) from ${request.host}${via} broke off after ${cutOff.bytes} bytes: ${summary}${detail}`
        : `no answer from ${request.host}${via}: ${summary}${detail}`;
    return `${PREFIX} ${label(request)} failed, ${what}${attemptsNote(failure.attempts)}. ` + networkAdvice(problem);
}
/** Writing the answer out failed: `problem` is the sink's own words. */
function outputFailureLine(request, problem) {
    return `${PREFIX} ${label(request)} failed: ${(0,src_text/* visible */.RK)(problem)}.`;
}
/** One line before each retry. */
function retryLine(request, why, attempt, attempts, waitMs) {
    return `${PREFIX} ${label(request)}: ${why} (attempt ${attempt} of ${attempts}); trying again in ${(waitMs / 1000).toFixed(1)} s`;
}
function repeatedCursorLine(request, cursor, page, firstPage) {
    return (`${PREFIX} ${label(request)} --paginate stopped: page ${page} gave the cursor ` +
        `${(0,src_text/* quote */.hD)(redactAnswer(cursor, request.secrets ?? []), 200)}, ` +
        `which page ${firstPage} gave already; following it would fetch the same pages forever. ` +
        'Check that orderby names a unique field, e.g. -q orderby=+id.');
}
function notAListLine(request, page, problem) {
    return (`${PREFIX} ${label(request)} --paginate stopped: page ${page} ${problem}. --paginate is for the list ` +
        'operations, which answer {"items": [...], "_page": {...}}; call others without it.');
}

;// CONCATENATED MODULE: ./src/fusion-api/proxy.ts
// Whether a proxy applies to a URL, decided by the rules of
// @actions/http-client (getProxyUrl and checkBypass in its lib/proxy.js)
// without loading it: its import costs about 5 ms (80 ms and 20 MiB before
// the bundles left undici out), which a loop of calls should pay only when a
// proxy is in use. Pure: the environment is passed in. A test holds this equal
// to the library on a table of cases.
function isLoopback(hostname) {
    const host = hostname.toLowerCase();
    return (host === 'localhost' || host.startsWith('127.') || host.startsWith('[::1]') || host.startsWith('[0:0:0:0:0:0:0:1]'));
}
/** Whether NO_PROXY (or loopback) sends the URL past any proxy. */
function bypassesProxy(url, env) {
    if (!url.hostname)
        return false;
    if (isLoopback(url.hostname))
        return true;
    const noProxy = env['no_proxy'] || env['NO_PROXY'] || '';
    if (!noProxy)
        return false;
    const port = url.port
        ? Number(url.port)
        : url.protocol === 'http:'
            ? 80
            : url.protocol === 'https:'
                ? 443
                : undefined;
    const host = url.hostname.toUpperCase();
    const hosts = port === undefined ? [host] : [host, `${host}:${port}`];
    return noProxy
        .split(',')
        .map((entry) => entry.trim().toUpperCase())
        .filter((entry) => entry !== '')
        .some((entry) => entry === '*' ||
        hosts.some((candidate) => candidate === entry ||
            candidate.endsWith(`.${entry}`) ||
            (entry.startsWith('.') && candidate.endsWith(entry))));
}
/** The setting read as the library reads it: as given, else (without a scheme) as http://; undefined when neither parses. */
function parseSetting(setting) {
    try {
        return new URL(setting);
    }
    catch {
        if (setting.startsWith('http://') || setting.startsWith('https://'))
            return undefined;
        try {
            return new URL(`http://${setting}`);
        }
        catch {
            return undefined;
        }
    }
}
/** The proxy that applies to the URL (HTTPS_PROXY for https, HTTP_PROXY for http), or undefined. */
function proxyFor(url, env) {
    if (bypassesProxy(url, env))
        return undefined;
    const setting = url.protocol === 'https:' ? env['https_proxy'] || env['HTTPS_PROXY'] : env['http_proxy'] || env['HTTP_PROXY'];
    return setting ? parseSetting(setting) : undefined;
}
/** A proxy as a line may show it: scheme, host and port, never its credentials. */
function shownProxy(proxy) {
    return `${proxy.protocol}//${proxy.host}`;
}

;// CONCATENATED MODULE: ./src/fusion-api/client.ts
// The fusion-api command's only network code: one HTTP request, its answer
// read chunk by chunk as the caller takes it. An idle timer bounds the wait
// for the answer to begin and for each next piece of its body, never a whole
// download that keeps moving, and never a pause while the caller is still
// writing out the last piece. Redirects are never followed (Node's http does
// not). Certificates are always verified, whatever NODE_TLS_REJECT_UNAUTHORIZED
// says; NODE_EXTRA_CA_CERTS is Node's own. A proxy goes through the agent of
// @actions/http-client, loaded only when one applies.





/** A request that got no answer, or whose answer broke off. */
class NetworkError extends Error {
    code;
    name = 'NetworkError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
function asNetworkError(error) {
    if (error instanceof NetworkError)
        return error;
    const { code, message } = error;
    return new NetworkError(code, message);
}
/**
 * The agent for requests to this base URL: through the proxy that applies to
 * it (@actions/http-client's, made to verify certificates), else one of
 * Node's that keeps the connection for the next request (a next page).
 */
async function openConnection(baseUrl, env) {
    const proxy = proxyFor(baseUrl, env);
    if (proxy === undefined) {
        const agent = baseUrl.protocol === 'https:'
            ? new external_node_https_.Agent({ keepAlive: true, rejectUnauthorized: true })
            : new external_node_http_.Agent({ keepAlive: true });
        return { agent, proxy: undefined, close: () => agent.destroy() };
    }
    // A chunk of its own (dist/fusion-api/), loaded only here: most calls never pay for it.
    const [{ HttpClient }, { verifyingAgent }] = await Promise.all([
        Promise.all(/* import() */[__nccwpck_require__.e(942), __nccwpck_require__.e(580)]).then(__nccwpck_require__.bind(__nccwpck_require__, 942)),
        Promise.all(/* import() */[__nccwpck_require__.e(942), __nccwpck_require__.e(443)]).then(__nccwpck_require__.bind(__nccwpck_require__, 646)),
    ]);
    const client = new HttpClient(undefined, undefined, { keepAlive: false });
    return { agent: verifyingAgent(client, baseUrl), proxy: shownProxy(proxy), close: () => client.dispose() };
}
function flattenHeaders(headers) {
    const flat = {};
    for (const [name, value] of Object.entries(headers))
        flat[name] = Array.isArray(value) ? value.join(', ') : value;
    return flat;
}
function idleError(timeoutMs, what) {
    return new NetworkError(IDLE_TIMEOUT_CODE, `${what} within ${timeoutMs} ms`);
}
function answerOf(response, timeoutMs) {
    // A body that breaks off before read() is called must not crash the process: read() meets the error.
    response.on('error', () => { });
    return {
        status: response.statusCode ?? 0,
        headers: flattenHeaders(response.headers),
        async read(onChunk) {
            const chunks = response[Symbol.asyncIterator]();
            const spent = memoryKeeper();
            for (;;) {
                // The timer runs only while waiting for the network, not while onChunk writes.
                const timer = setTimeout(() => response.destroy(idleError(timeoutMs, 'no more of the answer')), timeoutMs);
                let next;
                try {
                    next = await chunks.next();
                }
                catch (error) {
                    throw asNetworkError(error);
                }
                finally {
                    clearTimeout(timer);
                }
                if (next.done)
                    return;
                await onChunk(next.value);
                spent(next.value.length);
            }
        },
        discard: () => response.destroy(),
    };
}
/** Sends the request; resolves once the answer begins (its status and headers). */
function send(request, connection) {
    return new Promise((resolve, reject) => {
        const { url, body, timeoutMs } = request;
        const headers = body === undefined ? request.headers : { ...request.headers, 'content-length': `${body.length}` };
        const transport = url.protocol === 'https:' ? external_node_https_ : external_node_http_;
        let outgoing;
        try {
            outgoing = transport.request(url, {
                method: request.method,
                headers,
                agent: connection.agent,
                rejectUnauthorized: true,
            });
        }
        catch (error) {
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

;// CONCATENATED MODULE: external "node:events"
const external_node_events_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");
;// CONCATENATED MODULE: ./src/fusion-api/output.ts
// Where an answer's body goes, written as it arrives: standard output, or
// -o FILE. A file is written under a temporary name beside it and renamed
// into place only when the whole answer is in, so that a call that fails
// leaves no half file behind (and an attempt that broke off can start over).
// FILE that is no regular file (/dev/null, a FIFO) is written to directly; a
// symbolic link is followed, so the file it names is the one replaced.



/** Writing the answer out failed (standard output closed, a full disk): not the API's fault, never retried. */
class OutputError extends Error {
    name = 'OutputError';
}
/** Standard output: written with backpressure; once a byte is out, an attempt cannot start over. */
function streamSink(stream, name = 'standard output') {
    let failure;
    let written = 0;
    stream.on('error', (error) => (failure ??= error));
    const failed = (error) => new OutputError(`could not write to ${name}: ${error.message}`);
    return {
        async write(chunk) {
            if (failure)
                throw failed(failure);
            written += chunk.length;
            if (stream.write(chunk))
                return;
            try {
                await (0,external_node_events_namespaceObject.once)(stream, 'drain');
            }
            catch (error) {
                throw failed(error);
            }
        },
        restart: () => Promise.resolve(written === 0),
        finish: () => (failure ? Promise.reject(failed(failure)) : Promise.resolve()),
        abandon: () => Promise.resolve(),
    };
}
/** -o FILE: a temporary file beside FILE, renamed into place when the answer is complete. */
async function fileSink(file, unique) {
    const failed = (error) => new OutputError(`could not write ${file}: ${error.message}`);
    // Where a link leads, where it leads somewhere; else FILE itself, which may not exist yet.
    const target = await (0,promises_namespaceObject.realpath)(file).catch(() => file);
    const existing = await (0,promises_namespaceObject.stat)(target).catch(() => undefined);
    if (existing !== undefined && !existing.isFile())
        return deviceSink(target, failed);
    const partial = external_node_path_default().join(external_node_path_default().dirname(target), `.${external_node_path_default().basename(target)}.${unique}.partial`);
    let handle;
    try {
        handle = await (0,promises_namespaceObject.open)(partial, 'wx');
    }
    catch (error) {
        throw failed(error);
    }
    let position = 0;
    let closed = false;
    const close = async () => {
        if (closed)
            return;
        closed = true;
        await handle.close();
    };
    return {
        async write(chunk) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            try {
                for (let offset = 0; offset < bytes.length;) {
                    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position);
                    offset += bytesWritten;
                    position += bytesWritten;
                }
            }
            catch (error) {
                throw failed(error);
            }
        },
        async restart() {
            await handle.truncate(0);
            position = 0;
            return true;
        },
        async finish() {
            try {
                await close();
                await (0,promises_namespaceObject.rename)(partial, target);
            }
            catch (error) {
                throw failed(error);
            }
        },
        async abandon() {
            await close().catch(() => { });
            await (0,promises_namespaceObject.unlink)(partial).catch(() => { });
        },
    };
}
/** FILE that is a device or a FIFO: written as it comes, like standard output; what went out stays out. */
async function deviceSink(target, failed) {
    let handle;
    try {
        handle = await (0,promises_namespaceObject.open)(target, 'w');
    }
    catch (error) {
        throw failed(error);
    }
    let written = 0;
    return {
        async write(chunk) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            try {
                for (let offset = 0; offset < bytes.length;) {
                    offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
                }
            }
            catch (error) {
                throw failed(error);
            }
            written += bytes.length;
        },
        restart: () => Promise.resolve(written === 0),
        async finish() {
            await handle.close().catch((error) => {
                throw failed(error);
            });
        },
        abandon: () => handle.close().catch(() => { }),
    };
}
/** One page of --paginate, held to be read as JSON: at most `limit` bytes. */
function bufferSink(limit) {
    let chunks = [];
    let size = 0;
    return {
        write(chunk) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            size += bytes.length;
            if (size > limit) {
                return Promise.reject(new OutputError(`a page of more than ${limit / 1024 / 1024} MiB came back; --paginate holds one page at a time`));
            }
            chunks.push(bytes);
            return Promise.resolve();
        },
        restart() {
            chunks = [];
            size = 0;
            return Promise.resolve(true);
        },
        finish: () => Promise.resolve(),
        abandon: () => Promise.resolve(),
        text: () => Buffer.concat(chunks).toString('utf8'),
    };
}

;// CONCATENATED MODULE: ./src/fusion-api/retry.ts
// Which failed attempts of a Fusion API call are worth another, and how long
// to wait first. Pure: the clock and randomness are passed in. The waits are
// the token step's (src/retry.ts): full-jitter backoff, Retry-After as a floor,
// capped at 60 s.



/** Methods that do the same when sent twice: a lost answer may be asked again. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Gateway statuses that say "not now"; the request may still have been carried out. */
const UNAVAILABLE = new Set([502, 503, 504]);
/** Network problems that may pass, as the token step has them, and an answer that stalls. */
const TRANSIENT_CODES = new Set([IDLE_TIMEOUT_CODE, ...Object.keys(failures/* TRANSIENT_NETWORK_CODES */.pE)]);
function isIdempotent(method) {
    return IDEMPOTENT.has(method);
}
/**
 * The wait before retry number `retry` (from 1), or undefined when the
 * outcome is not worth another attempt. 429 is retried for every method (the
 * gateway refused it unseen); 502-504, resets and timeouts only for methods
 * that may be repeated, since a POST or PATCH may have been carried out. A
 * proxy's refusal of the tunnel is retried for every method, since the
 * request never left, when the token step retries it too (408, 429, 500,
 * 502-504); its other refusals (credentials, a host it may not reach) are not.
 */
function retryWaitMs(method, outcome, retry, nowMs, random) {
    if (outcome.kind === 'proxy')
        return (0,failures/* isPassingProxyRefusal */.wP)(outcome.status) ? (0,src_retry/* backoffMs */.jo)(retry, random) : undefined;
    if (outcome.kind === 'status') {
        const worth = outcome.status === 429 || (UNAVAILABLE.has(outcome.status) && isIdempotent(method));
        return worth ? (0,src_retry/* retryDelayMs */.qO)(retry, (0,src_retry/* retryAfterMs */.Vs)(outcome.retryAfter, nowMs), random) : undefined;
    }
    const transient = outcome.code !== undefined && TRANSIENT_CODES.has(outcome.code);
    return transient && isIdempotent(method) ? (0,src_retry/* backoffMs */.jo)(retry, random) : undefined;
}

;// CONCATENATED MODULE: ./src/fusion-api/call.ts
// One Fusion API call with its retries: each attempt sends the request and,
// on a 2xx, streams the body into the sink; a failure is retried as the
// policy says (announced in one line each), else worded for standard error.





/** How much of an error answer's body is read for its failure line. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** The request as lines name it, with the token it carries, which no line may show a piece of. */
function labelOf(request) {
    const token = /^Bearer (.+)$/.exec(request.headers['authorization'] ?? '')?.[1];
    return {
        method: request.method,
        target: `${request.url.pathname}${request.url.search}`,
        host: request.url.host,
        secrets: token === undefined ? [] : [token],
    };
}
async function readErrorBody(answer) {
    const chunks = [];
    let size = 0;
    try {
        await answer.read((chunk) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= ERROR_BODY_LIMIT)
                throw new RangeError('enough of the error body');
        });
    }
    catch {
        // What came is enough to word the failure; the rest is dropped.
        answer.discard();
    }
    return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
}
async function attempt(request, sink, context) {
    const label = labelOf(request);
    const { secrets, connection } = context;
    const networkFailure = (error, cutOff) => {
        const problem = { code: error.code, detail: error.message };
        const refusal = proxyRefusalOf(problem, connection.proxy);
        const summary = networkSummary(problem, request.timeoutMs, connection.proxy);
        return {
            outcome: refusal === undefined ? { kind: 'network', code: error.code } : { kind: 'proxy', status: refusal },
            summary: cutOff ? `the answer broke off after ${cutOff.bytes} bytes: ${summary}` : summary,
            lines: (attempts) => [
                networkFailureLine({
                    request: label,
                    problem,
                    proxy: connection.proxy,
                    timeoutMs: request.timeoutMs,
                    attempts,
                    cutOff,
                    secrets,
                }),
            ],
        };
    };
    let answer;
    try {
        answer = await send(request, connection);
    }
    catch (error) {
        return networkFailure(error);
    }
    const { status, headers } = answer;
    if (status >= 200 && status < 300) {
        let bytes = 0;
        try {
            await answer.read((chunk) => {
                bytes += chunk.length;
                return sink.write(chunk);
            });
            return { status };
        }
        catch (error) {
            answer.discard();
            if (error instanceof OutputError) {
                const line = outputFailureLine(label, error.message);
                return { outcome: undefined, summary: error.message, lines: () => [line] };
            }
            const failure = networkFailure(error, { status, bytes });
            // An answer that broke off is retried only if what was written of it can be taken back.
            return (await sink.restart()) ? failure : { ...failure, outcome: undefined };
        }
    }
    if (status >= 300 && status < 400) {
        answer.discard();
        const line = redirectFailureLine(label, status, headers['location'], request.url, secrets);
        return { outcome: undefined, summary: `HTTP ${status}`, lines: () => [line] };
    }
    const body = await readErrorBody(answer);
    const retryAfter = headers['retry-after'];
    return {
        outcome: { kind: 'status', status, retryAfter },
        summary: `HTTP ${status}${retryAfter === undefined ? '' : ` (Retry-After: ${(0,src_text/* quote */.hD)(redactAnswer(retryAfter, secrets), 40)})`}`,
        lines: (attempts) => httpFailureLines({ request: label, status, headers, body, attempts, secrets }),
    };
}
async function call(request, sink, context) {
    const attempts = context.retries + 1;
    for (let number = 1;; number++) {
        const result = await attempt(request, sink, context);
        if ('status' in result)
            return { ok: true, status: result.status };
        const waitMs = number < attempts && result.outcome !== undefined
            ? retryWaitMs(request.method, result.outcome, number, context.now(), context.random)
            : undefined;
        if (waitMs === undefined)
            return { ok: false, lines: result.lines(number) };
        context.log(retryLine(labelOf(request), result.summary, number, attempts, waitMs));
        await context.sleep(waitMs);
    }
}

;// CONCATENATED MODULE: ./src/fusion-api/paginate.ts
// --paginate: GET a list page by page, following `_page.next` as `start`
// (not `_links.next`, which lacks the /api prefix), and write one JSON array
// of every page's items as the pages come: one page in memory at a time.




/** The most one page may take: far above 200 items of any list, well below the command's memory bound. */
const PAGE_LIMIT_BYTES = 64 * 1024 * 1024;
/** A list page: its items, and the cursor of the next page (undefined on the last: absent, null or ''). */
function readPage(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        return { problem: 'is not JSON' };
    }
    if (typeof value !== 'object' || value === null)
        return { problem: 'is not a JSON object' };
    const { items, _page: page } = value;
    if (!Array.isArray(items))
        return { problem: 'has no items array' };
    const next = typeof page === 'object' && page !== null ? page.next : undefined;
    if (next === undefined || next === null || next === '')
        return { items, next: undefined };
    if (typeof next === 'string')
        return { items, next };
    if (typeof next === 'number' && Number.isFinite(next))
        return { items, next: String(next) };
    return { problem: 'has a _page.next that is neither a string nor a number' };
}
/**
 * Fetches every page of the list `requestFor` asks for (given the query with
 * the cursor set) and writes their items to the sink as one JSON array,
 * one item a line. A cursor that comes back is an error, not an endless loop.
 * The sink's OutputError passes through.
 */
async function paginate(query, requestFor, sink, context) {
    const seen = new Map();
    let request = requestFor(query);
    let written = 0;
    for (let number = 1;; number++) {
        const page = bufferSink(PAGE_LIMIT_BYTES);
        const result = await call(request, page, context);
        if (!result.ok)
            return result;
        const read = readPage(page.text());
        if ('problem' in read)
            return { ok: false, lines: [notAListLine(labelOf(request), number, read.problem)] };
        // Opened once the first page is read: a list that fails at once leaves nothing on standard output.
        if (number === 1)
            await sink.write('[');
        for (const item of read.items) {
            await sink.write(`${written === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`);
            written++;
        }
        if (read.next === undefined) {
            await sink.write(written === 0 ? ']\n' : '\n]\n');
            return { ok: true, status: result.status };
        }
        const earlier = seen.get(read.next);
        if (earlier !== undefined) {
            return { ok: false, lines: [repeatedCursorLine(labelOf(request), read.next, number, earlier)] };
        }
        seen.set(read.next, number);
        request = requestFor(withStart(query, read.next));
    }
}

;// CONCATENATED MODULE: ./src/fusion-api/settings.ts
// What one call is made with: the session the token step left (token, client
// ID, settings), overridden by the command's flags; or why no call can be made
// (exit 2, nothing sent). Pure: the clock is passed in.




const RERUN = 'run fusion-token-action with fusion-api: true in an earlier step of this job';
const NOTHING_SENT = 'Nothing was sent.';
function noSessionLine(why) {
    return `${PREFIX} no Fusion API session (${why}): ${RERUN}. ${NOTHING_SENT}`;
}
function badSessionLine(file, problem) {
    return `${PREFIX} the session file ${file} ${problem}: ${RERUN}. ${NOTHING_SENT}`;
}
function sessionProblem(session) {
    if (session.orgId !== '' && !isOrgId(session.orgId))
        return 'has an orgId that is not digits';
    if (session.region !== '' && !isRegion(session.region))
        return 'has a region that is not a Fusion region';
    if (session.retries > src_retry/* MAX_RETRIES */.kd)
        return `has retries above ${src_retry/* MAX_RETRIES */.kd}`;
    if (session.timeoutMs < 1)
        return 'has a timeoutMs below 1';
    let url;
    try {
        url = new URL(session.baseUrl);
    }
    catch {
        return 'has a baseUrl that is not a URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
        return 'has a baseUrl that is not http(s)';
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
        return 'has a baseUrl with a query, fragment or credentials';
    }
    return undefined;
}
/** The settings of a call, or the one line that says why it cannot be made. */
function resolveSettings(plan, session, sessionFile, nowMs) {
    const problem = sessionProblem(session);
    if (problem)
        return { problem: badSessionLine(sessionFile, problem) };
    const expiresMs = Date.parse(session.expiresAt);
    if (expiresMs <= nowMs) {
        return {
            problem: `${PREFIX} the token expired at ${new Date(expiresMs).toISOString()} ` +
                `(${(0,src_text/* formatDuration */.a3)((nowMs - expiresMs) / 1000)} ago): ${RERUN} for a new one; a larger ` +
                `min-remaining-minutes gives a reused token more margin. ${NOTHING_SENT}`,
        };
    }
    const orgId = plan.orgId ?? session.orgId;
    if (orgId === '') {
        return {
            problem: `${PREFIX} no Fusion organization ID (x-organization-id): set the fusion-org-id input of the token ` +
                `step, or pass --org-id ID. ${NOTHING_SENT}`,
        };
    }
    const region = plan.region ?? session.region;
    if (region === '') {
        return {
            problem: `${PREFIX} no Fusion region (x-gw-region): set the fusion-region input of the token step, or pass ` +
                `--region REGION (e.g. or2). ${NOTHING_SENT}`,
        };
    }
    return {
        accessToken: session.accessToken,
        clientId: session.clientId,
        orgId,
        region,
        baseUrl: session.baseUrl.replace(/\/+$/, ''),
        retries: plan.retries ?? session.retries,
        timeoutMs: session.timeoutMs,
    };
}

;// CONCATENATED MODULE: ./src/fusion-api/main.ts
// The fusion-api command: reads the command line and the session the token
// step left, then makes the call (or the pages of --paginate) and writes the
// answer's body out as it arrives. Exit 0 on a 2xx answer, 1 on a failure, 2
// on a usage error or a session that cannot be used, with nothing sent.
// The world (environment, standard streams, clock, sleep, randomness) is
// passed in; files and the network are its own.













const USER_AGENT = `fusion-token-action/${ACTION_VERSION} (fusion-api)`;
// JSON first; */* so that an export that answers NDJSON or CSV is not refused.
const ACCEPT = 'application/json, */*;q=0.8';
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const TLS_OVERRIDE_IGNORED = `${PREFIX} NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: certificates are always verified, since the requests ` +
    'carry the token. For a private CA, set NODE_EXTRA_CA_CERTS to its root certificate (PEM).';
class Refusal extends Error {
    exitCode;
    constructor(exitCode, line) {
        super(line);
        this.exitCode = exitCode;
    }
}
async function readSession(io, plan) {
    const file = io.env[SESSION_ENV];
    if (!file)
        throw new Refusal(EXIT_USAGE, noSessionLine(`${SESSION_ENV} is not set`));
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(file, 'utf8');
    }
    catch (error) {
        const { code } = error;
        const why = code === 'ENOENT'
            ? `the session file ${file} does not exist`
            : `the session file ${file} cannot be read (${code})`;
        throw new Refusal(EXIT_USAGE, noSessionLine(why));
    }
    const session = parseSession(text);
    if ('problem' in session)
        throw new Refusal(EXIT_USAGE, badSessionLine(file, session.problem));
    const settings = resolveSettings(plan, session, file, io.now());
    if ('problem' in settings)
        throw new Refusal(EXIT_USAGE, settings.problem);
    return settings;
}
async function readAll(stream) {
    const chunks = [];
    for await (const chunk of stream)
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
}
/** The body to send, read and checked to be JSON; a body that is not is a usage error. */
async function readBody(source, io) {
    if (source === undefined)
        return undefined;
    if (source.from === 'text')
        return Buffer.from(source.text);
    let body;
    const name = source.from === 'stdin' ? 'standard input' : source.path;
    try {
        body = source.from === 'stdin' ? await readAll(io.stdin()) : await (0,promises_namespaceObject.readFile)(external_node_path_default().resolve(io.cwd, source.path));
    }
    catch (error) {
        throw new Refusal(EXIT_USAGE, `${PREFIX} --input: cannot read ${name}: ${error.message}. Nothing was sent.`);
    }
    const problem = jsonProblem(body.toString('utf8'));
    if (problem)
        throw new Refusal(EXIT_USAGE, usageLine(`--input ${name} is not JSON: ${problem}`));
    return body;
}
function usageLine(problem) {
    return `${PREFIX} ${problem} (fusion-api --help shows the usage). Nothing was sent.`;
}
function headersFor(settings, body) {
    return {
        authorization: `Bearer ${settings.accessToken}`,
        'x-api-key': settings.clientId,
        'x-organization-id': settings.orgId,
        'x-gw-region': settings.region,
        accept: ACCEPT,
        'user-agent': USER_AGENT,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
}
async function perform(plan, settings, body, io) {
    const headers = headersFor(settings, body);
    const requestFor = (query) => {
        const search = queryString(query);
        return {
            url: new URL(`${settings.baseUrl}${plan.path}${search === '' ? '' : `?${search}`}`),
            method: plan.method,
            headers,
            body,
            timeoutMs: settings.timeoutMs,
        };
    };
    const request = requestFor(plan.query);
    const connection = await openConnection(request.url, io.env);
    const context = {
        connection,
        retries: settings.retries,
        secrets: [settings.accessToken],
        now: io.now,
        sleep: io.sleep,
        random: io.random,
        log: (line) => io.stderr.write(`${line}\n`),
    };
    let sink;
    let result;
    try {
        sink = plan.output
            ? await fileSink(external_node_path_default().resolve(io.cwd, plan.output), `${process.pid}-${(0,external_node_crypto_namespaceObject.randomBytes)(4).toString('hex')}`)
            : streamSink(io.stdout);
        result = plan.paginate ? await paginate(plan.query, requestFor, sink, context) : await call(request, sink, context);
        if (result.ok)
            await sink.finish();
    }
    catch (error) {
        if (!(error instanceof OutputError)) {
            await sink?.abandon();
            throw error;
        }
        result = { ok: false, lines: [outputFailureLine(labelOf(request), error.message)] };
    }
    finally {
        connection.close();
    }
    if (result.ok)
        return EXIT_OK;
    await sink?.abandon();
    for (const line of result.lines)
        io.stderr.write(`${line}\n`);
    return EXIT_FAILURE;
}
async function command(argv, io) {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
        io.stdout.write(`${USAGE}\n`);
        return EXIT_OK;
    }
    if (parsed.kind === 'usage') {
        io.stderr.write(`${usageLine(parsed.problem)}\n`);
        return EXIT_USAGE;
    }
    const { plan } = parsed;
    try {
        const settings = await readSession(io, plan);
        const body = await readBody(plan.body, io);
        if (io.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0')
            io.stderr.write(`${TLS_OVERRIDE_IGNORED}\n`);
        return await perform(plan, settings, body, io);
    }
    catch (error) {
        if (!(error instanceof Refusal))
            throw error;
        io.stderr.write(`${error.message}\n`);
        return error.exitCode;
    }
}
/** Runs the command; never rejects. */
async function run(argv, io) {
    try {
        return await command(argv, io);
    }
    catch (error) {
        // A bug: its message, without a stack trace, and without anything shaped like a token.
        const detail = (0,failures/* redact */.E$)(error instanceof Error ? error.message : String(error), []);
        io.stderr.write(`${PREFIX} failed unexpectedly: ${detail}. Please report this.\n`);
        return EXIT_FAILURE;
    }
}

;// CONCATENATED MODULE: ./src/fusion-api-entry.ts
// The fusion-api command's entry point: the launchers the token step writes
// run the bundle built from this file (dist/fusion-api.js) with the step's Node.

const env = { ...process.env };
// Left set to 0, Node would warn that certificate checks are off; the command verifies them all the same (and says so).
delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
// tunnel, the proxy agent of @actions/http-client, calls the deprecated Buffer() for proxy credentials.
process.noDeprecation = true;
void run(process.argv.slice(2), {
    env,
    cwd: process.cwd(),
    stdin: () => process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
}).then((code) => {
    process.exitCode = code;
    // A request abandoned at its time limit may still hold the process (a proxy that never answers CONNECT).
    setTimeout(() => process.exit(), 1000).unref();
});

