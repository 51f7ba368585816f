/**
 * The drill's partition scenario: the Checker's vantage point loses the master while the other
 * zone's witness still reaches it, as a security group, NACL or gray failure between two AZs
 * would do. The master looks dead from the Checker only; the second opinion must hold the
 * failover and the disagreement must reach the operators. Passes when nothing moves (every
 * table and the record stay on the master, no Mover is invoked) through the partition and after
 * it heals, and a second-opinion-disagrees notification was published.
 */
import { sleep } from '../../lambda/domain/clock';
import { CHECKER_SOURCE_ADDRESS, MOVER_FUNCTION } from '../harness/cluster';
import { every } from '../harness/scenario';
import type { Play, Played } from './play';

/** The condition the Checker notifies when another zone sees the master alive. */
export const DISAGREEMENT = 'second-opinion-disagrees';

export async function partitionScenario(p: Play): Promise<Played> {
  const { cluster, master } = p;
  const { config, runtime } = cluster;
  const d = config.detection;
  const expected =
    `VIP stays on ${master} in every table and the record while the Checker's zone cannot reach it ` +
    `(another zone can) and after the partition heals, and the disagreement is notified (${DISAGREEMENT})`;
  if (cluster.witnesses.length < 2)
    return {
      expected,
      problem:
        'the partition scenario needs the second opinion: secondOpinion.enabled and subnets in two AZs',
      deathAt: Date.now(),
      moveExpected: false,
    };
  const recordVersion = cluster.aws.parameter(config.recordParameterName)?.version;
  let strayed: string | undefined;
  const stopWatching = every(25, () => {
    if (strayed === undefined && cluster.converged() !== master)
      strayed = `the VIP left ${master}: ${JSON.stringify(cluster.placement())}`;
  });
  let moverCalls = 0;
  const stopCalls = cluster.aws.onCallStart((c) => {
    if (c.action === 'Invoke' && c.params.FunctionName === MOVER_FUNCTION) moverCalls += 1;
  });
  const cutAt = Date.now();
  let notified = false;
  try {
    await cluster.partition('checker', master);
    p.note(
      'fault',
      `*** the Checker (${CHECKER_SOURCE_ADDRESS}) cut off from ${master}: its packets dropped; ` +
        `${cluster.witnesses.map((w) => `${w.functionName} (${w.sourceAddress})`).join(', ')} still reach it`,
    );
    // A condition is notified as the run that saw it ends: the cut lasts until then.
    notified = await cluster.waitFor(
      () => published(p, cutAt),
      p.settleMs + 2 * (runtime.windowMs + runtime.overlapMs),
    );
  } finally {
    await cluster.heal();
    p.note('heal', `*** partition healed: the Checker reaches ${master} again`);
  }
  // The master rises again from the Checker's side; nothing may move meanwhile either.
  await sleep((d.rise + 2) * d.intervalMs + config.probe.timeoutMs);
  stopWatching();
  stopCalls();

  const version = cluster.aws.parameter(config.recordParameterName)?.version;
  const problem =
    strayed ??
    (cluster.converged() !== master
      ? `the VIP is not on ${master} after healing: ${JSON.stringify(cluster.placement())}`
      : undefined) ??
    (moverCalls > 0
      ? `the Mover was invoked ${moverCalls} time(s) during the partition or after it`
      : undefined) ??
    (version !== recordVersion
      ? `the record was written (version ${recordVersion} → ${version})`
      : undefined) ??
    (notified ? undefined : `no ${DISAGREEMENT} notification was published`);
  return { expected, problem, deathAt: cutAt, moveExpected: false };
}

/** A disagreement notification published since `since`. */
function published(p: Play, since: number): boolean {
  return p.cluster.aws.sns
    .published()
    .some((m) => m.at >= since && m.attributes['kind'] === DISAGREEMENT);
}
