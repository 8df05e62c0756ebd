export const id = 443;
export const ids = [443,580];
export const modules = {

/***/ 646:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   TransportError: () => (/* binding */ TransportError),
/* harmony export */   createPost: () => (/* binding */ createPost),
/* harmony export */   createRequest: () => (/* binding */ createRequest),
/* harmony export */   proxyFor: () => (/* binding */ proxyFor),
/* harmony export */   verifyingAgent: () => (/* binding */ verifyingAgent)
/* harmony export */ });
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(67);
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_http__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(708);
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_https__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _actions_http_client__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(942);
/* harmony import */ var _failures_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(320);
// The one place that touches the network: a single HTTP request, read in
// full, with a limit on its total time and on the size of the answer. Proxies
// (HTTPS_PROXY, NO_PROXY) are chosen by @actions/http-client's agent.
// Redirects are never followed: a 3xx is returned like any other answer.
// Certificates are always verified, whatever NODE_TLS_REJECT_UNAUTHORIZED says.




/** A request that got no complete answer. */
class TransportError extends Error {
    code;
    proxy;
    name = 'TransportError';
    constructor(code, message, 
    /** The proxy used, without credentials. */
    proxy) {
        super(message);
        this.code = code;
        this.proxy = proxy;
    }
}
/** The proxy @actions/http-client would use for this URL, without credentials. */
function proxyFor(url) {
    const proxy = (0,_actions_http_client__WEBPACK_IMPORTED_MODULE_2__.getProxyUrl)(url.href);
    if (proxy === '')
        return undefined;
    const { protocol, host } = new URL(proxy);
    return `${protocol}//${host}`;
}
function flattenHeaders(headers) {
    const flat = {};
    for (const [name, value] of Object.entries(headers)) {
        flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return flat;
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
function verifyingAgent(client, url, proxy = proxyFor(url)) {
    const agent = client.getAgent(url.href);
    const tls = agent;
    tls.options.rejectUnauthorized = true;
    if (tls.proxyOptions) {
        tls.proxyOptions.rejectUnauthorized = true;
        // No TLS to an http:// proxy, hence no server name: Node would otherwise work one out from the
        // CONNECT's Host header, whose first test of a host name as an IPv6 address costs some 5 ms.
        if (!proxy?.startsWith('https:'))
            tls.proxyOptions.servername = '';
    }
    return agent;
}
function createPost() {
    const send = createRequest();
    return async (request) => {
        const answer = await send({ ...request, method: 'POST' });
        return { ...answer, body: answer.body.toString('utf8') };
    };
}
function createRequest() {
    // Only its agent is used: the one @actions/http-client picks for the URL and
    // the proxy settings. The request itself is made here, to bound its time. A
    // client per request, since a client keeps the first agent it made, whose
    // protocol may not be the next URL's (an https cache service, an http blob).
    return (request) => send(new _actions_http_client__WEBPACK_IMPORTED_MODULE_2__.HttpClient(undefined, undefined, { keepAlive: false }), request);
}
function send(client, request) {
    const { url, timeoutMs, maxAnswerBytes, body = '' } = request;
    const proxy = proxyFor(url);
    return new Promise((resolve, reject) => {
        let settled = false;
        const settle = (error, answer) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            if (error) {
                req.destroy();
                reject(error);
            }
            else {
                resolve(answer);
            }
        };
        const failWith = (code, message) => settle(new TransportError(code, message, proxy));
        const transport = url.protocol === 'https:' ? node_https__WEBPACK_IMPORTED_MODULE_1__ : node_http__WEBPACK_IMPORTED_MODULE_0__;
        const req = transport.request(url, {
            method: request.method,
            agent: verifyingAgent(client, url, proxy),
            rejectUnauthorized: true,
            headers: {
                ...request.headers,
                ...(request.method === 'GET' ? {} : { 'Content-Length': Buffer.byteLength(body) }),
            },
        }, (res) => {
            const declared = Number(res.headers['content-length']);
            if (declared > maxAnswerBytes) {
                failWith(_failures_js__WEBPACK_IMPORTED_MODULE_3__/* .TOO_LARGE_CODE */ .z4, `an answer of ${declared} bytes, more than the ${maxAnswerBytes} allowed`);
                return;
            }
            const chunks = [];
            let received = 0;
            res.on('data', (chunk) => {
                received += chunk.length;
                if (received > maxAnswerBytes) {
                    failWith(_failures_js__WEBPACK_IMPORTED_MODULE_3__/* .TOO_LARGE_CODE */ .z4, `an answer of more than the ${maxAnswerBytes} bytes allowed`);
                    return;
                }
                chunks.push(chunk);
            });
            res.on('end', () => settle(undefined, {
                status: res.statusCode ?? 0,
                headers: flattenHeaders(res.headers),
                body: Buffer.concat(chunks),
            }));
            res.on('error', (error) => failWith(error.code, error.message));
        });
        const timer = setTimeout(() => failWith(_failures_js__WEBPACK_IMPORTED_MODULE_3__/* .TIMEOUT_CODE */ .of, `no complete answer within ${timeoutMs} ms`), timeoutMs);
        req.on('error', (error) => failWith(error.code, error.message));
        req.end(request.method === 'GET' ? undefined : body);
    });
}


/***/ }),

/***/ 580:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   k: () => (/* binding */ ProxyAgent)
/* harmony export */ });
// What the bundles get for 'undici', in place of undici itself: the "paths" of
// tsconfig.bundle.json, which scripts/bundle.ts has ncc resolve through
// (TS_NODE_PROJECT); tsc, tsx, jest and local-action read tsconfig.json, and
// get undici. @actions/http-client imports undici's ProxyAgent at its top for
// one method, getAgentDispatcher (a dispatcher for fetch), which nothing in
// this action calls; @actions/core imports http-client. Bundled, undici would
// be 0.9 MB of each of dist/index.js and dist/post.js, and parsing and
// evaluating it would cost every step about 30 ms. __tests__/bundle.test.ts
// checks that no bundled code calls that method.
class ProxyAgent {
    constructor() {
        throw new Error("fusion-token-action's bundle leaves undici out: @actions/http-client's getAgentDispatcher " +
            'is not available in it (see src/undici-left-out.ts).');
    }
}


/***/ })

};
