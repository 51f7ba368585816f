/**
 * The drill scenarios that fail over or hold (secret-lost, freeze, partition), as `npm run drill`
 * runs them: the example config's default detection settings (fall 6, interval 1 s, probe timeout
 * 1 s, rise 3), only the Checker's schedule compressed. The fault suite covers the same faults and
 * more with compressed thresholds. The default scenario, kill, is asserted on what `npm run drill`
 * itself prints and writes (drill-cli.test.ts); the scenarios where the VIP stays or comes back
 * (standby-dead, restart) are in drill-scenarios-return.test.ts, which jest runs in parallel.
 */
import { CHECKER_SOURCE_ADDRESS } from '../../tools/harness/cluster';
import { TABLES, drill, entries, expectJsonResult, switchedTo } from '../support/drill';
import { escapeRe } from '../support/text';

jest.setTimeout(90_000);

describe('drill scenarios', () => {
  it('secret-lost: fails over although the probe secret is unreadable, and alerts it', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'secret-lost' });

    // Assess
    expect(r).toMatchObject({ scenario: 'secret-lost', ok: true });
    expect(r.problem).toBeUndefined();
    expectJsonResult(r, 'db-b');
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual([
      'probe secret deleted and the probe password changed on every node',
      '*** db-a killed (SIGKILL)',
    ]);
    expect(r.notifications.map((n) => n.kind)).toContain('moved');
  });

  it('freeze: fails over from a SIGSTOPped master whose probes time out', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'freeze' });

    // Assess
    expect(r).toMatchObject({ scenario: 'freeze', ok: true });
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-b'])),
      record: 'db-b',
      databases: expect.any(Object),
    });
    expect(r.time_to_failover_s).toBeGreaterThan(0);
    expect(entries(r, 'fault')[0]?.detail).toMatch(/db-a frozen \(SIGSTOP\)/);
    const failedProbes = entries(r, 'probe').filter((e) => /db-a: FAILED/.test(e.detail));
    expect(failedProbes.length).toBeGreaterThanOrEqual(6);
    expect(failedProbes.every((e) => /FAILED \(timeout\)/.test(e.detail))).toBe(true);
    expect(entries(r, 'health').map((e) => e.detail)).toContain(
      'db-a is down after 6 consecutive failures',
    );
    expect(switchedTo(r)).toEqual(['db-b', 'db-b', 'db-b']);
    expect(entries(r, 'record')).toHaveLength(1);
    expectJsonResult(r, 'db-b');
  });

  it('partition: holds the VIP on a master only the Checker lost, and alerts the disagreement', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'partition' });

    // Assess
    expect(r).toMatchObject({ scenario: 'partition', ok: true, time_to_failover_s: null });
    expect(r.problem).toBeUndefined();
    expect(r.move_s).toBeNull();
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\*\\*\\* the Checker \\(${escapeRe(CHECKER_SOURCE_ADDRESS)}\\) cut off from db-a: `,
        ),
      ),
    ]);
    expect(entries(r, 'heal')).toHaveLength(1);
    expect(entries(r, 'second-opinion-disagrees')[0]?.detail).toMatch(
      /^ALERT second opinion disagrees, not moving: db-a looks down from local-az1 but not from everywhere: vip-failover-orders-db-witness-b in local-az2 saw db-a alive/,
    );
    expect(r.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'second-opinion-disagrees',
        phase: 'start',
        subject: '[orders-db] vantage points disagree: no failover',
      }),
    );
    expect(entries(r, 'mover')).toEqual([]);
    expect(entries(r, 'table')).toEqual([]);
    expect(entries(r, 'record')).toEqual([]);
    expectJsonResult(r, 'db-a');
  });
});
