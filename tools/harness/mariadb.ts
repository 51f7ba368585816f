/**
 * Real MariaDB servers on loopback, for tests, drills and benchmarks (no jest imports here).
 *
 * `mariadb-install-db` runs once per MariaDB version into a template datadir cached under
 * os.tmpdir(); each server gets a copy, so a start costs a file copy plus mariadbd's boot
 * (a few hundred ms). Servers listen on loopback only (127.0.0.1 or another 127/8 address), with grants enforced.
 *
 * No server may outlive the process that started it, frozen or not: `stopAll()` is the normal
 * path, a process 'exit' hook SIGKILLs whatever is left, and a tiny watchdog shell per server
 * SIGKILLs it when our process dies without running exit hooks (SIGKILL, Ctrl-C). SIGKILL
 * works on a SIGSTOPped process, so a frozen server cannot escape either.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { sleep } from '../../lambda/domain/clock';
import { startWatchdog } from './watchdog';

const execFileAsync = promisify(execFile);

/** A running (or killed, restartable) MariaDB server on a loopback address. */
export interface MariaDbServer {
  /** The loopback address it listens on (127.0.0.1 unless asked for another 127/8 address). */
  readonly host: string;
  readonly port: number;
  /** Unix socket the harness itself uses for admin statements. */
  readonly socket: string;
  /** Pid of the current mariadbd process; changes on restart. */
  readonly pid: number;
  readonly datadir: string;
  /** False after kill() or stop(), true again after restart(). */
  readonly running: boolean;
  readonly frozen: boolean;
  /** Creates `user`@`%` identified by `password` (no privileges needed for `SELECT 1`). */
  createUser(user: string, password: string): Promise<void>;
  /** Changes the password of `user`@`%`; open sessions stay logged in, as with a real rotation. */
  setPassword(user: string, password: string): Promise<void>;
  /** Runs one admin statement as root over the unix socket. */
  query(sql: string, values?: unknown[]): Promise<unknown>;
  /** SIGKILL, as in a crash; resolves once the process has exited. The datadir is kept. */
  kill(): Promise<void>;
  /** SIGSTOP: the kernel still accepts TCP connections, but mysqld never answers. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Starts mariadbd again on the same datadir and port (stopping it first if running). */
  restart(): Promise<void>;
  /** Graceful shutdown, then the datadir is removed. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startMariaDb}. */
export interface MariaDbOptions {
  /**
   * Loopback address to bind, such as 127.0.0.11: two servers on distinct 127/8 addresses can
   * share one port, as nodes of a failover group share the probe port. Default 127.0.0.1.
   */
  readonly host?: string;
  /** Port to listen on; default a free one. */
  readonly port?: number;
  /** Extra mariadbd arguments, such as `--max-connections=5`. */
  readonly args?: readonly string[];
  /** How long to wait for the server to accept a login. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

const INSTALL_HINT =
  'install it with `apt-get install -y mariadb-server` (the tests run real MariaDB servers on 127.0.0.1)';

/** Bump when the install options below change, so an old cached template is not reused. */
const TEMPLATE_LAYOUT = 1;

/** Shared by install and server: small InnoDB files keep the copy and the boot fast. */
const INNODB_ARGS = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M'];

const live = new Set<Server>();
let exitHookInstalled = false;
let templatePromise: Promise<string> | undefined;

/** Starts a MariaDB server from the cached template; resolves once root can log in. */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const bin = binaries();
  const template = await templateDir(bin);
  const root = await mkdtemp(join(tmpdir(), 'vip-failover-mariadb-'));
  const datadir = join(root, 'data');
  await cp(template, datadir, { recursive: true });
  installExitHook();
  // A free port can be taken between our probe and mariadbd's bind; pick another then.
  for (let attempt = 1; ; attempt++) {
    const host = options.host ?? '127.0.0.1';
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
      throw new Error(`MariaDB host ${host} is not a loopback address; tests only use 127.0.0.0/8`);
    }
    const port = options.port ?? (await freePort(host));
    const server = new Server(bin.mariadbd, root, datadir, host, port, options);
    live.add(server);
    try {
      await server.boot();
      return server;
    } catch (e) {
      await server.halt();
      live.delete(server);
      if (!(e instanceof PortTakenError) || attempt >= 3 || options.port !== undefined) {
        await rm(root, { recursive: true, force: true });
        throw e;
      }
    }
  }
}

