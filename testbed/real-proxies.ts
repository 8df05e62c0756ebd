// Stands in for: a corporate forward proxy, played by Debian's own tinyproxy and squid.
// Runs tinyproxy or squid, as apt-get installs them, in the foreground on a
// free loopback port, with its own config file, hosts table and log in a
// temporary folder, and reads the CONNECT requests back from its log.
//
// @actions/http-client never proxies a loopback address, so the action asks
// for a name that is not one, and the proxy must resolve that name to the
// emulator on 127.0.0.1:
// - squid reads the hosts file that its `hosts_file` directive names;
// - tinyproxy asks the system resolver, so it runs in a private mount
//   namespace (unshare) in which the test's hosts file is bind-mounted over
//   /etc/hosts. Only that process sees it: the machine's /etc/hosts is untouched.

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ProxyCredentials {
  readonly user: string;
  readonly password: string;
}

export interface RealProxyOptions {
  /** Host name -> the address the proxy resolves it to. */
  readonly hosts: Readonly<Record<string, string>>;
  /** tinyproxy only: demand these credentials (BasicAuth). */
  readonly credentials?: ProxyCredentials;
}

/** What the proxy binaries are; a test must not pass without them. */
export const INSTALL_HINT = 'Install them with: apt-get install tinyproxy squid (.ci/run installs them when missing).';

// Sent through the proxy to learn that it has logged everything before it:
// a name in the proxy's hosts table, on a port where nothing listens.
const MARKER_TARGET = 'proxy-log-marker.test:1';
const MARKER_HOST = 'proxy-log-marker.test';
const START_ATTEMPTS = 3;
const READY_GUARD_MS = 15_000;
const LOG_GUARD_MS = 10_000;
const STOP_GUARD_MS = 10_000;

/** The binary's path: on PATH, or in the sbin folders a non-root PATH may lack. Throws when missing. */
export function proxyBinary(name: string, hint = INSTALL_HINT): string {
  const folders = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const folder of folders.filter((entry) => entry !== '')) {
    const candidate = path.join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  throw new Error(`${name} is not installed, and the real-proxy tests need it. ${hint}`);
}

function hostsFile(hosts: Readonly<Record<string, string>>): string {
  const entries = { ...hosts, [MARKER_HOST]: '127.0.0.1' };
  return Object.entries(entries)
    .map(([name, address]) => `${address} ${name}\n`)
    .join('');
}

/** A port nothing listens on just now (the proxy binds it a moment later; a lost race is retried). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How to run one kind of proxy: its command line, config, and what a CONNECT looks like in its log. */
interface ProxyKind {
  readonly name: 'tinyproxy' | 'squid';
  /** Writes the config into `work` and returns the command line and the log file. */
  prepare(work: string, port: number, options: RealProxyOptions): { command: string[]; logFile: string };
  /** The target (host:port) of each CONNECT in the log, in order. */
  connectTargets(log: string): string[];
}

