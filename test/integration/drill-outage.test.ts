/**
 * The drill's AZ outage scenarios as `npm run drill -- --scenario az-outage|az-outage-lagging`
 * runs them: the example config's detection, replicating nodes, only the Checker's schedule
 * compressed.
 */
import { TABLES, drill } from '../support/drill';

jest.setTimeout(180_000);

const everyTable = (node: string) => Object.fromEntries(TABLES.map((id) => [id, node]));

describe('AZ outage drill scenarios', () => {
  it('az-outage: the run after the outage, in the other zone, promotes the caught-up replica and moves the VIP to it', async () => {
    // Act
    const r = await drill({ scenario: 'az-outage', promotion: 'mysql' });

    // Assess
    expect(r.problem).toBeUndefined();
    expect(r).toMatchObject({ scenario: 'az-outage', ok: true });
    expect(r.time_to_failover_s).toBeLessThanOrEqual(r.outage_bound_s as number);
    expect(r.final).toMatchObject({
      tables: everyTable('db-b'),
      record: 'db-b',
      databases: { 'db-a': { running: false }, 'db-b': { running: true, readOnly: false } },
    });
    expect(r.timeline.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /AZ outage of local-az1: db-a killed .*[1-9] Checker run\(s\) killed mid-run/,
        ),
        expect.stringMatching(/^db-a looks down from local-az2/),
      ]),
    );
  });

  it('az-outage-lagging: a replica that lagged before the outage gets nothing; the alert names the lag', async () => {
    // Act
    const r = await drill({ scenario: 'az-outage-lagging' });

    // Assess
    expect(r.problem).toBeUndefined();
    expect(r).toMatchObject({ scenario: 'az-outage-lagging', ok: true, time_to_failover_s: null });
    expect(r.final).toMatchObject({ tables: everyTable('db-a'), record: 'db-a' });
    expect(r.notifications).toContainEqual(
      expect.objectContaining({ kind: 'no-standby', phase: 'start' }),
    );
  });
});
