/**
 * The MySQL probe's replication read and the eligibility rule, against real MariaDB replication
 * on 127.0.0.1: a master with a GTID binlog and a replica of it, seeded, with the monitor user
 * holding SLAVE MONITOR only. Waits are generous and assert what happens, never how fast.
 */
import { sleep } from '../../lambda/domain/clock';
import { mysqlProber } from '../../lambda/domain/probe/probe';
import {
  fitness,
  remember,
  type ReplicationMemory,
  type ReplicationPolicy,
} from '../../lambda/domain/replication';
import type { ProbeResult } from '../../lambda/domain/types';
import { stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import {
  startReplicated,
  startWriter,
  waitCaughtUp,
  type Account,
} from '../../tools/harness/replication';

const MONITOR: Account = { user: 'vip_monitor', password: 'monitor-password' };
const STRICT: ReplicationPolicy = { maxLagSeconds: 2, promotion: 'mysql' };
const LENIENT: ReplicationPolicy = { maxLagSeconds: 2, promotion: 'none' };
/** Generous: the machine is shared; a probe that needs it is still a correct probe. */
const PROBE_TIMEOUT_MS = 3000;
const PATIENCE_MS = 60_000;

let master: MariaDbServer;
let replica: MariaDbServer;

beforeAll(async () => {
  [master, replica] = (await startReplicated({ monitor: MONITOR })) as [
    MariaDbServer,
    MariaDbServer,
  ];
}, 120_000);

afterAll(() => stopAll());

function probe(server: MariaDbServer, name: string, account = MONITOR): Promise<ProbeResult> {
  return mysqlProber({
    port: server.port,
    timeoutMs: PROBE_TIMEOUT_MS,
    user: account.user,
    password: { get: () => Promise.resolve(account.password), invalidate: () => undefined },
    replication: true,
  })({ name, address: server.host });
}

/** The standby probed, then the master: the master's answer vouches for the standby's read. */
async function observeBoth(memory: ReplicationMemory = {}): Promise<ReplicationMemory> {
  const standby = await probe(replica, 'db-b');
  const active = await probe(master, 'db-a');
  return [standby, active].reduce((m, r) => remember(m, r, 'db-a'), memory);
}

/** Probes the replica until `done` holds for its result; fails after PATIENCE_MS. */
async function probeUntil(done: (r: ProbeResult) => boolean): Promise<ProbeResult> {
  const end = Date.now() + PATIENCE_MS;
  for (;;) {
    const r = await probe(replica, 'db-b');
    if (done(r) || Date.now() > end) return r;
    await sleep(200);
  }
}

describe('the MySQL probe reading replication', () => {
  it("reads a replica's threads, lag and read_only, and the master as no replica", async () => {
    // Act
    const [standby, active] = await Promise.all([probe(replica, 'db-b'), probe(master, 'db-a')]);

    // Assess
    expect(standby).toMatchObject({
      ok: true,
      eligible: true,
      replication: {
        readOnly: true,
        role: 'replica',
        replica: {
          source: `${master.host}:${master.port}`,
          ioThread: 'Yes',
          sqlThread: 'Yes',
          lagSeconds: 0,
          receivedGtids: expect.stringMatching(/^0-1-\d+$/),
        },
      },
    });
    expect(active).toMatchObject({
      ok: true,
      eligible: true,
      replication: { readOnly: false, role: 'none' },
    });
  });

  it('reports a status the monitor may not read, and the node stays a target', async () => {
    // Prepare: an account without SLAVE MONITOR.
    await master.query("CREATE USER IF NOT EXISTS 'plain'@'%' IDENTIFIED BY 'plain-pw'");
    await waitCaughtUp(master, replica);

    // Act
    const r = await probe(replica, 'db-b', { user: 'plain', password: 'plain-pw' });

    // Assess
    expect(r).toMatchObject({
      ok: true,
      eligible: true,
      replication: {
        readOnly: true,
        role: 'unreadable',
        detail: expect.stringMatching(/SLAVE MONITOR/),
      },
    });
    const memory = [r, await probe(master, 'db-a')].reduce<ReplicationMemory>(
      (m, x) => remember(m, x, 'db-a'),
      {},
    );
    expect(fitness('db-b', memory['db-b'], LENIENT)).toEqual({ fit: true });
    expect(fitness('db-b', memory['db-b'], STRICT)).toMatchObject({
      fit: false,
      why: expect.stringMatching(/grant the monitor user SLAVE MONITOR/),
    });
  });
});

describe('eligibility by replication', () => {
  it('takes a replica in step as a target', async () => {
    // Act
    const memory = await observeBoth();

    // Assess
    expect(fitness('db-b', memory['db-b'], STRICT)).toEqual({ fit: true });
  });

  it('holds a replica whose IO thread is stopped: it receives nothing', async () => {
    // Prepare
    await replica.query('STOP SLAVE IO_THREAD');
    try {
      // Act
      const memory = await observeBoth();

      // Assess
      expect(fitness('db-b', memory['db-b'], LENIENT)).toMatchObject({
        fit: false,
        why: expect.stringMatching(/db-b's replication IO thread was No/),
      });
    } finally {
      await replica.query('START SLAVE IO_THREAD');
      // The IO thread reconnects for a moment ("Connecting"): the next spec must find it running.
      await probeUntil((r) => r.replication?.replica?.ioThread === 'Yes');
    }
  });

  it('holds a replica whose SQL thread is stopped: it applies nothing', async () => {
    // Prepare
    await replica.query('STOP SLAVE SQL_THREAD');
    try {
      // Act
      const memory = await observeBoth();

      // Assess
      expect(fitness('db-b', memory['db-b'], LENIENT)).toMatchObject({
        fit: false,
        why: expect.stringMatching(/db-b's replication SQL thread was No/),
      });
    } finally {
      await replica.query('START SLAVE SQL_THREAD');
    }
  });

  it('holds a replica lagging past maxLagSeconds, naming the lag', async () => {
    // Prepare: the replica applies each event 5 s late while the master takes steady writes.
    await replica.query('STOP SLAVE');
    await replica.query('CHANGE MASTER TO MASTER_DELAY = 5');
    await replica.query('START SLAVE');
    const writer = startWriter(master, 200);
    try {
      const lagging = await probeUntil((r) => (r.replication?.replica?.lagSeconds ?? 0) > 2);

      // Act
      const memory = await observeBoth();

      // Assess
      expect(lagging.replication?.replica?.lagSeconds).toBeGreaterThan(2);
      expect(fitness('db-b', memory['db-b'], STRICT)).toMatchObject({
        fit: false,
        why: expect.stringMatching(/db-b lagged \d+ s behind .*maxLagSeconds 2/),
        lagSeconds: expect.any(Number),
      });
    } finally {
      await writer.stop();
      await replica.query('STOP SLAVE');
      await replica.query('CHANGE MASTER TO MASTER_DELAY = 0');
      await replica.query('START SLAVE');
      await waitCaughtUp(master, replica, PATIENCE_MS);
    }
  });

  it("judges by the last read before the master died, not by the replica's state after", async () => {
    // Prepare: healthy reads vouched for by the master, then the master dies.
    let memory = await observeBoth();
    await master.kill();
    const after = await probeUntil((r) => r.replication?.replica?.ioThread !== 'Yes');
    const dead = await probe(master, 'db-a');

    // Act
    memory = [after, dead].reduce((m, r) => remember(m, r, 'db-a'), memory);

    // Assess: the replica no longer receives (the master is gone), yet it was in step before.
    expect(dead.ok).toBe(false);
    expect(after.replication?.replica?.ioThread).not.toBe('Yes');
    expect(fitness('db-b', memory['db-b'], STRICT)).toEqual({ fit: true });
    // A Checker that met the replica only now cannot tell how much it had received.
    const late = remember({}, after, 'db-a');
    expect(fitness('db-b', late['db-b'], STRICT)).toMatchObject({
      fit: false,
      why: expect.stringMatching(/while the master still answered/),
    });
  });
});
