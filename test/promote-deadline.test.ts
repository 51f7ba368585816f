/**
 * A promotion's catch-up and its GTID wait share `catchUpTimeoutMs` and never run past it: a
 * fake session on an injected clock, where every statement takes the clock's time and one that
 * outlives its deadline fails as the real session does (mysql-session.ts).
 */
import { promote, type PromoteOptions } from '../lambda/domain/mover/promote';
import { SessionTimeoutError, type Session } from '../lambda/domain/probe/mysql-session';

const NODE = { name: 'db-b', address: '127.0.0.12' };
const GTID = '0-1-500';

/** A replica status row: applied `applied` of 500 received. */
const statusRow = (applied: number) => [
  {
    Master_Host: '127.0.0.11',
    Master_Port: 3306,
    Slave_IO_Running: 'Yes',
    Slave_SQL_Running: 'Yes',
    Master_Log_File: 'bin.000001',
    Read_Master_Log_Pos: 500,
    Relay_Master_Log_File: 'bin.000001',
    Exec_Master_Log_Pos: applied,
  },
];

interface Sent {
  readonly sql: string;
  readonly at: number;
  readonly timeoutMs: number;
}

/**
 * A MariaDB replica on a clock of its own: each statement takes `costMs` (the GTID wait takes all
 * the time the server is given); `appliedAt(now)` says how far it has applied.
 */
function fakeReplica(options: { costMs: number; appliedAt: (now: number) => number }) {
  let now = 0;
  let readOnly = 1;
  const sent: Sent[] = [];
  const session: Session = {
    dialect: { mariadb: true, replicaKeyword: true },
    async query(sql, timeoutMs = STATEMENT_MS) {
      sent.push({ sql, at: now, timeoutMs });
      const wait = /MASTER_GTID_WAIT\(.*, (\d+)\)/.exec(sql);
      const takes = wait ? Number(wait[1]) * 1000 : options.costMs;
      if (takes > timeoutMs) {
        now += timeoutMs;
        throw new SessionTimeoutError(`${sql} not answered within ${timeoutMs} ms`);
      }
      now += takes;
      if (sql.startsWith('SHOW')) return statusRow(options.appliedAt(now));
      if (wait) return [{ r: options.appliedAt(now) >= 500 ? 0 : 1 }];
      if (sql === 'SET GLOBAL read_only = OFF') readOnly = 0;
      return [{ ro: readOnly }];
    },
    close: async () => undefined,
  };
  const opts: Pick<PromoteOptions, 'clock' | 'pause' | 'open'> = {
    clock: { now: () => now },
    pause: async (ms) => {
      now += ms;
    },
    open: async () => session,
  };
  return { sent, opts, now: () => now };
}

const STATEMENT_MS = 2000;

function optionsWith(
  replica: ReturnType<typeof fakeReplica>,
  extra: Partial<PromoteOptions>,
): PromoteOptions {
  return {
    port: 3306,
    user: 'vip_promoter',
    password: { get: async () => 'secret', invalidate: () => undefined },
    timeoutMs: STATEMENT_MS,
    catchUpTimeoutMs: 5000,
    ...replica.opts,
    ...extra,
  };
}

/** When the catch-up began: after the first status read and the read_only read. */
const catchUpStart = (sent: readonly Sent[], costMs: number) => (sent[1]?.at ?? 0) + costMs;

describe('promote, within its catch-up deadline', () => {
  it.each([
    // [what, catch-up ms, statement cost ms, applied by time]
    ['a replica caught up at 3.6 s of 5 s', 5000, 300, (t: number) => (t >= 3600 ? 500 : 400)],
    ['a replica caught up at once, with 2.5 s', 2500, 10, () => 500],
  ])(
    'gives the GTID wait only what is left of the catch-up, on the server and on the client: %s',
    async (_what, catchUpTimeoutMs, costMs, appliedAt) => {
      // Prepare
      const replica = fakeReplica({ costMs, appliedAt });

      // Act
      const result = await promote(NODE, optionsWith(replica, { catchUpTimeoutMs, waitFor: GTID }));

      // Assess: the wait was asked, and neither its server-side timeout nor the query's
      // deadline reaches past the end of the catch-up.
      expect(result).toMatchObject({ status: 'promoted' });
      const end = catchUpStart(replica.sent, costMs) + catchUpTimeoutMs;
      const wait = replica.sent.find((s) => s.sql.includes('MASTER_GTID_WAIT'));
      const serverSeconds = Number(/, (\d+)\) AS r$/.exec(wait?.sql ?? '')?.[1]);
      expect(serverSeconds).toBeGreaterThanOrEqual(1);
      expect((wait?.at ?? 0) + serverSeconds * 1000).toBeLessThanOrEqual(end);
      expect((wait?.at ?? 0) + (wait?.timeoutMs ?? 0)).toBeLessThanOrEqual(end);
    },
  );

  it('ends a catch-up that never completes at its deadline, with the catch-up named', async () => {
    // Prepare: every status read takes 300 ms; the replica never applies the rest.
    const replica = fakeReplica({ costMs: 300, appliedAt: () => 400 });

    // Act
    const result = await promote(NODE, optionsWith(replica, { catchUpTimeoutMs: 5000 }));

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      step: 'catch-up',
      detail: expect.stringMatching(/after promotion\.catchUpTimeoutMs 5000; promoting it would/),
    });
    const end = catchUpStart(replica.sent, 300) + 5000;
    expect(replica.now()).toBeLessThanOrEqual(end);
    for (const s of replica.sent.slice(2)) expect(s.at + s.timeoutMs).toBeLessThanOrEqual(end);
  });

  it('does not ask for a GTID wait it has no whole second left for', async () => {
    // Prepare: caught up with 1000 ms of the catch-up left, the server's answer's share too.
    const replica = fakeReplica({ costMs: 300, appliedAt: (t) => (t >= 4400 ? 500 : 400) });

    // Act
    const result = await promote(
      NODE,
      optionsWith(replica, { catchUpTimeoutMs: 5000, waitFor: GTID }),
    );

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      step: 'catch-up',
      detail: expect.stringMatching(/ms left of promotion\.catchUpTimeoutMs 5000 .*too little/),
    });
    expect(replica.sent.some((s) => s.sql.includes('GTID'))).toBe(false);
  });
});
