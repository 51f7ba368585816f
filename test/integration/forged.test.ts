/**
 * Forged requests to the real Mover handler through the local endpoint's Lambda Invoke: a
 * principal that may invoke the Mover but holds no signing key moves nothing, and each attempt
 * reaches the operators; the Checker's own signed request still fails over afterwards.
 */
import { forgeries, sendForgeries } from '../../tools/harness/forged';
import { serverOf } from '../../tools/harness/scenario';
import type { LocalCluster } from '../../tools/harness/cluster';
import { PATIENCE_MS, expectVipOn, startFastCluster, startWarmSchedule } from '../support/cluster';

jest.setTimeout(90_000);

let cluster: LocalCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a principal without a signing key', () => {
  it('moves nothing with a forged request of any kind, each one alerted, and failover still works', async () => {
    // Prepare
    const c = (cluster = await startFastCluster());
    const runErrors = await startWarmSchedule(c);
    const set = forgeries(c.config, 'db-a', 'db-b');
    const recordVersion = c.aws.parameter(c.config.recordParameterName)?.version;
    const publishedBefore = c.aws.sns.published().length;

    // Act
    const answers = await sendForgeries(c.env, set);
    const untrusted = c.aws.sns
      .published()
      .slice(publishedBefore)
      .filter((m) => m.attributes?.kind === 'move-untrusted');
    const stayed = c.converged();
    const version = c.aws.parameter(c.config.recordParameterName)?.version;
    await serverOf(c, 'db-a').kill();
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    await c.stopSchedule();

    // Assess
    expect(answers.map((a) => [a.name, a.status])).toEqual(
      set.forged.map((f) => [f.name, 'refused']),
    );
    expect(untrusted.map((m) => m.attributes?.distrust)).toEqual(set.forged.map((f) => f.distrust));
    expect(untrusted.map((m) => m.subject)).toEqual(
      set.forged.map(
        (f) =>
          `[orders-db] Move REFUSED to ${(f.event as { target: string }).target}: ${f.distrust}`,
      ),
    );
    expect(stayed).toBe('db-a');
    expect(version).toBe(recordVersion);
    expect(moved).toBe(true);
    expectVipOn(c, 'db-b');
    expect(runErrors).toEqual([]);
  });
});
