/**
 * The independent emulator: moto's server mode on a free loopback port, in its own process, tied
 * to ours so that it never outlives the check (a normal stop, an exit hook, and a watchdog shell
 * for the deaths that run no hooks).
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from '../../lambda/domain/clock';
import { freePort } from '../harness/mariadb';
import { startWatchdog } from '../harness/watchdog';

/** The moto release the emulator notes in docs/deploy-check.md were written against. */
export const MOTO_VERSION = '5.2.1';

/** How the check finds moto: the image's pyenv Python 3.11, where moto is installed. */
const DEFAULT_PYTHON = 'python3.11';

const READY_TIMEOUT_MS = 60_000;

export interface Moto {
  readonly endpoint: string;
  readonly port: number;
  /** moto's own output, for a failure report. */
  readonly logFile: string;
  /** The installed moto's version. */
  readonly version: string;
  /** The interpreter moto runs in, resolved past any pyenv shim: the check's zips use it too. */
  readonly python: string;
  stop(): Promise<void>;
}

/**
 * Starts `python -m moto.server` on 127.0.0.1 and resolves once it answers.
 * @param account the account moto's resources belong to: the stack's account.
 */
export async function startMoto(options: {
  readonly account: string;
  readonly workDir: string;
  readonly python?: string;
}): Promise<Moto> {
  const named = options.python ?? process.env.DEPLOY_CHECK_PYTHON ?? DEFAULT_PYTHON;
  const { python, version } = await resolvePython(named);
  const port = await freePort('127.0.0.1');
  const logFile = join(options.workDir, 'moto.log');
  const log = createWriteStream(logFile);
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    // moto answers for this account when a request's credentials do not name one.
    env: { ...process.env, MOTO_ACCOUNT_ID: options.account, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  // SIGKILLs moto if we die without running the exit hook below.
  const watchdog = startWatchdog(
    'moto-watchdog',
    ['kill -KILL "$1" 2>/dev/null'],
    [String(child.pid)],
  );
  const stop = async () => {
    watchdog.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
  };
  process.once('exit', () => child.kill('SIGKILL'));

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const early = await Promise.race([
      exited.then((code) => `exited with code ${code}`),
      spawnError.then((e) => `could not start: ${e.message}`),
      sleep(250).then(() => undefined),
    ]);
    if (early) {
      await stop();
      throw new Error(
        `moto (${python} -m moto.server) ${early}; its output:\n${await tail(logFile)}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto on ${endpoint} did not answer within ${READY_TIMEOUT_MS / 1000} s; its output:\n${await tail(logFile)}`,
      );
    }
  }
  return { endpoint, port, logFile, version, python, stop };
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The interpreter's real path (a pyenv shim resolved) and its moto version. */
async function resolvePython(named: string): Promise<{ python: string; version: string }> {
  try {
    const { stdout } = await promisify(execFile)(named, [
      '-c',
      'import sys, moto; print(sys.executable); print(moto.__version__)',
    ]);
    const [python = named, version = 'unknown'] = stdout.trim().split('\n');
    return { python, version };
  } catch (e) {
    throw new Error(
      `cannot run moto with ${named} (${(e as Error).message.split('\n')[0]}); install it with ` +
        `\`${named} -m pip install 'moto[server]==${MOTO_VERSION}'\`, or name the Python that has it with --python or DEPLOY_CHECK_PYTHON`,
      { cause: e },
    );
  }
}

async function tail(file: string, bytes = 3000): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.slice(-bytes) || '(no output)';
}
