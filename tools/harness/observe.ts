/**
 * What the benchmarks watch on a running cluster: the endpoint's call log (route switches, record
 * writes, Mover invocations, each tied to the invocation that made it) and the handlers' logs.
 */
import type { CallRecord, CallStart } from '../local-aws';
import type { LocalCluster } from './cluster';
import type { LogRecord } from './logs';

/** One successful route change of the VIP. */
export interface Switch {
  readonly table: string;
  /** Node the table now targets (undefined: not a configured node). */
  readonly node?: string;
  readonly at: number;
  /** Request id of the Mover invocation that made it. */
  readonly origin?: string;
}

/** One Mover invocation as the Checker made it (the Invoke call). */
export interface Invoke {
  readonly requestId: string;
  readonly startedAt: number;
  endedAt?: number;
  status?: number;
}

/** One successful write of the active-node record. */
export interface RecordWrite {
  readonly value: string;
  readonly at: number;
  readonly origin?: string;
}

/** Collects switches, record writes and invocations until stop(). */
export class CallWatch {
  readonly switches: Switch[] = [];
  readonly records: RecordWrite[] = [];
  readonly invokes = new Map<string, Invoke>();
  /** Calls answered with an error, by action and code (for the summary). */
  readonly errors = new Map<string, number>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly cluster: LocalCluster) {
    const { config } = cluster;
    this.unsubscribe = [
      cluster.aws.onCallStart((c: CallStart) => {
        if (c.action === 'Invoke')
          this.invokes.set(c.requestId, { requestId: c.requestId, startedAt: c.startedAt });
      }),
      cluster.aws.onCall((c: CallRecord) => {
        if (c.action === 'Invoke') {
          const inv = this.invokes.get(c.requestId);
          if (inv) {
            inv.endedAt = c.endedAt;
            inv.status = c.status;
          }
        }
        if (c.status !== 200) {
          if (c.service !== 'unknown') {
            const key = `${c.action} ${c.errorCode ?? (c.dropped ? `dropped (${c.dropped})` : c.status)}`;
            this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
          }
          return;
        }
        const p = c.params as Record<string, unknown>;
        if (c.action === 'ReplaceRoute' || c.action === 'CreateRoute') {
          if (p.DestinationCidrBlock !== undefined && p.DestinationCidrBlock !== config.vip) return;
          const target = String(p.NetworkInterfaceId ?? p.InstanceId ?? '');
          const node = config.nodes.find(
            (n) => n.networkInterfaceId === target || n.instanceId === target,
          );
          this.switches.push({
            table: String(p.RouteTableId),
            node: node?.name,
            at: c.endedAt,
            origin: c.origin?.requestId,
          });
        } else if (c.action === 'PutParameter' && p.Name === config.parameterName) {
          this.records.push({ value: String(p.Value), at: c.endedAt, origin: c.origin?.requestId });
        }
      }),
    ];
  }

  /**
   * The failover to `target` after `since`: when the last table switched to it (the first
   * switch of each table after `since`), and the Mover invocation that made that last switch,
   * with the end of its work (last table and record).
   */
  failover(
    since: number,
    target: string,
  ):
    | { allSwitchedAt: number; invoke?: Invoke; moveEndedAt?: number; invocations: number }
    | undefined {
    const firstPerTable = new Map<string, Switch>();
    for (const s of this.switches) {
      if (s.at < since || s.node !== target || firstPerTable.has(s.table)) continue;
      firstPerTable.set(s.table, s);
    }
    if (firstPerTable.size < this.cluster.config.routeTableIds.length) return undefined;
    const last = [...firstPerTable.values()].reduce((a, b) => (b.at > a.at ? b : a));
    const origins = new Set([...firstPerTable.values()].map((s) => s.origin));
    const invoke = last.origin ? this.invokes.get(last.origin) : undefined;
    let moveEndedAt: number | undefined;
    if (invoke) {
      const own = [
        ...this.switches.filter((s) => s.origin === invoke.requestId).map((s) => s.at),
        ...this.records.filter((r) => r.origin === invoke.requestId).map((r) => r.at),
      ];
      moveEndedAt = Math.max(...own);
    }
    return { allSwitchedAt: last.at, invoke, moveEndedAt, invocations: origins.size };
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }
}

/** A probe result as the Checker logs it (debug line, event "probe"). */
export interface ProbeLog {
  readonly node: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly startedAt: number;
  readonly failure?: string;
}

export function probeOf(r: LogRecord): ProbeLog | undefined {
  return r.event === 'probe' ? (r.result as ProbeLog) : undefined;
}
