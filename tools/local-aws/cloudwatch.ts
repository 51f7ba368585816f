/**
 * CloudWatch alarms: their states and DescribeAlarms, over the JSON 1.0 protocol the SDK v3
 * client speaks (`GraniteServiceVersion20100801.*`, query-compatible errors). No metrics: a test
 * or a drill sets an alarm's state as CloudWatch would after evaluating it.
 */
import { AwsError, epochSeconds, type Reply } from './protocol';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One metric alarm, as far as its state goes. */
export interface AlarmView {
  readonly name: string;
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** Epoch milliseconds of the last change of `state`. */
  readonly transitionedAt: number;
  /** Epoch milliseconds of the last write of `state` or `reason`. */
  readonly updatedAt: number;
}

export const JSON_10 = 'application/x-amz-json-1.0';
const STATES = new Set<string>(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
/** DescribeAlarms takes at most 100 names and 100 records a page; 50 records by default. */
const MAX_NAMES = 100;
const MAX_RECORDS = 100;
const DEFAULT_RECORDS = 50;

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterValue', message);
}

export class CloudWatchModel {
  private readonly alarms = new Map<string, AlarmView>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  reset(): void {
    this.alarms.clear();
  }

  arnOf(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${name}`;
  }

  /** Creates or replaces an alarm, as PutMetricAlarm would, in `state` since now. */
  putAlarm(name: string, state: AlarmStateValue = 'INSUFFICIENT_DATA', reason = 'Created'): void {
    const now = Date.now();
    this.alarms.set(name, { name, state, reason, transitionedAt: now, updatedAt: now });
  }

  /**
   * Sets an existing alarm's state, as SetAlarmState or an evaluation would: the transition time
   * moves only when the state changes. `at` (epoch ms) defaults to now.
   */
  setState(name: string, state: AlarmStateValue, reason: string, at = Date.now()): AlarmView {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new AwsError('ResourceNotFound', `Alarm ${name} not found`, 404);
    const next: AlarmView = {
      name,
      state,
      reason,
      transitionedAt: state === alarm.state ? alarm.transitionedAt : at,
      updatedAt: at,
    };
    this.alarms.set(name, next);
    return next;
  }

  alarm(name: string): AlarmView | undefined {
    return this.alarms.get(name);
  }

  handle(action: string, params: Record<string, unknown>): Reply {
    if (action !== 'DescribeAlarms')
      throw new AwsError(
        'InvalidAction',
        `local-aws emulates CloudWatch DescribeAlarms only, not ${action}`,
      );
    return {
      status: 200,
      headers: { 'content-type': JSON_10 },
      body: JSON.stringify(this.describeAlarms(params)),
    };
  }

  private describeAlarms(params: Record<string, unknown>): Record<string, unknown> {
    const names = stringList(params, 'AlarmNames');
    if (names && names.length > MAX_NAMES)
      throw invalid(`AlarmNames has ${names.length} names; at most ${MAX_NAMES}`);
    const prefix = typeof params['AlarmNamePrefix'] === 'string' ? params['AlarmNamePrefix'] : '';
    if (names && prefix) throw invalid('AlarmNames and AlarmNamePrefix cannot both be given');
    const state = params['StateValue'];
    if (state !== undefined && !STATES.has(String(state)))
      throw invalid(`StateValue ${String(state)} is not one of OK, ALARM, INSUFFICIENT_DATA`);
    const types = stringList(params, 'AlarmTypes') ?? ['MetricAlarm'];
    const wanted = [...this.alarms.values()]
      .filter((a) => (names ? names.includes(a.name) : a.name.startsWith(prefix)))
      .filter((a) => state === undefined || a.state === state)
      .filter(() => types.includes('MetricAlarm'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { start, size } = page(params);
    const shown = wanted.slice(start, start + size);
    const more = start + size < wanted.length;
    return {
      MetricAlarms: shown.map((a) => this.metricAlarm(a)),
      CompositeAlarms: [],
      ...(more ? { NextToken: String(start + size) } : {}),
    };
  }

  private metricAlarm(a: AlarmView): Record<string, unknown> {
    return {
      AlarmName: a.name,
      AlarmArn: this.arnOf(a.name),
      ActionsEnabled: true,
      StateValue: a.state,
      StateReason: a.reason,
      StateUpdatedTimestamp: epochSeconds(a.updatedAt),
      StateTransitionedTimestamp: epochSeconds(a.transitionedAt),
    };
  }
}

function stringList(params: Record<string, unknown>, member: string): string[] | undefined {
  const value = params[member];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalid(`${member} must be a list of strings`);
  return value;
}

/** Where a page starts (NextToken is an offset here) and how many records it holds. */
function page(params: Record<string, unknown>): { start: number; size: number } {
  const size = params['MaxRecords'] ?? DEFAULT_RECORDS;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_RECORDS)
    throw invalid(`MaxRecords ${String(size)} must be 1-${MAX_RECORDS}`);
  const token = params['NextToken'];
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw invalid(`NextToken ${String(token)} is invalid`);
  return { start, size };
}
