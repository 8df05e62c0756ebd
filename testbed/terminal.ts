// Stands in for: a contributor at a terminal in a clone of the project, who
// types one of its commands (npm start, npx tsx scripts/..., npx jest) and
// reads what it prints and how it exits.
import { spawn } from 'node:child_process';
import { ROOT } from './runner.js';

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether a process of the command still ran after it ended (left behind, or killed then). */
  readonly leftRunning: boolean;
}

/** How long the command's processes may take to exit after it ended. */
const GRACE_MS = 3000;

/** The running command, as the terminal holds it. */
export interface RunningCommand {
  /** Ctrl-C: SIGINT to every process of the command (its process group). */
  interrupt(): void;
}

export interface CommandOptions {
  /** Variables to set over the terminal's environment; undefined removes one. */
  readonly env?: Record<string, string | undefined>;
  /** Kill the command after this long (a hung command fails the test). */
  readonly killAfterMs?: number;
  /** Called with all stdout so far on each chunk, to act on the running command. */
  readonly onStdout?: (stdout: string, command: RunningCommand) => void;
}

/**
 * The terminal's environment: this process's, without what the test run adds
 * (jest's NODE_OPTIONS), the machine's proxies, or a real credential that
 * would send npm start to the real IMS.
 */
function terminalEnvironment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const name of ['NODE_OPTIONS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('FUSION_')) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Sends a signal to a process group; false when no process is left in it. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `command args...` in the repository root, in a process group of its
 * own as a terminal's foreground job, and collects its output and exit. Any
 * process of it still running once it ends is killed, and said.
 */
export function runCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: terminalEnvironment(options.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid as number;
    const running: RunningCommand = { interrupt: () => void signalGroup(pid, 'SIGINT') };
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, running);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.killAfterMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      // The command's own children may take a moment longer to exit after a Ctrl-C (npm's node under load):
      // left running is what still runs after a grace period.
      const graceEnds = Date.now() + GRACE_MS;
      const settle = (): void => {
        const running = signalGroup(pid, 0);
        if (running && Date.now() < graceEnds) {
          setTimeout(settle, 50);
          return;
        }
        if (running) signalGroup(pid, 'SIGKILL');
        resolve({ code, signal, stdout, stderr, leftRunning: running });
      };
      settle();
    });
  });
}

/** Lines that show a stack trace (`    at fn (file:line:col)`). */
export function stackTraceLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at \S/.test(line));
}
