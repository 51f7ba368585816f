/**
 * The one line `status` leads with, and its exit code, after the monitoring-plugin convention
 * (Nagios, Icinga, Sensu): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Pure: a function of what was
 * read and the time.
 */
import { OPTIONAL_ALARMS, type AlarmKey } from '../config/alarm-names';
import type { GroupStatus } from '../lambda/domain/status';
import { describeMaintenance, type MaintenanceState } from '../lambda/domain/maintenance';
import type { PauseState } from '../lambda/domain/mover/record';
import { placementOf } from '../lambda/domain/mover/routes';
import type { TableState } from '../lambda/domain/types';
import type { AlarmReading } from './alarms';
import { span } from './times';

export const LEVELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
export type Level = (typeof LEVELS)[number];

/** The exit code of each level: its index, as monitoring plugins return it. */
export const EXIT_CODE: Readonly<Record<Level, number>> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};

export interface Verdict {
  readonly level: Level;
  readonly code: number;
  /** `CRITICAL: orders-db: db-a (active) is down; automatic moves paused`. */
  readonly line: string;
  /** Each finding, worst first. */
  readonly reasons: readonly string[];
}

/** What the verdict is judged on. */
export interface VerdictInput {
  readonly group: string;
  /** The configured node names, in config order. */
  readonly nodes: readonly string[];
  readonly tables: readonly TableState[];
  readonly record?: string;
  readonly pause: PauseState;
  /** Nodes operators took out of the targets, as read now. */
  readonly maintenance?: MaintenanceState;
  readonly lastRun?: GroupStatus;
  /** How often the Checker runs; its report older than two periods means it is silent. */
  readonly periodMs: number;
  /** The group's CloudWatch alarms, or why they could not be read. */
  readonly alarms: AlarmReading;
}

interface Finding {
  readonly level: Level;
  readonly text: string;
}

/** The route tables: split, blackhole, missing or foreign routes, unreadable tables. */
function tableFindings(tables: readonly TableState[]): Finding[] {
  const placement = placementOf(tables);
  const out: Finding[] = [];
  const unreadable = tables.filter((t) => t.error).map((t) => t.routeTableId);
  if (placement.kind === 'unreadable')
    return [{ level: 'UNKNOWN', text: `no route table can be read (${unreadable.join(', ')})` }];
  if (placement.kind === 'split') {
    const where = [...placement.nodes, ...placement.missing.map((id) => `no route in ${id}`)];
    out.push({ level: 'CRITICAL', text: `route tables split: ${where.join(' / ')}` });
  }
  if (placement.kind === 'foreign' || placement.foreign.length > 0) {
    const foreign = placement.foreign.map((f) => `${f.routeTableId} → ${f.routeTarget}`);
    out.push({ level: 'CRITICAL', text: `VIP routed to no node: ${foreign.join(', ')}` });
  }
  if (placement.kind !== 'foreign' && placement.blackhole.length > 0) {
    const ids = placement.blackhole.map((b) => `${b.routeTableId} → ${b.node}`);
    out.push({ level: 'CRITICAL', text: `VIP route is blackhole: ${ids.join(', ')}` });
  }
  if (unreadable.length > 0)
    out.push({ level: 'WARNING', text: `route tables unreadable: ${unreadable.join(', ')}` });
  return out;
}

/** The Checker's last report: silent, stale, nodes down, open conditions. */
function checkerFindings(input: VerdictInput, active: string | undefined, now: number): Finding[] {
  const { lastRun } = input;
  if (!lastRun) return [{ level: 'CRITICAL', text: 'no Checker run has ever reported' }];
  const age = now - Date.parse(lastRun.updatedAt);
  if (!(age <= 2 * input.periodMs))
    return [
      {
        level: 'CRITICAL',
        text: `the Checker is silent: last report ${span(age)} ago (runs every ${span(input.periodMs)})`,
      },
    ];
  const out: Finding[] = [];
  for (const name of input.nodes) {
    if (lastRun.nodes[name]?.state !== 'down') continue;
    out.push(
      name === active
        ? { level: 'CRITICAL', text: `${name} (active) is down` }
        : { level: 'WARNING', text: `${name} (standby) is down` },
    );
  }
  // The pause and maintenance windows are read directly (pauseFinding, maintenanceFindings).
  const open = Object.values(lastRun.alerts).filter(
    (a) => a.kind !== 'paused' && a.kind !== 'maintenance',
  );
  for (const a of open) {
    const urgent = a.kind === 'blackhole' || a.kind === 'split-no-healthy';
    out.push({ level: urgent ? 'CRITICAL' : 'WARNING', text: `open: ${a.subject}` });
  }
  return out;
}

