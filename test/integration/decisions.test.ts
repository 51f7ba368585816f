/**
 * The Checker's decisions end to end: a blackhole route, a foreign table beside a failover, a
 * standby that fails our login, a master out of connections, a Mover already busy. Real MariaDB
 * nodes on loopback, the local AWS endpoint, the real Checker and Mover handlers, with detection
 * compressed for speed (startFastCluster). Waits are generous; no assertion is about timing.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createConnection, type Connection } from 'mysql2/promise';
import { nodeByName } from '../../config';
import type { CheckerReport, MoveAttempt } from '../../lambda/domain/checker/checker';
import { sleep } from '../../lambda/domain/clock';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { signedAs } from '../../tools/harness/signing';
import { serverOf } from '../../tools/harness/scenario';
import { localClients } from '../support/aws-env';
import { mutations } from '../support/calls';
import {
  PATIENCE_MS,
  events,
  expectVipOn,
  probeResults,
  runReports,
  startFastCluster,
  startWarmSchedule,
  waitForLog,
  waitForRuns,
} from '../support/cluster';

jest.setTimeout(90_000);

const FOREIGN_ENI = 'eni-0fffffffffffffff0';
/** The database the probe logs in to in the eligibility specs. */
const PROBE_DB = 'orders';

let cluster: LocalCluster | undefined;
/** Connections that fill a server up; closed after each spec. */
const hogs: Connection[] = [];

afterEach(async () => {
  await Promise.all(hogs.splice(0).map((h) => h.end().catch(() => undefined)));
  cluster?.aws.faults.clear();
  await cluster?.stop();
  cluster = undefined;
});

const eniOf = (c: LocalCluster, node: string): string =>
  nodeByName(c.config, node)?.networkInterfaceId as string;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a blackhole route', () => {
  it("fails over when the master's ENI is deleted, although its server still answers", async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);

    // Act
    c.aws.ec2.deleteNetworkInterface(eniOf(c, 'db-a'));
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(serverOf(c, 'db-a').running).toBe(true);
    expect(
      c.logsMatching(/^VIP moved to db-b: the VIP route to db-a is blackhole in /, 'INFO'),
    ).toHaveLength(1);
    expect(runErrors).toEqual([]);
  });

  it('holds with an ERROR that says blackhole when no standby can take the VIP', async () => {
    // Prepare: the standby is dead.
    const c = (cluster = await startFastCluster());
    await startWarmSchedule(c);
    await serverOf(c, 'db-b').kill();

    // Act
    const since = c.logs.length;
    c.aws.ec2.deleteNetworkInterface(eniOf(c, 'db-a'));
    expect(await waitForRuns(c, 2, since)).toBe(true);
    await c.stopSchedule();

    // Assess
    expect(mutations(c)).toEqual([]);
    expect(runReports(c, since).at(-1)?.decision).toMatchObject({
      action: 'hold',
      kind: 'blackhole',
      severity: 'error',
    });
    expect(events(c, 'summary', since).at(-1)).toMatchObject({
      level: 'ERROR',
      message: expect.stringMatching(/the VIP route to db-a is blackhole .*no standby is healthy/),
    });
  });
});

describe('a table sent outside the config', () => {
  it('is left alone, alerted on, while the other tables follow the master', async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const [rtb1, rtb2, rtb3] = c.config.routeTableIds as [string, string, string];
    c.pointVipRoute(rtb2, FOREIGN_ENI);
    const runErrors = await startWarmSchedule(c);

    // Act
    await serverOf(c, 'db-a').kill();
    const moved = await c.waitFor(() => {
      const { tables, record } = c.placement();
      return tables[rtb1] === 'db-b' && tables[rtb3] === 'db-b' && record === 'db-b';
    }, PATIENCE_MS);
    const since = c.logs.length;
    expect(await waitForRuns(c, 1, since)).toBe(true);
    await c.stopSchedule();

    // Assess
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b', [rtb1, rtb3]);
    expect(c.placement().tables[rtb2]).toBe(FOREIGN_ENI);
    const notice = `route table ${rtb2} sends the VIP to ${FOREIGN_ENI}, which is not a configured node; leaving it alone`;
    expect(runReports(c, since).at(-1)?.decision.notices).toEqual([
      expect.objectContaining({
        kind: 'foreign-route',
        routeTableId: rtb2,
        routeTarget: FOREIGN_ENI,
      }),
    ]);
    expect(events(c, 'summary', since).at(-1)).toMatchObject({
      level: 'ERROR',
      message: expect.stringContaining(notice),
    });
    expect(c.logsMatching(new RegExp(`^${escape(notice)}`), 'ERROR')).not.toEqual([]);
    expect(runErrors).toEqual([]);
  });
});

