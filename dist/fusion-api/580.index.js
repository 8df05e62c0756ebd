export const id = 580;
export const ids = [580];
export const modules = {

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
