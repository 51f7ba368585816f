/**
 * The whole monthly bill of one group, line by line, from what the synthesized template creates
 * and what a run really writes: every function's duration and requests, the custom metrics the
 * Checker emits (by name and dimension set), alarms, dashboards, KMS keys, secrets, interface
 * endpoints and log ingestion. List prices of us-east-1 and eu-west-1, no free tier.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { FailoverConfig } from '../../config';
import { checkerCost } from '../../config/runtime';
import { emitRunMetrics, type MetricsSink, type RunFigures } from '../../lambda/domain/metrics';
import { VipFailoverStack } from '../../lib/vip-failover-stack';

/** List prices, USD. */
export const PRICES = {
  lambdaArm64GbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  lambdaRequest: 0.0000002,
  customMetricMonth: 0.3,
  standardAlarmMetricMonth: 0.1,
  highResolutionAlarmMetricMonth: 0.3,
  /** Beyond an account's first three. */
  dashboardMonth: 3,
  kmsKeyMonth: 1,
  secretMonth: 0.4,
  /** Per AZ (one ENI each), 730 hours. */
  interfaceEndpointAzMonth: 0.01 * 730,
  logIngestionGb: 0.5,
  logStorageGbMonth: 0.03,
} as const;

const GB = 1024 ** 3;

/** One line of the bill. */
export interface BillItem {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unit_usd: number;
  readonly monthly_usd: number;
  /** Where the quantity comes from: the template, a measured run, or an assumption named. */
  readonly basis: string;
}

/** What a run of the Checker was measured to write and take. */
export interface MeasuredRun {
  /** Log bytes one scheduled run writes at the deployed log level, platform lines included. */
  readonly logBytesPerRun: number;
  /** How that figure was measured, for the basis column. */
  readonly logBasis: string;
  /** Billed seconds of one witness warm-up call. @default 0.1 (an assumption, named as such) */
  readonly witnessSeconds?: number;
}

export interface GroupBill {
  /** Everything the group's stack costs a month. */
  readonly monthly_usd_per_group: number;
  /** The Checker function's duration and requests alone: a part of the above. */
  readonly checker_lambda_monthly_usd: number;
  readonly items: readonly BillItem[];
}

