/**
 * The group's CloudWatch alarms as `status` shows them: each one's state and since when, read with
 * DescribeAlarms by name. How much an alarm in ALARM weighs is the verdict's (verdict.ts).
 */
import {
  DescribeAlarmsCommand,
  type CloudWatchClient,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { ALARM_SUFFIX, alarmNames, type AlarmKey } from '../config/alarm-names';
import { explain } from './group';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One alarm of the group. */
export interface AlarmState {
  readonly key: AlarmKey;
  /** The runbook anchor and the name's last part: `heartbeat-missing`. */
  readonly suffix: string;
  readonly name: string;
  /** Undefined when no alarm of that name exists. */
  readonly state?: AlarmStateValue;
  /** ISO time the alarm entered `state`. */
  readonly since?: string;
  readonly reason?: string;
}

export type AlarmReading =
  /** Every alarm of the group, in the stack's order. */
  | { readonly readable: true; readonly states: readonly AlarmState[] }
  /** DescribeAlarms failed (no permission, no CloudWatch at the endpoint): why, in one line. */
  | { readonly readable: false; readonly error: string };

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;

async function describe(cloudwatch: CloudWatchClient, names: string[]): Promise<MetricAlarm[]> {
  const found: MetricAlarm[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    let token: string | undefined;
    do {
      const out = await cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + NAMES_PER_CALL),
          MaxRecords: NAMES_PER_CALL,
          NextToken: token,
        }),
      );
      found.push(...(out.MetricAlarms ?? []));
      token = out.NextToken;
    } while (token);
  }
  return found;
}

/** Reads the state of each of the group's alarms; a failed read is a reading, never a throw. */
export async function readAlarms(
  cloudwatch: CloudWatchClient,
  group: string,
): Promise<AlarmReading> {
  const names = alarmNames({ name: group });
  let found: MetricAlarm[];
  try {
    found = await describe(cloudwatch, Object.values(names));
  } catch (e) {
    return { readable: false, error: explain(e, 'CloudWatch') };
  }
  const byName = new Map(found.map((a) => [a.AlarmName, a]));
  const states = (Object.keys(ALARM_SUFFIX) as AlarmKey[]).map((key): AlarmState => {
    const a = byName.get(names[key]);
    const since = a?.StateTransitionedTimestamp ?? a?.StateUpdatedTimestamp;
    return {
      key,
      suffix: ALARM_SUFFIX[key],
      name: names[key],
      ...(a?.StateValue ? { state: a.StateValue } : {}),
      ...(since ? { since: since.toISOString() } : {}),
      ...(a?.StateReason ? { reason: a.StateReason } : {}),
    };
  });
  return { readable: true, states };
}
