/** What one run saw and did: the CheckerReport and its summary log line. */
import type { Decision } from '../decide';
import type { Log } from '../log';
import type { Placement } from '../routes';
import type { TableState } from '../types';
import type { MoveAttempt } from './actor';
import type { NodeProbeSummary } from './nodes';

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
}

/** An alert must say what is wrong in its message, not only in its fields. */
function problems(report: CheckerReport): string[] {
  const unreadable = report.tables
    .filter((t) => t.error)
    .map((t) => `route table ${t.routeTableId} unreadable (${t.error})`);
  const failed = report.moves.filter((m) => m.error || m.result?.status === 'partial').length;
  const plural = failed === 1 ? '' : 's';
  const moves = failed > 0 ? [`${failed} Mover call${plural} failed or incomplete`] : [];
  return [...unreadable, ...moves];
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