describe('eligibility', () => {
  it('never moves to a standby that lacks the probe database (1049), and moves once it is back', async () => {
    // Prepare: the probe logs in to a database both nodes have.
    const c = (cluster = await startFastCluster({
      adjust: (raw) => {
        (raw.probe as { mysql: { database?: string } }).mysql.database = PROBE_DB;
      },
    }));
    const user = c.config.probe.mysql?.user as string;
    for (const node of c.nodeNames) {
      await serverOf(c, node).query(`CREATE DATABASE ${PROBE_DB}`);
      await serverOf(c, node).query(`GRANT SELECT ON ${PROBE_DB}.* TO ?@'%'`, [user]);
    }
    const runErrors = await startWarmSchedule(c);
    const b = serverOf(c, 'db-b');
    await b.query(`DROP DATABASE ${PROBE_DB}`);
    const rebuiltEmpty = await c.waitFor(
      () => probeResults(c, 'db-b').some((r) => r.failure === 'auth'),
      PATIENCE_MS,
    );

    // Act 1: the master dies while the standby cannot serve
    await serverOf(c, 'db-a').kill();
    const killedAt = c.logs.length;
    expect(await waitForRuns(c, 2, killedAt)).toBe(true);

    // Assess 1
    expect(rebuiltEmpty).toBe(true);
    expect(probeResults(c, 'db-b', killedAt).at(-1)).toMatchObject({
      ok: true,
      eligible: false,
      failure: 'auth',
      detail: expect.stringMatching(/ER_BAD_DB_ERROR \(1049\)/),
    });
    expect(mutations(c)).toEqual([]);
    expect(runReports(c, killedAt).at(-1)?.decision).toMatchObject({
      action: 'hold',
      kind: 'no-standby',
      severity: 'error',
      reason: expect.stringMatching(
        /db-b answers but did not pass our login and SELECT 1 \(server refused our login: ER_BAD_DB_ERROR \(1049\)/,
      ),
    });
    expect(events(c, 'summary', killedAt).at(-1)).toMatchObject({ level: 'ERROR' });

    // Act 2: the standby gets its database back
    await b.query(`CREATE DATABASE ${PROBE_DB}`);
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess 2
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(runErrors).toEqual([]);
  });

  it('keeps a master that is out of connections (1040): alive, no move, its own alert', async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);
    const a = serverOf(c, 'db-a');
    await a.createUser('hog', 'hog-pw');
    // MariaDB's least max_connections is 10; root, over its socket, keeps the one extra slot.
    await a.query('SET GLOBAL max_connections = 10');

    // Act: fill every slot; a probe in flight may hold one for a moment
    while (hogs.length < 10) {
      try {
        hogs.push(
          await createConnection({ host: a.host, port: a.port, user: 'hog', password: 'hog-pw' }),
        );
      } catch (e) {
        if ((e as { errno?: number }).errno !== 1040) throw e;
        await sleep(20);
      }
    }
    const since = c.logs.length;
    const busy = await c.waitFor(
      () => probeResults(c, 'db-a', since).some((r) => r.failure === 'busy'),
      PATIENCE_MS,
    );
    expect(await waitForRuns(c, 2, c.logs.length)).toBe(true);
    await c.stopSchedule();

    // Assess
    expect(busy).toBe(true);
    const probes = probeResults(c, 'db-a', since);
    expect(probes.filter((r) => !r.ok)).toEqual([]);
    expect(probes.find((r) => r.failure === 'busy')).toMatchObject({
      ok: true,
      eligible: false,
      detail: expect.stringMatching(/ER_CON_COUNT_ERROR \(1040\)/),
    });
    expect(mutations(c)).toEqual([]);
    expectVipOn(c, 'db-a');
    for (const report of runReports(c, since))
      expect(report.decision).toEqual({ action: 'none', reason: 'db-a is up' });
    expect(c.logsMatching(/^db-a is out of connections/, 'ERROR')).not.toEqual([]);
    expect(c.logsMatching(/^db-a rejected the probe's login/)).toEqual([]);
    expect(runErrors).toEqual([]);
  });
});

describe('a node in maintenance', () => {
  it('is passed over: a dead master fails over to the next node, and the window is alerted', async () => {
    // Prepare: three nodes, db-b (next in preference) in maintenance for an hour.
    const c = (cluster = await startFastCluster({
      adjust: (raw) =>
        (raw.nodes as unknown[]).push({
          name: 'db-c',
          networkInterfaceId: 'eni-0a1b2c3d4e5f6000c',
          address: '10.0.3.10',
        }),
    }));
    const until = new Date(Date.now() + 3_600_000).toISOString();
    c.aws.putParameter(
      c.config.maintenanceParameterName,
      JSON.stringify({ 'db-b': { until, reason: 'patching', by: 'alice' } }),
    );
    const runErrors = await startWarmSchedule(c);

    // Act
    await serverOf(c, 'db-a').kill();
    const moved = await c.waitFor(
      () => c.converged() !== undefined && c.converged() !== 'db-a',
      PATIENCE_MS,
    );
    await c.stopSchedule();

    // Assess
    expect(moved).toBe(true);
    expectVipOn(c, 'db-c');
    expect(serverOf(c, 'db-b').running).toBe(true);
    const reports = runReports(c);
    expect(reports.at(-1)?.maintenance).toEqual({
      nodes: { 'db-b': { until, reason: 'patching', by: 'alice' } },
    });
    expect(c.aws.sns.published()).toContainEqual(
      expect.objectContaining({
        subject: `[orders-db] db-b in maintenance until ${until} (patching, by alice)`,
        attributes: expect.objectContaining({ kind: 'maintenance', phase: 'start' }),
      }),
    );
    expect(runErrors).toEqual([]);
  });
});

describe('a Mover already running', () => {
  it('turns the Checker away (429) as expected: WARN, never an error in the summary', async () => {
    // Prepare: a Mover of our own held in its first read, so reserved concurrency 1 is taken.
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);
    const hold = c.aws.faults.add({
      name: 'hold-mover',
      service: 'ec2',
      action: 'DescribeRouteTables',
      fromFunction: MOVER_FUNCTION,
      hang: true,
    });
    const clients = localClients(c.aws);
    const request = { target: 'db-a', reason: 'held by the spec', expectedActive: 'db-a' };
    const held = clients.lambda
      .send(
        new InvokeCommand({
          FunctionName: MOVER_FUNCTION,
          Payload: new TextEncoder().encode(
            JSON.stringify(signedAs(c.config, 'checker', { ...request, automatic: true })),
          ),
        }),
      )
      .catch((e: Error) => e);
    expect(await c.waitFor(() => c.moversRunning() === 1, PATIENCE_MS)).toBe(true);

    // Act: the master dies; every Checker call meets the held Mover until it is let go
    const killedAt = c.logs.length;
    await serverOf(c, 'db-a').kill();
    const onlyBusy = (moves: readonly MoveAttempt[]) =>
      moves.length > 0 && moves.every((m) => m.busy === true);
    const turnedAway = await waitForLog(c, /^Mover not invoked: another Mover is running$/, 'WARN');
    const busyRunEnded = await c.waitFor(
      () => runReports(c, killedAt).some((r) => onlyBusy(r.moves)),
      PATIENCE_MS,
    );
    hold.remove();
    await held;
    clients.destroy();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(turnedAway).toBe(true);
    expect(busyRunEnded).toBe(true);
    const busySummaries = events(c, 'summary', killedAt).filter((s) =>
      onlyBusy(s.moves as MoveAttempt[]),
    );
    expect(busySummaries.length).toBeGreaterThan(0);
    // A busy Mover adds nothing to the summary: an ERROR there names some other problem of that
    // run (a witness that did not answer in time on a loaded machine, say), never the Mover.
    for (const s of busySummaries) {
      const report = s as unknown as CheckerReport;
      const line = `run done: VIP on ${report.active ?? 'no single node'}; ${report.decision.reason}`;
      const others = s.message.slice(line.length);
      expect(s.message).not.toMatch(/Mover call|failed or incomplete/);
      expect({ level: s.level, others }).toEqual(
        s.level === 'INFO'
          ? { level: 'INFO', others: '' }
          : { level: 'ERROR', others: expect.stringMatching(/^; ./) },
      );
    }
    expect(c.logsMatching(/^Mover invocation failed/)).toEqual([]);
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(runErrors).toEqual([]);
  });
});
