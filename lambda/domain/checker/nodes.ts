/** Each node's health and probe statistics over a run, and the alerts its probes raise. */
import type { FailoverConfig } from '../../../config';
import { UNKNOWN, observe, resetAfterMove, type NodeHealth } from '../health';
import type { Log } from '../log';
import type { ProbeResult } from '../types';

/** Probe statistics of one node over the run. */
export interface NodeProbeSummary {
  readonly probes: number;
  readonly failed: number;
  readonly state: NodeHealth['state'];
  /** The latest probe: alive (`ok`), a failover target (`eligible`), and how it was judged. */
  readonly last?: {
    readonly ok: boolean;
    /** A full login plus `SELECT 1` passed (for a TCP probe, the connect did). */
    readonly eligible: boolean;
    /** `unreadable` when the login was not tried: our probe secret could not be read. */
    readonly credentials?: 'unreadable';
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
  /** When each node's current run of failed probes began (the first failed probe's start). */
  private readonly failingFrom: Record<string, number | undefined> = {};

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
    const before = this.of(name);
    const after = observe(before, result, this.config.detection);
    this.health[name] = after;
    if (result.ok) this.failingFrom[name] = undefined;
    else this.failingFrom[name] ??= result.startedAt;
    this.count(name, result);
    this.log.debug(
      `probe ${name} ${result.ok ? 'ok' : `failed (${result.failure})`} in ${result.latencyMs} ms`,
      { event: 'probe', result },
    );
    this.alert(name, result);
    this.logTransition(name, before, after, result);
    return !result.ok && before.failures === 0;
  }

  /** When `name` began failing, if its latest probes failed: the start of time to failover. */
  failingSince(name: string): number | undefined {
    return this.failingFrom[name];
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
          eligible: s.last.eligible,
          ...(s.last.credentials ? { credentials: s.last.credentials } : {}),
          latencyMs: s.last.latencyMs,
          failure: s.last.failure,
          detail: s.last.detail,
        };
        const { probes, failed, maxLatencyMs } = s;
        return [name, { probes, failed, state: this.of(name).state, last, maxLatencyMs }];
      }),
    );
  }

  private count(name: string, result: ProbeResult): void {
    const s = this.stats[name] as Stats;
    s.probes += 1;
    if (!result.ok) s.failed += 1;
    s.maxLatencyMs = Math.max(s.maxLatencyMs, result.latencyMs);
    s.last = result;
  }

  /** The latest detail of each node's probes, to say why a node that answers is no target. */
  details(): Record<string, string | undefined> {
    return Object.fromEntries(
      this.config.nodes.map(({ name }) => [name, this.stats[name]?.last?.detail]),
    );
  }

  /**
   * Alerts, each once per run: our secret unreadable (once for all nodes: it is one secret), and
   * per node a rejected login or a server out of connections. None of them makes a node dead.
   */
  private alert(name: string, result: ProbeResult): void {
    const fields = { result };
    if (result.credentials === 'unreadable')
      this.alertOnce('secret', () =>
        this.log.error(
          `the probe secret could not be read (probing ${name}: ${result.detail}); judging nodes alive by their MySQL answer without logging in, so failover still works but no login is checked; fix the secret or the Checker's access to it (secretsmanager:GetSecretValue, kms:Decrypt)`,
          { event: 'probe-secret', ...fields },
        ),
      );
    if (result.failure === 'auth')
      this.alertOnce(`auth ${name}`, () =>
        this.log.error(
          `${name} rejected the probe's login (${result.detail}); counting it alive, but it is no failover target until it lets us in; fix the monitor credentials or the node`,
          { event: 'probe-auth', ...fields },
        ),
      );
    if (result.failure === 'busy')
      this.alertOnce(`busy ${name}`, () =>
        this.log.error(
          `${name} is out of connections (${result.detail}); counting it alive, but it is no failover target while it lasts; look at the clients filling max_connections`,
          { event: 'probe-busy', ...fields },
        ),
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
