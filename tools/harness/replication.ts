/**
 * Real MariaDB replication between harness servers (no jest imports here): a master with a
 * GTID binlog, replicas of it, seeded data, the monitor and promotion users with the privileges
 * docs/database-failover.md documents, a steady writer that makes lag visible, and each node's state as the
 * drill reports it.
 *
 * Every node boots `read_only=ON` (what docs/database-failover.md advises for my.cnf): a master that restarts
 * comes back read-only until something makes it writable, never writable by accident. Users and
 * data are created on the master only and reach the replicas through replication, so every node
 * holds the same accounts, as in production.
 */
import { createConnection } from 'mysql2/promise';
import { sleep } from '../../lambda/domain/clock';
import type { FailoverConfig } from '../../config';
import { startMariaDb, type MariaDbOptions, type MariaDbServer } from './mariadb';

/** The account replicas use to read the master's binlog. */
export const REPLICATION_USER = 'vip_repl';
const REPLICATION_PASSWORD = 'vip-repl-password';

/** The database and table {@link seedData} creates and the writer writes to. */
export const APP_DATABASE = 'app';
export const APP_TABLE = `${APP_DATABASE}.orders`;

/**
 * The application's account: it reads and writes the app database and nothing else, so
 * read_only stops it (root, holding READ_ONLY ADMIN, writes through read_only).
 */
export const APP_USER = 'app';
const APP_PASSWORD = 'app-password';

/**
 * The monitor user's privileges: the replication status (MariaDB 10.5.9+; MySQL: REPLICATION
 * CLIENT) and nothing that writes. `SELECT 1` and `@@read_only` need no privilege.
 */
export const MONITOR_GRANTS = 'SLAVE MONITOR';

/**
 * The promotion user's privileges, the least that works on MariaDB 10.11 (tried one by one):
 * STOP REPLICA needs REPLICATION SLAVE ADMIN, SET GLOBAL read_only needs READ_ONLY ADMIN (SUPER
 * no longer implies it since 10.11), and the wait for the catch-up reads SHOW REPLICA STATUS.
 */
export const PROMOTION_GRANTS = 'REPLICATION SLAVE ADMIN, READ_ONLY ADMIN, SLAVE MONITOR';

/** mariadbd arguments for a node of a replicating group, by its server id (1, 2 ...). */
export function replicationArgs(serverId: number): string[] {
  return [
    '--log-bin=mysql-bin',
    `--server-id=${serverId}`,
    // A promoted replica's binlog holds everything, so an old master can later replicate from it.
    '--log-slave-updates',
    '--binlog-format=ROW',
    '--read-only=ON',
  ];
}

/** A user to create on every node, with its password. */
export interface Account {
  readonly user: string;
  readonly password: string;
}

/** Options of {@link startReplicated}. */
export interface ReplicatedOptions {
  /** How many servers: the first is the master, the rest its replicas. @default 2 */
  readonly count?: number;
  /** Per server (by index): its address and port, as startMariaDb takes them. */
  readonly servers?: readonly Pick<MariaDbOptions, 'host' | 'port'>[];
  /** Extra mariadbd arguments of every server (TLS, say). */
  readonly args?: readonly string[];
  /** The monitor user, granted {@link MONITOR_GRANTS}. */
  readonly monitor?: Account;
  /** The promotion user, granted {@link PROMOTION_GRANTS}. */
  readonly promoter?: Account;
}

/**
 * Starts `count` servers, makes the first the master and the others its replicas, seeds the
 * app database and creates the accounts; resolves once every replica has caught up.
 */
export async function startReplicated(options: ReplicatedOptions = {}): Promise<MariaDbServer[]> {
  const count = options.count ?? 2;
  const servers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startMariaDb({
        ...options.servers?.[i],
        args: [...replicationArgs(i + 1), ...(options.args ?? [])],
      }),
    ),
  );
  const [master, ...replicas] = servers as [MariaDbServer, ...MariaDbServer[]];
  await replicate(master, replicas);
  await seedData(master);
  if (options.monitor)
    await createUserWith(master, options.monitor.user, options.monitor.password, MONITOR_GRANTS);
  if (options.promoter)
    await createUserWith(
      master,
      options.promoter.user,
      options.promoter.password,
      PROMOTION_GRANTS,
    );
  await Promise.all(replicas.map((r) => waitCaughtUp(master, r)));
  return servers;
}

