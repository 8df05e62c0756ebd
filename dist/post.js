import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 770:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

module.exports = __nccwpck_require__(218);


/***/ }),

/***/ 218:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var net = __nccwpck_require__(278);
var tls = __nccwpck_require__(756);
var http = __nccwpck_require__(611);
var https = __nccwpck_require__(692);
var events = __nccwpck_require__(434);
var assert = __nccwpck_require__(613);
var util = __nccwpck_require__(23);


exports.httpOverHttp = httpOverHttp;
exports.httpsOverHttp = httpsOverHttp;
exports.httpOverHttps = httpOverHttps;
exports.httpsOverHttps = httpsOverHttps;


function httpOverHttp(options) {
  var agent = new TunnelingAgent(options);
  agent.request = http.request;
  return agent;
}

function httpsOverHttp(options) {
  var agent = new TunnelingAgent(options);
  agent.request = http.request;
  agent.createSocket = createSecureSocket;
  agent.defaultPort = 443;
  return agent;
}

function httpOverHttps(options) {
  var agent = new TunnelingAgent(options);
  agent.request = https.request;
  return agent;
}

function httpsOverHttps(options) {
  var agent = new TunnelingAgent(options);
  agent.request = https.request;
  agent.createSocket = createSecureSocket;
  agent.defaultPort = 443;
  return agent;
}


function TunnelingAgent(options) {
  var self = this;
  self.options = options || {};
  self.proxyOptions = self.options.proxy || {};
  self.maxSockets = self.options.maxSockets || http.Agent.defaultMaxSockets;
  self.requests = [];
  self.sockets = [];

  self.on('free', function onFree(socket, host, port, localAddress) {
    var options = toOptions(host, port, localAddress);
    for (var i = 0, len = self.requests.length; i < len; ++i) {
      var pending = self.requests[i];
      if (pending.host === options.host && pending.port === options.port) {
        // Detect the request to connect same origin server,
        // reuse the connection.
        self.requests.splice(i, 1);
        pending.request.onSocket(socket);
        return;
      }
    }
    socket.destroy();
    self.removeSocket(socket);
  });
}
util.inherits(TunnelingAgent, events.EventEmitter);

TunnelingAgent.prototype.addRequest = function addRequest(req, host, port, localAddress) {
  var self = this;
  var options = mergeOptions({request: req}, self.options, toOptions(host, port, localAddress));

  if (self.sockets.length >= this.maxSockets) {
    // We are over limit so we'll add it to the queue.
    self.requests.push(options);
    return;
  }

  // If we are under maxSockets create a new one.
  self.createSocket(options, function(socket) {
    socket.on('free', onFree);
    socket.on('close', onCloseOrRemove);
    socket.on('agentRemove', onCloseOrRemove);
    req.onSocket(socket);

    function onFree() {
      self.emit('free', socket, options);
    }

    function onCloseOrRemove(err) {
      self.removeSocket(socket);
      socket.removeListener('free', onFree);
      socket.removeListener('close', onCloseOrRemove);
      socket.removeListener('agentRemove', onCloseOrRemove);
    }
  });
};

TunnelingAgent.prototype.createSocket = function createSocket(options, cb) {
  var self = this;
  var placeholder = {};
  self.sockets.push(placeholder);

  var connectOptions = mergeOptions({}, self.proxyOptions, {
    method: 'CONNECT',
    path: options.host + ':' + options.port,
    agent: false,
    headers: {
      host: options.host + ':' + options.port
    }
  });
  if (options.localAddress) {
    connectOptions.localAddress = options.localAddress;
  }
  if (connectOptions.proxyAuth) {
    connectOptions.headers = connectOptions.headers || {};
    connectOptions.headers['Proxy-Authorization'] = 'Basic ' +
        new Buffer(connectOptions.proxyAuth).toString('base64');
  }

  debug('making CONNECT request');
  var connectReq = self.request(connectOptions);
  connectReq.useChunkedEncodingByDefault = false; // for v0.6
  connectReq.once('response', onResponse); // for v0.6
  connectReq.once('upgrade', onUpgrade);   // for v0.6
  connectReq.once('connect', onConnect);   // for v0.7 or later
  connectReq.once('error', onError);
  connectReq.end();

  function onResponse(res) {
    // Very hacky. This is necessary to avoid http-parser leaks.
    res.upgrade = true;
  }

  function onUpgrade(res, socket, head) {
    // Hacky.
    process.nextTick(function() {
      onConnect(res, socket, head);
    });
  }

  function onConnect(res, socket, head) {
    connectReq.removeAllListeners();
    socket.removeAllListeners();

    if (res.statusCode !== 200) {
      debug('tunneling socket could not be established, statusCode=%d',
        res.statusCode);
      socket.destroy();
      var error = new Error('tunneling socket could not be established, ' +
        'statusCode=' + res.statusCode);
      error.code = 'ECONNRESET';
      options.request.emit('error', error);
      self.removeSocket(placeholder);
      return;
    }
    if (head.length > 0) {
      debug('got illegal response body from proxy');
      socket.destroy();
      var error = new Error('got illegal response body from proxy');
      error.code = 'ECONNRESET';
      options.request.emit('error', error);
      self.removeSocket(placeholder);
      return;
    }
    debug('tunneling connection has established');
    self.sockets[self.sockets.indexOf(placeholder)] = socket;
    return cb(socket);
  }

  function onError(cause) {
    connectReq.removeAllListeners();

    debug('tunneling socket could not be established, cause=%s\n',
          cause.message, cause.stack);
    var error = new Error('tunneling socket could not be established, ' +
                          'cause=' + cause.message);
    error.code = 'ECONNRESET';
    options.request.emit('error', error);
    self.removeSocket(placeholder);
  }
};

TunnelingAgent.prototype.removeSocket = function removeSocket(socket) {
  var pos = this.sockets.indexOf(socket)
  if (pos === -1) {
    return;
  }
  this.sockets.splice(pos, 1);

  var pending = this.requests.shift();
  if (pending) {
    // If we have pending requests and a socket gets closed a new one
    // needs to be created to take over in the pool for the one that closed.
    this.createSocket(pending, function(socket) {
      pending.request.onSocket(socket);
    });
  }
};

function createSecureSocket(options, cb) {
  var self = this;
  TunnelingAgent.prototype.createSocket.call(self, options, function(socket) {
    var hostHeader = options.request.getHeader('host');
    var tlsOptions = mergeOptions({}, self.options, {
      socket: socket,
      servername: hostHeader ? hostHeader.replace(/:.*$/, '') : options.host
    });

    // 0 is dummy port for v0.6
    var secureSocket = tls.connect(0, tlsOptions);
    self.sockets[self.sockets.indexOf(socket)] = secureSocket;
    cb(secureSocket);
  });
}


function toOptions(host, port, localAddress) {
  if (typeof host === 'string') { // since v0.10
    return {
      host: host,
      port: port,
      localAddress: localAddress
    };
  }
  return host; // for v0.11 or later
}

function mergeOptions(target) {
  for (var i = 1, len = arguments.length; i < len; ++i) {
    var overrides = arguments[i];
    if (typeof overrides === 'object') {
      var keys = Object.keys(overrides);
      for (var j = 0, keyLen = keys.length; j < keyLen; ++j) {
        var k = keys[j];
        if (overrides[k] !== undefined) {
          target[k] = overrides[k];
        }
      }
    }
  }
  return target;
}


var debug;
if (process.env.NODE_DEBUG && /\btunnel\b/.test(process.env.NODE_DEBUG)) {
  debug = function() {
    var args = Array.prototype.slice.call(arguments);
    if (typeof args[0] === 'string') {
      args[0] = 'TUNNEL: ' + args[0];
    } else {
      args.unshift('TUNNEL:');
    }
    console.error.apply(console, args);
  }
} else {
  debug = function() {};
}
__webpack_unused_export__ = debug; // for test


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
/************************************************************************/
var __webpack_exports__ = {};

// NAMESPACE OBJECT: ./node_modules/@actions/core/lib/platform.js
var platform_namespaceObject = {};
__nccwpck_require__.r(platform_namespaceObject);
__nccwpck_require__.d(platform_namespaceObject, {
  arch: () => (arch),
  getDetails: () => (getDetails),
  isLinux: () => (isLinux),
  isMacOS: () => (isMacOS),
  isWindows: () => (isWindows),
  platform: () => (platform)
});

// NAMESPACE OBJECT: ./node_modules/@actions/core/lib/core.js
var core_namespaceObject = {};
__nccwpck_require__.r(core_namespaceObject);
__nccwpck_require__.d(core_namespaceObject, {
  ExitCode: () => (ExitCode),
  addPath: () => (addPath),
  debug: () => (debug),
  endGroup: () => (endGroup),
  error: () => (error),
  exportVariable: () => (exportVariable),
  getBooleanInput: () => (getBooleanInput),
  getIDToken: () => (getIDToken),
  getInput: () => (getInput),
  getMultilineInput: () => (getMultilineInput),
  getState: () => (getState),
  group: () => (group),
  info: () => (info),
  isDebug: () => (isDebug),
  markdownSummary: () => (markdownSummary),
  notice: () => (notice),
  platform: () => (platform_namespaceObject),
  saveState: () => (saveState),
  setCommandEcho: () => (setCommandEcho),
  setFailed: () => (setFailed),
  setOutput: () => (setOutput),
  setSecret: () => (setSecret),
  startGroup: () => (startGroup),
  summary: () => (summary),
  toPlatformPath: () => (toPlatformPath),
  toPosixPath: () => (toPosixPath),
  toWin32Path: () => (toWin32Path),
  warning: () => (warning)
});

