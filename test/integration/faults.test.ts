/**
 * The fault suite: each scenario end to end through the real Checker and Mover handlers, the
 * local AWS endpoint and real MariaDB servers on loopback.
 *
 * Detection thresholds are compressed for speed (startFastCluster: 200 ms probes, fall 3, rise 2,
 * 300 ms probe deadline, 1.5 s Checker window). Waits are generous and every assertion is about
 * behaviour, never about how fast it happened.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { MOVER_FUNCTION, type LocalCluster, type VipSnapshot } from '../../tools/harness/cluster';
import type { InvocationRecord } from '../../tools/local-aws';
import { localClients, sdkError } from '../support/aws-env';
import { everyOther, mutations, recordWrites, served } from '../support/calls';
import {
  PATIENCE_MS,
  events,
  expectVipOn,
  probeResults,
  startFastCluster,
  waitForRuns,
  waitUntilWatched,
} from '../support/cluster';
import { serverOf } from '../../tools/harness/scenario';
import { EndpointGate } from '../support/endpoint-gate';

const FOREIGN_ENI = 'eni-0fffffffffffffff0';
/** A well-formed route table id that the endpoint does not have. */
const MISSING_TABLE = 'rtb-0a1b2c3d4e5f6dead';

describe('fault suite', () => {
  let cluster: LocalCluster | undefined;
  const start = async (options?: Parameters<typeof startFastCluster>[0]) =>
    (cluster = await startFastCluster(options));

  afterEach(async () => {
    // Held calls first: the runs under way can then finish, and stop() waits for them.
    cluster?.aws.faults.clear();
    await cluster?.stop();
    cluster = undefined;
  });

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
        spoil: (c: LocalCluster) => c.aws.deleteParameter(c.config.parameterName),
        says: /^record is missing but every table targets db-a; repairing the record$/,
        was: 'null',
      },
      {
        // SSM refuses an empty value (length 1 to 4096), so blank is the closest a record gets.
        what: 'blank',
        spoil: (c: LocalCluster) => c.aws.putParameter(c.config.parameterName, '   '),
        says: /^record says " {3}" but every table targets db-a; repairing the record$/,
        was: '"   "',
      },
      {
        what: 'naming an unknown node',
        spoil: (c: LocalCluster) => c.aws.putParameter(c.config.parameterName, 'db-z'),
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
        () => c.aws.parameter(c.config.parameterName)?.value === 'db-a',
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
            Name: c.config.parameterName,
            Value: '',
            Type: 'String',
            Overwrite: true,
          }),
        ),
      );
      clients.destroy();

      // Assess
      expect(refused).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(c.aws.parameter(c.config.parameterName)?.value).toBe('db-a');
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
      expect(c.aws.parameter(c.config.parameterName)?.version).toBe(1);
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
          c.aws.parameter(c.config.parameterName)?.value === 'db-b',
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

  describe('AWS APIs unreachable or hanging', () => {
    it('fails a Checker run within its API deadline while DescribeRouteTables hangs, then recovers', async () => {
      // Prepare
      const c = await start();
      const hang = c.aws.faults.add({
        name: 'hang',
        service: 'ec2',
        action: 'DescribeRouteTables',
        hang: true,
      });

      // Act
      const startedAt = Date.now();
      const failed = await c.runChecker().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      const tookMs = Date.now() - startedAt;
      hang.remove();
      const report = await c.runChecker();

      // Assess: the deadline is the Checker's 3 s apiTimeoutMs; the slack is for a busy machine.
      expect(failed).toMatchObject({
        name: 'AwsDeadlineError',
        message:
          'AWS (DescribeRouteTables, GetParameter) did not answer within 3000 ms; no move was made',
      });
      expect(tookMs).toBeGreaterThanOrEqual(2900);
      expect(tookMs).toBeLessThan(6000);
      expect(report).toMatchObject({ active: 'db-a', record: 'db-a', moves: [] });
      expect(mutations(c)).toEqual([]);
      expectVipOn(c, 'db-a');
    });

    it('fails a Checker run fast while the endpoint is unreachable, then recovers', async () => {
      // Prepare: a Checker container whose endpoint is a port where nothing listens yet.
      const c = await start();
      const gate = await EndpointGate.closed(c.aws.endpoint);
      const checker = c.checkerWith({ AWS_ENDPOINT_URL: gate.url });
      try {
        // Act
        const startedAt = Date.now();
        const failed = await checker.run().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        const tookMs = Date.now() - startedAt;
        await gate.open();
        const report = await checker.run();

        // Assess
        expect(failed?.message).toMatch(/ECONNREFUSED/);
        expect(tookMs).toBeLessThan(3000);
        expect(report).toMatchObject({ active: 'db-a', record: 'db-a', moves: [] });
        expect(mutations(c)).toEqual([]);
        expectVipOn(c, 'db-a');
      } finally {
        checker.destroy();
        await gate.close();
      }
    });
  });

  describe('MySQL login rejected', () => {
    it('counts a master that rejects the monitor login alive, and probes fully again once the secret is rotated', async () => {
      // Prepare
      const c = await start();
      const user = c.config.probe.mysql?.user as string;
      const arn = c.config.probe.mysql?.passwordSecretArn as string;
      const rotated = `${c.password}-rotated`;
      c.startSchedule();
      await waitUntilWatched(c);

      // Act 1: the master's password changes; the secret still holds the old one.
      const changedAt = c.logs.length;
      await serverOf(c, 'db-a').setPassword(user, rotated);
      const alerted = await c.waitFor(
        () => c.logsMatching(/^db-a rejected the probe's login/, 'ERROR').length > 0,
        PATIENCE_MS,
      );
      expect(await waitForRuns(c, 2, c.logs.length)).toBe(true);

      // Assess 1: alive, alerted, the secret re-read after a rejection, no move.
      expect(alerted).toBe(true);
      const rejected = probeResults(c, 'db-a', changedAt).filter((r) => r.failure === 'auth');
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) {
        expect(r).toMatchObject({ ok: true, detail: expect.stringMatching(/\(1045\)/) });
      }
      const firstRejection = Math.min(...rejected.map((r) => r.startedAt));
      // A rejected secret is re-read at most every 10 s (lambda/domain/secret.ts).
      const reread = await c.waitFor(
        () => c.aws.calls({ action: 'GetSecretValue' }).some((r) => r.startedAt > firstRejection),
        12_000,
      );
      expect(reread).toBe(true);
      expect(mutations(c)).toEqual([]);
      expectVipOn(c, 'db-a');

      // Act 2: the rotation completes: the standby and the secret catch up.
      await serverOf(c, 'db-b').setPassword(user, rotated);
      c.aws.rotateSecret(arn, JSON.stringify({ username: user, password: rotated }));
      const rotatedAt = Date.now();
      const clean = () =>
        c.nodeNames.every((n) =>
          probeResults(c, n).some((r) => r.startedAt > rotatedAt && r.ok && !r.failure),
        );
      const recovered = await c.waitFor(clean, PATIENCE_MS);
      const recoveredAt = Date.now();
      const calm = c.logs.length;
      expect(await waitForRuns(c, 1, calm)).toBe(true);
      await c.stopSchedule();

      // Assess 2
      expect(recovered).toBe(true);
      expect(c.aws.calls({ action: 'GetSecretValue' }).some((r) => r.startedAt > rotatedAt)).toBe(
        true,
      );
      const later = probeResults(c, undefined, calm).filter((r) => r.startedAt > recoveredAt);
      expect(later.length).toBeGreaterThan(0);
      expect(later.filter((r) => !r.ok || r.failure)).toEqual([]);
      expect(mutations(c)).toEqual([]);
      expectVipOn(c, 'db-a');
    });

    it('never fails over to a standby that rejects the monitor login: alive, but no target', async () => {
      // Prepare: both nodes refuse the monitor's password.
      const c = await start();
      const user = c.config.probe.mysql?.user as string;
      c.startSchedule();
      await waitUntilWatched(c);
      await Promise.all(c.nodeNames.map((n) => serverOf(c, n).setPassword(user, 'not-the-secret')));
      const bothRejected = await c.waitFor(
        () =>
          c.nodeNames.every(
            (n) => c.logsMatching(new RegExp(`^${n} rejected the probe's login`), 'ERROR').length,
          ),
        PATIENCE_MS,
      );

      // Act
      await serverOf(c, 'db-a').kill();
      const killedAt = c.logs.length;
      expect(await waitForRuns(c, 2, killedAt)).toBe(true);
      await c.stopSchedule();

      // Assess
      expect(bothRejected).toBe(true);
      expect(mutations(c)).toEqual([]);
      expect(probeResults(c, 'db-b').at(-1)).toMatchObject({
        ok: true,
        eligible: false,
        failure: 'auth',
      });
      expect(events(c, 'summary', killedAt).at(-1)).toMatchObject({
        level: 'ERROR',
        decision: expect.objectContaining({ action: 'hold', kind: 'no-standby' }),
        message: expect.stringMatching(/db-b answers but did not pass our login/),
      });
    });
  });

  describe('malformed Mover input', () => {
    // These requests change nothing, so they share one cluster.
    let c: LocalCluster;
    beforeAll(async () => {
      c = await startFastCluster();
    });
    afterAll(() => c.stop());
    beforeEach(() => c.aws.clearCalls());

    const unchanged = () =>
      expect(c.placement()).toEqual({
        tables: Object.fromEntries(c.config.routeTableIds.map((id) => [id, 'db-a'])),
        record: 'db-a',
      });

    const invoke = async (payload: string) => {
      const clients = localClients(c.aws);
      try {
        const out = await clients.lambda.send(
          new InvokeCommand({
            FunctionName: MOVER_FUNCTION,
            Payload: new TextEncoder().encode(payload),
          }),
        );
        const body = JSON.parse(new TextDecoder().decode(out.Payload)) as {
          errorType?: string;
          errorMessage?: string;
        };
        return { functionError: out.FunctionError, ...body };
      } finally {
        clients.destroy();
      }
    };

    it.each([
      { payload: '{}', says: /target \(missing\) must be the name of a configured node/ },
      { payload: '{"target":"db-z"}', says: /target "db-z" is not a configured node/ },
      { payload: '{"target":42}', says: /target 42 must be the name of a configured node/ },
      { payload: '{"target":"db-b","extra":1}', says: /unknown field "extra"/ },
      { payload: 'null', says: /^invalid move request: event null / },
    ])('refuses $payload naming the field and the configured nodes', async (t) => {
      // Act
      const answer = await invoke(t.payload);

      // Assess
      expect(answer).toMatchObject({
        functionError: 'Unhandled',
        errorType: 'InvalidMoveRequestError',
        errorMessage: expect.stringMatching(t.says),
      });
      expect(answer.errorMessage).toMatch(/db-a, db-b/);
      expect(c.aws.calls().filter((r) => r.service !== 'lambda')).toEqual([]);
      unchanged();
    });

    it('never runs for a payload that is not JSON: Lambda itself refuses it', async () => {
      // Prepare
      const clients = localClients(c.aws);

      // Act
      const refused = await sdkError(
        clients.lambda.send(
          new InvokeCommand({
            FunctionName: MOVER_FUNCTION,
            Payload: new TextEncoder().encode('target=db-b'),
          }),
        ),
      );
      clients.destroy();

      // Assess
      expect(refused).toMatchObject({ name: 'InvalidRequestContentException', status: 400 });
      expect(c.aws.calls().filter((r) => r.service !== 'lambda')).toEqual([]);
      unchanged();
    });
  });
});
