/** What the drill scenario specs share: how they run a drill and read its result. */
import { runDrill, type DrillOptions, type DrillResult } from '../../tools/drill/drill';

/** The example config's route tables. */
export const TABLES = ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002', 'rtb-0a1b2c3d4e5f60003'];

/** A drill as `npm run drill` runs it, only the Checker's schedule compressed. */
export function drill(options: DrillOptions): Promise<DrillResult> {
  return runDrill({ windowMs: 2000, warmupMs: 2000, ...options });
}

/** The timeline entries of one kind. */
export const entries = (r: DrillResult, event: string) =>
  r.timeline.filter((e) => e.event === event);

/** Route changes in the timeline: the node each one pointed the VIP at. */
export const switchedTo = (r: DrillResult) =>
  entries(r, 'table').map((e) => /→ (\S+) \((?:ReplaceRoute|CreateRoute)\)$/.exec(e.detail)?.[1]);

/** The result as `npm run drill -- --json FILE` writes it, read back. */
export function expectJsonResult(r: DrillResult, node: string): void {
  const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  expect(json).toMatchObject({
    scenario: r.scenario,
    ok: true,
    time_to_failover_s: r.time_to_failover_s,
    final: { tables: Object.fromEntries(TABLES.map((id) => [id, node])), record: node },
  });
  expect(json).toHaveProperty('time_to_failover_s');
}
