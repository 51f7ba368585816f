/**
 * The fault suite end to end: real MariaDB nodes on loopback, the local AWS endpoint, the real
 * Checker and Mover handlers. Detection thresholds are compressed for speed (see FAST_DETECTION);
 * the behaviour under the default settings is covered by the drill scenarios.
 */
import { connect } from 'node:net';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { CheckerReport } from '../../lambda/domain/checker/checker';
import { MOVER_FUNCTION, type LocalCluster } from '../../tools/harness/cluster';
import { signedAs } from '../../tools/harness/signing';
import { localClients } from '../support/aws-env';
import { everyTable, recordHistory, routeSwitches, switchesByTable } from '../support/calls';
import {
  PATIENCE_MS,
  clusterPerSpec,
  events,
  expectFailover,
  expectVipOn,
  killAndAwaitMove,
  logIndex,
  placementOn,
  probeResults,
  runReports,
  startWarmSchedule,
  waitForLog,
  waitForRuns,
  type FastClusterOptions,
} from '../support/cluster';
import { serverOf } from '../../tools/harness/scenario';
import { settledTcpSocketHandles, tcpSocketHandles } from '../support/sockets';

jest.setTimeout(60_000);

const start = clusterPerSpec();

/** A cluster with `detection` whose master was killed once its runs were warm, now on db-b. */
async function failedOver(
  detection: FastClusterOptions['detection'],
): Promise<{ c: LocalCluster; runErrors: string[] }> {
  const c = await start({ detection });
  const runErrors = await startWarmSchedule(c);
  expect(await killAndAwaitMove(c)).toBe(true);
  return { c, runErrors };
}

