/**
 * The drill's database scenarios as `npm run drill -- --scenario promote|lagging` runs them: the
 * example config's detection, replicating nodes, only the Checker's schedule compressed. The AZ
 * outage scenarios are in drill-outage.test.ts, which jest runs beside this file.
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
});