;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_namespaceObject.EOL);
}
function issue(name, message = '') {
    issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");
;// CONCATENATED MODULE: external "fs"
const external_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_namespaceObject.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_namespaceObject.appendFileSync(filePath, `${toCommandValue(message)}${external_os_namespaceObject.EOL}`, {
        encoding: 'utf8'
    });
}
function prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_namespaceObject.EOL}${convertedValue}${external_os_namespaceObject.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
;// CONCATENATED MODULE: external "path"
const external_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");
// EXTERNAL MODULE: external "http"
var external_http_ = __nccwpck_require__(611);
var external_http_namespaceObject = /*#__PURE__*/__nccwpck_require__.t(external_http_, 2);
// EXTERNAL MODULE: external "https"
var external_https_ = __nccwpck_require__(692);
var external_https_namespaceObject = /*#__PURE__*/__nccwpck_require__.t(external_https_, 2);
;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/proxy.js
function getProxyUrl(reqUrl) {
    const usingSsl = reqUrl.protocol === 'https:';
    if (checkBypass(reqUrl)) {
        return undefined;
    }
    const proxyVar = (() => {
        if (usingSsl) {
            return process.env['https_proxy'] || process.env['HTTPS_PROXY'];
        }
        else {
            return process.env['http_proxy'] || process.env['HTTP_PROXY'];
        }
    })();
    if (proxyVar) {
        try {
            return new DecodedURL(proxyVar);
        }
        catch (_a) {
            if (!proxyVar.startsWith('http://') && !proxyVar.startsWith('https://'))
                return new DecodedURL(`http://${proxyVar}`);
        }
    }
    else {
        return undefined;
    }
}
function checkBypass(reqUrl) {
    if (!reqUrl.hostname) {
        return false;
    }
    const reqHost = reqUrl.hostname;
    if (isLoopbackAddress(reqHost)) {
        return true;
    }
    const noProxy = process.env['no_proxy'] || process.env['NO_PROXY'] || '';
    if (!noProxy) {
        return false;
    }
    // Determine the request port
    let reqPort;
    if (reqUrl.port) {
        reqPort = Number(reqUrl.port);
    }
    else if (reqUrl.protocol === 'http:') {
        reqPort = 80;
    }
    else if (reqUrl.protocol === 'https:') {
        reqPort = 443;
    }
    // Format the request hostname and hostname with port
    const upperReqHosts = [reqUrl.hostname.toUpperCase()];
    if (typeof reqPort === 'number') {
        upperReqHosts.push(`${upperReqHosts[0]}:${reqPort}`);
    }
    // Compare request host against noproxy
    for (const upperNoProxyItem of noProxy
        .split(',')
        .map(x => x.trim().toUpperCase())
        .filter(x => x)) {
        if (upperNoProxyItem === '*' ||
            upperReqHosts.some(x => x === upperNoProxyItem ||
                x.endsWith(`.${upperNoProxyItem}`) ||
                (upperNoProxyItem.startsWith('.') &&
                    x.endsWith(`${upperNoProxyItem}`)))) {
            return true;
        }
    }
    return false;
}
function isLoopbackAddress(host) {
    const hostLower = host.toLowerCase();
    return (hostLower === 'localhost' ||
        hostLower.startsWith('127.') ||
        hostLower.startsWith('[::1]') ||
        hostLower.startsWith('[0:0:0:0:0:0:0:1]'));
}
class DecodedURL extends URL {
    constructor(url, base) {
        super(url, base);
        this._decodedUsername = decodeURIComponent(super.username);
        this._decodedPassword = decodeURIComponent(super.password);
    }
    get username() {
        return this._decodedUsername;
    }
    get password() {
        return this._decodedPassword;
    }
}
//# sourceMappingURL=proxy.js.map
// EXTERNAL MODULE: ./node_modules/tunnel/index.js
var tunnel = __nccwpck_require__(770);
;// CONCATENATED MODULE: ./src/undici-left-out.ts
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

;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/index.js
/* eslint-disable @typescript-eslint/no-explicit-any */
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};





var HttpCodes;
(function (HttpCodes) {
    HttpCodes[HttpCodes["OK"] = 200] = "OK";
    HttpCodes[HttpCodes["MultipleChoices"] = 300] = "MultipleChoices";
    HttpCodes[HttpCodes["MovedPermanently"] = 301] = "MovedPermanently";
    HttpCodes[HttpCodes["ResourceMoved"] = 302] = "ResourceMoved";
    HttpCodes[HttpCodes["SeeOther"] = 303] = "SeeOther";
    HttpCodes[HttpCodes["NotModified"] = 304] = "NotModified";
    HttpCodes[HttpCodes["UseProxy"] = 305] = "UseProxy";
    HttpCodes[HttpCodes["SwitchProxy"] = 306] = "SwitchProxy";
    HttpCodes[HttpCodes["TemporaryRedirect"] = 307] = "TemporaryRedirect";
    HttpCodes[HttpCodes["PermanentRedirect"] = 308] = "PermanentRedirect";
    HttpCodes[HttpCodes["BadRequest"] = 400] = "BadRequest";
    HttpCodes[HttpCodes["Unauthorized"] = 401] = "Unauthorized";
    HttpCodes[HttpCodes["PaymentRequired"] = 402] = "PaymentRequired";
    HttpCodes[HttpCodes["Forbidden"] = 403] = "Forbidden";
    HttpCodes[HttpCodes["NotFound"] = 404] = "NotFound";
    HttpCodes[HttpCodes["MethodNotAllowed"] = 405] = "MethodNotAllowed";
    HttpCodes[HttpCodes["NotAcceptable"] = 406] = "NotAcceptable";
    HttpCodes[HttpCodes["ProxyAuthenticationRequired"] = 407] = "ProxyAuthenticationRequired";
    HttpCodes[HttpCodes["RequestTimeout"] = 408] = "RequestTimeout";
    HttpCodes[HttpCodes["Conflict"] = 409] = "Conflict";
    HttpCodes[HttpCodes["Gone"] = 410] = "Gone";
    HttpCodes[HttpCodes["TooManyRequests"] = 429] = "TooManyRequests";
    HttpCodes[HttpCodes["InternalServerError"] = 500] = "InternalServerError";
    HttpCodes[HttpCodes["NotImplemented"] = 501] = "NotImplemented";
    HttpCodes[HttpCodes["BadGateway"] = 502] = "BadGateway";
    HttpCodes[HttpCodes["ServiceUnavailable"] = 503] = "ServiceUnavailable";
    HttpCodes[HttpCodes["GatewayTimeout"] = 504] = "GatewayTimeout";
})(HttpCodes || (HttpCodes = {}));
var Headers;
(function (Headers) {
    Headers["Accept"] = "accept";
    Headers["ContentType"] = "content-type";
})(Headers || (Headers = {}));
var MediaTypes;
(function (MediaTypes) {
    MediaTypes["ApplicationJson"] = "application/json";
})(MediaTypes || (MediaTypes = {}));
/**
 * Returns the proxy URL, depending upon the supplied url and proxy environment variables.
 * @param serverUrl  The server URL where the request will be sent. For example, https://api.github.com
 */
