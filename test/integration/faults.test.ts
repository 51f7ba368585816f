/**
 * The fault suite: each scenario end to end through the real Checker and Mover handlers, the
 * local AWS endpoint and real MariaDB servers on loopback. AWS APIs unreachable, logins rejected
 * and malformed Mover input are in faults-access.test.ts, which jest runs in parallel with this.
 *
 * Detection thresholds are compressed for speed (startFastCluster: 200 ms probes, fall 3, rise 2,
 * 300 ms probe deadline, 1.5 s Checker window). Waits are generous and every assertion is about
 * behaviour, never about how fast it happened.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { MOVER_FUNCTION, type LocalCluster, type VipSnapshot } from '../../tools/harness/cluster';
import type { InvocationRecord } from '../../tools/local-aws';
import { localClients, sdkError } from '../support/aws-env';
import { everyOther, mutations, recordWrites, served } from '../support/calls';
import {
  PATIENCE_MS,
  clusterPerSpec,
  events,
  expectVipOn,
  probeResults,
  waitForRuns,
  waitUntilWatched,
} from '../support/cluster';
import { serverOf } from '../../tools/harness/scenario';

const FOREIGN_ENI = 'eni-0fffffffffffffff0';
/** A well-formed route table id that the endpoint does not have. */
const MISSING_TABLE = 'rtb-0a1b2c3d4e5f6dead';