/** Stops every server this process started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** The installed MariaDB server version, such as `10.11.19-MariaDB-0+deb12u1`. */
export function mariaDbVersion(): string {
  return binaries().version;
}

class PortTakenError extends Error {}

class Server implements MariaDbServer {
  readonly socket: string;
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private isFrozen = false;
  private removed = false;

  constructor(
    private readonly mariadbd: string,
    private readonly root: string,
    readonly datadir: string,
    readonly host: string,
    readonly port: number,
    private readonly options: MariaDbOptions,
  ) {
    this.socket = join(root, 'mariadbd.sock');
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Spawns mariadbd and waits for a root login over the socket. */
  async boot(): Promise<void> {
    const logFile = join(this.root, 'error.log');
    const child = await this.spawn(logFile);
    this.child = child;
    this.isFrozen = false;
    // The process handle never keeps an otherwise finished test run or tool alive.
    child.unref();
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        this.stopWatchdog();
        resolve();
      }),
    );
    this.watchdog = startWatchdog('mariadb-watchdog', WATCHDOG_STEPS, [
      String(child.pid),
      this.root,
    ]);
    await this.ready(child, logFile);
  }

  private async spawn(logFile: string): Promise<ChildProcess> {
    const child = spawn(
      this.mariadbd,
      [
        '--no-defaults',
        `--datadir=${this.datadir}`,
        `--port=${this.port}`,
        `--bind-address=${this.host}`,
        `--socket=${this.socket}`,
        `--pid-file=${join(this.root, 'mariadbd.pid')}`,
        `--log-error=${logFile}`,
        '--user=root',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-temp-data-file-path=ibtmp1:1M:autoextend',
        ...INNODB_ARGS,
        ...(this.options.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    if (child.pid === undefined) {
      // spawn reports ENOENT and friends asynchronously; surface it as a start failure.
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`cannot start ${this.mariadbd}: ${err.message}; ${INSTALL_HINT}`);
    }
    return child;
  }

  /** Waits until root can log in; fails early when the process exits (a taken port, say). */
  private async ready(child: ChildProcess, logFile: string): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no attempt yet';
    while (Date.now() < deadline) {
      if (this.child !== child) {
        const log = await tail(logFile);
        if (/Address already in use|Bind on TCP\/IP port/i.test(log)) {
          throw new PortTakenError(`port ${this.port} was taken before mariadbd could bind it`);
        }
        throw new Error(`mariadbd exited during start-up; end of ${logFile}:\n${log}`);
      }
      try {
        await this.query('SELECT 1');
        return;
      } catch (e) {
        lastError = (e as Error).message;
        await sleep(20);
      }
    }
    throw new Error(
      `mariadbd on port ${this.port} not ready after ${timeoutMs} ms ` +
        `(last error: ${lastError}); end of ${logFile}:\n${await tail(logFile)}`,
    );
  }

  async query(sql: string, values?: unknown[]): Promise<unknown> {
    if (this.isFrozen) throw new Error(`mariadbd on port ${this.port} is frozen; thaw() it first`);
    const conn = await createConnection({
      socketPath: this.socket,
      user: 'root',
      connectTimeout: 5000,
    });
    try {
      const [rows] = await conn.query(sql, values);
      return rows;
    } finally {
      await conn.end();
    }
  }

  async createUser(user: string, password: string): Promise<void> {
    await this.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
  }

  async setPassword(user: string, password: string): Promise<void> {
    await this.query("ALTER USER ?@'%' IDENTIFIED BY ?", [user, password]);
  }

  freeze(): void {
    this.signal('SIGSTOP');
    this.isFrozen = true;
  }

  thaw(): void {
    this.signal('SIGCONT');
    this.isFrozen = false;
  }

  async kill(): Promise<void> {
    await this.halt();
  }

  async restart(): Promise<void> {
    if (this.removed) throw new Error(`mariadbd on port ${this.port} was stopped; start a new one`);
    if (this.child) await this.shutdown();
    await this.boot();
  }

  async stop(): Promise<void> {
    if (this.child) await this.shutdown();
    live.delete(this);
    if (!this.removed) {
      this.removed = true;
      await rm(this.root, { recursive: true, force: true });
    }
  }

  /** SIGKILL now (after SIGCONT, so the kill is not left pending) and wait for the exit. */
  async halt(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.ref();
    this.thaw();
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Synchronous last resort for the process 'exit' hook. */
  haltNow(): void {
    this.stopWatchdog();
    if (this.child?.pid !== undefined) {
      trySignal(this.child.pid, 'SIGCONT');
      trySignal(this.child.pid, 'SIGKILL');
    }
    if (!this.removed) rmSync(this.root, { recursive: true, force: true });
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it takes more than 10 s. */
  private async shutdown(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.ref();
    this.thaw();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.child?.pid) throw new Error(`mariadbd on port ${this.port} is not running`);
    process.kill(this.child.pid, signal);
  }

  private stopWatchdog(): void {
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
  }
}

/**
 * At our death: SIGKILL the server, wait (at most 5 s) for it to be gone, then remove the datadir
 * that was under it.
 */
const WATCHDOG_STEPS = [
  'kill -KILL "$1" 2>/dev/null',
  'i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done',
  'rm -rf "$2"',
];

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of live) server.haltNow();
  });
}