function lib_getProxyUrl(serverUrl) {
    const proxyUrl = getProxyUrl(new URL(serverUrl));
    return proxyUrl ? proxyUrl.href : '';
}
const HttpRedirectCodes = [
    HttpCodes.MovedPermanently,
    HttpCodes.ResourceMoved,
    HttpCodes.SeeOther,
    HttpCodes.TemporaryRedirect,
    HttpCodes.PermanentRedirect
];
const HttpResponseRetryCodes = [
    HttpCodes.BadGateway,
    HttpCodes.ServiceUnavailable,
    HttpCodes.GatewayTimeout
];
const RetryableHttpVerbs = ['OPTIONS', 'GET', 'DELETE', 'HEAD'];
const ExponentialBackoffCeiling = 10;
const ExponentialBackoffTimeSlice = 5;
class HttpClientError extends Error {
    constructor(message, statusCode) {
        super(message);
        this.name = 'HttpClientError';
        this.statusCode = statusCode;
        Object.setPrototypeOf(this, HttpClientError.prototype);
    }
}
class HttpClientResponse {
    constructor(message) {
        this.message = message;
    }
    readBody() {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve) => __awaiter(this, void 0, void 0, function* () {
                let output = Buffer.alloc(0);
                this.message.on('data', (chunk) => {
                    output = Buffer.concat([output, chunk]);
                });
                this.message.on('end', () => {
                    resolve(output.toString());
                });
            }));
        });
    }
    readBodyBuffer() {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve) => __awaiter(this, void 0, void 0, function* () {
                const chunks = [];
                this.message.on('data', (chunk) => {
                    chunks.push(chunk);
                });
                this.message.on('end', () => {
                    resolve(Buffer.concat(chunks));
                });
            }));
        });
    }
}
function isHttps(requestUrl) {
    const parsedUrl = new URL(requestUrl);
    return parsedUrl.protocol === 'https:';
}
class HttpClient {
    constructor(userAgent, handlers, requestOptions) {
        this._ignoreSslError = false;
        this._allowRedirects = true;
        this._allowRedirectDowngrade = false;
        this._maxRedirects = 50;
        this._allowRetries = false;
        this._maxRetries = 1;
        this._keepAlive = false;
        this._disposed = false;
        this.userAgent = this._getUserAgentWithOrchestrationId(userAgent);
        this.handlers = handlers || [];
        this.requestOptions = requestOptions;
        if (requestOptions) {
            if (requestOptions.ignoreSslError != null) {
                this._ignoreSslError = requestOptions.ignoreSslError;
            }
            this._socketTimeout = requestOptions.socketTimeout;
            if (requestOptions.allowRedirects != null) {
                this._allowRedirects = requestOptions.allowRedirects;
            }
            if (requestOptions.allowRedirectDowngrade != null) {
                this._allowRedirectDowngrade = requestOptions.allowRedirectDowngrade;
            }
            if (requestOptions.maxRedirects != null) {
                this._maxRedirects = Math.max(requestOptions.maxRedirects, 0);
            }
            if (requestOptions.keepAlive != null) {
                this._keepAlive = requestOptions.keepAlive;
            }
            if (requestOptions.allowRetries != null) {
                this._allowRetries = requestOptions.allowRetries;
            }
            if (requestOptions.maxRetries != null) {
                this._maxRetries = requestOptions.maxRetries;
            }
        }
    }
    options(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('OPTIONS', requestUrl, null, additionalHeaders || {});
        });
    }
    get(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('GET', requestUrl, null, additionalHeaders || {});
        });
    }
    del(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('DELETE', requestUrl, null, additionalHeaders || {});
        });
    }
    post(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('POST', requestUrl, data, additionalHeaders || {});
        });
    }
    patch(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('PATCH', requestUrl, data, additionalHeaders || {});
        });
    }
    put(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('PUT', requestUrl, data, additionalHeaders || {});
        });
    }
    head(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('HEAD', requestUrl, null, additionalHeaders || {});
        });
    }
    sendStream(verb, requestUrl, stream, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request(verb, requestUrl, stream, additionalHeaders);
        });
    }
    /**
     * Gets a typed object from an endpoint
     * Be aware that not found returns a null.  Other errors (4xx, 5xx) reject the promise
     */
    getJson(requestUrl_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, additionalHeaders = {}) {
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            const res = yield this.get(requestUrl, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    postJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.post(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    putJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.put(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    patchJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.patch(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    /**
     * Makes a raw http request.
     * All other methods such as get, post, patch, and request ultimately call this.
     * Prefer get, del, post and patch
     */
    request(verb, requestUrl, data, headers) {
        return __awaiter(this, void 0, void 0, function* () {
            if (this._disposed) {
                throw new Error('Client has already been disposed.');
            }
            const parsedUrl = new URL(requestUrl);
            let info = this._prepareRequest(verb, parsedUrl, headers);
            // Only perform retries on reads since writes may not be idempotent.
            const maxTries = this._allowRetries && RetryableHttpVerbs.includes(verb)
                ? this._maxRetries + 1
                : 1;
            let numTries = 0;
            let response;
            do {
                response = yield this.requestRaw(info, data);
                // Check if it's an authentication challenge
                if (response &&
                    response.message &&
                    response.message.statusCode === HttpCodes.Unauthorized) {
                    let authenticationHandler;
                    for (const handler of this.handlers) {
                        if (handler.canHandleAuthentication(response)) {
                            authenticationHandler = handler;
                            break;
                        }
                    }
                    if (authenticationHandler) {
                        return authenticationHandler.handleAuthentication(this, info, data);
                    }
                    else {
                        // We have received an unauthorized response but have no handlers to handle it.
                        // Let the response return to the caller.
                        return response;
                    }
                }
                let redirectsRemaining = this._maxRedirects;
                while (response.message.statusCode &&
                    HttpRedirectCodes.includes(response.message.statusCode) &&
                    this._allowRedirects &&
                    redirectsRemaining > 0) {
                    const redirectUrl = response.message.headers['location'];
                    if (!redirectUrl) {
                        // if there's no location to redirect to, we won't
                        break;
                    }
                    const parsedRedirectUrl = new URL(redirectUrl);
                    if (parsedUrl.protocol === 'https:' &&
                        parsedUrl.protocol !== parsedRedirectUrl.protocol &&
                        !this._allowRedirectDowngrade) {
                        throw new Error('Redirect from HTTPS to HTTP protocol. This downgrade is not allowed for security reasons. If you want to allow this behavior, set the allowRedirectDowngrade option to true.');
                    }
                    // we need to finish reading the response before reassigning response
                    // which will leak the open socket.
                    yield response.readBody();
                    // strip authorization header if redirected to a different hostname
                    if (parsedRedirectUrl.hostname !== parsedUrl.hostname) {
                        for (const header in headers) {
                            // header names are case insensitive
                            if (header.toLowerCase() === 'authorization') {
                                delete headers[header];
                            }
                        }
                    }
                    // let's make the request with the new redirectUrl
                    info = this._prepareRequest(verb, parsedRedirectUrl, headers);
                    response = yield this.requestRaw(info, data);
                    redirectsRemaining--;
                }
                if (!response.message.statusCode ||
                    !HttpResponseRetryCodes.includes(response.message.statusCode)) {
                    // If not a retry code, return immediately instead of retrying
                    return response;
                }
                numTries += 1;
                if (numTries < maxTries) {
                    yield response.readBody();
                    yield this._performExponentialBackoff(numTries);
                }
            } while (numTries < maxTries);
            return response;
        });
    }
    /**
     * Needs to be called if keepAlive is set to true in request options.
     */
    dispose() {
        if (this._agent) {
            this._agent.destroy();
        }
        this._disposed = true;
    }
    /**
     * Raw request.
     * @param info
     * @param data
     */
    requestRaw(info, data) {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve, reject) => {
                function callbackForResult(err, res) {
                    if (err) {
                        reject(err);
                    }
                    else if (!res) {
                        // If `err` is not passed, then `res` must be passed.
                        reject(new Error('Unknown error'));
                    }
                    else {
                        resolve(res);
                    }
                }
                this.requestRawWithCallback(info, data, callbackForResult);
            });
        });
    }
    /**
     * Raw request with callback.
     * @param info
     * @param data
     * @param onResult
     */
    requestRawWithCallback(info, data, onResult) {
        if (typeof data === 'string') {
            if (!info.options.headers) {
                info.options.headers = {};
            }
            info.options.headers['Content-Length'] = Buffer.byteLength(data, 'utf8');
        }
        let callbackCalled = false;
        function handleResult(err, res) {
            if (!callbackCalled) {
                callbackCalled = true;
                onResult(err, res);
            }
        }
        const req = info.httpModule.request(info.options, (msg) => {
            const res = new HttpClientResponse(msg);
            handleResult(undefined, res);
        });
        let socket;
        req.on('socket', sock => {
            socket = sock;
        });
        // If we ever get disconnected, we want the socket to timeout eventually
        req.setTimeout(this._socketTimeout || 3 * 60000, () => {
            if (socket) {
                socket.end();
            }
            handleResult(new Error(`Request timeout: ${info.options.path}`));
        });
        req.on('error', function (err) {
            // err has statusCode property
            // res should have headers
            handleResult(err);
        });
        if (data && typeof data === 'string') {
            req.write(data, 'utf8');
        }
        if (data && typeof data !== 'string') {
            data.on('close', function () {
                req.end();
            });
            data.pipe(req);
        }
        else {
            req.end();
        }
    }
    /**
     * Gets an http agent. This function is useful when you need an http agent that handles
     * routing through a proxy server - depending upon the url and proxy environment variables.
     * @param serverUrl  The server URL where the request will be sent. For example, https://api.github.com
     */
    getAgent(serverUrl) {
        const parsedUrl = new URL(serverUrl);
        return this._getAgent(parsedUrl);
    }
    getAgentDispatcher(serverUrl) {
        const parsedUrl = new URL(serverUrl);
        const proxyUrl = getProxyUrl(parsedUrl);
        const useProxy = proxyUrl && proxyUrl.hostname;
        if (!useProxy) {
            return;
        }
        return this._getProxyAgentDispatcher(parsedUrl, proxyUrl);
    }
    _prepareRequest(method, requestUrl, headers) {
        const info = {};
        info.parsedUrl = requestUrl;
        const usingSsl = info.parsedUrl.protocol === 'https:';
        info.httpModule = usingSsl ? external_https_namespaceObject : external_http_namespaceObject;
        const defaultPort = usingSsl ? 443 : 80;
        info.options = {};
        info.options.host = info.parsedUrl.hostname;
        info.options.port = info.parsedUrl.port
            ? parseInt(info.parsedUrl.port)
            : defaultPort;
        info.options.path =
            (info.parsedUrl.pathname || '') + (info.parsedUrl.search || '');
        info.options.method = method;
        info.options.headers = this._mergeHeaders(headers);
        if (this.userAgent != null) {
            info.options.headers['user-agent'] = this.userAgent;
        }
        info.options.agent = this._getAgent(info.parsedUrl);
        // gives handlers an opportunity to participate
        if (this.handlers) {
            for (const handler of this.handlers) {
                handler.prepareRequest(info.options);
            }
        }
        return info;
    }
    _mergeHeaders(headers) {
        if (this.requestOptions && this.requestOptions.headers) {
            return Object.assign({}, lowercaseKeys(this.requestOptions.headers), lowercaseKeys(headers || {}));
        }
        return lowercaseKeys(headers || {});
    }
    /**
     * Gets an existing header value or returns a default.
     * Handles converting number header values to strings since HTTP headers must be strings.
     * Note: This returns string | string[] since some headers can have multiple values.
     * For headers that must always be a single string (like Content-Type), use the
     * specialized _getExistingOrDefaultContentTypeHeader method instead.
     */
    _getExistingOrDefaultHeader(additionalHeaders, header, _default) {
        let clientHeader;
        if (this.requestOptions && this.requestOptions.headers) {
            const headerValue = lowercaseKeys(this.requestOptions.headers)[header];
            if (headerValue) {
                clientHeader =
                    typeof headerValue === 'number' ? headerValue.toString() : headerValue;
            }
        }
        const additionalValue = additionalHeaders[header];
        if (additionalValue !== undefined) {
            return typeof additionalValue === 'number'
                ? additionalValue.toString()
                : additionalValue;
        }
        if (clientHeader !== undefined) {
            return clientHeader;
        }
        return _default;
    }
    /**
     * Specialized version of _getExistingOrDefaultHeader for Content-Type header.
     * Always returns a single string (not an array) since Content-Type should be a single value.
     * Converts arrays to comma-separated strings and numbers to strings to ensure type safety.
     * This was split from _getExistingOrDefaultHeader to provide stricter typing for callers
     * that assign the result to places expecting a string (e.g., additionalHeaders[Headers.ContentType]).
     */
    _getExistingOrDefaultContentTypeHeader(additionalHeaders, _default) {
        let clientHeader;
        if (this.requestOptions && this.requestOptions.headers) {
            const headerValue = lowercaseKeys(this.requestOptions.headers)[Headers.ContentType];
            if (headerValue) {
                if (typeof headerValue === 'number') {
                    clientHeader = String(headerValue);
                }
                else if (Array.isArray(headerValue)) {
                    clientHeader = headerValue.join(', ');
                }
                else {
                    clientHeader = headerValue;
                }
            }
        }
        const additionalValue = additionalHeaders[Headers.ContentType];
        // Return the first non-undefined value, converting numbers or arrays to strings if necessary
        if (additionalValue !== undefined) {
            if (typeof additionalValue === 'number') {
                return String(additionalValue);
            }
            else if (Array.isArray(additionalValue)) {
                return additionalValue.join(', ');
            }
            else {
                return additionalValue;
            }
        }
        if (clientHeader !== undefined) {
            return clientHeader;
        }
        return _default;
    }
    _getAgent(parsedUrl) {
        let agent;
        const proxyUrl = getProxyUrl(parsedUrl);
        const useProxy = proxyUrl && proxyUrl.hostname;
        if (this._keepAlive && useProxy) {
            agent = this._proxyAgent;
        }
        if (!useProxy) {
            agent = this._agent;
        }
        // if agent is already assigned use that agent.
        if (agent) {
            return agent;
        }
        const usingSsl = parsedUrl.protocol === 'https:';
        let maxSockets = 100;
        if (this.requestOptions) {
            maxSockets = this.requestOptions.maxSockets || external_http_.globalAgent.maxSockets;
        }
        // This is `useProxy` again, but we need to check `proxyURl` directly for TypeScripts's flow analysis.
        if (proxyUrl && proxyUrl.hostname) {
            const agentOptions = {
                maxSockets,
                keepAlive: this._keepAlive,
                proxy: Object.assign(Object.assign({}, ((proxyUrl.username || proxyUrl.password) && {
                    proxyAuth: `${proxyUrl.username}:${proxyUrl.password}`
                })), { host: proxyUrl.hostname, port: proxyUrl.port })
            };
            let tunnelAgent;
            const overHttps = proxyUrl.protocol === 'https:';
            if (usingSsl) {
                tunnelAgent = overHttps ? tunnel.httpsOverHttps : tunnel.httpsOverHttp;
            }
            else {
                tunnelAgent = overHttps ? tunnel.httpOverHttps : tunnel.httpOverHttp;
            }
            agent = tunnelAgent(agentOptions);
            this._proxyAgent = agent;
        }
        // if tunneling agent isn't assigned create a new agent
        if (!agent) {
            const options = { keepAlive: this._keepAlive, maxSockets };
            agent = usingSsl ? new external_https_.Agent(options) : new external_http_.Agent(options);
            this._agent = agent;
        }
        if (usingSsl && this._ignoreSslError) {
            // we don't want to set NODE_TLS_REJECT_UNAUTHORIZED=0 since that will affect request for entire process
            // http.RequestOptions doesn't expose a way to modify RequestOptions.agent.options
            // we have to cast it to any and change it directly
            agent.options = Object.assign(agent.options || {}, {
                rejectUnauthorized: false
            });
        }
        return agent;
    }
    _getProxyAgentDispatcher(parsedUrl, proxyUrl) {
        let proxyAgent;
        if (this._keepAlive) {
            proxyAgent = this._proxyAgentDispatcher;
        }
        // if agent is already assigned use that agent.
        if (proxyAgent) {
            return proxyAgent;
        }
        const usingSsl = parsedUrl.protocol === 'https:';
        proxyAgent = new ProxyAgent(Object.assign({ uri: proxyUrl.href, pipelining: !this._keepAlive ? 0 : 1 }, ((proxyUrl.username || proxyUrl.password) && {
            token: `Basic ${Buffer.from(`${proxyUrl.username}:${proxyUrl.password}`).toString('base64')}`
        })));
        this._proxyAgentDispatcher = proxyAgent;
        if (usingSsl && this._ignoreSslError) {
            // we don't want to set NODE_TLS_REJECT_UNAUTHORIZED=0 since that will affect request for entire process
            // http.RequestOptions doesn't expose a way to modify RequestOptions.agent.options
            // we have to cast it to any and change it directly
            proxyAgent.options = Object.assign(proxyAgent.options.requestTls || {}, {
                rejectUnauthorized: false
            });
        }
        return proxyAgent;
    }
    _getUserAgentWithOrchestrationId(userAgent) {
        const baseUserAgent = userAgent || 'actions/http-client';
        const orchId = process.env['ACTIONS_ORCHESTRATION_ID'];
        if (orchId) {
            // Sanitize the orchestration ID to ensure it contains only valid characters
            // Valid characters: 0-9, a-z, _, -, .
            const sanitizedId = orchId.replace(/[^a-z0-9_.-]/gi, '_');
            return `${baseUserAgent} actions_orchestration_id/${sanitizedId}`;
        }
        return baseUserAgent;
    }
    _performExponentialBackoff(retryNumber) {
        return __awaiter(this, void 0, void 0, function* () {
            retryNumber = Math.min(ExponentialBackoffCeiling, retryNumber);
            const ms = ExponentialBackoffTimeSlice * Math.pow(2, retryNumber);
            return new Promise(resolve => setTimeout(() => resolve(), ms));
        });
    }
    _processResponse(res, options) {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve, reject) => __awaiter(this, void 0, void 0, function* () {
                const statusCode = res.message.statusCode || 0;
                const response = {
                    statusCode,
                    result: null,
                    headers: {}
                };
                // not found leads to null obj returned
                if (statusCode === HttpCodes.NotFound) {
                    resolve(response);
                }
                // get the result from the body
                function dateTimeDeserializer(key, value) {
                    if (typeof value === 'string') {
                        const a = new Date(value);
                        if (!isNaN(a.valueOf())) {
                            return a;
                        }
                    }
                    return value;
                }
                let obj;
                let contents;
                try {
                    contents = yield res.readBody();
                    if (contents && contents.length > 0) {
                        if (options && options.deserializeDates) {
                            obj = JSON.parse(contents, dateTimeDeserializer);
                        }
                        else {
                            obj = JSON.parse(contents);
                        }
                        response.result = obj;
                    }
                    response.headers = res.message.headers;
                }
                catch (err) {
                    // Invalid resource (contents not json);  leaving result obj null
                }
                // note that 3xx redirects are handled by the http layer.
                if (statusCode > 299) {
                    let msg;
                    // if exception/error in body, attempt to get better error
                    if (obj && obj.message) {
                        msg = obj.message;
                    }
                    else if (contents && contents.length > 0) {
                        // it may be the case that the exception is in the body message as string
                        msg = contents;
                    }
                    else {
                        msg = `Failed request: (${statusCode})`;
                    }
                    const err = new HttpClientError(msg, statusCode);
                    err.result = response.result;
                    reject(err);
                }
                else {
                    resolve(response);
                }
            }));
        });
    }
}
const lowercaseKeys = (obj) => Object.keys(obj).reduce((c, k) => ((c[k.toLowerCase()] = obj[k]), c), {});
//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/auth.js
var auth_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
class BasicCredentialHandler {
    constructor(username, password) {
        this.username = username;
        this.password = password;
    }
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class BearerCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Bearer ${this.token}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class PersonalAccessTokenCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`PAT:${this.token}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
//# sourceMappingURL=auth.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/oidc-utils.js
var oidc_utils_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



class OidcClient {
    static createHttpClient(allowRetry = true, maxRetry = 10) {
        const requestOptions = {
            allowRetries: allowRetry,
            maxRetries: maxRetry
        };
        return new HttpClient('actions/oidc-client', [new BearerCredentialHandler(OidcClient.getRequestToken())], requestOptions);
    }
    static getRequestToken() {
        const token = process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
        if (!token) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
        }
        return token;
    }
    static getIDTokenUrl() {
        const runtimeUrl = process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
        if (!runtimeUrl) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
        }
        return runtimeUrl;
    }
    static getCall(id_token_url) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            var _a;
            const httpclient = OidcClient.createHttpClient();
            const res = yield httpclient
                .getJson(id_token_url)
                .catch(error => {
                throw new Error(`Failed to get ID Token. \n 
        Error Code : ${error.statusCode}\n 
        Error Message: ${error.message}`);
            });
            const id_token = (_a = res.result) === null || _a === void 0 ? void 0 : _a.value;
            if (!id_token) {
                throw new Error('Response json body do not have ID Token field');
            }
            return id_token;
        });
    }
    static getIDToken(audience) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            try {
                // New ID Token is requested from action service
                let id_token_url = OidcClient.getIDTokenUrl();
                if (audience) {
                    const encodedAudience = encodeURIComponent(audience);
                    id_token_url = `${id_token_url}&audience=${encodedAudience}`;
                }
                debug(`ID token url is ${id_token_url}`);
                const id_token = yield OidcClient.getCall(id_token_url);
                setSecret(id_token);
                return id_token;
            }
            catch (error) {
                throw new Error(`Error message: ${error.message}`);
            }
        });
    }
}
//# sourceMappingURL=oidc-utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/summary.js
var summary_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_namespaceObject.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return summary_awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_namespaceObject.constants.R_OK | external_fs_namespaceObject.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return summary_awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return summary_awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_namespaceObject.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = _summary;
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/path-utils.js

/**
 * toPosixPath converts the given path to the posix form. On Windows, \\ will be
 * replaced with /.
 *
 * @param pth. Path to transform.
 * @return string Posix path.
 */
function toPosixPath(pth) {
    return pth.replace(/[\\]/g, '/');
}
/**
 * toWin32Path converts the given path to the win32 form. On Linux, / will be
 * replaced with \\.
 *
 * @param pth. Path to transform.
 * @return string Win32 path.
 */
function toWin32Path(pth) {
    return pth.replace(/[/]/g, '\\');
}
/**
 * toPlatformPath converts the given path to a platform-specific path. It does
 * this by replacing instances of / and \ with the platform-specific path
 * separator.
 *
 * @param pth The path to platformize.
 * @return string The platform-specific path.
 */
function toPlatformPath(pth) {
    return pth.replace(/[/\\]/g, external_path_namespaceObject.sep);
}
//# sourceMappingURL=path-utils.js.map
;// CONCATENATED MODULE: external "string_decoder"
const external_string_decoder_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(434);
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
// EXTERNAL MODULE: external "assert"
var external_assert_ = __nccwpck_require__(613);
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io-util.js
var io_util_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open: io_util_open, readdir, rename, rm, rmdir, stat, symlink, unlink } = external_fs_namespaceObject.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = external_fs_namespaceObject.constants.O_RDONLY;
function exists(fsPath) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return io_util_awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = external_path_namespaceObject.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = external_path_namespaceObject.dirname(filePath);
                        const upperName = external_path_namespaceObject.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = external_path_namespaceObject.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io.js
var io_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield io_copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (IS_WINDOWS) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (IS_WINDOWS && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(external_path_namespaceObject.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (isRooted(tool)) {
            const filePath = yield tryGetExecutablePath(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(external_path_namespaceObject.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(external_path_namespaceObject.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield tryGetExecutablePath(external_path_namespaceObject.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield io_copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function io_copyFile(srcFile, destFile, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const toolrunner_IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (toolrunner_IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_namespaceObject.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_namespaceObject.EOL.length);
                n = s.indexOf(external_os_namespaceObject.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!isRooted(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (toolrunner_IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_namespaceObject.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield which(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_namespaceObject.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield exists(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new external_string_decoder_namespaceObject.StringDecoder('utf8');
        const stderrDecoder = new external_string_decoder_namespaceObject.StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/platform.js
var platform_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const getWindowsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout: version } = yield getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Version"', undefined, {
        silent: true
    });
    const { stdout: name } = yield getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Caption"', undefined, {
        silent: true
    });
    return {
        name: name.trim(),
        version: version.trim()
    };
});
const getMacOsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    var _a, _b, _c, _d;
    const { stdout } = yield getExecOutput('sw_vers', undefined, {
        silent: true
    });
    const version = (_b = (_a = stdout.match(/ProductVersion:\s*(.+)/)) === null || _a === void 0 ? void 0 : _a[1]) !== null && _b !== void 0 ? _b : '';
    const name = (_d = (_c = stdout.match(/ProductName:\s*(.+)/)) === null || _c === void 0 ? void 0 : _c[1]) !== null && _d !== void 0 ? _d : '';
    return {
        name,
        version
    };
});
const getLinuxInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout } = yield getExecOutput('lsb_release', ['-i', '-r', '-s'], {
        silent: true
    });
    const [name, version] = stdout.trim().split('\n');
    return {
        name,
        version
    };
});
const platform = external_os_namespaceObject.platform();
const arch = external_os_namespaceObject.arch();
const isWindows = platform === 'win32';
const isMacOS = platform === 'darwin';
const isLinux = platform === 'linux';
function getDetails() {
    return platform_awaiter(this, void 0, void 0, function* () {
        return Object.assign(Object.assign({}, (yield (isWindows
            ? getWindowsInfo()
            : isMacOS
                ? getMacOsInfo()
                : getLinuxInfo()))), { platform,
            arch,
            isWindows,
            isMacOS,
            isLinux });
    });
}
//# sourceMappingURL=platform.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/core.js
var core_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};






/**
 * The code to exit an action
 */
var ExitCode;
(function (ExitCode) {
    /**
     * A code indicating that the action was successful
     */
    ExitCode[ExitCode["Success"] = 0] = "Success";
    /**
     * A code indicating that the action was a failure
     */
    ExitCode[ExitCode["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
//-----------------------------------------------------------------------
// Variables
//-----------------------------------------------------------------------
/**
 * Sets env variable for this action and future actions in the job
 * @param name the name of the variable to set
 * @param val the value of the variable. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function exportVariable(name, val) {
    const convertedVal = toCommandValue(val);
    process.env[name] = convertedVal;
    const filePath = process.env['GITHUB_ENV'] || '';
    if (filePath) {
        return issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    issueCommand('set-env', { name }, convertedVal);
}
/**
 * Registers a secret which will get masked from logs
 *
 * @param secret - Value of the secret to be masked
 * @remarks
 * This function instructs the Actions runner to mask the specified value in any
 * logs produced during the workflow run. Once registered, the secret value will
 * be replaced with asterisks (***) whenever it appears in console output, logs,
 * or error messages.
 *
 * This is useful for protecting sensitive information such as:
 * - API keys
 * - Access tokens
 * - Authentication credentials
 * - URL parameters containing signatures (SAS tokens)
 *
 * Note that masking only affects future logs; any previous appearances of the
 * secret in logs before calling this function will remain unmasked.
 *
 * @example
 * ```typescript
 * // Register an API token as a secret
 * const apiToken = "abc123xyz456";
 * setSecret(apiToken);
 *
 * // Now any logs containing this value will show *** instead
 * console.log(`Using token: ${apiToken}`); // Outputs: "Using token: ***"
 * ```
 */
function setSecret(secret) {
    issueCommand('add-mask', {}, secret);
}
/**
 * Prepends inputPath to the PATH (for this action and future actions)
 * @param inputPath
 */
function addPath(inputPath) {
    const filePath = process.env['GITHUB_PATH'] || '';
    if (filePath) {
        issueFileCommand('PATH', inputPath);
    }
    else {
        issueCommand('add-path', {}, inputPath);
    }
    process.env['PATH'] = `${inputPath}${external_path_namespaceObject.delimiter}${process.env['PATH']}`;
}
/**
 * Gets the value of an input.
 * Unless trimWhitespace is set to false in InputOptions, the value is also trimmed.
 * Returns an empty string if the value is not defined.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string
 */
function getInput(name, options) {
    const val = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
    if (options && options.required && !val) {
        throw new Error(`Input required and not supplied: ${name}`);
    }
    if (options && options.trimWhitespace === false) {
        return val;
    }
    return val.trim();
}
/**
 * Gets the values of an multiline input.  Each value is also trimmed.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string[]
 *
 */
function getMultilineInput(name, options) {
    const inputs = getInput(name, options)
        .split('\n')
        .filter(x => x !== '');
    if (options && options.trimWhitespace === false) {
        return inputs;
    }
    return inputs.map(input => input.trim());
}
/**
 * Gets the input value of the boolean type in the YAML 1.2 "core schema" specification.
 * Support boolean input list: `true | True | TRUE | false | False | FALSE` .
 * The return value is also in boolean type.
 * ref: https://yaml.org/spec/1.2/spec.html#id2804923
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   boolean
 */
function getBooleanInput(name, options) {
    const trueValue = ['true', 'True', 'TRUE'];
    const falseValue = ['false', 'False', 'FALSE'];
    const val = getInput(name, options);
    if (trueValue.includes(val))
        return true;
    if (falseValue.includes(val))
        return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
        `Support boolean input list: \`true | True | TRUE | false | False | FALSE\``);
}
/**
 * Sets the value of an output.
 *
 * @param     name     name of the output to set
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setOutput(name, value) {
    const filePath = process.env['GITHUB_OUTPUT'] || '';
    if (filePath) {
        return issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    }
    process.stdout.write(external_os_namespaceObject.EOL);
    issueCommand('set-output', { name }, toCommandValue(value));
}
/**
 * Enables or disables the echoing of commands into stdout for the rest of the step.
 * Echoing is disabled by default if ACTIONS_STEP_DEBUG is not set.
 *
 */
