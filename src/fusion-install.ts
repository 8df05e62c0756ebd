// Puts the fusion-api command in place for the later steps of a job: the
// session file (the token, mode 0600, in a folder of mode 0700) and the two
// launchers that run dist/fusion-api.js with the step's Node. The launcher
// texts and the log line are pure; the writes take their file calls as an
// argument, so that tests can make one fail.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { type FusionSession, SESSION_ENV, encodeSession, sessionPaths } from './fusion-session.js';
import { errorText } from './text.js';

/** The post step's state: the session folder to delete when the job ends. */
export const STATE_FUSION_SESSION = 'fusion-api-session';
/** The command's own bundle, beside the main step's dist/index.js. */
export const COMMAND_SCRIPT = 'fusion-api.js';
export const LAUNCHERS = { posix: 'fusion-api', windows: 'fusion-api.cmd' } as const;

/** What a launcher runs: the Node that ran the step, the command's bundle, and the session it names. */
export interface LauncherTarget {
  readonly node: string;
  readonly script: string;
  readonly sessionFile: string;
}

/** A value as one POSIX shell word that the shell takes literally, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Git Bash on Windows runs the POSIX launcher too; it wants C:/x rather than C:\x. */
function shellPath(value: string): string {
  return /^[A-Za-z]:\\/.test(value) ? value.replace(/\\/g, '/') : value;
}

export function posixLauncher(target: LauncherTarget): string {
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
function batchLiteral(value: string): string {
  return value.replace(/%/g, '%%');
}

export function windowsLauncher(target: LauncherTarget): string {
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
export function fusionApiLine(orgId: string, region: string): string {
  const start = 'The fusion-api command is on PATH for the later steps of this job';
  const settings = [orgId === '' ? '' : `organization ${orgId}`, region === '' ? '' : `region ${region}`].filter(
    (part) => part !== '',
  );
  const missing = [
    orgId === '' ? ['fusion-org-id', '--org-id'] : undefined,
    region === '' ? ['fusion-region', '--region'] : undefined,
  ].filter((pair) => pair !== undefined);
  const given = settings.length === 0 ? '' : `, for ${settings.join(' in ')}`;
  if (missing.length === 0) return `${start}${given}.`;
  return (
    `${start}${given}. No ${missing.map(([input]) => input).join(' or ')} is set: set ` +
    `${missing.length === 1 ? 'it' : 'them'}, or pass ${missing.map(([, flag]) => flag).join(' and ')} to each call.`
  );
}

/** The file calls the install and the removal make (node:fs/promises has them). */
export interface SessionFiles {
  mkdir(folder: string, options: { recursive: true; mode: number }): Promise<unknown>;
  chmod(file: string, mode: number): Promise<void>;
  open(file: string, flags: 'wx', mode: number): Promise<fs.FileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(file: string, options: { force: true }): Promise<void>;
  readdir(folder: string): Promise<string[]>;
  rmdir(folder: string): Promise<void>;
}

export class FusionInstallError extends Error {
  override name = 'FusionInstallError';
}

/** Leftovers of an interrupted write: they may hold the token, so the removal looks for them too. */
const TEMP_FILE = /^(session\.json|fusion-api|fusion-api\.cmd)\.[0-9a-f]{12}\.tmp$/;

/**
 * Writes a file whole or not at all: a temporary file of `mode` in the same
 * folder, then a rename over the old one, so that a command reading it never
 * sees half a session, and a failed write keeps the earlier one.
 */
async function writeAtomically(files: SessionFiles, file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await files.open(temporary, 'wx', mode);
  try {
    try {
      // The umask may have taken bits off; set exactly what is meant.
      await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
    } finally {
      await handle.close();
    }
    await files.rename(temporary, file);
  } catch (error) {
    await files.rm(temporary, { force: true });
    throw error;
  }
}

export interface InstallPlace {
  /** RUNNER_TEMP, or a private folder of this run when there is none. */
  readonly runnerTemp: string;
  /** The folder of the running bundle, which holds fusion-api.js. */
  readonly distFolder: string;
  /** The Node that runs the step (process.execPath): the job's PATH may have another, or none. */
  readonly nodePath: string;
}

/**
 * Writes the session (replacing an earlier step's) and the launchers, and
 * returns where they are. Throws a FusionInstallError that names the folder.
 */
export async function installSession(
  session: Omit<FusionSession, 'format'>,
  place: InstallPlace,
  files: SessionFiles = fs,
): Promise<{ folder: string; file: string; bin: string }> {
  const paths = sessionPaths(place.runnerTemp);
  const target: LauncherTarget = {
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
  } catch (error) {
    throw new FusionInstallError(
      `Could not put the fusion-api command in ${paths.folder}: ${errorText(error)}. ` +
        'Check that RUNNER_TEMP is a folder this job can write, or set fusion-api: false.',
    );
  }
  return paths;
}

const FOLDER_NAME = path.basename(sessionPaths('.').folder);

/**
 * Deletes the session file, the launchers, what an interrupted write left,
 * then the two folders if nothing else is in them. Never anything else: a
 * folder not named as sessionPaths names it is left alone.
 */
export async function removeSession(
  folder: string,
  files: SessionFiles = fs,
): Promise<'removed' | 'absent' | 'not a session folder'> {
  if (path.basename(folder) !== FOLDER_NAME) return 'not a session folder';
  const { file, bin } = sessionPaths(path.dirname(folder));
  const leftoversIn = async (dir: string): Promise<string[] | undefined> => {
    try {
      return (await files.readdir(dir)).filter((name) => TEMP_FILE.test(name)).map((name) => path.join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const inFolder = await leftoversIn(folder);
  if (inFolder === undefined) return 'absent';
  const targets = [
    file,
    path.join(bin, LAUNCHERS.posix),
    path.join(bin, LAUNCHERS.windows),
    ...inFolder,
    ...((await leftoversIn(bin)) ?? []),
  ];
  for (const target of targets) await files.rm(target, { force: true });
  for (const dir of [bin, folder]) {
    try {
      await files.rmdir(dir);
    } catch (error) {
      // Gone already, or holding something that is not ours to delete.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  return 'removed';
}
