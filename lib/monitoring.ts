/**
 * The group's alarms and dashboard, on the Checker's embedded metrics and the functions' own.
 *
 * Only what a human must hear of, by default: five alarms on one custom metric (HealthyStandbys,
 * which every run writes, so its sample count is the heartbeat) and the functions' own metrics.
 * The Mover's errors, the pause, the dashboard and the per-node metrics are a config setting each
 * (docs/tuning-and-cost.md says what each costs).
 *
 * Plain aws-cloudwatch constructs rather than cdk-monitoring-constructs: a few alarms and one
 * dashboard do not need another dependency (and its aws-cdk-lib peer range) to track, and every
 * metric here is named by its exact namespace, name and dimensions as the Checker writes them.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { FailoverConfig } from '../config';
import { runbookLink } from '../config/runbooks';
import { deployedNames } from '../config/runtime';
import { ALARM_SUFFIX, alarmNames, enabledAlarms } from '../config/alarm-names';
import { METRIC, METRIC_NAMESPACE } from '../config/metric-names';

export { ALARM_SUFFIX, alarmNames, enabledAlarms };

/** The alarms of one group. */
export interface FailoverAlarms {
  /** No Checker run has ended for three schedule periods: nothing is watching the VIP. */
  readonly heartbeatMissing: cloudwatch.Alarm;
  /** No node but the active one has been up for three schedule periods: a failure cannot be survived. */
  readonly noHealthyStandby: cloudwatch.Alarm;
  readonly checkerErrors: cloudwatch.Alarm;
  readonly checkerThrottles: cloudwatch.Alarm;
  /**
   * The Mover's Lambda errors, with `alarms.moverErrors`. Without it, a failed Mover call of the
   * Checker's raises moveFailures, and an operator's call prints its error.
   */
  readonly moverErrors?: cloudwatch.Alarm;
  /**
   * A move failed or finished only in part. Not the Mover's Lambda throttles: two runs that see
   * the same master die both ask for the failover, and the second is turned away by design.
   */
  readonly moveFailures: cloudwatch.Alarm;
  /**
   * Automatic moves have been paused for `alarms.pausedTooLongMinutes`, when that is set. Without
   * it, the paused condition is notified when the pause begins and reminded while it lasts.
   */
  readonly pausedTooLong?: cloudwatch.Alarm;
}

export type AlarmKey = keyof FailoverAlarms;

/** Periods of under an hour may span one day at most (CloudWatch's evaluation limit). */
const MAX_EVALUATION_MINUTES = 1440;

/** A metric the Checker emits, with the exact dimensions it emits it with. */
function groupMetric(
  config: FailoverConfig,
  metricName: string,
  statistic: string,
  extra: Record<string, string> = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { Group: config.name, ...extra },
    statistic,
    period: Duration.minutes(config.scheduleMinutes),
  });
}

interface Functions {
  readonly checker: lambda.IFunction;
  readonly mover: lambda.IFunction;
}

/** Builds one alarm of the group: named, described, and notifying the topic both ways. */
type AlarmMaker = (
  key: AlarmKey,
  description: string,
  props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>,
) => cloudwatch.Alarm;

function alarmMaker(scope: Construct, config: FailoverConfig, topic: sns.ITopic): AlarmMaker {
  const names = alarmNames(config);
  const notify = new actions.SnsAction(topic);
  return (key, description, props) => {
    const a = new cloudwatch.Alarm(scope, `${key[0]!.toUpperCase()}${key.slice(1)}Alarm`, {
      ...props,
      alarmName: names[key],
      alarmDescription: `vip-failover ${config.name} (VIP ${config.vip}): ${description} Runbook: ${runbookLink(ALARM_SUFFIX[key])}`,
    });
    a.addAlarmAction(notify);
    a.addOkAction(notify);
    return a;
  };
}

/** An error or throttle every run must not make an alarm blink between periods. */
const lambdaPeriod = (config: FailoverConfig): Duration =>
  Duration.minutes(Math.max(5, config.scheduleMinutes));