function setCommandEcho(enabled) {
    issue('echo', enabled ? 'on' : 'off');
}
//-----------------------------------------------------------------------
// Results
//-----------------------------------------------------------------------
/**
 * Sets the action status to failed.
 * When the action exits it will be with an exit code of 1
 * @param message add error issue message
 */
function setFailed(message) {
    process.exitCode = ExitCode.Failure;
    error(message);
}
//-----------------------------------------------------------------------
// Logging Commands
//-----------------------------------------------------------------------
/**
 * Gets whether Actions Step Debug is on or not
 */
function isDebug() {
    return process.env['RUNNER_DEBUG'] === '1';
}
/**
 * Writes debug message to user log
 * @param message debug message
 */
function debug(message) {
    issueCommand('debug', {}, message);
}
/**
 * Adds an error issue
 * @param message error issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function error(message, properties = {}) {
    issueCommand('error', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function warning(message, properties = {}) {
    issueCommand('warning', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Writes info to log with console.log.
 * @param message info message
 */
function info(message) {
    process.stdout.write(message + external_os_namespaceObject.EOL);
}
/**
 * Begin an output group.
 *
 * Output until the next `groupEnd` will be foldable in this group
 *
 * @param name The name of the output group
 */
function startGroup(name) {
    issue('group', name);
}
/**
 * End an output group.
 */
