export const id = 797;
export const ids = [797];
export const modules = {

/***/ 797:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   STATE_FUSION_SESSION: () => (/* binding */ STATE_FUSION_SESSION),
/* harmony export */   fusionApiLine: () => (/* binding */ fusionApiLine),
/* harmony export */   installSession: () => (/* binding */ installSession)
/* harmony export */ });
/* unused harmony exports COMMAND_SCRIPT, LAUNCHERS, shellQuote, posixLauncher, windowsLauncher, FusionInstallError, removeSession */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _fusion_session_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3570);
/* harmony import */ var _text_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8992);
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
        `${_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .SESSION_ENV */ .L4}=${shellQuote(shellPath(target.sessionFile))}`,
        `export ${_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .SESSION_ENV */ .L4}`,
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
        `set "${_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .SESSION_ENV */ .L4}=${batchLiteral(target.sessionFile)}"`,
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
class FusionInstallError extends Error {
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
    const temporary = `${file}.${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(6).toString('hex')}.tmp`;
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
async function installSession(session, place, files = node_fs_promises__WEBPACK_IMPORTED_MODULE_1__) {
    const paths = (0,_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .sessionPaths */ .NE)(place.runnerTemp);
    const target = {
        node: place.nodePath,
        script: node_path__WEBPACK_IMPORTED_MODULE_2___default().join(place.distFolder, COMMAND_SCRIPT),
        sessionFile: paths.file,
    };
    try {
        await files.mkdir(paths.bin, { recursive: true, mode: 0o700 });
        // An earlier folder, or the umask, may have left wider modes: only this user reads the token.
        await files.chmod(paths.folder, 0o700);
        await writeAtomically(files, paths.file, (0,_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .encodeSession */ .tG)(session), 0o600);
        await writeAtomically(files, node_path__WEBPACK_IMPORTED_MODULE_2___default().join(paths.bin, LAUNCHERS.posix), posixLauncher(target), 0o755);
        await writeAtomically(files, node_path__WEBPACK_IMPORTED_MODULE_2___default().join(paths.bin, LAUNCHERS.windows), windowsLauncher(target), 0o755);
    }
    catch (error) {
        throw new FusionInstallError(`Could not put the fusion-api command in ${paths.folder}: ${(0,_text_js__WEBPACK_IMPORTED_MODULE_4__/* .errorText */ .kc)(error)}. ` +
            'Check that RUNNER_TEMP is a folder this job can write, or set fusion-api: false.');
    }
    return paths;
}
const FOLDER_NAME = node_path__WEBPACK_IMPORTED_MODULE_2___default().basename((0,_fusion_session_js__WEBPACK_IMPORTED_MODULE_3__/* .sessionPaths */ .NE)('.').folder);
/**
 * Deletes the session file, the launchers, what an interrupted write left,
 * then the two folders if nothing else is in them. Never anything else: a
 * folder not named as sessionPaths names it is left alone.
 */
async function removeSession(folder, files = fs) {
    if (path.basename(folder) !== FOLDER_NAME)
        return 'not a session folder';
    const { file, bin } = sessionPaths(path.dirname(folder));
    const leftoversIn = async (dir) => {
        try {
            return (await files.readdir(dir)).filter((name) => TEMP_FILE.test(name)).map((name) => path.join(dir, name));
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
        path.join(bin, LAUNCHERS.posix),
        path.join(bin, LAUNCHERS.windows),
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


/***/ })

};