interface Binaries {
  readonly mariadbd: string;
  readonly installDb: string;
  readonly version: string;
}

let cachedBinaries: Binaries | undefined;

function binaries(): Binaries {
  if (cachedBinaries) return cachedBinaries;
  const mariadbd = findExecutable('mariadbd');
  const installDb = findExecutable('mariadb-install-db');
  if (!mariadbd || !installDb) {
    throw new Error(
      `MariaDB server not found (${!mariadbd ? 'mariadbd' : 'mariadb-install-db'} is not in /usr/sbin, /usr/bin or PATH); ${INSTALL_HINT}`,
    );
  }
  const out = execFileSync(mariadbd, ['--version'], { encoding: 'utf8' });
  const version = /Ver\s+(\S+)/.exec(out)?.[1];
  if (!version)
    throw new Error(`cannot read the version from \`${mariadbd} --version\`: ${out.trim()}`);
  cachedBinaries = { mariadbd, installDb, version };
  return cachedBinaries;
}

function findExecutable(name: string): string | undefined {
  const dirs = ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(delimiter)];
  return dirs
    .filter((d) => d.startsWith('/'))
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
}

/** The template datadir, installed on first use and reused by every later run of this version. */
function templateDir(bin: Binaries): Promise<string> {
  templatePromise ??= (async () => {
    const safeVersion = bin.version.replace(/[^A-Za-z0-9.+-]/g, '_');
    const dir = join(tmpdir(), `vip-failover-mariadb-template-${safeVersion}-v${TEMPLATE_LAYOUT}`);
    if (existsSync(join(dir, 'mysql'))) return dir;
    // Install aside and rename into place: parallel jest workers race here, rename is atomic.
    await mkdir(tmpdir(), { recursive: true });
    const staging = await mkdtemp(`${dir}.staging-`);
    try {
      await execFileAsync(
        bin.installDb,
        [
          '--no-defaults',
          `--datadir=${staging}`,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          '--user=root',
          ...INNODB_ARGS,
        ],
        { timeout: 120_000 },
      );
      try {
        await rename(staging, dir);
      } catch (e) {
        if (!existsSync(join(dir, 'mysql'))) throw e;
      }
    } catch (e) {
      templatePromise = undefined;
      throw new Error(`mariadb-install-db failed: ${(e as Error).message}`, { cause: e });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return dir;
  })();
  return templatePromise;
}

/** A port free on `host`; exported so a drill can pick one port that all its nodes share. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function tail(file: string, bytes = 4000): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '(no error log)';
  }
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
