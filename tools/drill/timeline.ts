/** The drill's timeline: what happened and when, printed as it happens and kept for the JSON. */
import type { CallRecord } from '../local-aws';
import type { LocalCluster } from '../harness/cluster';
import type { LogRecord } from '../harness/logs';
import { probeOf, recordWriteOf, switchOf } from '../harness/observe';

/**
 * INFO lines told besides decisions and health: the Mover's database steps (fencing, each
 * promotion step, the promotion), and the second opinion (the Checker asking another zone, a
 * witness answering).
 */
const TOLD = new Set<unknown>([
  'fence',
  'promote-step',
  'promoted',
  'second-opinion-ask',
  'witness-probe',
]);

export interface TimelineEntry {
  /** Seconds since the drill started. */
  readonly t: number;
  readonly event: string;
  readonly detail: string;
}

/** Entries in order, each printed once as `[  1.23s] detail`. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  private readonly started = Date.now();
  private readonly lastProbe: Record<string, string> = {};

  constructor(private readonly print: (line: string) => void) {}

  /** Seconds since the drill started, to the hundredth. */
  at(when: number): number {
    return Math.round((when - this.started) / 10) / 100;
  }

  note(event: string, detail: string, when = Date.now()): void {
    const t = this.at(when);
    this.entries.push({ t, event, detail });
    this.print(`[${t.toFixed(2).padStart(6)}s] ${detail}`);
  }

  /** A route change, a record write or an AWS error, as the endpoint served it. */
  noteCall(cluster: LocalCluster, call: CallRecord): void {
    const { config } = cluster;
    const change = switchOf(config, call);
    const write = recordWriteOf(config, call);
    if (change) {
      const to = change.node ?? change.target;
      this.note(
        'table',
        `route table ${change.table}: VIP ${config.vip} → ${to} (${change.action})`,
        call.endedAt,
      );
    } else if (write) {
      const version = cluster.aws.parameter(config.recordParameterName)?.version;
      this.note(
        'record',
        `record ${config.recordParameterName} = ${write.value} (version ${version})`,
        call.endedAt,
      );
    } else if (
      call.status !== 200 &&
      call.service !== 'unknown' &&
      call.status !== 0 &&
      call.action !== 'GetParameter'
    ) {
      this.note('aws-error', `AWS ${call.action} → ${call.errorCode ?? call.status}`, call.endedAt);
    }
  }

  /** A handler log line worth a reader's attention. */
  noteLog(r: LogRecord): void {
    const probe = probeOf(r);
    if (probe) {
      const text = probe.ok ? 'ok' : `FAILED (${probe.failure})`;
      // Show changes and every failure, not a healthy heartbeat twice a second.
      if (!probe.ok || this.lastProbe[probe.node] !== text)
        this.note('probe', `probe ${probe.node}: ${text} in ${probe.latencyMs} ms`);
      this.lastProbe[probe.node] = text;
    } else if (r.event === 'invoke-mover') {
      this.note(
        'mover',
        `Checker invokes the Mover: ${r.message.replace(/^invoking the Mover: /, '')}`,
      );
    } else if (
      r.level !== 'DEBUG' &&
      (r.level !== 'INFO' || r.event === 'decision' || r.event === 'health' || TOLD.has(r.event))
    ) {
      this.note(r.event ?? 'log', `${r.level === 'ERROR' ? 'ALERT ' : ''}${r.message}`);
    }
  }
}
