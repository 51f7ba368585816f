/**
 * Every drill scenario, as `npm run drill` runs it: the example config's default detection
 * settings (fall 6, interval 1 s, probe timeout 1 s, rise 3), only the Checker's schedule
 * compressed. The fault suite covers the same faults and more with compressed thresholds.
 */
import { runDrill, type DrillOptions, type DrillResult } from '../../tools/drill/drill';
import { CHECKER_SOURCE_ADDRESS } from '../../tools/harness/cluster';
import { escapeRe } from '../support/text';

jest.setTimeout(90_000);

const TABLES = ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002', 'rtb-0a1b2c3d4e5f60003'];

function drill(options: DrillOptions): Promise<DrillResult> {
  return runDrill({ windowMs: 2000, warmupMs: 2000, ...options });
}

/** The timeline entries of one kind. */
const entries = (r: DrillResult, event: string) => r.timeline.filter((e) => e.event === event);

/** Route changes in the timeline: the node each one pointed the VIP at. */
const switchedTo = (r: DrillResult) =>
  entries(r, 'table').map((e) => /→ (\S+) \((?:ReplaceRoute|CreateRoute)\)$/.exec(e.detail)?.[1]);

/** The result as `npm run drill -- --json FILE` writes it, read back. */
function expectJsonResult(r: DrillResult, node: string): void {
  const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  expect(json).toMatchObject({
    scenario: r.scenario,
    ok: true,
    time_to_failover_s: r.time_to_failover_s,
    final: { tables: Object.fromEntries(TABLES.map((id) => [id, node])), record: node },
  });
  expect(json).toHaveProperty('time_to_failover_s');
}

describe('drill scenarios', () => {
  it('kill: fails over from a SIGKILLed master to the standby', async () => {
    // Prepare / Act
    const r = await drill({ scenario: 'kill' });

    // Assess
    expect(r).toMatchObject({ scenario: 'kill', ok: true });
    expect(r.problem).toBeUndefined();
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-b'])),
      record: 'db-b',
      databases: expect.any(Object),
    });
    expect(r.time_to_failover_s).toEqual(expect.any(Number));
    expect(r.time_to_failover_s).toBeGreaterThan(0);
    expect(entries(r, 'fault').map((e) => e.detail)).toEqual(['*** db-a killed (SIGKILL)']);
    expect(entries(r, 'health').map((e) => e.detail)).toContain(
      'db-a is down after 6 consecutive failures',
    );
    // The second opinion is on by default: the witness in the other zone confirmed the death.
    expect(entries(r, 'mover')[0]?.detail).toMatch(
      /^Checker invokes the Mover: db-a failed \d+ consecutive probes; db-b is healthy; confirmed from vip-failover-orders-db-witness-b in local-az2 saw db-a dead \([^)]*\), db-b alive \(\d+ ms\)$/,
    );
    expect(entries(r, 'witness-probe').map((e) => e.detail)).toContainEqual(
      expect.stringMatching(/^second opinion from local-az2: db-a dead \(\w+\), db-b ok$/),
    );
    expect(switchedTo(r)).toEqual(['db-b', 'db-b', 'db-b']);
    expect(entries(r, 'record').map((e) => e.detail)).toEqual([
      'record /vip-failover/orders-db/active = db-b (version 2)',
    ]);
    expect(entries(r, 'end')[0]?.detail).toBe('ok: VIP on db-b in every table and the record');
    expectJsonResult(r, 'db-b');
    expect(r.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'moved',
        subject: '[orders-db] VIP moved db-a → db-b (automatic)',
      }),
    );
  });

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

  it('restart: returns to the preferred master after rise and the cooldown', async () => {
    // Prepare / Act
    const cooldownSeconds = 2;
    const r = await drill({ scenario: 'restart', failback: 'preferred', cooldownSeconds });

    // Assess
    expect(r).toMatchObject({ scenario: 'restart', ok: true });
    expect(r.final).toEqual({
      tables: Object.fromEntries(TABLES.map((id) => [id, 'db-a'])),
      record: 'db-a',
      databases: expect.any(Object),
    });
    expect(r.time_to_failover_s).toBeGreaterThan(0);
    expect(switchedTo(r)).toEqual(['db-b', 'db-b', 'db-b', 'db-a', 'db-a', 'db-a']);
    const records = entries(r, 'record');
    expect(records.map((e) => e.detail)).toEqual([
      'record /vip-failover/orders-db/active = db-b (version 2)',
      'record /vip-failover/orders-db/active = db-a (version 3)',
    ]);
    // Not before the cooldown: timeline times are rounded to 10 ms.
    const failback = entries(r, 'table').slice(3);
    for (const e of failback)
      expect(e.t).toBeGreaterThanOrEqual((records[0]?.t ?? Infinity) + cooldownSeconds - 0.02);
    expect(r.timeline.map((e) => e.detail)).toContainEqual(
      expect.stringMatching(/^failback: db-a is preferred and rose 3 times$/),
    );
    expectJsonResult(r, 'db-a');
  });
});