const TINYPROXY: ProxyKind = {
  name: 'tinyproxy',
  prepare(work, port, { hosts, credentials }) {
    const binary = proxyBinary('tinyproxy');
    const unshare = proxyBinary('unshare', 'It comes with util-linux.');
    const logFile = path.join(work, 'tinyproxy.log');
    const hostsPath = path.join(work, 'hosts');
    const config = path.join(work, 'tinyproxy.conf');
    if (credentials && /[\s"]/.test(`${credentials.user}${credentials.password}`))
      throw new Error('tinyproxy BasicAuth credentials cannot hold spaces or quotes');
    writeFileSync(hostsPath, hostsFile(hosts));
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Allow 127.0.0.1',
        'Timeout 60',
        'MaxClients 20',
        'DisableViaHeader Yes',
        `LogFile "${logFile}"`,
        // Connect: one line per request, "Request (file descriptor N): CONNECT host:port HTTP/1.1".
        'LogLevel Connect',
        ...(credentials ? [`BasicAuth ${credentials.user} ${credentials.password}`] : []),
        '',
      ].join('\n'),
    );
    // Root may mount in a new mount namespace; anyone else needs a user namespace for it.
    const namespaces = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
    const script = 'mount --bind "$1" /etc/hosts && exec "$2" -d -c "$3"';
    return {
      command: [unshare, ...namespaces, '--', 'sh', '-c', script, 'sh', hostsPath, binary, config],
      logFile,
    };
  },
  connectTargets: (log) =>
    [...log.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((match) => match[1] as string),
};

const SQUID: ProxyKind = {
  name: 'squid',
  prepare(work, port, { hosts, credentials }) {
    if (credentials) throw new Error('the squid stand-in does not authenticate; use tinyproxy');
    const binary = proxyBinary('squid');
    // Started as root, squid drops to its own user (proxy on Debian): its logs go where that user can write.
    const logs = path.join(work, 'logs');
    mkdirSync(logs);
    chmodSync(work, 0o755);
    chmodSync(logs, 0o777);
    const hostsPath = path.join(work, 'hosts');
    const config = path.join(work, 'squid.conf');
    writeFileSync(hostsPath, hostsFile(hosts), { mode: 0o644 });
    writeFileSync(
      config,
      [
        `http_port 127.0.0.1:${port}`,
        'visible_hostname fusion-test-squid',
        `hosts_file ${hostsPath}`,
        'http_access allow localhost',
        'http_access deny all',
        'cache deny all',
        `access_log stdio:${path.join(logs, 'access.log')}`,
        `cache_log ${path.join(logs, 'cache.log')}`,
        'cache_store_log none',
        'pid_filename none',
        `coredump_dir ${logs}`,
        'logfile_rotate 0',
        'netdb_filename none',
        'pinger_enable off',
        'icp_port 0',
        // Stop at once on SIGTERM rather than wait 30 s for open connections.
        'shutdown_lifetime 0 seconds',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    return { command: [binary, '-N', '-f', config], logFile: path.join(logs, 'access.log') };
  },
  // A line per finished transaction: "time elapsed client TCP_TUNNEL/200 bytes CONNECT host:port ...".
  connectTargets: (log) =>
    [...log.matchAll(/^\S+\s+\d+\s+\S+\s+\S+\s+\d+\s+CONNECT\s+(\S+)/gm)].map((match) => match[1] as string),
};

export class RealProxy {
  private seen = 0;
  private marks = 0;

  private constructor(
    private readonly kind: ProxyKind,
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly work: string,
    private readonly logFile: string,
    private readonly killOnExit: () => void,
  ) {}

  get name(): string {
    return this.kind.name;
  }

  /** http://127.0.0.1:port, with credentials when given. */
  url(credentials?: ProxyCredentials): string {
    const auth = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
      : '';
    return `http://${auth}127.0.0.1:${this.port}`;
  }

  /** The proxy's log so far. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * The targets of the CONNECT requests logged since the last call, in order.
   * squid logs a tunnel only when it closes, so a marker request goes through
   * first and this waits until the log shows it: all that came before is in.
   */
  async takeConnects(): Promise<string[]> {
    await this.sendMarker();
    this.marks++;
    const deadline = Date.now() + LOG_GUARD_MS;
    let targets = this.kind.connectTargets(this.log());
    while (targets.filter((target) => target === MARKER_TARGET).length < this.marks) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not log the marker CONNECT:\n${this.log()}`);
      await pause(20);
      targets = this.kind.connectTargets(this.log());
    }
    const fresh = targets.slice(this.seen);
    this.seen = targets.length;
    return fresh.filter((target) => target !== MARKER_TARGET);
  }

  /** Stops the proxy (SIGTERM, then SIGKILL past a guard) and removes its folder. */
  async stop(): Promise<void> {
    process.off('exit', this.killOnExit);
    // No pid: it never started, and there is nothing to stop.
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const guard = setTimeout(() => this.child.kill('SIGKILL'), STOP_GUARD_MS);
      await exited;
      clearTimeout(guard);
    }
    rmSync(this.work, { recursive: true, force: true });
  }

  private sendMarker(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1', () =>
        socket.write(`CONNECT ${MARKER_TARGET} HTTP/1.1\r\nHost: ${MARKER_TARGET}\r\n\r\n`),
      );
      // Any answer will do (407, 500, 503): the proxy has read the request. Closing ends the transaction.
      socket.once('data', () => socket.destroy());
      socket.once('close', () => resolve());
      socket.once('error', reject);
    });
  }

  static async start(kind: ProxyKind, options: RealProxyOptions): Promise<RealProxy> {
    let lastFailure = '';
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const work = mkdtempSync(path.join(tmpdir(), `fusion-${kind.name}-`));
      const port = await freePort();
      let command: string[];
      let logFile: string;
      try {
        ({ command, logFile } = kind.prepare(work, port, options));
      } catch (error) {
        rmSync(work, { recursive: true, force: true });
        throw error;
      }
      const [program, ...args] = command as [string, ...string[]];
      const child = spawn(program, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('error', (error) => (output += `\n${error.message}`));
      // Should the test process end without afterAll, the proxy goes with it.
      const killOnExit = (): void => void child.kill('SIGKILL');
      process.once('exit', killOnExit);
      const proxy = new RealProxy(kind, child, port, work, logFile, killOnExit);
      if (await proxy.ready()) return proxy;
      lastFailure = `${output.trim()}\n${proxy.log().trim()}`.trim();
      await proxy.stop();
    }
    throw new Error(`${kind.name} did not start (${START_ATTEMPTS} attempts). Its last words:\n${lastFailure}`);
  }

  /** Waits until the port accepts connections; false if the process ended or the guard ran out. */
  private async ready(): Promise<boolean> {
    const deadline = Date.now() + READY_GUARD_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
      if (await canConnect(this.port)) return true;
      await pause(50);
    }
    return false;
  }
}

/** Debian's tinyproxy, resolving the given hosts through its own /etc/hosts, with BasicAuth if credentials are given. */
export function startTinyproxy(options: RealProxyOptions): Promise<RealProxy> {
  return RealProxy.start(TINYPROXY, options);
}

/** Debian's squid, resolving the given hosts through its hosts_file. */
export function startSquid(options: RealProxyOptions): Promise<RealProxy> {
  return RealProxy.start(SQUID, options);
}