/** The alarms on the Checker's own metrics: is anything watching, and is there a standby. */
function healthAlarms(
  alarm: AlarmMaker,
  config: FailoverConfig,
): Pick<FailoverAlarms, 'heartbeatMissing' | 'noHealthyStandby'> {
  const scheduleMinutes = config.scheduleMinutes;
  const threePeriods = (
    metric: cloudwatch.Metric,
    treatMissingData: cloudwatch.TreatMissingData,
  ) => ({
    metric,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData,
  });
  return {
    heartbeatMissing: alarm(
      'heartbeatMissing',
      `no Checker run has ended for ${3 * scheduleMinutes} minutes, so nothing watches the master. ` +
        'Read the Checker log group and its Errors and Throttles; check its schedule rule is enabled.',
      // The watcher is watched: silence is the failure this alarm exists for. Every run that
      // ends writes HealthyStandbys once, so its sample count counts the runs.
      threePeriods(
        groupMetric(config, METRIC.healthyStandbys, 'SampleCount'),
        cloudwatch.TreatMissingData.BREACHING,
      ),
    ),
    noHealthyStandby: alarm(
      'noHealthyStandby',
      `no node but the active one has been up for ${3 * scheduleMinutes} minutes: if the master ` +
        'fails now, there is nowhere to move the VIP. Bring a standby back.',
      // A silent Checker is the heartbeat alarm's to report; silence says nothing of standbys.
      threePeriods(
        groupMetric(config, METRIC.healthyStandbys, 'Minimum'),
        cloudwatch.TreatMissingData.MISSING,
      ),
    ),
  };
}