/**
 * How an alarm in ALARM weighs: CRITICAL when nothing watches the master or a move that was asked
 * for did not finish (the VIP may be on a dead node, or split, now); WARNING when the VIP is served
 * and failover still works or is held on purpose. Documented in docs/operations.md.
 */
export const ALARM_LEVEL: Readonly<Record<AlarmKey, 'WARNING' | 'CRITICAL'>> = {
  heartbeatMissing: 'CRITICAL',
  moveFailures: 'CRITICAL',
  moverErrors: 'CRITICAL',
  // As a standby down weighs: the master serves; its failure would not be survived.
  noHealthyStandby: 'WARNING',
  // Failing or throttled runs become a silent Checker (CRITICAL) once no run reports.
  checkerErrors: 'WARNING',
  checkerThrottles: 'WARNING',
  // As the pause itself weighs: an operator's choice, held too long.
  pausedTooLong: 'WARNING',
};

/**
 * The alarms: each in ALARM at its level; missing ones (deleted, or a stack older than them; not
 * an optional one, which the config may leave out) and
 * an unreadable set WARNING at most, so CloudWatch alone never makes the verdict UNKNOWN.
 * INSUFFICIENT_DATA is shown but not judged: the Checker's own report covers its silence.
 */
function alarmFindings(reading: AlarmReading, now: number): Finding[] {
  if (!reading.readable)
    return [{ level: 'WARNING', text: `alarm states unreadable: ${reading.error}` }];
  const out: Finding[] = reading.states
    .filter((a) => a.state === 'ALARM')
    .map((a) => ({
      level: ALARM_LEVEL[a.key],
      text: `alarm ${a.suffix} in ALARM${a.since ? ` for ${span(now - Date.parse(a.since))}` : ''}`,
    }));
  // An optional alarm the config did not ask for is off, not missing.
  const missing = reading.states
    .filter((a) => a.state === undefined && !OPTIONAL_ALARMS.has(a.key))
    .map((a) => a.name);
  if (missing.length > 0)
    out.push({ level: 'WARNING', text: `alarms missing: ${missing.join(', ')}` });
  return out;
}

function pauseFinding(pause: PauseState): Finding[] {
  if (!pause.paused) return [];
  const until = pause.until ? ` until ${new Date(pause.until).toISOString()}` : '';
  return [{ level: 'WARNING', text: `automatic moves paused${until}` }];
}

/** A node out of the targets leaves the group less able to survive a failure: a warning. */
function maintenanceFindings(m: MaintenanceState | undefined): Finding[] {
  if (!m) return [];
  const out: Finding[] = Object.entries(m.current).map(([node, w]) => ({
    level: 'WARNING',
    text: `${node} in maintenance ${describeMaintenance(w)}`,
  }));
  if (m.error) out.push({ level: 'WARNING', text: m.error });
  return out;
}

/** The OK line: where the VIP is, which nodes are up, how fresh the word is. */
function healthy(input: VerdictInput, active: string | undefined, now: number): string {
  const up = input.nodes.filter((n) => input.lastRun?.nodes[n]?.state === 'up');
  const age = input.lastRun ? span(now - Date.parse(input.lastRun.updatedAt)) : '?';
  return `VIP on ${active}; up: ${up.join(', ') || 'none reported'}; Checker reported ${age} ago`;
}

/** Judges the group at `now`. */
export function verdictOf(input: VerdictInput, now: number): Verdict {
  const placement = placementOf(input.tables);
  const active = placement.kind === 'consistent' ? placement.node : undefined;
  const findings = [
    ...tableFindings(input.tables),
    ...checkerFindings(input, active, now),
    ...pauseFinding(input.pause),
    ...maintenanceFindings(input.maintenance),
    ...alarmFindings(input.alarms, now),
  ];
  if (active && input.record !== undefined && input.record !== active)
    findings.push({
      level: 'WARNING',
      text: `record names ${input.record}, the tables ${active}`,
    });
  const rank = (l: Level) => (l === 'UNKNOWN' ? 1.5 : LEVELS.indexOf(l));
  const worst = findings.reduce<Level>((w, f) => (rank(f.level) > rank(w) ? f.level : w), 'OK');
  const sorted = [...findings].sort((a, b) => rank(b.level) - rank(a.level));
  const reasons = sorted.map((f) => f.text);
  const summary = reasons.length > 0 ? reasons.join('; ') : healthy(input, active, now);
  return {
    level: worst,
    code: EXIT_CODE[worst],
    line: `${worst}: ${input.group}: ${summary}`,
    reasons,
  };
}
