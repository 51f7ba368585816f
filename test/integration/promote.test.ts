/**
 * Promotion and fencing against real MariaDB replication on 127.0.0.1, as the promotion user
 * holding exactly REPLICATION SLAVE ADMIN, READ_ONLY ADMIN and SLAVE MONITOR. Writes go through
 * the application's account, which read_only stops (root would write through it).
 */
import { fence } from '../../lambda/domain/mover/fence';
import { promote, type PromoteOptions } from '../../lambda/domain/mover/promote';
import type { SessionOptions } from '../../lambda/domain/probe/mysql-session';
import { stopAll, type MariaDbServer } from '../../tools/harness/mariadb';
import {
  APP_TABLE,
  appInsert,
  databaseState,
  startReplicated,
  startWriter,
  waitCaughtUp,
  waitReceived,
  type Account,
} from '../../tools/harness/replication';

const PROMOTER: Account = { user: 'vip_promoter', password: 'promoter-password' };
/** Generous per-statement deadline: the machine is shared. */
const STATEMENT_TIMEOUT_MS = 5000;

// Each spec starts its own pair; none outlives it.
afterEach(() => stopAll());

function session(server: MariaDbServer, account = PROMOTER): SessionOptions {
  return {
    port: server.port,
    user: account.user,
    password: { get: () => Promise.resolve(account.password), invalidate: () => undefined },
    timeoutMs: STATEMENT_TIMEOUT_MS,
  };
}

function promotion(server: MariaDbServer, extra: Partial<PromoteOptions> = {}): PromoteOptions {
  return { ...session(server), catchUpTimeoutMs: 30_000, ...extra };
}

const node = (name: string, server: MariaDbServer) => ({ name, address: server.host });

async function rows(server: MariaDbServer): Promise<number> {
  const [row] = (await server.query(`SELECT COUNT(*) AS n FROM ${APP_TABLE}`)) as { n: number }[];
  return Number(row?.n);
}

async function pair(): Promise<[MariaDbServer, MariaDbServer]> {
  return (await startReplicated({ promoter: PROMOTER })) as [MariaDbServer, MariaDbServer];
}

