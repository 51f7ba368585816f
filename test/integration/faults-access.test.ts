/**
 * The fault suite, continued (see faults.test.ts; split in two so that jest runs the halves in
 * parallel workers): AWS APIs unreachable or hanging, a MySQL login rejected, malformed Mover
 * input. Each scenario end to end through the real Checker and Mover handlers, the local AWS
 * endpoint and real MariaDB servers on loopback.
 *
 * Detection thresholds are compressed for speed (startFastCluster: 200 ms probes, fall 3, rise 2,
 * 300 ms probe deadline, 1.5 s Checker window). Waits are generous and every assertion is about
 * behaviour, never about how fast it happened.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { localClients, sdkError } from '../support/aws-env';
import { mutations } from '../support/calls';
import {
  PATIENCE_MS,
  clusterPerSpec,
  events,
  expectVipOn,
  probeResults,
  placementOn,
  startFastCluster,
  waitForRuns,
  waitUntilWatched,
} from '../support/cluster';
import { serverOf } from '../../tools/harness/scenario';
import { EndpointGate } from '../support/endpoint-gate';

describe('fault suite', () => {
  const start = clusterPerSpec();

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
      // Every probe that reached a server logged in with the rotated secret. A probe the loaded
      // machine stalled past its 300 ms deadline (a timeout, seen in a parallel CI run) says
      // nothing about the secret.
      expect(later.filter((r) => r.failure !== 'timeout' && (!r.ok || r.failure))).toEqual([]);
      for (const node of c.nodeNames)
        expect(later.some((r) => r.node === node && r.ok && r.eligible)).toBe(true);
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

    const unchanged = () => expect(c.placement()).toEqual(placementOn(c, 'db-a'));

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
