/**
 * What the drill, the benchmarks and the tests watch on a running cluster: the endpoint's call
 * log (route switches, record writes, Mover invocations, each tied to the invocation that made
 * it) and the handlers' logs.
 */
import { nodeByTarget, type FailoverConfig } from '../../config';
import type { ProbeResult } from '../../lambda/domain/types';
import type { CallRecord, CallStart } from '../local-aws';
import type { LocalCluster } from './cluster';
import type { LogRecord } from './logs';

/** One successful change of a table's VIP route. */
export interface Switch {
  readonly table: string;
  /** Node the table now targets (undefined: not a configured node). */
  readonly node?: string;
  /** The route's new target as sent (ENI or instance id). */
  readonly target: string;
  readonly action: 'ReplaceRoute' | 'CreateRoute';
  readonly startedAt: number;
  /** When the endpoint answered. */
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

/** The VIP route change a call made, if it was a successful one. */
export function switchOf(config: FailoverConfig, c: CallRecord): Switch | undefined {
  if (c.status !== 200 || (c.action !== 'ReplaceRoute' && c.action !== 'CreateRoute')) return;
  const p = c.params as Record<string, unknown>;
  if (p.DestinationCidrBlock !== config.vip) return undefined;
  const target = String(p.NetworkInterfaceId ?? p.InstanceId ?? '');
  return {
    table: String(p.RouteTableId),
    node: nodeByTarget(config, target)?.name,
    target,
    action: c.action,
    startedAt: c.startedAt,
    at: c.endedAt,
    origin: c.origin?.requestId,
  };
}

/** The record write a call made, if it was a successful one (not of the pause flag). */
export function recordWriteOf(config: FailoverConfig, c: CallRecord): RecordWrite | undefined {
  const p = c.params as Record<string, unknown>;
  if (c.status !== 200 || c.action !== 'PutParameter' || p.Name !== config.recordParameterName)
    return;
  return { value: String(p.Value), at: c.endedAt, origin: c.origin?.requestId };
}

/** The probe result a log record carries (the Checker's debug line, event "probe"). */
export function probeOf(r: LogRecord): ProbeResult | undefined {
  return r.event === 'probe' ? (r.result as ProbeResult) : undefined;
}

/** Probe results in `records` (a cluster's logs, or a slice of them), of one node or all. */
export function probesIn(records: readonly LogRecord[], node?: string): ProbeResult[] {
  return records
    .map(probeOf)
    .filter((p): p is ProbeResult => p !== undefined && (node === undefined || p.node === node));
}

/** One 'down' verdict: the node and when the probe that decided it was answered. */
export interface Down {
  readonly node: string;
  readonly at: number;
}

/** The 'down' verdicts logged in `records`, of one node or all. */
export function downsIn(records: readonly LogRecord[], node?: string): Down[] {
  return records
    .filter(
      (r) => r.event === 'health' && r.to === 'down' && (node === undefined || r.node === node),
    )
    .map((r) => {
      const decided = r.result as ProbeResult;
      return { node: String(r.node), at: decided.startedAt + decided.latencyMs };
    });
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
    this.unsubscribe = [
      cluster.aws.onCallStart((c: CallStart) => {
        if (c.action === 'Invoke')
          this.invokes.set(c.requestId, { requestId: c.requestId, startedAt: c.startedAt });
      }),
      cluster.aws.onCall((c) => this.record(c)),
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

  private record(c: CallRecord): void {
    const { config } = this.cluster;
    const invoke = c.action === 'Invoke' ? this.invokes.get(c.requestId) : undefined;
    if (invoke) {
      invoke.endedAt = c.endedAt;
      invoke.status = c.status;
    }
    if (c.status !== 200 && c.service !== 'unknown') {
      const key = `${c.action} ${c.errorCode ?? (c.dropped ? `dropped (${c.dropped})` : c.status)}`;
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
    const change = switchOf(config, c);
    if (change) this.switches.push(change);
    const write = recordWriteOf(config, c);
    if (write) this.records.push(write);
  }
}
