import { runDrill } from '../../tools/drill/drill';

describe('runDrill', () => {
  it('fails over from a killed master to the standby in every table and the record', async () => {
    // Prepare / Act
    const result = await runDrill({
      scenario: 'kill',
      windowMs: 3000,
      warmupMs: 2000,
    });

    // Assess
    expect(result).toMatchObject({ ok: true, scenario: 'kill' });
    expect(Object.values(result.final.tables)).toEqual(['db-b', 'db-b', 'db-b']);
    expect(result.final.record).toBe('db-b');
    expect(result.time_to_failover_s).toBeGreaterThan(0);
    expect(result.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(['fault', 'probe', 'mover', 'table', 'record']),
    );
  });
});
