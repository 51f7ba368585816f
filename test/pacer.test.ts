import { Pacer } from '../lambda/domain/checker/pacer';
import type { ProbeResult } from '../lambda/domain/types';
import { detection, exampleConfig } from './support/domain-fixtures';

const config = exampleConfig({
  probe: { type: 'tcp', port: 3306, timeoutMs: 50 },
  detection: detection({ intervalMs: 1000, confirmIntervalMs: 250, fall: 3 }),
});

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

/** A pacer whose probes answer at once; `suspects` and `active` are the run's verdicts. */
function pacer(active: string, suspects: Set<string>, answer: (node: string) => boolean) {
  const p: Pacer = new Pacer(config, {
    prober: async (node): Promise<ProbeResult> => ({
      node: node.name,
      ok: answer(node.name),
      eligible: answer(node.name),
      latencyMs: 1,
      startedAt: Date.now(),
    }),
    clock: { now: () => Date.now() },
    active: () => active,
    suspect: (name) => suspects.has(name),
    deliver: (name, results) => {
      if (results.some((r) => !r.ok)) suspects.add(name);
    },
  });
  return p;
}

describe('Pacer', () => {
  it('naps until the next regular round while no node is suspect', async () => {
    // Prepare
    const p = pacer('db-a', new Set(), () => true);
    p.roundIfDue(Date.now());
    await jest.advanceTimersByTimeAsync(1);

    // Act
    const ms = p.msToNext();

    // Assess
    expect(ms).toBe(999);
  });

  it('naps at most a confirmation interval while a standby is suspect: a read may show it active', async () => {
    // Prepare
    const p = pacer('db-a', new Set(['db-b']), () => true);
    p.roundIfDue(Date.now());
    await jest.advanceTimersByTimeAsync(1);

    // Act
    const ms = p.msToNext();

    // Assess
    expect(ms).toBe(250);
  });

  it('ends a nap begun before a node turned suspect', async () => {
    // Prepare: db-b's probe has not answered yet when the nap begins.
    const p = pacer('db-a', new Set(), (node) => node !== 'db-b');
    const start = Date.now();
    p.roundIfDue(start);
    let wokeAt: number | undefined;

    // Act
    void p.nap(1000).then(() => (wokeAt = Date.now()));
    await jest.advanceTimersByTimeAsync(1000);

    // Assess
    expect(wokeAt).toBe(start);
  });
});
