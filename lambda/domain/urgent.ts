/**
 * Conditions that need a human now are published when a run first sees them, not at its end (up
 * to a schedule period and the overlap later): the master down with nothing to take the VIP, a
 * split the Checker cannot mend, a blackhole route, vantage points that disagree, our secret
 * unreadable. Still once: a condition already open (from an earlier run, as the status parameter
 * says) is not sent again, and the run's end counts what was sent here as open (tellOperators).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { FailoverConfig } from '../../config';
import { planAlerts, type AlertState, type ConditionKind } from './alerts';
import type { CheckerReport } from './checker/report';
import { awsErrorText } from './errors';
import type { Log } from './log';
import { publishAll } from './notify';
import { conditionsOf } from './operators';
import { readStatus, writeStatus, type GroupStatus } from './status';

/** The kinds published when first seen; every other condition waits for the end of the run. */
export const URGENT_KINDS: ReadonlySet<ConditionKind> = new Set<ConditionKind>([
  'no-standby',
  'split-no-healthy',
  'paused-split',
  'blackhole',
  'second-opinion-disagrees',
  'secret-unreadable',
]);

export interface UrgentDeps {
  readonly sns: SNSClient;
  readonly ssm: SSMClient;
  readonly logger: Log;
  readonly now: () => number;
}

/** One run's urgent notifications: it owns what it sent and the publishes under way. */
export class UrgentNotifier {
  private readonly sent: Record<string, AlertState[string]> = {};
  private readonly pending = new Set<Promise<void>>();
  /** The status as the run found it; `unread` when it could not be read (then left alone). */
  private previous?: Promise<GroupStatus | undefined | 'unread'>;

  constructor(
    private readonly deps: UrgentDeps,
    private readonly config: FailoverConfig,
    private readonly topicArn: string | undefined,
  ) {}

  /** Looks at the run as it stands; publishes each urgent condition not yet sent. Never throws. */
  notice(snapshot: CheckerReport): void {
    const fresh = conditionsOf(snapshot, { paused: snapshot.paused }).filter(
      (c) => URGENT_KINDS.has(c.kind) && !(c.key in this.sent),
    );
    if (fresh.length === 0) return;
    const now = this.deps.now();
    // Claimed at once: the next snapshot, a probe later, must not publish it again.
    for (const c of fresh)
      this.sent[c.key] = { kind: c.kind, subject: c.subject, since: now, lastSentAt: now };
    const work = this.publish(fresh, now).finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** Waits for the publishes under way; what was sent, as open conditions for the run's end. */
  async settle(): Promise<AlertState> {
    await Promise.all([...this.pending]);
    return { ...this.sent };
  }

  private async publish(conditions: ReturnType<typeof conditionsOf>, now: number): Promise<void> {
    const log = this.deps.logger;
    this.previous ??= readStatus(this.deps.ssm, this.config.statusParameterName).catch(
      (e: unknown) => {
        log.error(`could not read the status parameter: ${awsErrorText(e)}`, {
          event: 'notify-error',
        });
        return 'unread' as const;
      },
    );
    const previous = await this.previous;
    const open = previous === 'unread' ? {} : (previous?.alerts ?? {});
    const starting = conditions.filter((c) => !(c.key in open));
    const plan = planAlerts(this.config.name, open, starting, [], now, Infinity);
    const starts = plan.notifications.filter((n) => n.phase === 'start');
    if (starts.length === 0) return;
    await publishAll(this.deps.sns, this.topicArn, starts, log);
    if (previous === 'unread') return;
    // Marked open at once, so a run beside this one (the overlap) does not send them again. With
    // no status yet (the first runs), this run's word that it is alive stands in for one.
    const base = previous ?? { updatedAt: new Date(now).toISOString(), nodes: {}, alerts: {} };
    const alerts: AlertState = {
      ...open,
      ...Object.fromEntries(starting.map((c) => [c.key, this.sent[c.key] as AlertState[string]])),
    };
    await writeStatus(this.deps.ssm, this.config.statusParameterName, { ...base, alerts }).catch(
      (e: unknown) =>
        log.error(`could not write the status parameter: ${awsErrorText(e)}`, {
          event: 'notify-error',
        }),
    );
  }
}