/**
 * A cluster's nodes as a replicating group: `servers` in the config's order, the first the
 * master; the probe user (and, with promotion "mysql", the promotion user) get `password`.
 */
export async function replicateNodes(
  config: FailoverConfig,
  servers: readonly MariaDbServer[],
  password: string,
): Promise<void> {
  const [master, ...replicas] = servers as [MariaDbServer, ...MariaDbServer[]];
  await replicate(master, replicas);
  await seedData(master);
  const monitor = config.probe.mysql?.user;
  if (monitor) await createUserWith(master, monitor, password, MONITOR_GRANTS);
  const promoter = config.promotion.type === 'mysql' ? config.promotion.user : undefined;
  if (promoter) await createUserWith(master, promoter, password, PROMOTION_GRANTS);
  await Promise.all(replicas.map((r) => waitCaughtUp(master, r)));
}

/** Options of {@link replicate}. */
export interface ReplicateOptions {
  /** Delay every replicated event by this many seconds (MASTER_DELAY). */
  readonly delaySeconds?: number;
}

/**
 * Makes `master` writable and each of `replicas` its replica (GTID, from the start of the
 * master's binlog), and waits until they have caught up.
 */
export async function replicate(
  master: MariaDbServer,
  replicas: readonly MariaDbServer[],
  options: ReplicateOptions = {},
): Promise<void> {
  await master.query('SET GLOBAL read_only = OFF');
  await master.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [
    REPLICATION_USER,
    REPLICATION_PASSWORD,
  ]);
  await master.query("GRANT REPLICATION SLAVE ON *.* TO ?@'%'", [REPLICATION_USER]);
  await Promise.all(replicas.map((r) => replicaOf(r, master, options)));
  await Promise.all(replicas.map((r) => waitCaughtUp(master, r)));
}

/** Points `server` at `master` and starts replicating (GTID, slave_pos), read-only. */
export async function replicaOf(
  server: MariaDbServer,
  master: MariaDbServer,
  options: ReplicateOptions = {},
): Promise<void> {
  await server.query('SET GLOBAL read_only = ON');
  // Not running, or never configured, on a node that was no replica: nothing to stop.
  await server.query('STOP SLAVE').catch(() => undefined);
  await server.query(
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
      'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_DELAY = ?',
    [master.host, master.port, REPLICATION_USER, REPLICATION_PASSWORD, options.delaySeconds ?? 0],
  );
  await server.query('START SLAVE');
}

