/**
 * `vip-failover maintain NODE`: take one node out of the failover targets for a while, without
 * pausing the failover of the master; `--end` puts it back at once.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { nodeByName } from '../config';
import {
  maintenanceValue,
  parseMaintenance,
  type NodeMaintenance,
} from '../lambda/domain/maintenance';
import { readRecord } from '../lambda/domain/mover/record';
import { CliError } from './errors';
import type { Group } from './group';
import { when } from './times';

export interface MaintainOptions {
  readonly forMs: number;
  readonly by: string;
  readonly now: number;
  /** Replace a window in force instead of refusing. */
  readonly replace: boolean;
}

/** Ended windows are kept for the overrun alert; past a week they are only clutter. */
const KEEP_ENDED_MS = 7 * 86_400_000;

/** The windows in the parameter now, and the parameter's raw problems. */
async function current(group: Group, now: number) {
  const { value } = await readRecord(group.ssm, group.config.maintenanceParameterName);
  const state = parseMaintenance(value, now);
  if (state.error && Object.keys(state.current).length + Object.keys(state.ended).length === 0)
    throw new CliError(
      `${state.error} (${group.config.maintenanceParameterName}); delete it, or fix its value, before vip-failover maintain writes it`,
    );
  const kept = Object.entries(state.ended).filter(([, m]) => now - m.until < KEEP_ENDED_MS);
  return { state, entries: { ...Object.fromEntries(kept), ...state.current } };
}

function checkNode(group: Group, node: string): void {
  if (nodeByName(group.config, node)) return;
  const names = group.config.nodes.map((n) => n.name).join(', ');
  throw new CliError(`${node} is not a node of ${group.config.name}; use one of ${names}`);
}

async function write(group: Group, entries: Record<string, NodeMaintenance>): Promise<void> {
  await group.ssm.send(
    new PutParameterCommand({
      Name: group.config.maintenanceParameterName,
      Value: maintenanceValue(entries),
      Type: 'String',
      Overwrite: true,
    }),
  );
}

/**
 * Starts a window for `node`. Other nodes' windows are kept.
 * @throws CliError for a node not in the group, or a window in force without `replace`.
 */
export async function maintain(
  group: Group,
  node: string,
  reason: string,
  options: MaintainOptions,
): Promise<{ until: string; replaced?: boolean }> {
  checkNode(group, node);
  const { state, entries } = await current(group, options.now);
  const open = state.current[node];
  if (open && !options.replace) {
    const who = open.by ? `, by ${open.by}` : '';
    throw new CliError(
      `${node} is already in maintenance until ${when(open.until, options.now)} (${open.reason}${who}); add --replace to replace that window, or end it with --end`,
    );
  }
  const until = options.now + options.forMs;
  const window = { until, reason, by: options.by, since: options.now };
  await write(group, { ...entries, [node]: window });
  return { until: new Date(until).toISOString(), ...(open ? { replaced: true } : {}) };
}

/** Ends `node`'s window, current or ended; false when it had none. */
export async function endMaintenance(group: Group, node: string, now: number): Promise<boolean> {
  checkNode(group, node);
  const { state, entries } = await current(group, now);
  const had = state.current[node] !== undefined || state.ended[node] !== undefined;
  if (!had) return false;
  await write(group, Object.fromEntries(Object.entries(entries).filter(([n]) => n !== node)));
  return true;
}