function endGroup() {
    issue('endgroup');
}
/**
 * Wrap an asynchronous function call in a group.
 *
 * Returns the same type as the function itself.
 *
 * @param name The name of the group
 * @param fn The function to wrap in the group
 */
function group(name, fn) {
    return core_awaiter(this, void 0, void 0, function* () {
        startGroup(name);
        let result;
        try {
            result = yield fn();
        }
        finally {
            endGroup();
        }
        return result;
    });
}
//-----------------------------------------------------------------------
// Wrapper action state
//-----------------------------------------------------------------------
/**
 * Saves state for current action, the state can only be retrieved by this action's post job execution.
 *
 * @param     name     name of the state to store
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function saveState(name, value) {
    const filePath = process.env['GITHUB_STATE'] || '';
    if (filePath) {
        return issueFileCommand('STATE', prepareKeyValueMessage(name, value));
    }
    issueCommand('save-state', { name }, toCommandValue(value));
}
/**
 * Gets the value of an state set by this action's main execution.
 *
 * @param     name     name of the state to get
 * @returns   string
 */
function getState(name) {
    return process.env[`STATE_${name}`] || '';
}
function getIDToken(aud) {
    return core_awaiter(this, void 0, void 0, function* () {
        return yield OidcClient.getIDToken(aud);
    });
}
/**
 * Summary exports
 */

/**
 * @deprecated use core.summary
 */

/**
 * Path exports
 */

/**
 * Platform utilities exports
 */

