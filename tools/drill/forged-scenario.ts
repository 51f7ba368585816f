/**
 * The drill's forged scenario: while the master is healthy, the Mover is invoked directly as a
 * principal that may invoke it but holds no signing key would: unsigned, wrongly signed,
 * replayed, stale, claiming `automatic`, claiming `force`, and an operator's signature claiming
 * `automatic` (tools/harness/forged.ts). Nothing may move, and each must be notified
 * (`move-untrusted`). Then the master is killed: the Checker's own signed request must still
 * fail over.
 */
import { forgeries, sendForgeries } from '../harness/forged';
import type { Play, Played } from './play';

export async function forgedScenario(p: Play): Promise<Played> {
  const { cluster, master, standby } = p;
  const expected =
    `every forged request refused and notified (move-untrusted) with the VIP left on ${master}; ` +
    `then, ${master} killed, VIP on ${standby} in every table and the record`;
  const set = forgeries(cluster.config, master, standby);
  const sentAt = Date.now();
  const answers = await sendForgeries(cluster.env, set);
  for (const a of answers)
    p.note('forged', `*** ${a.name} request: ${a.status}${a.detail ? ` (${a.detail})` : ''}`);
  const untrusted = cluster.aws.sns
    .published()
    .filter((m) => m.attributes?.kind === 'move-untrusted' && m.at >= sentAt).length;
  const accepted = answers.filter((a) => a.status !== 'refused').map((a) => a.name);
  const refusal =
    (accepted.length > 0 ? `not refused: ${accepted.join(', ')}` : undefined) ??
    (cluster.converged() !== master
      ? `the VIP left ${master}: ${JSON.stringify(cluster.placement())}`
      : undefined) ??
    (untrusted !== answers.length
      ? `${untrusted} move-untrusted notifications for ${answers.length} forged requests`
      : undefined);
  const deathAt = await p.act(master, 'kill');
  const problem = refusal ?? (await p.reaches(standby, p.settleMs, 'the kill'));
  return { expected, problem, deathAt, moveExpected: true };
}
