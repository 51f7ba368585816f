/**
 * The second opinion end to end: the Checker runs in local-az1 and probes from 127.0.0.100, the
 * witnesses of both zones from addresses of their own (tools/harness/cluster). A partition
 * (iptables, as root) cuts the Checker alone off from the master: nothing may move, and the
 * disagreement must be logged and notified. A killed master is dead from every zone: the move
 * goes ahead, its reason naming the other zone's confirmation (scenarios.test.ts, "moves a killed
 * master to the standby", which drives that failover and asserts it with the rest).
 */
import { execFileSync } from 'node:child_process';
import {
  CHECKER_SOURCE_ADDRESS,
  MOVER_FUNCTION,
  type LocalCluster,
} from '../../tools/harness/cluster';
import { PARTITION_CHAIN_PREFIX } from '../../tools/harness/partition';
import { recordHistory } from '../support/calls';
import {
  PATIENCE_MS,
  clusterPerSpec,
  events,
  expectVipOn,
  probeResults,
  startWarmSchedule,
} from '../support/cluster';
import { escapeRe } from '../support/text';

jest.setTimeout(60_000);

const start = clusterPerSpec();

/** This process's partition chains as iptables lists them. */
const ourChains = (): string[] =>
  execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`${PARTITION_CHAIN_PREFIX}-${process.pid}-`));

/** Kinds of the notifications published since `since` (epoch ms). */
const notified = (c: LocalCluster, since = 0): string[] =>
  c.aws.sns
    .published()
    .filter((m) => m.at >= since)
    .map((m) => m.attributes['kind'] ?? '');

describe('second opinion', () => {
  it('holds a failover the other zone disagrees with, and alerts the disagreement', async () => {
    // Prepare
    const c = await start();
    const runErrors = await startWarmSchedule(c);
    let moverCalls = 0;
    c.aws.onCallStart((call) => {
      if (call.action === 'Invoke' && call.params.FunctionName === MOVER_FUNCTION) moverCalls++;
    });
    let left = false;
    const watch = setInterval(() => (left ||= c.converged() !== 'db-a'), 25);
    const cutAt = Date.now();

    // Act
    await c.partition('checker', 'db-a');
    const chainsWhileCut = ourChains();
    const alerted = await c.waitFor(
      () => notified(c, cutAt).includes('second-opinion-disagrees'),
      PATIENCE_MS,
    );
    const fromHeal = c.logs.length;
    await c.heal();
    const chainsHealed = ourChains();
    const rose = await c.waitFor(
      () => c.logs.slice(fromHeal).some((r) => r.event === 'health' && r.to === 'up'),
      PATIENCE_MS,
    );
    await c.stopSchedule();
    clearInterval(watch);

    // Assess
    expect(chainsWhileCut).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `-s ${escapeRe(CHECKER_SOURCE_ADDRESS)}/32 -d ${escapeRe(c.config.nodes[0]!.address)}/32 .*-j DROP$`,
          ),
        ),
      ]),
    );
    expect(chainsHealed).toEqual([]);
    expect(alerted).toBe(true);
    expect(rose).toBe(true);
    expect(left).toBe(false);
    expect(moverCalls).toBe(0);
    expectVipOn(c, 'db-a');
    expect(recordHistory(c)).toEqual(['db-a']);
    // The Checker lost db-a, the other zone's witness still saw it alive.
    expect(probeResults(c, 'db-a').some((p) => !p.ok && p.failure === 'timeout')).toBe(true);
    expect(events(c, 'second-opinion-disagrees').map((r) => r.message)).toContainEqual(
      expect.stringMatching(
        /^second opinion disagrees, not moving: db-a looks down from local-az1 but not from everywhere: vip-failover-orders-db-witness-b in local-az2 saw db-a alive \(\d+ ms\), db-b alive \(\d+ ms\)$/,
      ),
    );
    // The other zone's witness is asked again while it disagrees. (The Checker's own zone's
    // witness may be asked too, by each run before its warm-up tells that run its zone; its answer
    // never counts, as the second-opinion unit specs hold.)
    expect(
      events(c, 'witness-probe').filter((r) => /local-az2/.test(r.message)).length,
    ).toBeGreaterThan(1);
    expect(c.aws.sns.published()).toContainEqual(
      expect.objectContaining({
        subject: '[orders-db] vantage points disagree: no failover',
        attributes: expect.objectContaining({ kind: 'second-opinion-disagrees', phase: 'start' }),
      }),
    );
    expect(runErrors).toEqual([]);
  });

  it('names the vantage points a partition may cut', async () => {
    // Prepare
    const c = await start();

    // Act / Assess
    await expect(c.partition(2, 'db-a')).rejects.toThrow(
      "partition vantage 2 is not a witness zone index; use 'checker' or one of 0 (eu-west-1a), 1 (eu-west-1b)",
    );
    await expect(c.partition('checker', 'db-z')).rejects.toThrow(
      'partition node "db-z" is not a node of this cluster; use one of db-a, db-b',
    );
    expect(ourChains()).toEqual([]);
  });
});