//# sourceMappingURL=core.js.map
;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_namespaceObject);
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
const fusion_session_SESSION_ENV = 'FUSION_API_SESSION';
/** Where a step with fusion-api: true keeps the session and the launchers. */
function fusion_session_sessionPaths(runnerTemp) {
    const folder = external_node_path_default().join(runnerTemp, 'fusion-token-action-api');
    return { folder, file: external_node_path_default().join(folder, 'session.json'), bin: external_node_path_default().join(folder, 'bin') };
}
function fusion_session_encodeSession(session) {
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

;// CONCATENATED MODULE: ./src/fusion-install.ts
// Puts the fusion-api command in place for the later steps of a job: the
// session file (the token, mode 0600, in a folder of mode 0700) and the two
// launchers that run dist/fusion-api.js with the step's Node. The launcher
// texts and the log line are pure; the writes take their file calls as an
// argument, so that tests can make one fail.





/** The post step's state: the session folder to delete when the job ends. */
const STATE_FUSION_SESSION = 'fusion-api-session';
/** The command's own bundle, beside the main step's dist/index.js. */
const COMMAND_SCRIPT = 'fusion-api.js';
const LAUNCHERS = { posix: 'fusion-api', windows: 'fusion-api.cmd' };
/** A value as one POSIX shell word that the shell takes literally, whatever it holds. */
function shellQuote(value) {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
/** Git Bash on Windows runs the POSIX launcher too; it wants C:/x rather than C:\x. */
function shellPath(value) {
    return /^[A-Za-z]:\\/.test(value) ? value.replace(/\\/g, '/') : value;
}
function posixLauncher(target) {
    return [
        '#!/bin/sh',
        '# The fusion-api command, put on PATH by fusion-token-action. It holds no token: it',
        "# names the session file, which only the job's user can read, and runs the step's Node.",
        `${SESSION_ENV}=${shellQuote(shellPath(target.sessionFile))}`,
        `export ${SESSION_ENV}`,
        `exec ${shellQuote(shellPath(target.node))} ${shellQuote(shellPath(target.script))} "$@"`,
        '',
    ].join('\n');
}
/**
 * Batch files expand %NAME% even inside quotes, so a literal % is doubled;
 * delayed expansion (!NAME!) is turned off. A Windows path cannot hold a
 * double quote or a line break, so quoting covers the rest.
 */
function batchLiteral(value) {
    return value.replace(/%/g, '%%');
}
function windowsLauncher(target) {
    return [
        '@echo off',
        'rem The fusion-api command, put on PATH by fusion-token-action. It holds no token: it',
        "rem names the session file, which only the job's user can read, and runs the step's Node.",
        'setlocal DisableDelayedExpansion',
        `set "${SESSION_ENV}=${batchLiteral(target.sessionFile)}"`,
        `"${batchLiteral(target.node)}" "${batchLiteral(target.script)}" %*`,
        'exit /b %ERRORLEVEL%',
        '',
    ].join('\r\n');
}
/** The step's one line about the command: where its organization and region come from. */
function fusionApiLine(orgId, region) {
    const start = 'The fusion-api command is on PATH for the later steps of this job';
    const settings = [orgId === '' ? '' : `organization ${orgId}`, region === '' ? '' : `region ${region}`].filter((part) => part !== '');
    const missing = [
        orgId === '' ? ['fusion-org-id', '--org-id'] : undefined,
        region === '' ? ['fusion-region', '--region'] : undefined,
    ].filter((pair) => pair !== undefined);
    const given = settings.length === 0 ? '' : `, for ${settings.join(' in ')}`;
    if (missing.length === 0)
        return `${start}${given}.`;
    return (`${start}${given}. No ${missing.map(([input]) => input).join(' or ')} is set: set ` +
        `${missing.length === 1 ? 'it' : 'them'}, or pass ${missing.map(([, flag]) => flag).join(' and ')} to each call.`);
}
class FusionInstallError extends (/* unused pure expression or super */ null && (Error)) {
    name = 'FusionInstallError';
}
/** Leftovers of an interrupted write: they may hold the token, so the removal looks for them too. */
const TEMP_FILE = /^(session\.json|fusion-api|fusion-api\.cmd)\.[0-9a-f]{12}\.tmp$/;
/**
 * Writes a file whole or not at all: a temporary file of `mode` in the same
 * folder, then a rename over the old one, so that a command reading it never
 * sees half a session, and a failed write keeps the earlier one.
 */
async function writeAtomically(files, file, text, mode) {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await files.open(temporary, 'wx', mode);
    try {
        try {
            // The umask may have taken bits off; set exactly what is meant.
            await handle.chmod(mode);
            await handle.writeFile(text, 'utf8');
        }
        finally {
            await handle.close();
        }
        await files.rename(temporary, file);
    }
    catch (error) {
        await files.rm(temporary, { force: true });
        throw error;
    }
}
/**
 * Writes the session (replacing an earlier step's) and the launchers, and
 * returns where they are. Throws a FusionInstallError that names the folder.
 */
async function installSession(session, place, files = fs) {
    const paths = sessionPaths(place.runnerTemp);
    const target = {
        node: place.nodePath,
        script: path.join(place.distFolder, COMMAND_SCRIPT),
        sessionFile: paths.file,
    };
    try {
        await files.mkdir(paths.bin, { recursive: true, mode: 0o700 });
        // An earlier folder, or the umask, may have left wider modes: only this user reads the token.
        await files.chmod(paths.folder, 0o700);
        await writeAtomically(files, paths.file, encodeSession(session), 0o600);
        await writeAtomically(files, path.join(paths.bin, LAUNCHERS.posix), posixLauncher(target), 0o755);
        await writeAtomically(files, path.join(paths.bin, LAUNCHERS.windows), windowsLauncher(target), 0o755);
    }
    catch (error) {
        throw new FusionInstallError(`Could not put the fusion-api command in ${paths.folder}: ${errorText(error)}. ` +
            'Check that RUNNER_TEMP is a folder this job can write, or set fusion-api: false.');
    }
    return paths;
}
const FOLDER_NAME = external_node_path_default().basename(fusion_session_sessionPaths('.').folder);
/**
 * Deletes the session file, the launchers, what an interrupted write left,
 * then the two folders if nothing else is in them. Never anything else: a
 * folder not named as sessionPaths names it is left alone.
 */
async function removeSession(folder, files = promises_namespaceObject) {
    if (external_node_path_default().basename(folder) !== FOLDER_NAME)
        return 'not a session folder';
    const { file, bin } = fusion_session_sessionPaths(external_node_path_default().dirname(folder));
    const leftoversIn = async (dir) => {
        try {
            return (await files.readdir(dir)).filter((name) => TEMP_FILE.test(name)).map((name) => external_node_path_default().join(dir, name));
        }
        catch (error) {
            if (error.code === 'ENOENT')
                return undefined;
            throw error;
        }
    };
    const inFolder = await leftoversIn(folder);
    if (inFolder === undefined)
        return 'absent';
    const targets = [
        file,
        external_node_path_default().join(bin, LAUNCHERS.posix),
        external_node_path_default().join(bin, LAUNCHERS.windows),
        ...inFolder,
        ...((await leftoversIn(bin)) ?? []),
    ];
    for (const target of targets)
        await files.rm(target, { force: true });
    for (const dir of [bin, folder]) {
        try {
            await files.rmdir(dir);
        }
        catch (error) {
            // Gone already, or holding something that is not ours to delete.
            const code = error.code;
            if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST')
                throw error;
        }
    }
    return 'removed';
}

;// CONCATENATED MODULE: ./src/retry.ts
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

;// CONCATENATED MODULE: ./src/text.ts
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
function text_parseJsonObject(text) {
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
function text_errorText(error) {
    const message = typeof error === 'object' && error !== null ? error.message : undefined;
    return typeof message === 'string' ? message : String(error);
}

;// CONCATENATED MODULE: ./src/inputs.ts
// Parsing and validation of the action's inputs. Pure: it never touches the
// network or the log, and no error it raises quotes the client secret.



const INPUT_NAMES = (/* unused pure expression or super */ null && ([
    'client-id',
    'client-secret',
    'scopes',
    'org-id',
    'ims-url',
    'retries',
    'timeout-seconds',
    'export-env',
    'revoke',
    'sealed-token',
    'min-remaining-minutes',
    'cache',
    'fusion-api',
    'fusion-org-id',
    'fusion-region',
    'fusion-url',
]));
/** The defaults declared in action.yml (a test keeps the two equal). */
const INPUT_DEFAULTS = {
    scopes: 'openid,AdobeID,profile,additional_info.projectedProductContext',
    'org-id': '',
    'ims-url': 'https://ims-na1.adobelogin.com',
    retries: '3',
    'timeout-seconds': '30',
    'export-env': 'false',
    revoke: 'false',
    'sealed-token': '',
    'min-remaining-minutes': '60',
    cache: 'false',
    'fusion-api': 'false',
    'fusion-org-id': '',
    'fusion-region': '',
    'fusion-url': 'https://fusion.adobe.io',
};
const MAX_TIMEOUT_SECONDS = 600;
const MAX_SECRETS = 10;
/** 23 h: a fresh token lives 24 h, so a larger minimum would never reuse one. */
const MAX_MIN_REMAINING_MINUTES = 1380;
const TOKEN_PATH = '/ims/token/v3';
const INVALIDATE_PATH = '/ims/invalidate_token/v2';
/** What the fusion-api command's PATH starts with, so never part of fusion-url. */
const FUSION_API_PREFIX = /\/api(\/v\d+)?$/;
class InputError extends Error {
    name = 'InputError';
}
/**
 * Reads and checks every input. An optional input left empty takes its
 * action.yml default, so a step that passes `retries: ${{ vars.UNSET }}`
 * behaves like one that leaves it out.
 */
function parseInputs(read) {
    const valueOf = (name) => {
        const value = read(name);
        if (value !== '')
            return value;
        return INPUT_DEFAULTS[name] ?? '';
    };
    // A secret pasted into the wrong input must not come back in its error.
    const secretLines = valueOf('client-secret')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length >= 8);
    const secretInputError = (name) => new InputError(`Input ${name} is not valid; its value is not shown because it contains the client secret.`);
    const parsed = (name, parse) => {
        const value = valueOf(name);
        try {
            return parse(value);
        }
        catch (error) {
            if (error instanceof InputError && secretLines.some((line) => value.includes(line))) {
                throw secretInputError(name);
            }
            throw error;
        }
    };
    // These go into the session file, which must never hold the secret, even one pasted where it fits.
    const parsedForSession = (name, parse) => {
        const value = parsed(name, parse);
        if (secretLines.some((line) => value.includes(line)))
            throw secretInputError(name);
        return value;
    };
    const inputs = {
        clientId: parseClientId(valueOf('client-id')),
        clientSecrets: parseClientSecrets(valueOf('client-secret')),
        scopes: parsed('scopes', parseScopes),
        orgId: parsed('org-id', parseOrgId),
        imsBaseUrl: parsed('ims-url', parseImsUrl),
        retries: parsed('retries', parseRetries),
        timeoutMs: parsed('timeout-seconds', parseTimeoutSeconds) * 1000,
        exportEnv: parsed('export-env', (value) => parseBoolean('export-env', value)),
        revoke: parsed('revoke', (value) => parseBoolean('revoke', value)),
        sealedToken: valueOf('sealed-token'),
        minRemainingMs: parsed('min-remaining-minutes', parseMinRemainingMinutes) * 60_000,
        cache: parsed('cache', (value) => parseBoolean('cache', value)),
        // Checked even with fusion-api: false, so that a typo shows before the step that needs it.
        fusionApi: parsed('fusion-api', (value) => parseBoolean('fusion-api', value)),
        fusionOrgId: parsedForSession('fusion-org-id', parseFusionOrgId),
        fusionRegion: parsedForSession('fusion-region', parseFusionRegion),
        fusionBaseUrl: parsedForSession('fusion-url', parseFusionUrl),
    };
    if (inputs.cache && inputs.revoke) {
        throw new InputError('Input cache must be false when revoke is true: a cached token must outlive the job, and revoke invalidates ' +
            'it when the job ends. Use cache: true to share one token across runs, or revoke: true for a token that dies with the job.');
    }
    return inputs;
}
function tokenUrl(inputs) {
    return new URL(`${inputs.imsBaseUrl}${TOKEN_PATH}`);
}
function invalidateUrl(inputs) {
    return new URL(`${inputs.imsBaseUrl}${INVALIDATE_PATH}`);
}
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;
// RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const IMS_ORG_ID = /^[A-Za-z0-9]+@AdobeOrg$/;
const WHOLE_NUMBER = /^\d+$/;
const DECIMAL_NUMBER = /^(\d+(\.\d*)?|\.\d+)$/;
function requireValue(name, value, expected) {
    if (value === '') {
        throw new InputError(`Input ${name} is required: ${expected}.`);
    }
}
function parseClientId(value) {
    const expected = 'the client ID of the OAuth Server-to-Server credential in the Adobe Developer Console';
    requireValue('client-id', value, expected);
    if (value.length > 255 || !PRINTABLE_ASCII.test(value)) {
        // Not quoted: a value this far off may be a secret pasted into the wrong input.
        throw new InputError(`Input client-id must be ${expected}: up to 255 printable ASCII characters without spaces.`);
    }
    return value;
}
/**
 * One secret per line: the Developer Console keeps two valid while a secret
 * is rotated, and the action tries them in order. Blank lines are dropped.
 */
function parseClientSecrets(value) {
    requireValue('client-secret', value, 'the client secret of the credential, passed from a secret such as ${{ secrets.FUSION_CLIENT_SECRET }}');
    const secrets = value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    if (secrets.length > MAX_SECRETS) {
        throw new InputError(`Input client-secret has ${secrets.length} lines; give at most ${MAX_SECRETS} secrets, one per line.`);
    }
    secrets.forEach((secret, index) => {
        if (secret.length > 1024 || CONTROL_CHARACTER.test(secret)) {
            // Never quoted: it is a secret.
            const which = secrets.length > 1 ? ` (line ${index + 1})` : '';
            throw new InputError(`Input client-secret${which} must be a client secret of at most 1024 characters, without control characters; ` +
                'give several secrets one per line.');
        }
    });
    return secrets;
}
function parseBoolean(name, value) {
    if (/^(true|True|TRUE)$/.test(value))
        return true;
    if (/^(false|False|FALSE)$/.test(value))
        return false;
    throw new InputError(`Input ${name} must be true or false, got ${quote(value)}.`);
}
function parseScopes(value) {
    const scopes = [...new Set(value.split(/[\s,]+/).filter((scope) => scope !== ''))];
    if (scopes.length === 0) {
        throw new InputError(`Input scopes must name at least one scope, separated by commas, spaces or newlines (default: ${INPUT_DEFAULTS.scopes}).`);
    }
    const invalid = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
    if (invalid !== undefined) {
        throw new InputError(`Input scopes has an invalid scope ${quote(invalid)}: a scope is printable ASCII without quotes or backslashes.`);
    }
    return scopes;
}
function parseOrgId(value) {
    if (value === '')
        return undefined;
    if (!IMS_ORG_ID.test(value)) {
        throw new InputError(`Input org-id must be an IMS organization ID such as 0123456789ABCDEF01234567@AdobeOrg, got ${quote(value)}. ` +
            'The numeric Fusion organization ID belongs in the x-organization-id header of Fusion API calls, not here.');
    }
    return value;
}
function isLoopbackHost(hostname) {
    return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
/** Checks the IMS base URL; returns it without a trailing slash. */
function parseImsUrl(value) {
    return parseBaseUrl('ims-url', value, `the IMS base URL, such as ${INPUT_DEFAULTS['ims-url']}`, (basePath) => basePath.endsWith(TOKEN_PATH)
        ? `Input ims-url is the IMS base URL, without ${TOKEN_PATH} (the action appends it), such as ${INPUT_DEFAULTS['ims-url']}.`
        : undefined);
}
/** Checks the Fusion API base URL as ims-url is checked; returns it without a trailing slash. */
function parseFusionUrl(value) {
    const example = INPUT_DEFAULTS['fusion-url'];
    return parseBaseUrl('fusion-url', value, `the Fusion API base URL, such as ${example}`, (basePath) => FUSION_API_PREFIX.test(basePath)
        ? `Input fusion-url is the Fusion API base URL, without /api/v3 (each fusion-api call's path starts with it), such as ${example}.`
        : undefined);
}
/**
 * A service's base URL: https (plain http only on loopback), no credentials,
 * query or fragment; `misplaced` names a path that belongs to the calls, not
 * the base. Returns it without a trailing slash.
 */
function parseBaseUrl(name, value, expected, misplaced) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new InputError(`Input ${name} must be ${expected}; ${quote(value)} is not a URL.`);
    }
    if (url.username !== '' || url.password !== '') {
        // Not quoted: it holds credentials.
        throw new InputError(`Input ${name} must not contain a user name or password; give ${expected}.`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        throw new InputError(`Input ${name} must use https (plain http only for a loopback host such as localhost), got ${quote(value)}.`);
    }
    if (value.includes('?') || value.includes('#')) {
        throw new InputError(`Input ${name} must not have a query or a fragment; give ${expected}.`);
    }
    const basePath = url.pathname.replace(/\/+$/, '');
    const problem = misplaced(basePath);
    if (problem !== undefined)
        throw new InputError(problem);
    return `${url.origin}${basePath}`;
}
function parseFusionOrgId(value) {
    if (value === '' || isOrgId(value))
        return value;
    const imsHint = IMS_ORG_ID.test(value) ? ' An IMS organization ID (...@AdobeOrg) belongs in org-id.' : '';
    throw new InputError(`Input fusion-org-id must be the numeric Fusion organization ID (up to 20 digits: the number in the Fusion URL ` +
        `.../organization/{id}/dashboard), got ${quote(value)}.${imsHint}`);
}
function parseFusionRegion(value) {
    if (value === '' || isRegion(value))
        return value;
    throw new InputError(`Input fusion-region must be a Fusion region such as or2 (up to 63 lowercase letters, digits and hyphens: the ` +
        `"Adobe region" of your Fusion profile), got ${quote(value)}.`);
}
function parseRetries(value) {
    const retries = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
    if (!(retries <= MAX_RETRIES)) {
        throw new InputError(`Input retries must be a whole number from 0 to ${MAX_RETRIES}, got ${quote(value)}.`);
    }
    return retries;
}
function parseMinRemainingMinutes(value) {
    const minutes = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
    if (!(minutes <= MAX_MIN_REMAINING_MINUTES)) {
        throw new InputError(`Input min-remaining-minutes must be a whole number of minutes from 0 to ${MAX_MIN_REMAINING_MINUTES}, got ${quote(value)}.`);
    }
    return minutes;
}
function parseTimeoutSeconds(value) {
    const seconds = DECIMAL_NUMBER.test(value) ? Number(value) : Number.NaN;
    if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
        throw new InputError(`Input timeout-seconds must be a number of seconds greater than 0 and at most ${MAX_TIMEOUT_SECONDS}, got ${quote(value)}.`);
    }
    return seconds;
}

;// CONCATENATED MODULE: ./src/failures.ts
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
    const forms = [...new Set(secrets.flatMap(secretForms))]
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
    return !isProxyAuthentication(status) && RETRYABLE_STATUSES.has(status);
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

;// CONCATENATED MODULE: external "node:http"
const external_node_http_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");
;// CONCATENATED MODULE: external "node:https"
const external_node_https_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");
;// CONCATENATED MODULE: ./src/transport.ts
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
    const proxy = lib_getProxyUrl(url.href);
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
    return (request) => send(new HttpClient(undefined, undefined, { keepAlive: false }), request);
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
        const transport = url.protocol === 'https:' ? external_node_https_namespaceObject : external_node_http_namespaceObject;
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
                failWith(TOO_LARGE_CODE, `an answer of ${declared} bytes, more than the ${maxAnswerBytes} allowed`);
                return;
            }
            const chunks = [];
            let received = 0;
            res.on('data', (chunk) => {
                received += chunk.length;
                if (received > maxAnswerBytes) {
                    failWith(TOO_LARGE_CODE, `an answer of more than the ${maxAnswerBytes} bytes allowed`);
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
        const timer = setTimeout(() => failWith(TIMEOUT_CODE, `no complete answer within ${timeoutMs} ms`), timeoutMs);
        req.on('error', (error) => failWith(error.code, error.message));
        req.end(request.method === 'GET' ? undefined : body);
    });
}