describe('promote', () => {
  it('makes a caught-up replica writable and stops its replication', async () => {
    // Prepare
    const [master, replica] = await pair();
    await appInsert(master, 'before the failover');
    await waitCaughtUp(master, replica);
    await master.kill();
    await expect(appInsert(replica, 'refused while read-only')).rejects.toThrow(/read-only/);

    // Act
    const result = await promote(node('db-b', replica), promotion(replica));

    // Assess
    expect(result).toMatchObject({ status: 'promoted', node: 'db-b', already: false });
    expect(result.steps).toEqual([
      expect.stringMatching(/applied everything it received/),
      expect.stringMatching(/stopped replicating from 127\.0\.0\.1:\d+/),
      expect.stringMatching(/writable \(read_only OFF\)/),
    ]);
    expect(await databaseState(replica)).toEqual({
      running: true,
      readOnly: false,
      replication: { io: 'No', sql: 'No', lagSeconds: null },
    });
    await appInsert(replica, 'after the failover');
    expect(await rows(replica)).toBe(5);
  });

  it('says already when asked again, as a retried move would', async () => {
    // Prepare
    const [master, replica] = await pair();
    await master.kill();
    await promote(node('db-b', replica), promotion(replica));

    // Act
    const again = await promote(node('db-b', replica), promotion(replica));

    // Assess
    expect(again).toMatchObject({ status: 'promoted', already: true });
  });

  it('waits for the replica to apply what it received before making it writable', async () => {
    // Prepare: the replica applies every event 3 s late; rows arrive, then the master dies.
    const [master, replica] = await pair();
    await replica.query('STOP SLAVE');
    await replica.query('CHANGE MASTER TO MASTER_DELAY = 3');
    await replica.query('START SLAVE');
    const writer = startWriter(master, 100);
    await new Promise((r) => setTimeout(r, 1500));
    const written = await writer.stop();
    await master.kill();

    // Act
    const result = await promote(node('db-b', replica), promotion(replica));

    // Assess: every row the master committed is there.
    expect(result).toMatchObject({ status: 'promoted' });
    expect(written).toBeGreaterThan(0);
    expect(await rows(replica)).toBe(3 + written);
  });

  it('refuses a replica that cannot apply what it received, and leaves it as it was', async () => {
    // Prepare: the SQL thread stops with transactions received but not applied.
    const [master, replica] = await pair();
    await replica.query('STOP SLAVE SQL_THREAD');
    await appInsert(master, 'received, never applied');
    // Received before the master dies: on a busy machine the IO thread can lag the insert.
    await waitReceived(master, replica);
    await master.kill();

    // Act
    const result = await promote(node('db-b', replica), promotion(replica));

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      step: 'catch-up',
      detail: expect.stringMatching(/SQL thread is No .*would lose those transactions/),
    });
    expect(await databaseState(replica)).toMatchObject({ readOnly: true });
  });

  it("in a switchover, waits for the fenced old master's last transaction", async () => {
    // Prepare: the replica applies 2 s late; the live master takes writes, then is fenced.
    const [master, replica] = await pair();
    await replica.query('STOP SLAVE');
    await replica.query('CHANGE MASTER TO MASTER_DELAY = 2');
    await replica.query('START SLAVE');
    const writer = startWriter(master, 100);
    await new Promise((r) => setTimeout(r, 1000));
    const fenced = await fence(node('db-a', master), session(master));
    await writer.stop();

    // Act
    const result = await promote(node('db-b', replica), {
      ...promotion(replica),
      waitFor: fenced.status === 'fenced' ? fenced.position : undefined,
    });

    // Assess: the new master holds every row the old one has.
    expect(fenced).toMatchObject({
      status: 'fenced',
      position: expect.stringMatching(/^0-1-\d+$/),
    });
    expect(result).toMatchObject({ status: 'promoted' });
    expect(result.steps).toContainEqual(
      expect.stringMatching(/applied the old master's last transaction/),
    );
    expect(await rows(replica)).toBe(await rows(master));
  });

  it('fails at the step the promotion user lacks a privilege for', async () => {
    // Prepare: everything but READ_ONLY ADMIN.
    const [master, replica] = await pair();
    const weak: Account = { user: 'weak_promoter', password: 'weak-password' };
    await master.query("CREATE USER ?@'%' IDENTIFIED BY ?", [weak.user, weak.password]);
    await master.query("GRANT REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO ?@'%'", [weak.user]);
    await waitCaughtUp(master, replica);
    await master.kill();

    // Act
    const result = await promote(node('db-b', replica), {
      ...promotion(replica),
      ...session(replica, weak),
    });

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      step: 'writable',
      detail: expect.stringMatching(/READ_ONLY ADMIN/),
    });
  });

  it('fails at the login when the node is down', async () => {
    // Prepare
    const [, replica] = await pair();
    await replica.kill();

    // Act
    const result = await promote(node('db-b', replica), promotion(replica));

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      step: 'login',
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});

describe('fence', () => {
  it('turns a writable old master read-only, so the application can no longer write to it', async () => {
    // Prepare
    const [master] = await pair();
    await appInsert(master, 'while it was master');

    // Act
    const result = await fence(node('db-a', master), session(master));

    // Assess
    // Its GTID position as it stopped taking writes: what a switchover's promotion waits for.
    expect(result).toEqual({
      status: 'fenced',
      node: 'db-a',
      already: false,
      position: expect.stringMatching(/^\d+-\d+-\d+$/),
    });
    expect(await databaseState(master)).toMatchObject({ readOnly: true });
    await expect(appInsert(master, 'after the fence')).rejects.toThrow(/read-only/);
    expect(await fence(node('db-a', master), session(master))).toMatchObject({ already: true });
  });

  it('reports a dead node unreachable, and a frozen one within its deadline', async () => {
    // Prepare
    const [master, replica] = await pair();
    await master.kill();
    replica.freeze();

    // Act
    const [dead, frozen] = await Promise.all([
      fence(node('db-a', master), session(master)),
      fence(node('db-b', replica), { ...session(replica), timeoutMs: 1000 }),
    ]);
    replica.thaw();

    // Assess
    expect(dead).toMatchObject({
      status: 'unreachable',
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(frozen).toMatchObject({
      status: 'unreachable',
      detail: expect.stringMatching(/not answered within 1000 ms/),
    });
  });
});