describe('fault suite', () => {
  const start = clusterPerSpec();

  it('completes a failover in every table when every other ReplaceRoute call is throttled', async () => {
    // Prepare
    const c = await start();
    c.aws.faults.setRandom(everyOther());
    const throttle = c.aws.faults.add({
      name: 'throttle',
      service: 'ec2',
      action: 'ReplaceRoute',
      error: 'throttle',
      probability: 0.5,
    });
    c.startSchedule();
    await waitUntilWatched(c);

    // Act
    await serverOf(c, 'db-a').kill();
    // The record is written before the Mover returns: wait for its own account of the move too.
    const moved = await c.waitFor(
      () => c.converged() === 'db-b' && events(c, 'move').length > 0,
      PATIENCE_MS,
    );

    // Assess
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    const replaces = c.aws.calls({ action: 'ReplaceRoute' });
    const throttled = replaces.filter((r) => r.errorCode === 'RequestLimitExceeded');
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled).toHaveLength(throttle.hits);
    for (const call of throttled) {
      const retried = replaces.find(
        (r) =>
          r.seq > call.seq &&
          r.status === 200 &&
          r.params.RouteTableId === call.params.RouteTableId,
      );
      expect(retried).toBeDefined();
    }
    expect(served(c, 'ReplaceRoute').map((r) => r.params.RouteTableId)).toEqual(
      expect.arrayContaining([...c.config.routeTableIds]),
    );
    // The SDK retried inside one Mover invocation, which moved every table.
    expect(new Set(replaces.map((r) => r.origin?.requestId)).size).toBe(1);
    expect(replaces[0]?.origin).toMatchObject({ functionName: MOVER_FUNCTION });
    // A Checker run whose turn began during the slow move may have asked too: reserved
    // concurrency 1 turned it away (TooManyRequestsException), or the compare-and-swap did.
    for (const r of c.aws.calls({ action: 'Invoke' }).filter((i) => i.status !== 200)) {
      expect(r).toMatchObject({ status: 429, errorCode: 'TooManyRequestsException' });
    }
    // Exactly one move; a request that lands after it finds the VIP already there.
    const moves = events(c, 'move');
    expect(moves.filter((m) => m.status !== 'already-active')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: expect.stringMatching(/^VIP moved to db-b: db-a failed \d+ consecutive probes/),
        status: 'moved',
        recordWritten: true,
      }),
    ]);
    for (const m of moves.filter((x) => x.status === 'already-active')) {
      expect(m).toMatchObject({ message: 'VIP already on db-b', recordWritten: false });
    }
    expect(c.logsMatching(/incomplete/, 'ERROR')).toEqual([]);
  });

  it('converges the tables after a Mover crash mid-move', async () => {
    // Prepare: the Mover dies on its second ReplaceRoute, after switching one table, before the record.
    const c = await start();
    const crash = c.aws.faults.add({
      name: 'mover-crash',
      service: 'ec2',
      action: 'ReplaceRoute',
      crash: true,
      after: 1,
      times: 1,
    });
    const invocations: InvocationRecord[] = [];
    let atCrash: VipSnapshot | undefined;
    c.aws.onInvocation((r) => {
      // The Mover's: the witnesses' invocations only probe.
      if (r.functionName !== MOVER_FUNCTION) return;
      invocations.push(r);
      if (r.outcome === 'crashed') atCrash = c.placement();
    });
    c.startSchedule();
    await waitUntilWatched(c);

    // Act
    await serverOf(c, 'db-a').kill();
    const converged = await c.waitFor(
      () => c.converged() === 'db-b' && invocations.some((i) => i.outcome === 'succeeded'),
      PATIENCE_MS,
    );

    // Assess: the split the crash left ...
    expect(crash.hits).toBe(1);
    expect(invocations[0]).toMatchObject({
      functionName: MOVER_FUNCTION,
      outcome: 'crashed',
      errorType: 'Runtime.ExitError',
    });
    expect(Object.values(atCrash?.tables ?? {}).sort()).toEqual(['db-a', 'db-a', 'db-b']);
    expect(atCrash?.record).toBe('db-a');
    expect(c.logsMatching(/^Mover invocation failed: .*Runtime\.ExitError/, 'ERROR')).toHaveLength(
      1,
    );
    // ... was seen and converged by the next Mover, which also wrote the record.
    expect(
      c.logsMatching(/^tables split between (db-a, db-b|db-b, db-a); converging on db-b$/),
    ).not.toEqual([]);
    expect(converged).toBe(true);
    expectVipOn(c, 'db-b');
    expect(invocations.length).toBeGreaterThan(1);
    for (const later of invocations.slice(1)) expect(later.outcome).toBe('succeeded');
    expect(recordWrites(c)).toHaveLength(1);
    // Of the dead Mover's changes only the first landed; the crash and everything after it were dropped.
    const dead = invocations[0]?.requestId;
    const fromDead = c.aws
      .calls()
      .filter(
        (r) =>
          r.origin?.requestId === dead &&
          ['ReplaceRoute', 'CreateRoute', 'PutParameter'].includes(r.action),
      );
    expect(fromDead.filter((r) => r.status === 200)).toHaveLength(1);
    expect(fromDead.filter((r) => r.status !== 200).map((r) => r.dropped)).toEqual(
      expect.arrayContaining(['crash']),
    );
    for (const r of fromDead.filter((x) => x.status !== 200)) expect(r.dropped).toBeDefined();
  });

  describe('a bad record', () => {
    it.each([
      {
        what: 'missing',
        spoil: (c: LocalCluster) => c.aws.deleteParameter(c.config.recordParameterName),
        says: /^record is missing but every table targets db-a; repairing the record$/,
        was: 'null',
      },
      {
        // SSM refuses an empty value (length 1 to 4096), so blank is the closest a record gets.
        what: 'blank',
        spoil: (c: LocalCluster) => c.aws.putParameter(c.config.recordParameterName, '   '),
        says: /^record says " {3}" but every table targets db-a; repairing the record$/,
        was: '"   "',
      },
      {
        what: 'naming an unknown node',
        spoil: (c: LocalCluster) => c.aws.putParameter(c.config.recordParameterName, 'db-z'),
        says: /^record says "db-z" but every table targets db-a; repairing the record$/,
        was: '"db-z"',
      },
    ])('is repaired from the route tables when $what, without a route change', async (t) => {
      // Prepare
      const c = await start();
      t.spoil(c);

      // Act
      c.startSchedule();
      const repaired = await c.waitFor(
        () => c.aws.parameter(c.config.recordParameterName)?.value === 'db-a',
        PATIENCE_MS,
      );
      await c.stopSchedule();

      // Assess
      expect(repaired).toBe(true);
      expectVipOn(c, 'db-a');
      expect(c.logsMatching(t.says, 'WARN')).not.toEqual([]);
      expect(c.logsMatching(/^VIP already on db-a; record repaired from /)).toEqual([
        expect.objectContaining({ message: `VIP already on db-a; record repaired from ${t.was}` }),
      ]);
      expect(served(c, 'ReplaceRoute', 'CreateRoute', 'DeleteRoute')).toEqual([]);
      expect(recordWrites(c)).toHaveLength(1);
    });

    it('cannot be emptied through SSM: PutParameter refuses an empty value', async () => {
      // Prepare
      const c = await start();
      const clients = localClients(c.aws);

      // Act
      const refused = await sdkError(
        clients.ssm.send(
          new PutParameterCommand({
            Name: c.config.recordParameterName,
            Value: '',
            Type: 'String',
            Overwrite: true,
          }),
        ),
      );
      clients.destroy();

      // Assess
      expect(refused).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(c.aws.parameter(c.config.recordParameterName)?.value).toBe('db-a');
    });
  });

  describe('route table problems', () => {
    it('creates the VIP route missing from one table and leaves the record alone', async () => {
      // Prepare
      const c = await start();
      const [, gap] = c.config.routeTableIds as [string, string];
      c.deleteVipRoute(gap);

      // Act
      c.startSchedule();
      const repaired = await c.waitFor(() => c.routeNodes()[gap] === 'db-a', PATIENCE_MS);
      await c.stopSchedule();

      // Assess
      expect(repaired).toBe(true);
      expectVipOn(c, 'db-a');
      expect(served(c, 'CreateRoute', 'ReplaceRoute', 'DeleteRoute')).toEqual([
        expect.objectContaining({
          action: 'CreateRoute',
          params: expect.objectContaining({
            RouteTableId: gap,
            DestinationCidrBlock: c.config.vip,
            NetworkInterfaceId: c.config.nodes[0]?.networkInterfaceId,
          }),
        }),
      ]);
      expect(recordWrites(c)).toEqual([]);
      expect(c.aws.parameter(c.config.recordParameterName)?.version).toBe(1);
      expect(
        c.logsMatching(new RegExp(`^route missing in ${gap}; converging on db-a$`)),
      ).not.toEqual([]);
    });

    it('moves the other tables and keeps alerting when a configured route table does not exist', async () => {
      // Prepare: seeding creates every configured table, so the wrong id is removed afterwards.
      const c = await start({
        adjust: (raw) => (raw.routeTableIds = [...(raw.routeTableIds as string[]), MISSING_TABLE]),
      });
      expect(c.aws.ec2.deleteRouteTable(MISSING_TABLE)).toBe(true);
      const real = c.config.routeTableIds.filter((id) => id !== MISSING_TABLE);
      c.startSchedule();
      await waitUntilWatched(c);

      // Act
      await serverOf(c, 'db-a').kill();
      const moved = await c.waitFor(
        () =>
          real.every((id) => c.routeNodes()[id] === 'db-b') &&
          c.aws.parameter(c.config.recordParameterName)?.value === 'db-b',
        PATIENCE_MS,
      );
      const afterMove = c.logs.length;
      expect(await waitForRuns(c, 2, afterMove)).toBe(true);
      await c.stopSchedule();

      // Assess
      expect(moved).toBe(true);
      expectVipOn(c, 'db-b', real);
      expect(c.logsMatching(/^Mover answered partial$/, 'ERROR')).not.toEqual([]);
      const [move] = events(c, 'move');
      expect(move).toMatchObject({
        level: 'ERROR',
        status: 'partial',
        recordWritten: true,
        message: expect.stringContaining(`${MISSING_TABLE} (InvalidRouteTableID.NotFound:`),
      });
      expect(move?.tables).toEqual(
        expect.arrayContaining([
          {
            routeTableId: MISSING_TABLE,
            action: 'failed',
            error: expect.stringMatching(/^InvalidRouteTableID\.NotFound: /),
          },
          ...real.map((id) => ({ routeTableId: id, action: 'replaced' })),
        ]),
      );
      // Every run, before and after the move, alerts and names the table it cannot read.
      const summaries = events(c, 'summary');
      expect(summaries.length).toBeGreaterThanOrEqual(3);
      for (const s of summaries) {
        expect(s).toMatchObject({
          level: 'ERROR',
          message: expect.stringContaining(`${MISSING_TABLE} unreadable`),
        });
      }
    });
  });

  describe('a foreign VIP target', () => {
    // A foreign table beside tables of ours is left alone while the rest fail over: see
    // decisions.test.ts.
    it("is left alone in every table even with the master dead (the product's decision: hands off an operator's change)", async () => {
      // Prepare
      const c = await start();
      for (const id of c.config.routeTableIds) c.pointVipRoute(id, FOREIGN_ENI);
      const before = c.placement();
      c.startSchedule();
      await waitUntilWatched(c);

      // Act
      await serverOf(c, 'db-a').kill();
      const killedAt = c.logs.length;
      expect(await waitForRuns(c, 3, killedAt)).toBe(true);
      await c.stopSchedule();

      // Assess
      expect(probeResults(c, 'db-a', killedAt).filter((r) => !r.ok).length).toBeGreaterThan(3);
      expect(mutations(c)).toEqual([]);
      expect(c.placement()).toEqual(before);
      const alert = new RegExp(`${FOREIGN_ENI}, which is not a configured node; leaving`);
      const summaries = events(c, 'summary');
      expect(summaries.length).toBeGreaterThanOrEqual(3);
      for (const s of summaries) {
        expect(s).toMatchObject({ level: 'ERROR', message: expect.stringMatching(alert) });
      }
      expect(c.logsMatching(alert, 'ERROR').length).toBeGreaterThan(summaries.length);
    });
  });
});
