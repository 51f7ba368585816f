/**
 * Promoting a standby replica to master, as the promotion user, each step under a deadline:
 *
 * 1. Wait, at most `catchUpTimeoutMs`, until it has applied what it received (probe/replication.ts
 *    `caughtUp`): the relay log holds transactions the dead master committed, and a master that
 *    went writable before applying them would serve stale reads and then conflict with them.
 * 2. STOP REPLICA: otherwise the IO thread, which keeps retrying, would resume from the old
 *    master the moment it returns and apply its writes over ours. Only stopped, not reset: the
 *    coordinates stay for the operator (RESET REPLICA ALL needs RELOAD, which we do not ask for).
 * 3. `read_only` OFF (on MySQL `super_read_only` first; turning read_only off clears it too).
 *
 * Idempotent: a node already writable with replication stopped is reported `already`, so a
 * retried move does not fail on its own first attempt. Expected failures are results naming the
 * step; nothing here throws.
 */
import { sleep, systemClock, type Clock } from '../clock';
import { describeError } from '../probe/errors';
import { caughtUp, parseReplicaStatus, statusQuery } from '../probe/replication';
import { openSession, type Session, type SessionOptions } from '../probe/mysql-session';
import type { TlsPeer } from '../probe/tls';
import type { Promotion, PromotionStep, ReplicaStatus } from '../types';

export type { Promotion, PromotionStep } from '../types';

/** Options of {@link promote}. */
export interface PromoteOptions extends SessionOptions {
  /** How long to wait for the replica to apply what it received. */
  readonly catchUpTimeoutMs: number;
  /**
   * A GTID position the replica must have applied before it is made writable: the fenced old
   * master's, in a switchover, so that nothing it wrote is left behind. The wait shares
   * `catchUpTimeoutMs`. (MariaDB MASTER_GTID_WAIT, MySQL WAIT_FOR_EXECUTED_GTID_SET.)
   */
  readonly waitFor?: string;
  /** Pause between two reads of the replica status while waiting. @default 100 */
  readonly pollMs?: number;
  /** Reads the time the catch-up's deadline is kept by. @default systemClock */
  readonly clock?: Clock;
  /** Waits between two reads of the replica status. @default sleep */
  readonly pause?: (ms: number) => Promise<void>;
  /** Logs in to the node. @default openSession */
  readonly open?: typeof openSession;
  /** Told each step as it completes, for the log. */
  readonly onStep?: (message: string) => void;
}

/** Raised inside a promotion to end it at `step`; turned into a failed result. */
class StepFailure extends Error {
  constructor(
    readonly step: PromotionStep,
    message: string,
  ) {
    super(message);
  }
}

/** Promotes `node`; see the module comment for the steps. */
export async function promote(
  node: { readonly name: string } & TlsPeer,
  options: PromoteOptions,
): Promise<Promotion> {
  const steps: string[] = [];
  const done = (message: string) => {
    steps.push(message);
    options.onStep?.(message);
  };
  let session: Session | undefined;
  try {
    session = await (options.open ?? openSession)(node, options).catch((e: unknown) => {
      throw new StepFailure('login', `login as ${options.user} failed: ${describeError(e)}`);
    });
    const already = await promoteIn(session, node.name, options, done);
    return { status: 'promoted', node: node.name, already, steps };
  } catch (e) {
    const step = e instanceof StepFailure ? e.step : 'status';
    return { status: 'failed', node: node.name, step, detail: describeError(e), steps };
  } finally {
    await session?.close();
  }
}

async function promoteIn(
  session: Session,
  name: string,
  options: PromoteOptions,
  done: (message: string) => void,
): Promise<boolean> {
  const initial = await replicaStatus(session);
  const writable = !(await readOnly(session));
  const replicating =
    initial !== undefined && (initial.ioThread !== 'No' || initial.sqlThread !== 'No');
  if (writable && !replicating) {
    done(`${name} is already writable and replicates from no one`);
    return true;
  }
  // Also when replication is already stopped: stopped short of what it received is refused.
  // The catch-up and the wait for the old master's position share one deadline, never passed.
  const catchUpBy = new CatchUpDeadline(options);
  if (initial) {
    const applied = await catchUp(session, name, catchUpBy, initial);
    done(`${name} applied everything it received (${applied})`);
  }
  if (options.waitFor) {
    await waitForPosition(session, name, options.waitFor, catchUpBy);
    done(`${name} applied the old master's last transaction (${options.waitFor})`);
  }
  if (replicating) {
    await step('stop', () =>
      session.query(session.dialect.replicaKeyword ? 'STOP REPLICA' : 'STOP SLAVE'),
    );
    done(`${name} stopped replicating from ${initial.source}`);
  }
  await step('writable', async () => {
    if (!session.dialect.mariadb) await session.query('SET GLOBAL super_read_only = OFF');
    await session.query('SET GLOBAL read_only = OFF');
    if (await readOnly(session))
      throw new Error('read_only is still ON after SET GLOBAL read_only = OFF');
  });
  done(`${name} is writable (read_only OFF)`);
  return false;
}

/**
 * The catch-up's one deadline, `catchUpTimeoutMs` from its start: each read of the replica status,
 * each pause between them and the GTID wait get only what is left of it (mover-budget.ts).
 */
class CatchUpDeadline {
  readonly totalMs: number;
  readonly pollMs: number;
  readonly pause: (ms: number) => Promise<void>;
  private readonly clock: Clock;
  private readonly endsAt: number;
  /** The deadline of one statement: the session's, or what is left when that is less. */
  private readonly statementMs: number;

