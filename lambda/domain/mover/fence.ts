/**
 * Fencing a node that must not take writes (the old master after a failover, or any node that
 * turns up writable without holding the VIP): `read_only` ON, as the promotion user.
 *
 * On MySQL `super_read_only` ON (it implies read_only) also stops accounts with SUPER or
 * CONNECTION_ADMIN; on MariaDB 10.11 only READ_ONLY ADMIN writes through read_only. Sessions
 * already open stay open, but their next write fails; a transaction that is committing when
 * the barrier goes up finishes first (SET GLOBAL read_only waits for it, within our deadline).
 *
 * A node we cannot reach is reported `unreachable`, not failed: a dead master needs no fence
 * now, and whoever brings it back finds it read-only if it boots so (see docs/database-failover.md), while the
 * Checker fences a writable node that is not the active one as soon as it answers.
 */
import { describeError } from '../probe/errors';
import { openSession, type Session, type SessionOptions } from '../probe/mysql-session';
import type { TlsPeer } from '../probe/tls';
import type { Fencing, Unfencing } from '../types';

export type { Fencing, Unfencing } from '../types';

/** Sets `node` read-only; see the module comment. Never throws. */
export async function fence(
  node: { readonly name: string } & TlsPeer,
  options: SessionOptions,
): Promise<Fencing> {
  let session: Session;
  try {
    session = await openSession(node, options);
  } catch (e) {
    return { status: 'unreachable', node: node.name, detail: describeError(e) };
  }
  try {
    const already = await barrierUp(session);
    const sql = session.dialect.mariadb
      ? 'SET GLOBAL read_only = ON'
      : 'SET GLOBAL super_read_only = ON';
    if (!already) await session.query(sql);
    if (!already && !(await barrierUp(session)))
      return { status: 'failed', node: node.name, detail: `${sql} left it writable` };
    const position = await positionOf(session);
    return { status: 'fenced', node: node.name, already, ...(position ? { position } : {}) };
  } catch (e) {
    return { status: 'failed', node: node.name, detail: describeError(e) };
  } finally {
    await session.close();
  }
}

/** The node's GTID position; undefined when it uses none (or cannot say). */
async function positionOf(session: Session): Promise<string | undefined> {
  const sql = session.dialect.mariadb
    ? 'SELECT @@global.gtid_binlog_pos AS pos'
    : 'SELECT @@global.gtid_executed AS pos';
  const rows = (await session.query(sql).catch(() => [])) as { pos?: unknown }[];
  const pos = rows[0]?.pos;
  return typeof pos === 'string' && pos.trim() !== '' ? pos.trim() : undefined;
}

/** True when the node refuses writes: read_only, and on MySQL super_read_only too. */
async function barrierUp(session: Session): Promise<boolean> {
  const sql = session.dialect.mariadb
    ? 'SELECT @@global.read_only AS ro, 1 AS sro'
    : 'SELECT @@global.read_only AS ro, @@global.super_read_only AS sro';
  const [row] = (await session.query(sql)) as { ro: unknown; sro: unknown }[];
  return Number(row?.ro) === 1 && Number(row?.sro) === 1;
}

/** The statement that lifts our fence; on MySQL it clears super_read_only too. */
export const UNFENCE_SQL = 'SET GLOBAL read_only = OFF';

/** Sets `node` writable again, undoing our own fence. Never throws. */
export async function unfence(
  node: { readonly name: string } & TlsPeer,
  options: SessionOptions,
): Promise<Unfencing> {
  const failed = (e: unknown): Unfencing => ({
    status: 'failed',
    node: node.name,
    detail: describeError(e),
    statement: UNFENCE_SQL,
  });
  let session: Session;
  try {
    session = await openSession(node, options);
  } catch (e) {
    return failed(e);
  }
  try {
    await session.query(UNFENCE_SQL);
    return { status: 'lifted', node: node.name };
  } catch (e) {
    return failed(e);
  } finally {
    await session.close();
  }
}
