/** Each node's health and probe statistics over a run, and the alerts its probes raise. */
import type { FailoverConfig } from '../../../lib/config';
import { UNKNOWN, observe, resetAfterMove, type NodeHealth } from '../health';
import type { Log } from '../log';
import type { ProbeResult } from '../types';

/** Probe statistics of one node over the run. */
export interface NodeProbeSummary {
  readonly probes: number;
  readonly failed: number;
  readonly state: NodeHealth['state'];
  readonly last?: {
    readonly ok: boolean;
    readonly latencyMs: number;
    readonly failure?: string;
    readonly detail?: string;
  };
  readonly maxLatencyMs: number;
}

interface Stats {
  probes: number;
  failed: number;
  maxLatencyMs: number;
  last?: ProbeResult;
}

export class NodeBook {
  private readonly health: Record<string, NodeHealth>;
  private readonly stats: Record<string, Stats>;
  /** Alerts that would repeat every probe are logged once per run; the summary carries them on. */
  private readonly alerted = new Set<string>();

  constructor(
    private readonly config: FailoverConfig,
    private readonly log: Log,
  ) {
    const names = config.nodes.map((n) => n.name);
    this.health = Object.fromEntries(names.map((name) => [name, UNKNOWN]));
    this.stats = Object.fromEntries(
      names.map((name) => [name, { probes: 0, failed: 0, maxLatencyMs: 0 }]),
    );
  }

  /** Health of every node by name, as of now. */
  snapshot(): Readonly<Record<string, NodeHealth>> {
    return { ...this.health };
  }

  of(name: string): NodeHealth {
    return this.health[name] ?? UNKNOWN;
  }

  /** Until every node has a first result, the first to answer looks like the only healthy one. */
  allAnswered(): boolean {
    return this.config.nodes.every((n) => this.of(n.name).lastOk !== undefined);
  }

  /**
   * Counts one probe result of `name`. Returns true for the first failure of a node that had
   * none before it: when that node is the active one, it is time to confirm at once.
   */
  take(name: string, result: ProbeResult): boolean {
    if (this.skipped(name, result)) return false;
    const before = this.of(name);
    const after = observe(before, result.ok, this.config.detection);
    this.health[name] = after;
    this.count(name, result);
    this.log.debug(
      `probe ${name} ${result.ok ? 'ok' : `failed (${result.failure})`} in ${result.latencyMs} ms`,
      { event: 'probe', result },
    );
    if (result.failure === 'auth')
      this.alertOnce(`auth ${name}`, () => this.authAlert(name, result));
    this.logTransition(name, before, after, result);
    return !result.ok && before.failures === 0;
  }

  /** Counters restart after a move; see resetAfterMove. */
  resetAfterMove(): void {
    for (const name of Object.keys(this.health)) this.health[name] = resetAfterMove(this.of(name));
  }

  summaries(): Record<string, NodeProbeSummary> {
    return Object.fromEntries(
      this.config.nodes.map(({ name }) => {
        const s = this.stats[name] as Stats;
        const last = s.last && {
          ok: s.last.ok,
          latencyMs: s.last.latencyMs,
          failure: s.last.failure,
          detail: s.last.detail,
        };
        const { probes, failed, maxLatencyMs } = s;
        return [name, { probes, failed, state: this.of(name).state, last, maxLatencyMs }];
      }),
    );
  }

  /**
   * We could not read our own password: that says nothing about the node, so it never counts
   * toward fall; it is an alert.
   */
  private skipped(name: string, result: ProbeResult): boolean {
    if (result.ok || !result.detail?.startsWith('secret:')) return false;
    this.alertOnce(`secret ${name}`, () =>
      this.log.error(`probe of ${name} skipped: ${result.detail}`, {
        event: 'probe-secret',
        result,
      }),
    );
    return true;
  }

  private count(name: string, result: ProbeResult): void {
    const s = this.stats[name] as Stats;
    s.probes += 1;
    if (!result.ok) s.failed += 1;
    s.maxLatencyMs = Math.max(s.maxLatencyMs, result.latencyMs);
    s.last = result;
  }

  private authAlert(name: string, result: ProbeResult): void {
    this.log.error(
      `${name} rejected the probe's login (${result.detail}); counting it alive; fix the monitor credentials`,
      { event: 'probe-auth', result },
    );
  }

  private alertOnce(key: string, alert: () => void): void {
    if (this.alerted.has(key)) return;
    this.alerted.add(key);
    alert();
  }

  private logTransition(
    name: string,
    before: NodeHealth,
    after: NodeHealth,
    result: ProbeResult,
  ): void {
    if (after.state === before.state || before.state === 'unknown') return;
    const fields = { event: 'health', node: name, from: before.state, to: after.state, result };
    if (after.state === 'down')
      this.log.warn(`${name} is down after ${after.failures} consecutive failures`, fields);
    else
      this.log.info(
        `${name} is ${after.state} after ${after.successes} consecutive successes`,
        fields,
      );
  }
}
