/** `vip-failover status`: where the VIP goes, the record, the pause, each node, open alerts. */
import { placementOf, readTables } from '../lambda/domain/routes';
import { readPause, readRecord, type PauseState } from '../lambda/domain/record';
import { readStatus, type GroupStatus } from '../lambda/domain/status';
import type { TableState } from '../lambda/domain/types';
import type { Group } from './group';

export interface StatusReport {
  readonly group: string;
  readonly vip: string;
  /** The node every readable table targets, when they agree. */
  readonly active?: string;
  readonly tables: readonly TableState[];
  readonly record?: string;
  readonly pause: PauseState;
  /** The last Checker run's view; undefined before the first run. */
  readonly lastRun?: GroupStatus;
}

export async function status(group: Group, now: number): Promise<StatusReport> {
  const { config } = group;
  const [tables, record, pause, lastRun] = await Promise.all([
    readTables(group.ec2, config),
    readRecord(group.ssm, config.parameterName),
    readPause(group.ssm, config.pauseParameterName, now),
    readStatus(group.ssm, group.statusParameterName),
  ]);
  const placement = placementOf(tables);
  return {
    group: config.name,
    vip: config.vip,
    active: placement.kind === 'consistent' ? placement.node : undefined,
    tables,
    record: record.value,
    pause,
    lastRun,
  };
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${(s / 3600).toFixed(1)} h ago`;
}

function pauseLine(p: PauseState): string {
  const why = [p.reason, p.by && `by ${p.by}`].filter(Boolean).join(', ');
  if (p.paused)
    return `PAUSED${p.until ? ` until ${new Date(p.until).toISOString()}` : ''}${why ? ` (${why})` : ''}`;
  if (p.expired)
    return `not paused (a pause ended at ${new Date(p.until as number).toISOString()})`;
  return 'not paused';
}

function tableLine(t: TableState): string {
  if (t.error) return `  ${t.routeTableId}  unreadable: ${t.error}`;
  if (t.target === undefined) return `  ${t.routeTableId}  no VIP route`;
  const who = t.node ? `${t.node} (${t.target})` : `${t.target} (not a configured node)`;
  return `  ${t.routeTableId}  → ${who}${t.state ? `  ${t.state.toUpperCase()}: the VIP is not served` : ''}`;
}

/** The report for a terminal. */
export function formatStatus(r: StatusReport, now: number): string {
  const lines = [
    `${r.group}: VIP ${r.vip} on ${r.active ?? 'no single node'}; record ${r.record ?? '(missing)'}; ${pauseLine(r.pause)}`,
    'route tables:',
    ...r.tables.map(tableLine),
  ];
  if (!r.lastRun) {
    lines.push('nodes: no Checker run has reported yet');
    return lines.join('\n');
  }
  lines.push(`nodes (last Checker run ${ago(r.lastRun.updatedAt, now)}):`);
  for (const [name, n] of Object.entries(r.lastRun.nodes)) {
    const last =
      n.lastOk === undefined
        ? 'no probe'
        : n.lastOk
          ? `last probe ok in ${n.latencyMs ?? '?'} ms`
          : `last probe failed (${n.failure ?? 'error'})`;
    lines.push(`  ${name.padEnd(12)} ${n.state.padEnd(8)} ${last}`);
  }
  const alerts = Object.values(r.lastRun.alerts);
  lines.push(alerts.length === 0 ? 'open alerts: none' : 'open alerts:');
  for (const a of alerts)
    lines.push(`  ${a.kind}: ${a.subject} (since ${new Date(a.since).toISOString()})`);
  return lines.join('\n');
}
