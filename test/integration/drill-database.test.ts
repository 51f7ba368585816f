/**
 * The drill's database scenarios as `npm run drill -- --scenario promote|lagging|az-outage|...`
 * runs them:
 * the example config's detection, replicating nodes, only the Checker's schedule compressed.
 */
import { loopbackAddress } from '../../tools/harness/cluster';
import { TABLES, drill } from '../support/drill';
import { escapeRe } from '../support/text';

jest.setTimeout(180_000);

const everyTable = (node: string) => Object.fromEntries(TABLES.map((id) => [id, node]));

describe('database drill scenarios', () => {
  it('promote: the standby is promoted and takes the VIP; the old master returns read-only and stays without it', async () => {
    // Act
    const r = await drill({ scenario: 'promote' });

    // Assess
    expect(r.problem).toBeUndefined();
    expect(r).toMatchObject({ scenario: 'promote', ok: true });
    expect(r.final).toEqual({
      tables: everyTable('db-b'),
      record: 'db-b',
      databases: {
        'db-a': { running: true, readOnly: true, replication: 'none' },
        'db-b': {
          running: true,
          readOnly: false,
          replication: { io: 'No', sql: 'No', lagSeconds: null },
        },
      },
    });
    expect(r.timeline.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^db-b applied everything it received/),
        expect.stringMatching(
          new RegExp(`^db-b stopped replicating from ${escapeRe(loopbackAddress(11))}:\\d+$`),
        ),
        'db-b is writable (read_only OFF)',
      ]),
    );
  });

  it('lagging: a standby past maxLagSeconds gets nothing; the VIP stays and the alert names the lag', async () => {
    // Act
    const r = await drill({ scenario: 'lagging' });

    // Assess
    expect(r.problem).toBeUndefined();
    expect(r).toMatchObject({ scenario: 'lagging', ok: true, time_to_failover_s: null });
    expect(r.final).toMatchObject({
      tables: everyTable('db-a'),
      record: 'db-a',
      databases: { 'db-a': { running: false }, 'db-b': { running: true, readOnly: true } },
    });
    expect(r.timeline.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ALERT db-a is down and no standby is healthy.*db-b lagged \d+ s behind/,
        ),
      ]),
    );
  });

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
