/**
 * Network partitions on this machine: one vantage point (the Checker or a witness, each probing
 * from a loopback source address of its own) cut off from one node, while every other vantage
 * point still reaches it. As a security group or NACL would, the cut drops the packets silently:
 * a probe from there times out, a held connection hears nothing.
 *
 * Done with iptables on loopback: a chain of our own, jumped to from INPUT for packets on lo,
 * holding one DROP rule per cut (tcp, source address to the node's address and port). The chain
 * is named after this process and the partition set, so heal() removes exactly what was added
 * and two clusters in one machine never touch each other's rules. Nothing may outlive us: heal()
 * and stop() remove the chain, an 'exit' hook and SIGINT/SIGTERM/SIGHUP hooks remove what is
 * left, and a watchdog shell removes it when the process dies without running them (SIGKILL).
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startWatchdog } from './watchdog';

const execFileAsync = promisify(execFile);

/** Every chain this module creates is named `VIPF-PARTITION-<pid>-<n>`. */
export const PARTITION_CHAIN_PREFIX = 'VIPF-PARTITION';

/** One cut: tcp from `source` to `host`:`port` dropped. */
export interface Cut {
  readonly source: string;
  readonly host: string;
  readonly port: number;
}

/** iptables is missing, or may not change the rules here. */
export class PartitionUnavailableError extends Error {
  public override readonly name = 'PartitionUnavailableError';
}

const LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const isLoopback = (address: string): boolean => {
  const m = LOOPBACK.exec(address);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
};

/** The rule that sends loopback input through `chain`. */
const jump = (chain: string) => ['INPUT', '-i', 'lo', '-j', chain];

/** The DROP rule of one cut. */
const dropRule = (cut: Cut) => [
  ...['-p', 'tcp', '-s', `${cut.source}/32`, '-d', `${cut.host}/32`],
  ...['--dport', String(cut.port), '-j', 'DROP'],
];

let binary: string | undefined;

/** The iptables binary: on PATH, or in sbin, which a non-root PATH often lacks. */
function iptablesBinary(): string {
  if (binary) return binary;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  const found = dirs.filter(Boolean).find((d) => existsSync(`${d}/iptables`));
  if (!found) {
    throw new PartitionUnavailableError(
      'iptables is not installed, and cutting a vantage point off from a node needs it: install it as root ' +
        '(apt-get install -y iptables, or run scripts/setup.sh as root, which does), then run again as root',
    );
  }
  binary = `${found}/iptables`;
  return binary;
}

/** Why iptables failed, told with the fix when it is one of permission. */
function iptablesError(args: readonly string[], e: unknown): Error {
  const err = e as { stderr?: string | Buffer; code?: unknown; message?: string };
  const stderr = String(err.stderr ?? '').trim() || (err.message ?? String(e));
  if (/permission denied|must be root|operation not permitted|can't initialize/i.test(stderr)) {
    return new PartitionUnavailableError(
      `iptables ${args.join(' ')} was refused (${stderr.split('\n')[0]}): cutting a vantage point off from a ` +
        'node changes firewall rules, which needs root (and CAP_NET_ADMIN in a container); run as root, ' +
        'such as sudo npm run drill -- --scenario partition',
    );
  }
  return new Error(`iptables ${args.join(' ')} failed: ${stderr}`);
}

async function iptables(args: readonly string[]): Promise<void> {
  const bin = iptablesBinary();
  try {
    // -w: wait for the xtables lock rather than fail beside another iptables run.
    await execFileAsync(bin, ['-w', ...args]);
  } catch (e) {
    throw iptablesError(args, e);
  }
}

/** For exit hooks, which cannot wait: every step tried, failures ignored. */
function iptablesNow(args: readonly string[]): void {
  if (!binary) return;
  try {
    execFileSync(binary, ['-w', ...args], { stdio: 'ignore' });
  } catch {
    // Already gone, or nothing we could do about it now.
  }
}

/** At our death: unhook `$2` from INPUT, flush it and delete it, with iptables at `$1`. */
const WATCHDOG_STEPS = [
  '"$1" -w -D INPUT -i lo -j "$2" 2>/dev/null',
  '"$1" -w -F "$2" 2>/dev/null',
  '"$1" -w -X "$2" 2>/dev/null',
];

const live = new Set<Partitions>();
let sequence = 0;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Removes every partition left, then lets the signal do what it would have done without us. */
function onSignal(signal: NodeJS.Signals): void {
  for (const p of live) p.healNow();
  releaseHooks();
  // Others listening decide what the signal does; alone, we re-raise it so the process ends.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const onExit = () => {
  for (const p of live) p.healNow();
};

/** Hooks are installed only while a partition is in place, so they change nothing otherwise. */
function holdHooks(): void {
  if (live.size !== 1) return;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function releaseHooks(): void {
  if (live.size > 0) return;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * The cuts of one cluster. The chain exists from the first cut to heal(): between partitions,
 * iptables is exactly as it was before.
 */
export class Partitions {
  /** This set's chain name: the same each time it is created again after a heal. */
  private readonly name = `${PARTITION_CHAIN_PREFIX}-${process.pid}-${++sequence}`;
  private chain?: string;
  private watchdog?: ChildProcess;
  private readonly cuts: Cut[] = [];
  /** Changes run one at a time, so a heal never races a cut half made. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The cuts in place. */
  get active(): readonly Cut[] {
    return this.cuts;
  }

  /** Drops tcp from `cut.source` to `cut.host`:`cut.port` until heal(). */
  async cut(cut: Cut): Promise<void> {
    for (const [field, address] of [
      ['source', cut.source],
      ['host', cut.host],
    ] as const) {
      if (!isLoopback(address))
        throw new Error(
          `partition ${field} ${JSON.stringify(address)} is not a 127/8 address; partitions cut loopback traffic only`,
        );
    }
    if (!Number.isInteger(cut.port) || cut.port < 1 || cut.port > 65535)
      throw new Error(`partition port ${cut.port} must be a TCP port (1-65535)`);
    return this.serial(async () => {
      if (
        this.cuts.some((c) => c.source === cut.source && c.host === cut.host && c.port === cut.port)
      )
        return;
      const chain = await this.ensureChain();
      await iptables(['-A', chain, ...dropRule(cut)]);
      this.cuts.push(cut);
    });
  }

  /** Removes every cut and the chain; nothing when there is none. */
  heal(): Promise<void> {
    return this.serial(async () => {
      const chain = this.chain;
      if (!chain) return;
      await iptables(['-D', ...jump(chain)]);
      await iptables(['-F', chain]);
      await iptables(['-X', chain]);
      this.forget();
    });
  }

  /** heal() for an exit hook: synchronous, best effort. */
  healNow(): void {
    const chain = this.chain;
    if (!chain) return;
    iptablesNow(['-D', ...jump(chain)]);
    iptablesNow(['-F', chain]);
    iptablesNow(['-X', chain]);
    this.forget();
  }

  private async ensureChain(): Promise<string> {
    if (this.chain) return this.chain;
    const bin = iptablesBinary();
    const chain = this.name;
    await iptables(['-N', chain]);
    this.chain = chain;
    live.add(this);
    holdHooks();
    this.watchdog = startWatchdog('vipf-partition-watchdog', WATCHDOG_STEPS, [bin, chain]);
    try {
      await iptables(['-I', ...jump(chain)]);
    } catch (e) {
      this.healNow();
      throw e;
    }
    return chain;
  }

  private forget(): void {
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    this.chain = undefined;
    this.cuts.length = 0;
    live.delete(this);
    releaseHooks();
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
