/**
 * What a Checker run tells the operators: the conditions that need a human (from the run's
 * report, as data), notified once when they start, reminded, and cleared; the status parameter
 * the next run and the CLI read; and the run's metrics. Moves are notified by the Mover itself,
 * which knows every one of them, automatic or by hand.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { FailoverConfig } from '../../config';
import { planAlerts, type AlertState, type Notification } from './alerts';
import { failedMoves, type CheckerReport } from './checker/report';
import { conditionsOf } from './conditions';
import { awsErrorText } from './errors';
import type { Log } from './log';
import { emitRunMetrics, type MetricsSink } from './metrics';
import { publishAll } from './notify';
import type { PauseState } from './mover/record';
import { readStatus, writeStatus, type GroupStatus } from './status';

export { conditionsOf } from './conditions';

export interface OperatorDeps {
  readonly sns: SNSClient;
  readonly ssm: SSMClient;
  readonly metrics: MetricsSink;
  readonly logger: Log;
  readonly now: () => number;
}

/**
 * Notifies what is due, writes the status, emits the metrics. Never throws: a fault here is an
 * ERROR line, and failover never depends on it.
 */
export async function tellOperators(
  deps: OperatorDeps,
  config: FailoverConfig,
  topicArn: string | undefined,
  report: CheckerReport,
  pause: PauseState,
  /** Conditions this run already published when it first saw them (urgent.ts): open, not new. */
  sentEarly: AlertState = {},
): Promise<Notification[]> {
  const { logger: log } = deps;
  const now = deps.now();
  const conditions = conditionsOf(report, pause);
  emitRunMetrics(
    deps.metrics,
    {
      group: config.name,
      active: report.active,
      nodes: Object.entries(report.nodes).map(([name, n]) => ({
        name,
        probes: n.probes,
        failed: n.failed,
        maxLatencyMs: n.maxLatencyMs,
        up: n.state === 'up',
      })),
      paused: report.paused,
      holds: conditions.map((c) => c.kind),
      moves: report.moves.filter((m) => m.result?.status === 'moved').length,
      moveFailures: failedMoves(report.moves),
      moveDurationsMs: report.moves.flatMap((m) =>
        m.result?.status === 'moved' ? [m.result.durationMs] : [],
      ),
      // First failed probe of the old master to the Mover's answer (its last table switched).
      timeToFailoverMs: report.moves.flatMap((m) =>
        m.result?.status === 'moved' && m.request.detectedAt
          ? [m.at + m.result.durationMs - Date.parse(m.request.detectedAt)]
          : [],
      ),
    },
    config.monitoring,
  );
  let previous: GroupStatus | undefined;
  try {
    previous = await readStatus(deps.ssm, config.statusParameterName);
  } catch (e) {
    log.error(`could not read the status parameter: ${awsErrorText(e)}`, { event: 'notify-error' });
  }
  const plan = planAlerts(
    config.name,
    { ...sentEarly, ...previous?.alerts },
    conditions,
    [],
    now,
    config.notifications.reminderMinutes * 60_000,
  );
  await publishAll(deps.sns, topicArn, plan.notifications, log);
  const status: GroupStatus = {
    updatedAt: new Date(now).toISOString(),
    active: report.active,
    nodes: Object.fromEntries(
      Object.entries(report.nodes).map(([name, n]) => [
        name,
        {
          state: n.state,
          ...(n.last
            ? { lastOk: n.last.ok, failure: n.last.failure, latencyMs: n.last.latencyMs }
            : {}),
        },
      ]),
    ),
    alerts: plan.state,
  };
  try {
    await writeStatus(deps.ssm, config.statusParameterName, status);
  } catch (e) {
    log.error(`could not write the status parameter: ${awsErrorText(e)}`, {
      event: 'notify-error',
    });
  }
  return plan.notifications;
}
