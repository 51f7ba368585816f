/**
 * `vip-failover status`: a verdict first, then where the VIP goes, each node, each table, the last
 * move, the cooldown, the pause, the open conditions, the group's alarms and the age of the
 * Checker's word.
 */
import {
  cooldownMs,
  moveClock,
  readLastMove,
  type MoveKind,
} from '../lambda/domain/mover/last-move';
import { describeMaintenance, type MaintenanceState } from '../lambda/domain/maintenance';
import {
  readMaintenance,
  readPause,
  readRecord,
  type PauseState,
} from '../lambda/domain/mover/record';
import { readInterfaces } from '../lambda/domain/interfaces';
import { placementOf, readTables } from '../lambda/domain/mover/routes';
import { readStatus, type GroupStatus } from '../lambda/domain/status';
import type { TableState } from '../lambda/domain/types';
import { OPTIONAL_ALARMS } from '../config/alarm-names';
import { readAlarms, type AlarmReading, type AlarmState } from './alarms';
import type { Group } from './group';
import { history, type HistoryEntry } from './history';
import { relative, span, when } from './times';
import { verdictOf, type Verdict } from './verdict';

/** The last real move: the Mover's cooldown clock, with the why and who of the record's history. */
export interface LastMoveView {
  readonly at: string;
  readonly from?: string;
  readonly to: string;
  readonly kind?: MoveKind;
  readonly reason?: string;
  readonly who?: HistoryEntry['who'];
  readonly by?: string;
  readonly forced?: boolean;
}

export interface StatusReport {
  readonly verdict: Verdict;
  readonly group: string;
  readonly vip: string;
  /** The node every readable table targets, when they agree. */
  readonly active?: string;
  readonly nodes: readonly string[];
  readonly tables: readonly TableState[];
  readonly record?: string;
  readonly pause: PauseState;
  /** Nodes taken out of the targets, and windows ended but not lifted. */
  readonly maintenance: MaintenanceState;
  readonly lastMove?: LastMoveView;
  /** ISO time automatic moves may follow the last one; undefined without a move. */
  readonly cooldownUntil?: string;
  /** How often the Checker runs; a report older than two periods is stale. */
  readonly schedulePeriodMs: number;
  /** The last Checker run's view; undefined before the first run. */
  readonly lastRun?: GroupStatus;
  /** Each CloudWatch alarm of the group with its state, or why they could not be read. */
  readonly alarms: AlarmReading;
}

const noReading = () => undefined;

/** Reads everything in one round of calls and judges it. */
export async function status(group: Group, now: number): Promise<StatusReport> {
  const { config } = group;
  const [tables, record, pause, maintenance, lastRun, lastMove, entries, alarms] =
    await Promise.all([
      // The nodes' interfaces tell a route naming a node's instance; without them, the ids alone.
      readTables(group.ec2, config, undefined, readInterfaces(group.ec2, config).catch(noReading)),
      readRecord(group.ssm, config.recordParameterName),
      readPause(group.ssm, config.pauseParameterName, now),
      readMaintenance(group.ssm, config.maintenanceParameterName, now),
      readStatus(group.ssm, group.statusParameterName),
      readLastMove(group.ssm, config.lastMoveParameterName),
      history(group),
      readAlarms(group.cloudwatch, config.name),
    ]);
  const placement = placementOf(tables);
  const nodes = config.nodes.map((n) => n.name);
  const periodMs = config.scheduleMinutes * 60_000;
  const clock = moveClock(record, lastMove);
  const baseMs = config.detection.cooldownSeconds * 1000;
  const moved = [...entries].reverse().find((e) => e.from !== undefined && e.from !== e.to);
  const view: LastMoveView | undefined = lastMove
    ? {
        ...(moved?.to === lastMove.to ? describeEntry(moved) : {}),
        at: new Date(lastMove.at).toISOString(),
        from: lastMove.from,
        to: lastMove.to,
        kind: lastMove.kind,
      }
    : moved && { ...describeEntry(moved), at: moved.at, from: moved.from, to: moved.to };
  return {
    verdict: verdictOf(
      {
        group: config.name,
        nodes,
        tables,
        record: record.value,
        pause,
        maintenance,
        lastRun,
        periodMs,
        alarms,
      },
      now,
    ),
    group: config.name,
    vip: config.vip,
    active: placement.kind === 'consistent' ? placement.node : undefined,
    nodes,
    tables,
    record: record.value,
    pause,
    maintenance,
    ...(view ? { lastMove: view } : {}),
    ...(clock
      ? { cooldownUntil: new Date(clock.at + cooldownMs(baseMs, clock.failbacks)).toISOString() }
      : {}),
    schedulePeriodMs: periodMs,
    lastRun,
    alarms,
  };
}

function describeEntry(e: HistoryEntry): Partial<LastMoveView> {
  return {
    reason: e.reason,
    who: e.who,
    ...(e.by ? { by: e.by } : {}),
    ...(e.forced ? { forced: true } : {}),
  };
}

