/**
 * Failover that survives losing the Checker with the master: replicating nodes, the real Checker
 * and Mover handlers on the local endpoint, Checker runs killed mid-run as processes of their own,
 * and runs that begin only after the master died, judging the replica by the reading an earlier
 * run saved. Waits are generous; the specs assert where the VIP ends and what was said.
 */
import { readingMaxAgeMs } from '../../config';
import { parseSavedReadings, savedReadingsValue } from '../../lambda/domain/checker/saved-readings';
import type { LocalCluster } from '../../tools/harness/cluster';
import { loseMasterZone, savedSighting } from '../../tools/harness/outage';
import { waitCaughtUp } from '../../tools/harness/replication';
import { serverOf } from '../../tools/harness/scenario';
import { PATIENCE_MS, clusterPerSpec, expectVipOn } from '../support/cluster';

jest.setTimeout(180_000);

const start = clusterPerSpec();

async function replicating(options: { overlapMs?: number } = {}): Promise<LocalCluster> {
  const c = await start({ ...options, replication: true });
  await waitCaughtUp(serverOf(c, 'db-a'), serverOf(c, 'db-b'));
  return c;
}

/** The saved reading of db-b, vouched for by db-a. */
const savedByMaster = (c: LocalCluster) => savedSighting(c, 'db-b')?.master === 'db-a';

describe('losing the Checker with the master', () => {
  it('moves from a run that begins after a run killed mid-run, without waiting for any turn', async () => {
    // Prepare: runs overlap by 15 s, so a turn the killed run left behind would hold the next.
    const c = await replicating({ overlapMs: 15_000 });
    const killed = c.spawnChecker({ zone: 0 });
    expect(await c.waitFor(() => savedByMaster(c), PATIENCE_MS)).toBe(true);

    // Act: the master's zone is lost mid-run; the next run is scheduled then, in the other zone.
    const lost = await loseMasterZone(c, 'db-a');
    const next = c.spawnChecker({ scheduledAt: lost.at, zone: 1 });
    const moved = await c.waitFor(() => c.converged() === 'db-b', PATIENCE_MS);
    const movedAt = Date.now();

    // Assess
    expect(lost.runsKilled).toBe(1);
    expect(await killed.exited).toBe('SIGKILL');
    expect(moved).toBe(true);
    expect(movedAt).toBeLessThan(lost.at + c.runtime.overlapMs);
    expectVipOn(c, 'db-b');
    // What the killed run saved is whole: one PutParameter, never half of a value.
    const value = c.aws.parameter(c.config.replicationParameterName)?.value;
    expect(parseSavedReadings(value)['db-b']?.state.replica?.ioThread).toBe('Yes');
    next.kill();
  });

  describe('a run that begins after the master died, with no run alive at the death', () => {
    /** A whole run while db-a answers, then db-a killed, then the next run. */
    async function runAfterDeath(c: LocalCluster, change: () => void = () => undefined) {
      const first = await c.runChecker();
      change();
      await serverOf(c, 'db-a').kill();
      const after = await c.runChecker();
      return { first, after };
    }

    it('moves to the replica by the reading the run before it saved', async () => {
      // Prepare
      const c = await replicating();

      // Act
      const { first, after } = await runAfterDeath(c);

      // Assess
      expect(first.savedReadings?.saves).toBeGreaterThan(0);
      expect(after.savedReadings).toMatchObject({ loaded: 1 });
      expect(after.moves).toEqual([
        expect.objectContaining({
          result: expect.objectContaining({ status: 'moved', target: 'db-b' }),
        }),
      ]);
      expectVipOn(c, 'db-b');
    });

    it('holds and alerts, naming its age, when the reading is older than the bound', async () => {
      // Prepare: the saved reading made older than a run may trust.
      const c = await replicating();
      const name = c.config.replicationParameterName;
      const ageMs = readingMaxAgeMs(c.runtime) + 5000;
      const makeOld = () => {
        const saved = parseSavedReadings(c.aws.parameter(name)?.value);
        const old = Object.fromEntries(
          Object.entries(saved).map(([n, s]) => [n, { ...s, at: s.at - ageMs }]),
        );
        c.aws.putParameter(name, savedReadingsValue(old, Date.now() - ageMs));
      };

      // Act
      const { after } = await runAfterDeath(c, makeOld);

      // Assess
      expect(after.moves).toEqual([]);
      expect(after.decision).toMatchObject({
        action: 'hold',
        kind: 'no-standby',
        reason: expect.stringMatching(/db-b read while db-a still answered is \d+ s old/),
      });
      expect(c.aws.sns.published()).toContainEqual(
        expect.objectContaining({
          attributes: expect.objectContaining({ kind: 'no-standby', phase: 'start' }),
          message: expect.stringMatching(/is \d+ s old \(saved by an earlier run/),
        }),
      );
      expect(c.converged()).toBe('db-a');
    });

    it('holds and alerts as before when no run saved a reading', async () => {
      // Prepare
      const c = await replicating();

      // Act
      const { after } = await runAfterDeath(c, () =>
        c.aws.deleteParameter(c.config.replicationParameterName),
      );

      // Assess
      expect(after.moves).toEqual([]);
      expect(after.decision).toMatchObject({
        action: 'hold',
        kind: 'no-standby',
        reason: expect.stringMatching(/no replication state of db-b was read while the master/),
      });
      expect(c.converged()).toBe('db-a');
    });
  });
});