describe('fault suite', () => {
  it('moves a killed master to the standby once the other zone confirms it dead', async () => {
    // Prepare
    const c = await start();
    const runErrors = await startWarmSchedule(c);

    // Act, and Assess the VIP on db-b
    await expectFailover(c);

    // Assess
    expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
    expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
    expect(c.logsMatching(/^db-a is down after 3 consecutive failures$/, 'WARN')).not.toEqual([]);
    expect(
      c.logsMatching(
        /^VIP moved to db-b: db-a failed \d+ consecutive probes; db-b is healthy; confirmed from vip-failover-orders-db-witness-b in local-az2 saw db-a dead \([^)]*\), db-b alive \(\d+ ms\)$/,
        'INFO',
      ),
    ).toHaveLength(1);
    // The second opinion is on by default: each run that asked for the move (overlapping runs
    // may both ask) had it confirmed by the other zone's witness, and the move was notified.
    const asked = events(c, 'invoke-mover').map((r) => r.message);
    expect(asked).not.toEqual([]);
    for (const message of asked)
      expect(message).toMatch(
        /^invoking the Mover: db-a failed \d+ consecutive probes; db-b is healthy; confirmed from vip-failover-orders-db-witness-b in local-az2 saw db-a dead \((?:refused|reset)[^)]*\), db-b alive \(\d+ ms\)$/,
      );
    expect(c.aws.sns.published().map((m) => m.attributes['kind'])).toContain('moved');
    expect(c.logsMatching(/./, 'ERROR')).toEqual([]);
    expect(runErrors).toEqual([]);
  });

  it('moves a frozen master within the probe deadline and leaks no sockets', async () => {
    // Prepare
    const before = await settledTcpSocketHandles();
    const c = await start();
    const runErrors = await startWarmSchedule(c);
    const master = serverOf(c, 'db-a');
    const fromLog = c.logs.length;

    // Act
    master.freeze();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();
    // The endpoint is the cluster's own server: stop it, so its keep-alive sockets close too.
    // db-a stays frozen, so a probe socket left open to it would stay open and be counted.
    await c.aws.stop();
    const settled = await c.waitFor(() => tcpSocketHandles() <= before, 5000);
    const after = tcpSocketHandles();
    // The check itself can fail: one socket of ours to the frozen node is counted.
    const control = connect({ host: master.host, port: master.port });
    control.on('error', () => undefined);
    await new Promise((resolve) => control.once('connect', resolve));
    const withControl = tcpSocketHandles();
    control.destroy();

    // Assess
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
    const failed = probeResults(c, 'db-a', fromLog).filter((p) => !p.ok);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    for (const p of failed) {
      expect(p).toMatchObject({
        failure: 'timeout',
        detail: expect.stringMatching(/within 300 ms$/),
      });
      // The probe's own deadline ends it, not mysql2's or the kernel's (seconds to minutes).
      expect(p.latencyMs).toBeLessThan(2000);
    }
    expect(c.logsMatching(/^db-a is down after 3 consecutive failures$/, 'WARN')).not.toEqual([]);
    expect(c.logsMatching(/^VIP moved to db-b: /, 'INFO')).toHaveLength(1);
    expect(settled).toBe(true);
    expect(after).toBeLessThanOrEqual(before);
    expect(withControl).toBe(after + 1);
    expect(runErrors).toEqual([]);
  });

  it('holds loudly while the standby is dead too, and moves once the standby returns', async () => {
    // Prepare
    const c = await start();
    const runErrors = await startWarmSchedule(c);
    await serverOf(c, 'db-b').kill();
    expect(await waitForLog(c, /^db-b is down after 3 consecutive failures$/, 'WARN')).toBe(true);

    // Act: the master dies with no healthy standby
    await serverOf(c, 'db-a').kill();
    const alerted = await waitForLog(c, /^db-a is down and no standby is healthy/, 'ERROR');
    const fromLog = c.logs.length;
    const ranOn = await waitForRuns(c, 2, fromLog);
    const heldPlacement = c.placement();
    const heldSwitches = routeSwitches(c).length;

    // Act: the standby comes back
    await serverOf(c, 'db-b').restart();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess: no move while no node was healthy, and an alert saying why
    expect({ alerted, ranOn }).toEqual({ alerted: true, ranOn: true });
    expect(heldPlacement).toEqual(placementOn(c, 'db-a'));
    expect(heldSwitches).toBe(0);
    expect(
      c.logsMatching(
        /^db-a is down and no standby is healthy; not moving the VIP to an unproven node$/,
        'ERROR',
      ),
    ).not.toEqual([]);
    expect(
      c.logsMatching(/^run done: VIP on db-a; db-a is down and no standby is healthy/, 'ERROR'),
    ).not.toEqual([]);
    // Assess: one move once the standby answered again
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
    expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
    expect(
      c.logsMatching(/^VIP moved to db-b: db-a failed \d+ consecutive probes/, 'INFO'),
    ).toHaveLength(1);
    expect(runErrors).toEqual([]);
  });

  describe('master returns after a failover', () => {
    it('stays on the standby over several runs with failback never', async () => {
      // Prepare
      const { c, runErrors } = await failedOver({ failback: 'never', cooldownSeconds: 0 });

      // Act
      await serverOf(c, 'db-a').restart();
      const fromLog = c.logs.length;
      const risen = await waitForLog(c, /^db-a is up after 2 consecutive successes$/, 'INFO');
      // Runs that start after db-a is back see it up from their first probes on.
      const ranOn = await waitForRuns(c, 3, fromLog);
      await c.stopSchedule();

      // Assess
      expect({ risen, ranOn }).toEqual({ risen: true, ranOn: true });
      expectVipOn(c, 'db-b');
      expect(probeResults(c, 'db-a').at(-1)).toMatchObject({ ok: true });
      expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
      expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
      const later = runReports(c, fromLog);
      expect(later.map((r) => r.active)).toEqual(later.map(() => 'db-b'));
      expect(c.logsMatching(/failback/)).toEqual([]);
      expect(runErrors).toEqual([]);
    });

    it('returns to the preferred master after rise and the cooldown, not before', async () => {
      // Prepare
      const cooldownMs = 4000;
      const { c, runErrors } = await failedOver({
        failback: 'preferred',
        cooldownSeconds: cooldownMs / 1000,
      });

      // Act
      await serverOf(c, 'db-a').restart();
      const back = await c.waitFor(() => c.converged() === 'db-a', PATIENCE_MS);
      await c.stopSchedule();

      // Assess
      expect(back).toBe(true);
      expectVipOn(c, 'db-a');
      expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b', 'db-a']));
      const history = c.aws.parameterHistory(c.config.recordParameterName);
      expect(history.map((v) => v.value)).toEqual(['db-a', 'db-b', 'db-a']);
      const failedOverAt = (history[1] as { lastModified: number }).lastModified;
      const failbacks = routeSwitches(c).filter((s) => s.node === 'db-a');
      expect(failbacks).toHaveLength(3);
      for (const s of failbacks)
        expect(s.startedAt).toBeGreaterThanOrEqual(failedOverAt + cooldownMs);
      // It wanted to return earlier: the cooldown, not a slow rise, held it back.
      expect(c.logsMatching(/^failback to db-a waits for the cooldown$/)).not.toEqual([]);
      expect(
        c.logsMatching(/^VIP moved to db-a: failback: db-a is preferred and rose 2 times$/, 'INFO'),
      ).toHaveLength(1);
      expect(runErrors).toEqual([]);
    });
  });

  it('makes exactly one move when runs overlap and the Mover is asked twice more', async () => {
    // Prepare: the moves take long enough for the duplicates to land in the middle of one.
    const c = await start();
    const clients = localClients(c.aws);
    c.aws.faults.add({ name: 'slow-route', action: 'ReplaceRoute', latencyMs: 300 });
    const maxRunning = { mover: 0 };
    // Each table's VIP route over time, one entry per change: a ping-pong would show db-a again.
    const history: Record<string, string[]> = {};
    const stopWatching = c.aws.onCall((call) => {
      maxRunning.mover = Math.max(maxRunning.mover, c.aws.lambda.running(MOVER_FUNCTION));
      if (call.action !== 'ReplaceRoute' && call.action !== 'CreateRoute') return;
      for (const [id, target] of Object.entries(c.placement().tables)) {
        const seen = (history[id] ??= ['db-a']);
        if (seen.at(-1) !== target) seen.push(String(target));
      }
    });
    const duplicate = (type: 'RequestResponse' | 'Event') =>
      clients.lambda
        .send(
          new InvokeCommand({
            FunctionName: MOVER_FUNCTION,
            InvocationType: type,
            Payload: new TextEncoder().encode(
              JSON.stringify(
                signedAs(c.config, 'checker', {
                  target: 'db-b',
                  reason: `duplicate ${type} delivery`,
                  expectedActive: 'db-a',
                  automatic: true,
                }),
              ),
            ),
          }),
        )
        .then(
          (out) => ({
            status: out.StatusCode,
            payload: out.Payload ? new TextDecoder().decode(out.Payload) : '',
          }),
          (e: Error) => ({ error: e.name }),
        );
    let duplicates: Promise<unknown[]> | undefined;
    const stopDuplicates = c.aws.onCallStart((call) => {
      if (call.action === 'ReplaceRoute' && !duplicates)
        duplicates = Promise.all([duplicate('RequestResponse'), duplicate('Event')]);
    });
    await serverOf(c, 'db-a').kill();

    // Act: two runs whose turns to act coincide, both seeing the dead master
    const scheduledAt = Date.now() - c.runtime.overlapMs;
    let reports: CheckerReport[];
    try {
      reports = await Promise.all([c.runChecker(scheduledAt), c.runChecker(scheduledAt)]);
      await c.waitFor(
        () => c.aws.lambda.running() === 0 && c.aws.lambda.queued() === 0,
        PATIENCE_MS,
      );
    } finally {
      stopWatching();
      stopDuplicates();
      clients.destroy();
    }
    const answers = await duplicates;

    // Assess
    expectVipOn(c, 'db-b');
    expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
    expect(c.aws.calls({ action: 'CreateRoute', status: 200 })).toEqual([]);
    expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
    expect(history).toEqual(everyTable(c, ['db-a', 'db-b']));
    expect(maxRunning.mover).toBeLessThanOrEqual(1);
    expect(c.logsMatching(/^VIP moved to db-b/, 'INFO')).toHaveLength(1);
    const results = reports.flatMap((r) => r.moves.map((m) => m.result?.status ?? m.error));
    expect(results.filter((s) => s === 'moved')).toHaveLength(1);
    expect(answers).toEqual([
      // The synchronous duplicate meets the running move: reserved concurrency 1 turns it away.
      { error: 'TooManyRequestsException' },
      // The asynchronous one is queued behind it and finds the move done.
      { status: 202, payload: '' },
    ]);
    expect(
      c.logsMatching(/^VIP already on db-b$/, 'INFO').length +
        c.logsMatching(/^move refused: the tables changed/, 'WARN').length,
    ).toBeGreaterThanOrEqual(1);
  });

  describe('pause flag', () => {
    it('makes no automatic move while paused, keeps probing, and moves once unpaused', async () => {
      // Prepare
      const c = await start();
      const runErrors = await startWarmSchedule(c);
      c.aws.putParameter(c.config.pauseParameterName, 'true');

      // Act: the master dies while moves are paused
      await serverOf(c, 'db-a').kill();
      const alerted = await waitForLog(
        c,
        /^db-a is down but moves are paused; db-b is healthy$/,
        'ERROR',
      );
      const fromLog = c.logs.length;
      const ranOn = await waitForRuns(c, 2, fromLog);
      const heldPlacement = c.placement();
      const heldSwitches = routeSwitches(c).length;
      const probesWhilePaused = probeResults(c, 'db-a', fromLog);

      // Act: operators lift the pause
      c.aws.putParameter(c.config.pauseParameterName, 'false');
      const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
      const movedAt = logIndex(c, /^VIP moved to db-b/);
      await c.stopSchedule();

      // Assess: nothing moved while paused, yet the Checker kept probing and said why it held
      expect({ alerted, ranOn }).toEqual({ alerted: true, ranOn: true });
      expect(heldPlacement).toEqual(placementOn(c, 'db-a'));
      expect(heldSwitches).toBe(0);
      expect(probesWhilePaused.length).toBeGreaterThanOrEqual(3);
      expect(probesWhilePaused.every((p) => !p.ok)).toBe(true);
      // Assess: the move after the pause, and no alert about a pause that is over
      expect(moved).toBe(true);
      expectVipOn(c, 'db-b');
      expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
      expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
      expect(c.logsMatching(/^VIP moved to db-b: db-a failed \d+ consecutive probes/)).toHaveLength(
        1,
      );
      expect(runReports(c, movedAt).map((r) => r.paused)).not.toContain(true);
      expect(runErrors).toEqual([]);
    });

    it('ends a run that held for the pause with a summary of the present, not a stale alert', async () => {
      // Prepare: a run whose turn to act is now holds a dead master because moves are paused
      const c = await start();
      c.aws.putParameter(c.config.pauseParameterName, 'true');
      await serverOf(c, 'db-a').kill();
      const scheduledAt = Date.now() - c.runtime.overlapMs;
      const holding = c.runChecker(scheduledAt);
      const alerted = await waitForLog(c, /^db-a is down but moves are paused/, 'ERROR');

      // Act: operators lift the pause; the next run moves as its turn begins
      c.aws.putParameter(c.config.pauseParameterName, 'false');
      const next = c.runChecker(scheduledAt + c.runtime.windowMs);
      const [held, moved] = await Promise.all([holding, next]);

      // Assess
      expect(alerted).toBe(true);
      expectVipOn(c, 'db-b');
      expect(moved.moves.map((m) => m.result?.status)).toEqual(['moved']);
      expect(held.moves).toEqual([]);
      // The holding run read the flag once more before its summary: no alert for a lifted pause.
      expect(held.paused).toBe(false);
      expect(held.decision).not.toMatchObject({ action: 'hold' });
      expect(c.logsMatching(/^run done: .*moves are paused/, 'ERROR')).toEqual([]);
    });
  });

  describe('economy mode', () => {
    it('detects and moves a killed master within one short run', async () => {
      // Prepare
      const c = await start({
        detection: { mode: 'economy', cooldownSeconds: 0 },
      });
      const runErrors = await startWarmSchedule(c);
      const fromLog = c.logs.length;
      expect(await waitForRuns(c, 2, fromLog)).toBe(true);

      // Act, and Assess the VIP on db-b: two runs more once it moved, to see quiet runs after it
      await expectFailover(c, {
        afterMove: async () => expect(await waitForRuns(c, 2, c.logs.length)).toBe(true),
      });

      // Assess
      expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b']));
      expect(recordHistory(c)).toEqual(['db-a', 'db-b']);
      const reports = runReports(c, fromLog);
      // A run with nothing in doubt probes each node once and ends.
      const quiet = reports.filter((r) => r.moves.length === 0 && r.nodes['db-a']?.failed === 0);
      expect(quiet.length).toBeGreaterThanOrEqual(2);
      for (const r of quiet) {
        expect(r.nodes['db-a']?.probes).toBe(1);
        expect(r.nodes['db-b']?.probes).toBe(1);
      }
      // One run saw the first failure, confirmed it `fall` times and moved.
      const movers = reports.filter((r) => r.moves.some((m) => m.result?.status === 'moved'));
      expect(movers).toHaveLength(1);
      // Counted down at the third failure (the log below); a probe already under way may land after.
      expect(movers[0]?.nodes['db-a']).toMatchObject({ state: 'down' });
      expect(movers[0]?.nodes['db-a']?.failed).toBeGreaterThanOrEqual(3);
      expect(
        c.logsMatching(
          /^VIP moved to db-b: db-a failed 3 consecutive probes; db-b is healthy; confirmed from vip-failover-orders-db-witness-b in local-az2 saw db-a dead/,
        ),
      ).toHaveLength(1);
      expect(runErrors).toEqual([]);
    });

    it('returns to the preferred master once it has risen, although a run probes once', async () => {
      // Prepare
      const { c, runErrors } = await failedOver({
        mode: 'economy',
        failback: 'preferred',
        cooldownSeconds: 1,
      });

      // Act
      await serverOf(c, 'db-a').restart();
      const back = await c.waitFor(() => c.converged() === 'db-a', PATIENCE_MS);
      await c.stopSchedule();

      // Assess
      expect(back).toBe(true);
      expectVipOn(c, 'db-a');
      expect(switchesByTable(c)).toEqual(everyTable(c, ['db-b', 'db-a']));
      expect(recordHistory(c)).toEqual(['db-a', 'db-b', 'db-a']);
      const failbacks = runReports(c).filter((r) =>
        r.moves.some((m) => m.request.target === 'db-a' && m.result?.status === 'moved'),
      );
      expect(failbacks).toHaveLength(1);
      expect(failbacks[0]?.nodes['db-a']?.probes).toBeGreaterThanOrEqual(2);
      expect(
        c.logsMatching(/^VIP moved to db-a: failback: db-a is preferred and rose 2 times$/),
      ).toHaveLength(1);
      expect(runErrors).toEqual([]);
    });
  });
});