function pauseLine(p: PauseState, now: number): string {
  const why = [p.reason, p.by && `by ${p.by}`].filter(Boolean).join(', ');
  if (p.paused)
    return `PAUSED${p.until ? ` until ${when(p.until, now)}` : ' until resume'}${why ? ` (${why})` : ''}`;
  if (p.expired) return `not paused (a pause ended at ${when(p.until as number, now)})`;
  return 'not paused';
}

function tableLine(t: TableState): string {
  if (t.error) return `  ${t.routeTableId}  unreadable: ${t.error}`;
  if (t.routeTarget === undefined) return `  ${t.routeTableId}  no VIP route`;
  const who = t.node ? `${t.node} (${t.routeTarget})` : `${t.routeTarget} (not a configured node)`;
  return `  ${t.routeTableId}  → ${who}${t.state ? `  ${t.state.toUpperCase()}: the VIP is not served` : ''}`;
}

function nodeLines(r: StatusReport, now: number): string[] {
  return r.nodes.map((name) => {
    const n = r.lastRun?.nodes[name];
    const role = name === r.active ? 'active' : 'standby';
    const last =
      n?.lastOk === undefined
        ? 'no probe reported'
        : n.lastOk
          ? `last probe ok in ${n.latencyMs ?? '?'} ms`
          : `last probe failed (${n.failure ?? 'error'})`;
    const mark = name === r.active ? '*' : ' ';
    const line = `  ${mark} ${name.padEnd(12)} ${role.padEnd(8)} ${(n?.state ?? 'unknown').padEnd(8)} ${last}`;
    return `${line}${maintenanceNote(r.maintenance, name, now)}`;
  });
}

/** `; IN MAINTENANCE until … (patching, by alice)`, or the end of a window not yet lifted. */
function maintenanceNote(m: MaintenanceState, node: string, now: number): string {
  const current = m.current[node];
  if (current) return `; IN MAINTENANCE ${describeMaintenance(current)}`;
  const ended = m.ended[node];
  return ended ? `; maintenance ended ${when(ended.until, now)} (${ended.reason})` : '';
}

function checkerLine(r: StatusReport, now: number): string {
  if (!r.lastRun) return 'Checker: no run has reported yet; node states unknown';
  const at = Date.parse(r.lastRun.updatedAt);
  const stale = now - at > 2 * r.schedulePeriodMs;
  return `Checker: last report ${when(at, now)}${
    stale
      ? `; STALE: older than two schedule periods (${span(2 * r.schedulePeriodMs)}); is the Checker running?`
      : ''
  }`;
}

function moveLines(r: StatusReport, now: number): string[] {
  const m = r.lastMove;
  if (!m) return ['last move: none recorded'];
  const who = [m.who === 'manual' ? 'by hand' : m.who, m.by, m.forced ? 'forced' : undefined]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `last move: ${when(Date.parse(m.at), now)} ${m.from ?? '?'} → ${m.to}${m.kind ? ` (${m.kind})` : ''}${who ? `, ${who}` : ''}${m.reason ? `: ${m.reason}` : ''}`,
  ];
  if (r.cooldownUntil) {
    const until = Date.parse(r.cooldownUntil);
    lines.push(
      until > now
        ? `cooldown: ends ${when(until, now)}`
        : `cooldown: over (${relative(until, now)})`,
    );
  }
  return lines;
}

function alarmLine(a: AlarmState, now: number): string {
  if (a.state === undefined)
    return OPTIONAL_ALARMS.has(a.key)
      ? `  ${a.suffix.padEnd(19)} off (not in the config)`
      : `  ${a.suffix.padEnd(19)} missing: no alarm ${a.name}`;
  const since = a.since ? ` since ${when(Date.parse(a.since), now)}` : '';
  return `  ${a.suffix.padEnd(19)} ${a.state.padEnd(17)}${since}`;
}

function alarmLines(reading: AlarmReading, now: number): string[] {
  if (!reading.readable) return [`alarm states unreadable: ${reading.error}`];
  return ['alarms:', ...reading.states.map((a) => alarmLine(a, now))];
}

/** The report for a terminal: the verdict line first, so the first line alone is enough. */
export function formatStatus(r: StatusReport, now: number): string {
  const lines = [
    r.verdict.line,
    `${r.group}: VIP ${r.vip} on ${r.active ?? 'no single node'}; record ${r.record ?? '(missing)'}; ${pauseLine(r.pause, now)}`,
    checkerLine(r, now),
    'nodes (* active):',
    ...nodeLines(r, now),
    'route tables:',
    ...r.tables.map(tableLine),
    ...moveLines(r, now),
  ];
  const alerts = Object.values(r.lastRun?.alerts ?? {});
  lines.push(alerts.length === 0 ? 'open conditions: none' : 'open conditions:');
  for (const a of alerts) lines.push(`  ${a.kind}: ${a.subject} (since ${when(a.since, now)})`);
  lines.push(...alarmLines(r.alarms, now));
  return lines.join('\n');
}
