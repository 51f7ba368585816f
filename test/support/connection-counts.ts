/** What a real MariaDB server has counted of the connections made to it, for the probe specs. */
import { sleep } from '../../lambda/domain/clock';
import type { MariaDbServer } from '../../tools/harness/mariadb';

/**
 * Logins refused (Access_denied_errors) and connections aborted, as the server's `abortedBy`
 * counter has them (Aborted_connects: every abandoned handshake; Aborted_connects_preauth: those
 * before authentication, the kind that feeds max_connect_errors for non-loopback clients). Read
 * once every client connection's thread has ended (at most `idleWithinMs` later), since a thread
 * counts as it ends.
 */
export async function connectionCounts(
  server: MariaDbServer,
  abortedBy: 'Aborted_connects' | 'Aborted_connects_preauth',
  idleWithinMs: number,
): Promise<{ refused: number; aborted: number }> {
  const until = Date.now() + idleWithinMs;
  for (;;) {
    const [row] = (await server.query(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'",
    )) as { n: number }[];
    if (Number(row?.n) === 0 || Date.now() > until) break;
    await sleep(20);
  }
  const rows = (await server.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN ('Access_denied_errors', '${abortedBy}')`,
  )) as { Variable_name: string; Value: string }[];
  const value = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value);
  return { refused: value('Access_denied_errors'), aborted: value(abortedBy) };
}