  constructor(options: PromoteOptions) {
    this.clock = options.clock ?? systemClock;
    this.totalMs = options.catchUpTimeoutMs;
    this.endsAt = this.clock.now() + options.catchUpTimeoutMs;
    this.pollMs = options.pollMs ?? 100;
    this.pause = options.pause ?? sleep;
    this.statementMs = options.timeoutMs;
  }

  /** Milliseconds left, 0 once passed. */
  leftMs(): number {
    return Math.max(0, this.endsAt - this.clock.now());
  }

  /** A statement's deadline now. */
  statementLeftMs(): number {
    return Math.min(this.statementMs, this.leftMs());
  }
}

/** Waits until the replica has applied what it received; resolves to the applied position. */
async function catchUp(
  session: Session,
  name: string,
  by: CatchUpDeadline,
  first: ReplicaStatus,
): Promise<string> {
  let status: ReplicaStatus | undefined = first;
  while (status && !caughtUp(status)) {
    if (status.sqlThread !== 'Yes')
      throw new StepFailure(
        'catch-up',
        `${name}'s SQL thread is ${status.sqlThread || 'stopped'} with ${status.received} received but only ${status.applied} applied${status.lastError ? ` (${status.lastError})` : ''}; promoting it would lose those transactions`,
      );
    const late = new StepFailure(
      'catch-up',
      `${name} had applied ${status.applied} of ${status.received} received after promotion.catchUpTimeoutMs ${by.totalMs}; promoting it would lose the rest`,
    );
    if (by.leftMs() > 0) await by.pause(Math.min(by.pollMs, by.leftMs()));
    if (by.leftMs() === 0) throw late;
    // A read the deadline cut short is the catch-up's end, not a failed status.
    status = await replicaStatus(session, by.statementLeftMs()).catch((e: unknown) => {
      throw by.leftMs() === 0 ? late : e;
    });
  }
  return status ? status.applied : first.applied;
}

const UUID = '[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}';
const INTERVAL = '\\d+(?:-\\d+)?';
/** MySQL 8.4 tags: a letter or underscore, then up to 31 letters, digits or underscores. */
const TAG = '[A-Za-z_][A-Za-z0-9_]{0,31}';
/** One MySQL UUID set: `uuid:1-5:7`, with tags (8.4) `uuid:tag:1-5` or `uuid:1-3:tag:4`. */
const MYSQL_UUID_SET = new RegExp(
  `^${UUID}(?::${TAG}:${INTERVAL}(?::${INTERVAL})*|:${INTERVAL})+$`,
);
/** One MariaDB GTID: `domain-server-sequence`. */
const MARIADB_GTID = /^\d+-\d+-\d+$/;

/**
 * True for a GTID set as MySQL (tagged or not) or MariaDB write it, comma-separated, whitespace
 * (a set wraps lines in SHOW output) ignored: only such a value is ever quoted into SQL.
 */
export function isGtidSet(position: string): boolean {
  const parts = position.replace(/\s+/g, '').split(',');
  return parts.every((p) => MYSQL_UUID_SET.test(p) || MARIADB_GTID.test(p));
}

/**
 * How much of the catch-up's deadline the server's answer to the GTID wait gets: the server
 * waits whole seconds that end at least this long before the deadline, which ends the query.
 */
export const GTID_ANSWER_MS = 250;

/** Waits until the replica has applied `position`, within what is left of the catch-up. */
async function waitForPosition(
  session: Session,
  name: string,
  position: string,
  by: CatchUpDeadline,
): Promise<void> {
  // A literal: checked against the GTID grammars before it is quoted.
  if (!isGtidSet(position))
    throw new StepFailure('catch-up', `GTID position ${JSON.stringify(position)} is not one`);
  const leftMs = by.leftMs();
  const seconds = Math.floor((leftMs - GTID_ANSWER_MS) / 1000);
  if (seconds < 1)
    throw new StepFailure(
      'catch-up',
      `${name} had ${leftMs} ms left of promotion.catchUpTimeoutMs ${by.totalMs} to apply the old master's position ${position}, too little to wait; promoting it could lose the rest`,
    );
  const quoted = `'${position.replace(/\s+/g, '')}'`;
  const sql = session.dialect.mariadb
    ? `SELECT MASTER_GTID_WAIT(${quoted}, ${seconds}) AS r`
    : `SELECT WAIT_FOR_EXECUTED_GTID_SET(${quoted}, ${seconds}) AS r`;
  const rows = (await step('catch-up', () => session.query(sql, leftMs))) as {
    r: unknown;
  }[];
  if (Number(rows[0]?.r) !== 0)
    throw new StepFailure(
      'catch-up',
      `${name} had not applied the old master's position ${position} after ${seconds} s; promoting it would lose the rest`,
    );
}

async function replicaStatus(
  session: Session,
  timeoutMs?: number,
): Promise<ReplicaStatus | undefined> {
  return step('status', async () =>
    parseReplicaStatus(await session.query(statusQuery(session.dialect), timeoutMs)),
  );
}

async function readOnly(session: Session): Promise<boolean> {
  const rows = (await step('status', () => session.query('SELECT @@global.read_only AS ro'))) as {
    ro: unknown;
  }[];
  return Number(rows[0]?.ro) === 1;
}

/** Runs `work`, labelling a failure with `name` (a StepFailure keeps its own). */
async function step<T>(name: PromotionStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw e instanceof StepFailure ? e : new StepFailure(name, describeError(e));
  }
}
