import { moveEvent } from '../lambda/domain/mover/move-notice';
import type { MoveResult } from '../lambda/domain/types';

const NOW = Date.parse('2026-12-01T10:00:02.100Z');
const moved: MoveResult = {
  status: 'moved',
  target: 'db-b',
  tables: [
    { routeTableId: 'rtb-1', action: 'replaced' },
    { routeTableId: 'rtb-2', action: 'replaced' },
  ],
  recordWritten: true,
  previousRecord: 'db-a',
  durationMs: 650,
};

describe('moveEvent', () => {
  it('says from where, to where, why, each table and the time since the first failed probe', () => {
    const event = moveEvent(
      {
        target: 'db-b',
        expectedActive: 'db-a',
        reason: 'db-a failed 6 consecutive probes; db-b is healthy',
        automatic: true,
        detectedAt: '2026-12-01T10:00:00.000Z',
      },
      moved,
      NOW,
    );

    expect(event).toMatchObject({
      kind: 'moved',
      subject: 'VIP moved db-a → db-b (automatic)',
      facts: { from: 'db-a', to: 'db-b', who: 'automatic', timeToFailoverSeconds: '2.10' },
    });
    expect(event?.body).toContain('db-a failed 6 consecutive probes');
    expect(event?.body).toContain('  rtb-2: replaced');
    expect(event?.body).toContain('first failed probe to the last table switched: 2.10 s');
  });

  it('names the operator of a planned switchover and asks for no cause', () => {
    // Act
    const event = moveEvent({ target: 'db-b', reason: 'patching', by: 'alice' }, moved, NOW);

    // Assess
    expect(event?.subject).toBe('VIP moved db-a → db-b (switchover by alice)');
    expect(event?.body).toMatch(/^Planned switchover from db-a to db-b by alice; .*: patching/);
    expect(event?.body).toContain('Next step: check that clients reach db-b');
    expect(event?.body).not.toContain('failed');
  });

  it('records --force in the subject, the body and the facts', () => {
    // Act
    const event = moveEvent({ target: 'db-b', reason: 'dr', by: 'alice', force: true }, moved, NOW);

    // Assess
    expect(event?.subject).toBe('VIP moved db-a → db-b (switchover by alice, forced)');
    expect(event?.body).toContain('With --force: db-b was not checked before the move.');
    expect(event?.facts).toMatchObject({ forced: 'true' });
  });

  it('calls a partial move incomplete and counts the failed tables', () => {
    const partial: MoveResult = {
      ...moved,
      status: 'partial',
      tables: [
        { routeTableId: 'rtb-1', action: 'replaced' },
        { routeTableId: 'rtb-2', action: 'failed', error: 'UnauthorizedOperation: no' },
      ],
    };

    const event = moveEvent({ target: 'db-b', reason: 'x', automatic: true }, partial, NOW);

    expect(event).toMatchObject({ kind: 'move-partial', facts: { failed: '1' } });
    expect(event?.subject).toBe('VIP move db-a → db-b INCOMPLETE: 1 table(s) failed');
    expect(event?.body).toContain('rtb-2: failed (UnauthorizedOperation: no)');
  });

  it.each(['already-active', 'stale', 'paused', 'expired', 'refused'] as const)(
    'sends nothing for %s',
    (status) => {
      expect(moveEvent({ target: 'db-b', reason: 'x' }, { ...moved, status }, NOW)).toBeUndefined();
    },
  );
});