export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The template of the group's stack, synthesized without bundling (only the resources matter). */
export function groupTemplate(rawConfig: unknown): Resources {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new VipFailoverStack(app, 'Bill', { config: rawConfig });
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

/** What a steady run measures: every node up, nothing held or moved. */
export function steadyRun(config: FailoverConfig): RunFigures {
  return {
    group: config.name,
    active: config.nodes[0]?.name,
    nodes: config.nodes.map((n) => ({
      name: n.name,
      probes: 60,
      failed: 0,
      maxLatencyMs: 5,
      up: true,
    })),
    paused: false,
    holds: [],
    moves: 0,
    moveFailures: 0,
    moveDurationsMs: [],
    timeToFailoverMs: [],
  };
}

/** Distinct (name, dimensions) sets a steady run emits: every node up, nothing held or moved. */
export function steadyMetrics(config: FailoverConfig): string[] {
  const seen = new Set<string>();
  let dimensions: Record<string, string> = {};
  const sink: MetricsSink = {
    addDimensions(d: Record<string, string>) {
      dimensions = { ...dimensions, ...d };
      return this as never;
    },
    addMetric(name: string) {
      seen.add(`${name} ${JSON.stringify(dimensions)}`);
      return this as never;
    },
    publishStoredMetrics() {
      dimensions = {};
      return this as never;
    },
  };
  emitRunMetrics(sink, steadyRun(config), config.monitoring);
  return [...seen].sort();
}

const item = (
  name: string,
  quantity: number,
  unit: string,
  unitUsd: number,
  basis: string,
): BillItem => ({
  item: name,
  quantity,
  unit,
  unit_usd: unitUsd,
  monthly_usd: quantity * unitUsd,
  basis,
});

const ofType = (r: Resources, type: string) => Object.values(r).filter((x) => x.Type === type);

/** Functions by role, from their names: the Checker, the Mover, the witnesses. */
function lambdaItems(r: Resources, config: FailoverConfig, measured: MeasuredRun): BillItem[] {
  const runs = checkerCost(config);
  const out: BillItem[] = [];
  for (const [id, fn] of Object.entries(r).filter(([, x]) => x.Type === 'AWS::Lambda::Function')) {
    const p = fn.Properties ?? {};
    const name =
      typeof p.FunctionName === 'string' ? p.FunctionName : `${id} (a deploy-time helper)`;
    const gb = Number(p.MemorySize ?? 128) / 1024;
    const arm = (p.Architectures as string[] | undefined)?.includes('arm64') ?? false;
    const price = arm ? PRICES.lambdaArm64GbSecond : PRICES.lambdaX86GbSecond;
    const role = /checker$/.test(name) ? 'checker' : /witness/.test(name) ? 'witness' : 'other';
    if (role === 'checker') {
      out.push(
        item(
          `${name}: duration`,
          runs.runs_per_month * runs.run_seconds * gb,
          'GB-s',
          price,
          `${runs.runs_per_month} runs of ${runs.run_seconds} s at ${gb * 1024} MB (the deployed window)`,
        ),
        item(
          `${name}: requests`,
          runs.runs_per_month,
          'requests',
          PRICES.lambdaRequest,
          'one per scheduled run',
        ),
      );
    } else if (role === 'witness') {
      const seconds = measured.witnessSeconds ?? 0.1;
      out.push(
        item(
          `${name}: duration`,
          runs.runs_per_month * seconds * gb,
          'GB-s',
          price,
          `one warm-up call per Checker run, ${seconds} s each (assumed)`,
        ),
        item(
          `${name}: requests`,
          runs.runs_per_month,
          'requests',
          PRICES.lambdaRequest,
          'one warm-up call per Checker run',
        ),
      );
    } else {
      out.push(
        item(
          `${name}: duration and requests`,
          0,
          'GB-s',
          price,
          name.endsWith('mover')
            ? 'invoked only to move: rare, counted as none'
            : 'runs only while deploying',
        ),
      );
    }
  }
  return out;
}

/** The metrics alarms read: one per plain alarm, one per metric in a math alarm. */
function alarmItems(r: Resources): BillItem[] {
  let standard = 0;
  let high = 0;
  for (const a of ofType(r, 'AWS::CloudWatch::Alarm')) {
    const p = a.Properties ?? {};
    const metrics = (p.Metrics as { MetricStat?: { Period?: number } }[] | undefined)?.filter(
      (m) => m.MetricStat,
    );
    const periods = metrics
      ? metrics.map((m) => Number(m.MetricStat?.Period ?? 60))
      : [Number(p.Period ?? 60)];
    for (const period of periods)
      if (period < 60) high++;
      else standard++;
  }
  const out = [
    item(
      'alarm metrics, standard resolution',
      standard,
      'alarm metrics',
      PRICES.standardAlarmMetricMonth,
      "the template's alarms",
    ),
  ];
  if (high > 0)
    out.push(
      item(
        'alarm metrics, high resolution',
        high,
        'alarm metrics',
        PRICES.highResolutionAlarmMetricMonth,
        "the template's alarms",
      ),
    );
  return out;
}

function endpointItems(r: Resources): BillItem[] {
  const azs = ofType(r, 'AWS::EC2::VPCEndpoint')
    .filter((e) => e.Properties?.VpcEndpointType === 'Interface')
    .reduce((n, e) => n + ((e.Properties?.SubnetIds as unknown[] | undefined)?.length ?? 1), 0);
  return azs > 0
    ? [
        item(
          'interface endpoints',
          azs,
          'endpoint-AZs',
          PRICES.interfaceEndpointAzMonth,
          "the template's interface endpoints, one ENI per subnet",
        ),
      ]
    : [];
}

/** The bill of one group, from its template, its config and a measured run. */
export function groupBill(r: Resources, config: FailoverConfig, measured: MeasuredRun): GroupBill {
  const runs = checkerCost(config);
  const metrics = steadyMetrics(config);
  const logGb = (measured.logBytesPerRun * runs.runs_per_month) / GB;
  const retentionMonths = config.logRetentionDays / 30;
  const items = [
    ...lambdaItems(r, config, measured),
    item(
      'custom metrics',
      metrics.length,
      'metrics',
      PRICES.customMetricMonth,
      `emitted by a steady run, by name and dimension set: ${metrics.map((m) => m.split(' ')[0]).join(', ')}`,
    ),
    ...alarmItems(r),
    item(
      'dashboards',
      ofType(r, 'AWS::CloudWatch::Dashboard').length,
      'dashboards',
      PRICES.dashboardMonth,
      "the template (an account's first three are free)",
    ),
    item('KMS keys', ofType(r, 'AWS::KMS::Key').length, 'keys', PRICES.kmsKeyMonth, 'the template'),
    item(
      'secrets',
      ofType(r, 'AWS::SecretsManager::Secret').length,
      'secrets',
      PRICES.secretMonth,
      'the template (the probe secret is yours, not counted)',
    ),
    ...endpointItems(r),
    item('log ingestion', logGb, 'GB', PRICES.logIngestionGb, measured.logBasis),
    item(
      'log storage',
      logGb * Math.min(retentionMonths, 1),
      'GB-months',
      PRICES.logStorageGbMonth,
      `${config.logRetentionDays} days retained`,
    ),
  ].map((i) => ({ ...i, monthly_usd: Math.round(i.monthly_usd * 10_000) / 10_000 }));
  const total = items.reduce((s, i) => s + i.monthly_usd, 0);
  const checker = items
    .filter((i) => /checker: /.test(i.item))
    .reduce((s, i) => s + i.monthly_usd, 0);
  return {
    monthly_usd_per_group: Math.round(total * 100) / 100,
    checker_lambda_monthly_usd: Math.round(checker * 100) / 100,
    items,
  };
}

/** The items as lines for a terminal, costliest first. */
export function formatBill(bill: GroupBill): string {
  const lines = [...bill.items]
    .sort((a, b) => b.monthly_usd - a.monthly_usd)
    .map(
      (i) =>
        `  $${i.monthly_usd.toFixed(2).padStart(6)}  ${i.item} (${+i.quantity.toFixed(3)} ${i.unit})`,
    );
  return [
    `Cost: $${bill.monthly_usd_per_group.toFixed(2)} a month per group, everything the stack creates; the Checker's Lambda alone $${bill.checker_lambda_monthly_usd.toFixed(2)}`,
    ...lines,
  ].join('\n');
}