/** A database, a table and a few rows, on the master. */
export async function seedData(master: MariaDbServer): Promise<void> {
  await master.query(`CREATE DATABASE IF NOT EXISTS ${APP_DATABASE}`);
  await master.query(
    `CREATE TABLE IF NOT EXISTS ${APP_TABLE} (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(64) NOT NULL, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
  );
  await master.query(`INSERT INTO ${APP_TABLE} (item) VALUES ('first'), ('second'), ('third')`);
  await createUserWith(master, APP_USER, APP_PASSWORD, `SELECT, INSERT ON ${APP_DATABASE}.*`, '');
}

/** Writes one row as the application would (over TCP, as {@link APP_USER}); rejects when refused. */
export async function appInsert(server: MariaDbServer, item: string): Promise<void> {
  const conn = await createConnection({
    host: server.host,
    port: server.port,
    user: APP_USER,
    password: APP_PASSWORD,
    connectTimeout: 5000,
  });
  try {
    await conn.query(`INSERT INTO ${APP_TABLE} (item) VALUES (?)`, [item]);
  } finally {
    await conn.end();
  }
}

/**
 * Creates `user` on `master` (reaching every replica) with `grants` on `*.*`, such as
 * MONITOR_GRANTS; `grants` may name its own object (`SELECT ON app.*`) with `on` ''.
 */
export async function createUserWith(
  master: MariaDbServer,
  user: string,
  password: string,
  grants: string,
  on = ' ON *.*',
): Promise<void> {
  await master.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [user, password]);
  await master.query(`GRANT ${grants}${on} TO ?@'%'`, [user]);
}

/** Waits until `replica` has applied every GTID the master has logged. */
export function waitCaughtUp(
  master: MariaDbServer,
  replica: MariaDbServer,
  timeoutMs = 30_000,
): Promise<void> {
  return waitForGtids(
    master,
    replica,
    'applied',
    () => gtidOf(replica, '@@gtid_slave_pos'),
    timeoutMs,
  );
}

/**
 * Waits until `replica` has received (not necessarily applied) every GTID the master has logged:
 * its IO thread's position (Gtid_IO_Pos) reaches the master's binlog position.
 */
export function waitReceived(
  master: MariaDbServer,
  replica: MariaDbServer,
  timeoutMs = 30_000,
): Promise<void> {
  const received = async () => {
    const rows = (await replica.query('SHOW SLAVE STATUS')) as { Gtid_IO_Pos?: string }[];
    return rows[0]?.Gtid_IO_Pos ?? '';
  };
  return waitForGtids(master, replica, 'received', received, timeoutMs);
}

/** Polls `position` of the replica until it equals the master's binlog position. */
async function waitForGtids(
  master: MariaDbServer,
  replica: MariaDbServer,
  what: string,
  position: () => Promise<string>,
  timeoutMs: number,
): Promise<void> {
  const target = await gtidOf(master, '@@gtid_binlog_pos');
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await position();
    if (seen === target) return;
    await sleep(50);
  }
  throw new Error(
    `replica on port ${replica.port} has ${what} ${seen || 'nothing'}, not the master's ${target}, after ${timeoutMs} ms`,
  );
}

async function gtidOf(server: MariaDbServer, variable: string): Promise<string> {
  const rows = (await server.query(`SELECT ${variable} AS pos`)) as { pos: string }[];
  return rows[0]?.pos ?? '';
}

/** What the drill reports of a node's database. */
export interface DatabaseState {
  readonly running: boolean;
  readonly readOnly?: boolean;
  /** `none` when it is no replica; else its threads and lag. */
  readonly replication?:
    'none' | { readonly io: string; readonly sql: string; readonly lagSeconds: number | null };
  /** Why the state could not be read. */
  readonly error?: string;
}

/** A node's read_only and replication, read as root over its socket. */
export async function databaseState(server: MariaDbServer): Promise<DatabaseState> {
  if (!server.running) return { running: false };
  if (server.frozen) return { running: true, error: 'frozen (SIGSTOP)' };
  try {
    const [barrier] = (await server.query('SELECT @@global.read_only AS ro')) as { ro: number }[];
    const [status] = (await server.query('SHOW SLAVE STATUS')) as Record<string, unknown>[];
    const replication = status
      ? {
          io: String(status.Slave_IO_Running),
          sql: String(status.Slave_SQL_Running),
          lagSeconds:
            status.Seconds_Behind_Master === null ? null : Number(status.Seconds_Behind_Master),
        }
      : ('none' as const);
    return { running: true, readOnly: Number(barrier?.ro) === 1, replication };
  } catch (e) {
    return { running: true, error: (e as Error).message };
  }
}

/** Waits until the replica's Seconds_Behind_Master reaches `seconds`; false after `timeoutMs`. */
export async function waitForLag(
  replica: MariaDbServer,
  seconds: number,
  timeoutMs: number,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const { replication } = await databaseState(replica);
    if (typeof replication === 'object' && (replication.lagSeconds ?? 0) >= seconds) return true;
    await sleep(200);
  }
  return false;
}

/** A steady stream of writes on the master, as an application would make. */
export interface Writer {
  /** Stops writing; resolves to the number of rows written. */
  stop(): Promise<number>;
}

/**
 * Inserts a row every `everyMs` until stopped. Failed writes (the master died, or turned
 * read-only) are counted out, not thrown: the writer outlives its master, as clients do.
 */
export function startWriter(master: MariaDbServer, everyMs = 200): Writer {
  let written = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (master.running && !master.frozen) {
        await appInsert(master, 'tick')
          .then(() => written++)
          .catch(() => undefined);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return written;
    },
  };
}
