/**
 * The drill scenarios where the VIP stays or comes back, as `npm run drill` runs them: the example
 * config's default detection settings (fall 6, interval 1 s, probe timeout 1 s, rise 3), only the
 * Checker's schedule compressed. The others are in drill-scenarios.test.ts (split so that jest
 * runs the two in parallel workers).
 */
import { TABLES, drill, entries, expectJsonResult, switchedTo } from '../support/drill';

jest.setTimeout(90_000);

describe('drill scenarios', () => {
  it('standby-dead: keeps the VIP on the master and alerts', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'standby-dead' });

    // Assess
    expect(r).toMatchObject({ scenario: 'standby-dead', ok: true, time_to_failover_s: null });
    expect(r.move_s).toBeNull();
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-a'])),
      record: 'db-a',
      databases: expect.any(Object),
    });
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual([
      '*** db-b killed (SIGKILL)',
      '*** db-a killed (SIGKILL)',
    ]);
    expect(r.timeline.map((e) => e.detail)).toContainEqual(
      expect.stringMatching(
        /^ALERT db-a is down and no standby is healthy; not moving the VIP to an unproven node$/,
      ),
    );
    expect(entries(r, 'mover')).toEqual([]);
    expect(entries(r, 'table')).toEqual([]);
    expect(entries(r, 'record')).toEqual([]);
    expectJsonResult(r, 'db-a');
  });

  it('restart: does not flap back when the master returns (failback never)', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'restart' });

    // Assess
    expect(r).toMatchObject({ scenario: 'restart', ok: true });
    expect(r.expected).toMatch(/stays there after db-a returns \(failback never\)/);
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-b'])),
      record: 'db-b',
      databases: expect.any(Object),
    });
    expect(r.time_to_failover_s).toBeGreaterThan(0);
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual([
      '*** db-a killed (SIGKILL)',
      '*** db-a restarted',
    ]);
    // db-a answered again (possibly while it was still booting), and nothing moved for it.
    const killedAt = r.timeline.findIndex((e) => e.event === 'fault');
    expect(
      r.timeline
        .slice(killedAt)
        .some((e) => e.event === 'probe' && /^probe db-a: ok/.test(e.detail)),
    ).toBe(true);
    expect(switchedTo(r)).toEqual(['db-b', 'db-b', 'db-b']);
    expect(entries(r, 'record')).toHaveLength(1);
    expectJsonResult(r, 'db-b');
  });
});