/** The alarms on the functions' own Errors and Throttles. */
function functionAlarms(
  alarm: AlarmMaker,
  config: FailoverConfig,
  fns: Functions,
): Pick<FailoverAlarms, 'checkerErrors' | 'checkerThrottles' | 'moverErrors'> {
  const lambdaMetric = { period: lambdaPeriod(config), statistic: 'Sum' };
  const lambdaAlarm = (key: AlarmKey, metric: cloudwatch.Metric, description: string) =>
    alarm(key, description, {
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No invocations, no errors.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return {
    checkerErrors: lambdaAlarm(
      'checkerErrors',
      fns.checker.metricErrors(lambdaMetric),
      'Checker runs failed. Read the Checker log group for the error.',
    ),
    checkerThrottles: lambdaAlarm(
      'checkerThrottles',
      fns.checker.metricThrottles(lambdaMetric),
      'Checker runs were throttled: more ran at once than its reserved concurrency allows ' +
        '(runs started by hand, or runs lasting longer than planned).',
    ),
    ...(config.alarms.moverErrors
      ? {
          moverErrors: lambdaAlarm(
            'moverErrors',
            fns.mover.metricErrors(lambdaMetric),
            'Mover invocations failed. Read the Mover log group; check the route tables and the record.',
          ),
        }
      : {}),
  };
}

/** The alarms on what moves did and on how long moves have been paused. */
function moveAlarms(
  alarm: AlarmMaker,
  config: FailoverConfig,
): Pick<FailoverAlarms, 'moveFailures' | 'pausedTooLong'> {
  return {
    moveFailures: alarm(
      'moveFailures',
      'a move failed or finished only in part: some route tables may not send the VIP to the ' +
        'active node. Run vip-failover status; read the Mover and Checker log groups.',
      {
        metric: groupMetric(config, METRIC.moveFailures, 'Sum').with({
          period: lambdaPeriod(config),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // A run writes MoveFailures only when a move failed: no data, no failure.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    ),
    ...pausedAlarm(alarm, config),
  };
}

/** The pause alarm, when `alarms.pausedTooLongMinutes` asks for it. */
function pausedAlarm(
  alarm: AlarmMaker,
  config: FailoverConfig,
): Pick<FailoverAlarms, 'pausedTooLong'> {
  const minutes = config.alarms.pausedTooLongMinutes;
  if (minutes === undefined) return {};
  const scheduleMinutes = config.scheduleMinutes;
  const pausedPeriods = Math.min(
    Math.ceil(minutes / scheduleMinutes),
    Math.floor(MAX_EVALUATION_MINUTES / scheduleMinutes),
  );
  return {
    pausedTooLong: alarm(
      'pausedTooLong',
      `automatic moves have been paused for ${pausedPeriods * scheduleMinutes} minutes: a dead master ` +
        'would not be replaced. Resume (vip-failover resume) when the maintenance is over.',
      {
        metric: groupMetric(config, METRIC.paused, 'Minimum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: pausedPeriods,
        datapointsToAlarm: pausedPeriods,
        // A run writes Paused only while paused; a silent Checker is the heartbeat alarm's.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    ),
  };
}

/**
 * The alarms, each notifying the topic when it fires and when it clears.
 *
 * The Checker's metrics come once per run, stamped when the run ends, so the group's alarms use
 * the schedule period: one data point per period, give or take delivery jitter, which is why the
 * health alarms wait for three periods in a row before firing.
 */
export function createAlarms(
  scope: Construct,
  config: FailoverConfig,
  fns: Functions,
  topic: sns.ITopic,
): FailoverAlarms {
  const alarm = alarmMaker(scope, config, topic);
  // In the order the construct has always created them: their logical ids do not depend on it.
  const health = healthAlarms(alarm, config);
  const functions = functionAlarms(alarm, config, fns);
  return { ...health, ...functions, ...moveAlarms(alarm, config) };
}

/** A graph of the dashboard, in the config's region (not the AWS::Region token). */
function graph(
  config: FailoverConfig,
  title: string,
  left: cloudwatch.IMetric[],
  more: Partial<cloudwatch.GraphWidgetProps> = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    region: config.region,
    width: 8,
    height: 6,
    ...more,
  });
}

/** Each node's up/down and slowest probe. */
function nodeRow(config: FailoverConfig): cloudwatch.IWidget[] {
  const perNode = (metricName: string, statistic: string) =>
    config.nodes.map((n) =>
      groupMetric(config, metricName, statistic, { Node: n.name }).with({ label: n.name }),
    );
  return [
    graph(config, 'Node up (1 up, 0 down; lowest per period)', perNode(METRIC.nodeUp, 'Minimum'), {
      width: 12,
      leftYAxis: { min: 0, max: 1 },
    }),
    graph(config, 'Slowest probe per run (ms)', perNode(METRIC.probeLatency, 'Maximum'), {
      width: 12,
    }),
  ];
}

/** Moves, failed moves, their times, and the holds by kind. */
function moveRow(config: FailoverConfig): cloudwatch.IWidget[] {
  const period = Duration.minutes(config.scheduleMinutes);
  return [
    graph(config, 'Moves', [
      groupMetric(config, METRIC.moves, 'Sum').with({ label: 'moves' }),
      groupMetric(config, METRIC.moveFailures, 'Sum').with({ label: 'failed moves' }),
    ]),
    graph(config, 'Time to failover and move duration (ms)', [
      groupMetric(config, METRIC.timeToFailover, 'Maximum').with({
        label: 'first failed probe to last table switched',
      }),
      groupMetric(config, METRIC.moveDuration, 'Maximum').with({ label: 'Mover call' }),
    ]),
    // A search shows every kind the Checker reports, so a new kind needs no dashboard change.
    graph(config, 'Holds by kind (runs per period)', [
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},Group,Kind} MetricName="${METRIC.holds}" Group="${config.name}"', 'Sum', ${period.toSeconds()})`,
        label: '',
        period,
      }),
    ]),
  ];
}

/** The Checker's pulse: heartbeat, healthy standbys and the pause flag. */
function pulseRow(config: FailoverConfig, alarms: FailoverAlarms): cloudwatch.IWidget[] {
  return [
    graph(
      config,
      'Checker runs ended (heartbeat)',
      [groupMetric(config, METRIC.healthyStandbys, 'SampleCount').with({ label: 'runs' })],
      {
        leftAnnotations: [alarms.heartbeatMissing.toAnnotation()],
      },
    ),
    graph(config, 'Healthy standbys', [groupMetric(config, METRIC.healthyStandbys, 'Minimum')], {
      leftAnnotations: [alarms.noHealthyStandby.toAnnotation()],
    }),
    graph(config, 'Paused (1 paused)', [groupMetric(config, METRIC.paused, 'Maximum')], {
      leftYAxis: { min: 0, max: 1 },
    }),
  ];
}

/** The two functions' errors and throttles. */
function functionRow(config: FailoverConfig, fns: Functions): cloudwatch.IWidget[] {
  const lambdaMetric = { period: lambdaPeriod(config) };
  const errorsAndThrottles = (name: string, fn: lambda.IFunction) =>
    graph(
      config,
      `${name} errors and throttles`,
      [
        fn.metricErrors(lambdaMetric).with({ label: 'errors' }),
        fn.metricThrottles(lambdaMetric).with({ label: 'throttles' }),
      ],
      { width: 12 },
    );
  return [errorsAndThrottles('Checker', fns.checker), errorsAndThrottles('Mover', fns.mover)];
}

/**
 * The dashboard `vip-failover-<name>`, with `monitoring.dashboard`: alarms, nodes (with
 * `monitoring.nodeMetrics`), moves, holds and the Checker's pulse.
 */
export function createDashboard(
  scope: Construct,
  config: FailoverConfig,
  fns: Functions,
  alarms: FailoverAlarms,
): cloudwatch.Dashboard | undefined {
  if (!config.monitoring.dashboard) return undefined;
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: deployedNames(config).dashboard,
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        new cloudwatch.AlarmStatusWidget({
          title: `vip-failover ${config.name}: VIP ${config.vip}`,
          alarms: Object.values(alarms).filter((a) => a !== undefined),
          width: 24,
          height: 3,
        }),
      ],
      ...(config.monitoring.nodeMetrics ? [nodeRow(config)] : []),
      moveRow(config),
      pulseRow(config, alarms),
      functionRow(config, fns),
    ],
  });
}
