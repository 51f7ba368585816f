import type { Fencing, Unfencing } from '../lambda/domain/mover/fence';
import { moveEvent } from '../lambda/domain/mover/move-notice';
import { prepareMove, type DatabaseDeps, type DatabaseMove } from '../lambda/domain/mover/database';
import type { Promotion } from '../lambda/domain/mover/promote';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const config = exampleConfig();
const MOVE: DatabaseMove = {
  from: [{ name: 'db-a', address: '10.0.1.10' }],
  to: { name: 'db-b', address: '10.0.2.10' },
  reason: 'switchover',
  force: false,
};
const FAILED: Promotion = {
  status: 'failed',
  node: 'db-b',
  step: 'writable',
  detail: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  steps: [],
};

/** Deps whose fence answers `fencing`, promotion fails, and unfence answers `lift`. */
function deps(fencing: Fencing, lift: Unfencing | undefined) {
  const lifted: string[] = [];
  const d: DatabaseDeps = {
    fence: () => Promise.resolve(fencing),
    promote: () => Promise.resolve(FAILED),
    unfence: (node) => {
      lifted.push(node.name);
      return Promise.resolve(lift ?? { status: 'lifted', node: node.name });
    },
  };
  return { d, lifted };
}

describe('prepareMove after a failed promotion', () => {
  it('lifts the fence it put up on the node that still holds the VIP', async () => {
    // Prepare
    const { d, lifted } = deps({ status: 'fenced', node: 'db-a', already: false }, undefined);
    const log = logRecorder();

    // Act
    const prepared = await prepareMove(d, config, log, MOVE);

    // Assess
    expect(prepared.go).toBe(false);
    expect(lifted).toEqual(['db-a']);
    expect(prepared.steps.unfenced).toEqual([{ status: 'lifted', node: 'db-a' }]);
    expect(log.messages('warn')).toContain(
      'db-a is writable again: the move did not switch, so its fence is lifted',
    );
  });

  it('leaves a node read-only that was read-only before the move', async () => {
    // Prepare
    const { d, lifted } = deps({ status: 'fenced', node: 'db-a', already: true }, undefined);

    // Act
    const prepared = await prepareMove(d, config, logRecorder(), MOVE);

    // Assess
    expect(lifted).toEqual([]);
    expect(prepared.steps.unfenced).toBeUndefined();
  });

  it('alerts at the highest level, naming the statement, when its fence cannot be lifted', async () => {
    // Prepare
    const left: Unfencing = {
      status: 'failed',
      node: 'db-a',
      detail: 'ETIMEDOUT',
      statement: 'SET GLOBAL read_only = OFF',
    };
    const { d } = deps({ status: 'fenced', node: 'db-a', already: false }, left);
    const log = logRecorder();

    // Act
    const prepared = await prepareMove(d, config, log, MOVE);
    const notice = moveEvent(
      { target: 'db-b', reason: 'switchover', expectedActive: 'db-a' },
      {
        status: 'refused',
        target: 'db-b',
        tables: [],
        recordWritten: false,
        durationMs: 1,
        database: prepared.steps,
        ...(prepared.go ? {} : { detail: prepared.detail }),
      },
      0,
    );

    // Assess
    expect(log.messages('error')).toContain(
      'db-a is left read-only by this move, which did not switch: ETIMEDOUT. Run SET GLOBAL read_only = OFF on db-a as the promotion user',
    );
    expect(notice).toMatchObject({
      kind: 'fence-left',
      subject:
        'WRITES STOPPED: db-a fenced by a move that did not happen; run SET GLOBAL read_only = OFF',
    });
  });
});