;// CONCATENATED MODULE: ./src/attempts.ts
// Asking IMS with retries, and with each client secret in turn. The network,
// the clock, sleep, randomness and the log are passed in.



/** IMS answers are a few kilobytes; anything near this is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/**
 * Sends the request until an answer reads as a success, a failure is not
 * worth retrying, or `retries` retries are spent. Logs one line per retry.
 */
async function sendWithRetries(request, read, retries, context, deps) {
    const attempts = retries + 1;
    for (let attempt = 1;; attempt++) {
        let failure;
        try {
            const answer = await deps.post(request);
            const result = read(answer, deps.now());
            if (result.ok)
                return result;
            failure = result.failure;
        }
        catch (error) {
            if (!(error instanceof TransportError))
                throw error;
            failure = networkFailure({ code: error.code, detail: error.message, proxy: error.proxy }, request.timeoutMs, context);
        }
        if (!failure.retryable || attempt === attempts)
            return { ok: false, failure, attempts: attempt };
        const delayMs = retryDelayMs(attempt, retryAfterMs(failure.retryAfter, deps.now()), deps.random);
        deps.log(`Attempt ${attempt} of ${attempts} failed: ${failure.summary}. Retrying in ${(delayMs / 1000).toFixed(1)} s.`);
        await deps.sleep(delayMs);
    }
}
/**
 * Tries each client secret in order. Only invalid_client (a rejected secret)
 * moves on to the next one; any other failure stops at once.
 */
async function trySecrets(secrets, send) {
    let totalAttempts = 0;
    for (let index = 0;; index++) {
        const outcome = await send(secrets[index]);
        totalAttempts += outcome.ok ? 1 : outcome.attempts;
        const rejected = !outcome.ok && outcome.failure.imsError === 'invalid_client';
        if (!rejected || index === secrets.length - 1)
            return { ...outcome, position: index + 1, totalAttempts };
    }
}

;// CONCATENATED MODULE: ./src/version.ts
/** The action's version, sent in the User-Agent (a test keeps it equal to package.json's). */
const ACTION_VERSION = '1.0.0';

;// CONCATENATED MODULE: ./src/ims.ts
// The IMS token protocol: the request to send and the reading of the answer.
// Pure: no network, no clock of its own.




