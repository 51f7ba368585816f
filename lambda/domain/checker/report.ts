/** What one run saw and did: the CheckerReport and its summary log line. */
import type { Decision } from '../decide';
import type { Log } from '../log';
import type { MaintenanceSummary } from '../maintenance';
import type { Placement } from '../mover/routes';
import type { TableState } from '../types';
import type { MoveAttempt } from './actor';
import type { ReadinessSummary } from './interface-watch';
import type { NodeProbeSummary } from './nodes';
import type { SavedReadingsSummary } from './saved-readings';
import type { SecondOpinionSummary } from './second-opinion';

/** What one run saw and did; also its final structured log line. */
export interface CheckerReport {
  readonly active?: string;
  readonly placement: Placement;
  readonly tables: readonly TableState[];
  readonly record?: string;
  readonly paused: boolean;
  readonly nodes: Readonly<Record<string, NodeProbeSummary>>;
  readonly decision: Decision;
  readonly moves: readonly MoveAttempt[];
  readonly durationMs: number;
  /** Witnesses asked and what they said; absent when secondOpinion.enabled is false. */
  readonly secondOpinion?: SecondOpinionSummary;
  /** The replication sightings loaded from earlier runs and saved for later ones (MySQL probes). */
  readonly savedReadings?: SavedReadingsSummary;
  /** Nodes operators took out of the targets, and windows ended but not yet lifted. */
  readonly maintenance?: MaintenanceSummary;
  /** The nodes whose interfaces keep them from receiving the VIP, and a failed read. */
  readonly readiness?: ReadinessSummary;
}

/**
 * Mover calls that really failed or moved only part of the tables. A Mover already running
 * turned us away: the move is under way, nothing failed.
 */
export function failedMoves(moves: readonly MoveAttempt[]): number {
  return moves.filter((m) => (m.error && !m.busy) || m.result?.status === 'partial').length;
}

/**
 * What needs a human, for the summary line; the report holds each as data (tables' `error`,
 * moves' `error` and `busy`, the decision's `notices`, each node's `last` probe).
 */
function problems(report: CheckerReport): string[] {
  const unreadable = report.tables
    .filter((t) => t.error)
    .map((t) => `route table ${t.routeTableId} unreadable (${t.error})`);
  const failed = failedMoves(report.moves);
  const plural = failed === 1 ? '' : 's';
  const moves = failed > 0 ? [`${failed} Mover call${plural} failed or incomplete`] : [];
  const foreign = (report.decision.notices ?? []).map((n) => n.message);
  const nodes = Object.entries(report.nodes);
  const secret = nodes.some(([, n]) => n.last?.credentials === 'unreadable')
    ? ['the probe secret is unreadable: nodes judged alive without a login']
    : [];
  const refused = nodes
    .filter(([, n]) => n.last?.ok && !n.last.eligible && !n.last.credentials)
    .map(([name, n]) => `${name} answers but is no failover target (${n.last?.detail})`);
  const opinion = report.secondOpinion;
  const witnesses = Object.entries(opinion?.witnesses ?? {})
    .filter(([, w]) => w.error !== undefined)
    .map(([name, w]) => `witness ${name} did not answer (${w.error})`);
  const unanswered =
    opinion?.unanswered !== undefined ? [`no second opinion: ${opinion.unanswered}`] : [];
  const disagreed =
    opinion?.disagreement !== undefined ? [`second opinion: ${opinion.disagreement}`] : [];
  const readings = report.savedReadings?.error ? [report.savedReadings.error] : [];
  const maintenance = report.maintenance?.error ? [report.maintenance.error] : [];
  const readiness = Object.values(report.readiness?.nodes ?? {}).flatMap((ps) =>
    ps.map((p) => p.detail),
  );
  if (report.readiness?.error) readiness.push(report.readiness.error);
  return [
    ...[...unreadable, ...moves, ...foreign, ...secret, ...refused],
    ...[...disagreed, ...unanswered, ...witnesses, ...readings, ...maintenance, ...readiness],
  ];
}

/** Logs the run's one summary line: an error when it holds on an alert or saw a problem. */
export function logSummary(log: Log, report: CheckerReport): void {
  const { active, decision } = report;
  const found = problems(report);
  const line =
    `run done: VIP on ${active ?? 'no single node'}; ${decision.reason}` +
    found.map((p) => `; ${p}`).join('');
  const fields = { event: 'summary', ...report };
  const alert = (decision.action === 'hold' && decision.severity === 'error') || found.length > 0;
  if (alert) log.error(line, fields);
  else log.info(line, fields);
}
