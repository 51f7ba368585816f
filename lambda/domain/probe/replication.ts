/**
 * What the MySQL probe reads about replication once it is logged in, and how: the statements for
 * a server (by the version its greeting announced) and what their rows say.
 *
 * The cost stays at one round trip over the plain probe: `@@global.read_only` (and
 * `super_read_only` on MySQL) ride on the probe's own `SELECT 1`, and `SHOW REPLICA STATUS` is
 * the one extra statement. It reads in-memory status under a short mutex, no table and no row
 * lock, so it is read on every probe: the eligibility rule wants the freshest observation before
 * the master died, and a probe every second keeps that at most a second old.
 */
import type { ReplicaStatus, ReplicationState } from '../types';

/** Which statements a server understands, from its version string. */
export interface Dialect {
  readonly mariadb: boolean;
  /** `SHOW REPLICA STATUS` / `STOP REPLICA`: MariaDB 10.5.1+, MySQL 8.0.22+ (8.4 has no other). */
  readonly replicaKeyword: boolean;
}

/** `10.11.19-MariaDB-0+deb12u1` (greetings of old clients' sake `5.5.5-` stripped), `8.0.36`. */
export function dialectOf(serverVersion: string): Dialect {
  const mariadb = /mariadb/i.test(serverVersion);
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion) ?? [])
    .slice(1)
    .map(Number);
  const at = (a: number, b: number, c: number) =>
    major !== a ? major > a : minor !== b ? minor > b : patch >= c;
  return { mariadb, replicaKeyword: mariadb ? at(10, 5, 1) : at(8, 0, 22) };
}

/** The probe's query: `1` as before, then the write barrier, in the same round trip. */
export function loginQuery(d: Dialect): string {
  return d.mariadb
    ? 'SELECT 1, @@global.read_only'
    : 'SELECT 1, @@global.read_only, @@global.super_read_only';
}

export function statusQuery(d: Dialect): string {
  return d.replicaKeyword ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS';
}

/** The write barrier from the probe's row (`rowsAsArray`): `[1, read_only, super_read_only?]`. */
export function barrierOf(
  row: readonly unknown[],
): Pick<ReplicationState, 'readOnly' | 'superReadOnly'> {
  const [, readOnly, superReadOnly] = row;
  return {
    readOnly: Number(readOnly) === 1,
    ...(superReadOnly === undefined ? {} : { superReadOnly: Number(superReadOnly) === 1 }),
  };
}

type Row = Readonly<Record<string, unknown>>;

/** The first of `names` the row has (MariaDB and MySQL before 8.0.22 say Master, MySQL Source). */
function pick(row: Row, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined) return row[name];
  return undefined;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * The replica status in SHOW REPLICA STATUS rows (objects keyed by column), or undefined when
 * there is no row: the node is not a replica. With several channels (MySQL multi-source), the
 * first is judged: a failover pair replicates over one.
 */
export function parseReplicaStatus(rows: unknown): ReplicaStatus | undefined {
  if (!Array.isArray(rows) || rows.length === 0) return undefined;
  const row = rows[0] as Row;
  const lag = pick(row, 'Seconds_Behind_Master', 'Seconds_Behind_Source');
  const lastError = [pick(row, 'Last_IO_Error'), pick(row, 'Last_SQL_Error')]
    .map(text)
    .filter((e) => e !== '')
    .join('; ');
  const gtids = text(pick(row, 'Gtid_IO_Pos', 'Retrieved_Gtid_Set'));
  const sqlState = text(pick(row, 'Slave_SQL_Running_State', 'Replica_SQL_Running_State'));
  return {
    source: `${text(pick(row, 'Master_Host', 'Source_Host'))}:${text(pick(row, 'Master_Port', 'Source_Port'))}`,
    ioThread: text(pick(row, 'Slave_IO_Running', 'Replica_IO_Running')),
    sqlThread: text(pick(row, 'Slave_SQL_Running', 'Replica_SQL_Running')),
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
    received: `${text(pick(row, 'Master_Log_File', 'Source_Log_File'))}:${text(pick(row, 'Read_Master_Log_Pos', 'Read_Source_Log_Pos'))}`,
    applied: `${text(pick(row, 'Relay_Master_Log_File', 'Relay_Source_Log_File'))}:${text(pick(row, 'Exec_Master_Log_Pos', 'Exec_Source_Log_Pos'))}`,
    ...(sqlState ? { sqlState } : {}),
    ...(gtids ? { receivedGtids: gtids } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/** The state of a node whose status rows arrived. */
export function replicationOf(
  barrier: Pick<ReplicationState, 'readOnly' | 'superReadOnly'>,
  rows: unknown,
): ReplicationState {
  const replica = parseReplicaStatus(rows);
  return replica ? { ...barrier, role: 'replica', replica } : { ...barrier, role: 'none' };
}

/** The state of a node whose status could not be read (no privilege, no answer in time). */
export function unreadable(
  barrier: Pick<ReplicationState, 'readOnly' | 'superReadOnly'>,
  why: string,
): ReplicationState {
  return { ...barrier, role: 'unreadable', detail: why };
}

/**
 * True once the replica has applied everything it received: its applied position reached the
 * received one, or its SQL thread says it has read all of its relay log (a transaction cut off
 * by the source's death stays received but is never applied, and waiting for it is pointless).
 */
export function caughtUp(r: ReplicaStatus): boolean {
  return (
    r.applied === r.received ||
    (r.sqlThread === 'Yes' && /read all relay log/i.test(r.sqlState ?? ''))
  );
}