const USER_AGENT = `fusion-token-action/${ACTION_VERSION}`;
/** The form body of a client-credentials token request. Credentials never go in the URL. */
function tokenRequestBody(inputs, clientSecret) {
    const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: inputs.clientId,
        client_secret: clientSecret,
        scope: inputs.scopes.join(','),
    });
    if (inputs.orgId !== undefined)
        form.set('org_id', inputs.orgId);
    return form.toString();
}
/** The form body that invalidates an access token (and, cascading, what it begot). */
function invalidateRequestBody(clientId, clientSecret, accessToken) {
    return new URLSearchParams({
        token_type: 'access_token',
        token: accessToken,
        client_id: clientId,
        client_secret: clientSecret,
        cascading: 'all',
    }).toString();
}
/** Headers of every request to IMS. */
const REQUEST_HEADERS = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
};
/** expires_in in seconds, as a number or a numeric string; undefined when unusable. */
function readExpiresIn(value) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
        return String(value);
    if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))
        return value;
    return undefined;
}
/** An answer that is not a success: a refused redirect, an IMS error, or something else. */
function readFailure(answer, context, problem) {
    const { status, headers, body } = answer;
    const debugId = headers['x-debug-id'];
    const retryable = RETRYABLE_STATUSES.has(status);
    const fail = (failure) => ({
        ok: false,
        failure: { ...failure, retryAfter: headers['retry-after'] },
    });
    if (status >= 300 && status < 400)
        return fail(redirectFailure(status, headers['location'], context));
    const json = text_parseJsonObject(body);
    const error = json?.['error'];
    if (problem === undefined && typeof error === 'string' && error !== '') {
        const description = json?.['error_description'];
        return fail(imsErrorFailure(status, error, typeof description === 'string' ? description : undefined, debugId, retryable, context));
    }
    // A token in an answer we reject is still a token: keep it out of the excerpt.
    const accessToken = json?.['access_token'];
    const excerptContext = typeof accessToken === 'string' && accessToken !== ''
        ? { ...context, secrets: [...context.secrets, accessToken] }
        : context;
    const what = problem ?? (json === undefined ? 'that is not IMS JSON' : 'without an IMS error');
    return fail(unexpectedAnswerFailure(status, what, headers['content-type'], body, debugId, retryable, excerptContext));
}
/** Reads the answer to a token request; the token's expiry counts from when it arrived. */
function readTokenAnswer(answer, receivedAtMs, context) {
    if (answer.status !== 200)
        return readFailure(answer, context);
    const json = parseJsonObject(answer.body);
    if (json === undefined)
        return readFailure(answer, context, 'without a JSON object');
    const accessToken = json['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '') {
        return readFailure(answer, context, 'without an access_token');
    }
    // Masking works line by line on visible text: a token must be one printable word.
    if (!/^[\x21-\x7e]+$/.test(accessToken))
        return readFailure(answer, context, 'with a malformed access_token');
    const expiresIn = readExpiresIn(json['expires_in']);
    const expiresAt = new Date(receivedAtMs + Number(expiresIn) * 1000);
    // Absent, not a number, or so large that no date can hold it.
    if (expiresIn === undefined || Number.isNaN(expiresAt.getTime())) {
        return readFailure(answer, context, 'without a usable expires_in');
    }
    const tokenType = json['token_type'];
    return {
        ok: true,
        value: {
            accessToken,
            tokenType: typeof tokenType === 'string' && tokenType !== '' ? tokenType : 'bearer',
            expiresIn,
            expiresAt,
        },
    };
}
/** Reads the answer to an invalidation: IMS answers 200, with an empty body. */
function readInvalidateAnswer(answer, context) {
    return answer.status === 200 ? { ok: true, value: true } : readFailure(answer, context);
}

;// CONCATENATED MODULE: ./src/revoke.ts
// Revoking the token at the end of the job: whether to, and the invalidation
// request with retries and each secret in turn. Pure but for the injected
// network, clock, sleep, randomness and log.




/** What the main step leaves for the post step (never the secret). */
const STATE_TOKEN = 'token';
const STATE_EXPIRES_AT = 'expires-at';
/** Whether the post step has a live token to revoke, or the one line it logs instead. */
function planRevocation(revokeInput, state, nowMs) {
    let revoke;
    try {
        revoke = parseBoolean('revoke', revokeInput || 'false');
    }
    catch {
        revoke = false;
    }
    if (!revoke)
        return { revoke: false, reason: 'Token revocation is off (revoke: false): nothing to do.' };
    if (state.token === '')
        return { revoke: false, reason: 'This step minted no token: nothing to revoke.' };
    const expiresAt = Date.parse(state.expiresAt);
    if (expiresAt <= nowMs) {
        return { revoke: false, reason: `The token expired at ${new Date(expiresAt).toISOString()}: nothing to revoke.` };
    }
    return { revoke: true, token: state.token };
}
/** The token could not be revoked; the message is meant for the user as it is. */
class RevokeError extends Error {
    name = 'RevokeError';
}
async function revokeToken(inputs, accessToken, deps) {
    const url = invalidateUrl(inputs);
    const context = {
        request: 'token invalidation',
        host: url.host,
        scopes: inputs.scopes,
        secrets: [...inputs.clientSecrets, accessToken],
    };
    const outcome = await trySecrets(inputs.clientSecrets, (secret) => sendWithRetries({
        url,
        headers: REQUEST_HEADERS,
        body: invalidateRequestBody(inputs.clientId, secret, accessToken),
        timeoutMs: inputs.timeoutMs,
        maxAnswerBytes: MAX_ANSWER_BYTES,
    }, (answer) => readInvalidateAnswer(answer, context), inputs.retries, context, deps));
    if (!outcome.ok) {
        throw new RevokeError(`Could not revoke the access token${secretsNote(outcome.position, inputs.clientSecrets.length)} ` +
            `${attemptsNote(outcome.failure, outcome.attempts, inputs.retries)} The token stays valid until it expires; ` +
            'to invalidate tokens at once, rotate the client secret in the Adobe Developer Console.');
    }
}

;// CONCATENATED MODULE: ./src/shell.ts
// What the main and post steps share to touch the runner and the world:
// the slice of @actions/core they use, masking, and the real dependencies.



function systemDependencies(log) {
    return {
        post: createPost(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: Date.now,
        random: Math.random,
        log,
    };
}
/**
 * Masks a secret input as the runner needs it: the whole value, and, since
 * the runner hides a registered value line by line and each line is a secret
 * of its own, every line in every form an echoing gateway could print.
 */
function maskSecret(actions, value) {
    const lines = value.split(/\r?\n/).map((line) => line.trim());
    const forms = new Set([value, ...lines.flatMap((line) => (line === '' ? [] : secretForms(line)))]);
    for (const form of forms) {
        if (form.trim() !== '')
            actions.setSecret(form);
    }
}
/**
 * A job may set NODE_TLS_REJECT_UNAUTHORIZED=0 for some other tool; the
 * transport verifies certificates all the same. Says so, once, before the
 * first request, and drops the variable from this process: left set, Node
 * would print its own warning that certificate checks are off.
 */
function ignoreTlsOverride(actions) {
    if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] !== '0')
        return;
    actions.warning(TLS_OVERRIDE_IGNORED_WARNING);
    delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
}
/**
 * Runs a step as the whole of its process, then ends the process with the
 * exit code the step set, even if a request abandoned at its time limit still
 * holds it open (a proxy that never answers CONNECT does).
 */
function runAsProcess(step) {
    // tunnel, the proxy agent of @actions/http-client, calls the deprecated
    // Buffer() constructor for proxy credentials. Bundled, Node no longer sees it
    // as a dependency and would print a deprecation warning on every such run.
    process.noDeprecation = true;
    // The pause lets stdout drain; a process with nothing left to do exits before it.
    void step().finally(() => setTimeout(() => process.exit(), 1000).unref());
}
/** The message of an error we did not expect (a bug), without a stack trace that could hold values. */
function unexpectedErrorMessage(error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `fusion-token-action failed unexpectedly: ${detail}. Please report this.`;
}

;// CONCATENATED MODULE: ./src/post.ts
// The post step: when the job ends, deletes the fusion-api session the main
// step wrote, if any, and revokes the token the main step minted, if revoke is
// on and the token is still alive. It never fails the job: a failed deletion
// or revocation is a warning.






/** The session file holds the token: it goes when the job ends, whether or not the token is revoked. */
async function deleteFusionSession(actions, folder) {
    try {
        const outcome = await removeSession(folder);
        if (outcome === 'removed')
            actions.info(`Deleted the fusion-api token file and launchers in ${visible(folder)}.`);
        else if (outcome === 'absent')
            actions.info(`The fusion-api session in ${visible(folder)} was already deleted.`);
        else
            actions.warning(`${visible(folder)} is not a fusion-api session folder: it was left as it is. Please report this.`);
    }
    catch (error) {
        actions.warning(`Could not delete the fusion-api token file in ${visible(folder)} (${visible(text_errorText(error))}). ` +
            'It is gone when the runner empties RUNNER_TEMP at the end of the job; on a machine that keeps it, delete the folder.');
    }
}
async function run(actions = core_namespaceObject, deps = systemDependencies((line) => actions.info(line))) {
    try {
        // This is a new process: mask again before anything is printed.
        const token = actions.getState(STATE_TOKEN);
        if (token !== '')
            actions.setSecret(token);
        maskSecret(actions, actions.getInput('client-secret'));
        const sessionFolder = actions.getState(STATE_FUSION_SESSION);
        if (sessionFolder !== '')
            await deleteFusionSession(actions, sessionFolder);
        const plan = planRevocation(actions.getInput('revoke'), { token, expiresAt: actions.getState(STATE_EXPIRES_AT) }, deps.now());
        if (!plan.revoke) {
            actions.info(plan.reason);
            return;
        }
        const inputs = parseInputs((name) => actions.getInput(name));
        ignoreTlsOverride(actions);
        await revokeToken(inputs, plan.token, deps);
        actions.info(`Revoked the IMS access token of client ${visible(inputs.clientId)}.`);
    }
    catch (error) {
        actions.warning(error instanceof InputError || error instanceof RevokeError ? error.message : unexpectedErrorMessage(error));
    }
}

;// CONCATENATED MODULE: ./src/post-entry.ts
// The post step's entry point: the runner runs the bundle built from this file
// when the job ends.


runAsProcess(run);

