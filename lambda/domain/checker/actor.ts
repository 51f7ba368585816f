/** Decides on what the run observed and acts through the Mover, one call at a time, with backoff. */
import type { FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import { decide, type Decision } from '../decide';
import { awsErrorName, awsErrorText } from '../errors';
import type { Log } from '../log';
import type { Placement } from '../mover/routes';
import type { MoveRequest, MoveResult } from '../types';
import { DecisionLog } from './decision-log';
import type { InterfaceWatch } from './interface-watch';
import type { NodeBook } from './nodes';
import type { ReplicationWatch } from './replication-watch';
import type { SecondOpinion } from './second-opinion';
import type { View } from './view';
import type { RunWindow } from './window';

export interface MoveAttempt {
  readonly at: number;
  readonly request: MoveRequest;
  readonly result?: MoveResult;
  readonly error?: string;
  /** Lambda turned the call away because a Mover is already running: expected, no failure. */
  readonly busy?: true;
}

export interface ActorDeps {
  readonly config: FailoverConfig;
  readonly view: View;
  readonly nodes: NodeBook;
  /** Each standby's fitness by its replication; without it, replication holds nothing back. */
  readonly replication?: Pick<ReplicationWatch, 'fitness'>;
  /** The nodes' readiness by their interfaces; without it, every node counts as ready. */
  readonly interfaces?: Pick<InterfaceWatch, 'problems' | 'invalidate'>;
  /** Witnesses in other AZs; without it, a failover needs no second opinion. */
  readonly secondOpinion?: Pick<SecondOpinion, 'verdict'>;
  readonly window: RunWindow;
  readonly clock: Clock;
  readonly log: Log;
  /** Resolves to the Mover's answer; rejects when it failed or could not be invoked. */
  readonly callMover: (request: MoveRequest) => Promise<MoveResult>;
  /** Told every settled decision as it is reported, before any act on it. */
  readonly onReport?: (d: Decision) => void;
}

type Act = Extract<Decision, { action: 'move' | 'converge' }>;

/** The error of a route whose target does not exist. */
const NOT_FOUND = /^Invalid(NetworkInterface|Instance)ID\.NotFound/;

const acts = (d: Decision): d is Act => d.action === 'move' || d.action === 'converge';

/** A move off a master confirmed dead, or whose route is blackhole: any run may ask for it at once. */
const failover = (d: Decision): boolean => d.action === 'move' && d.kind === 'failover';

/** True when a node other than `target` held the VIP in some table: a move, not a repair. */
const heldElsewhere = (placement: Placement, target: string): boolean =>
  (placement.kind === 'consistent' && placement.node !== target) ||
  (placement.kind === 'split' && placement.nodes.some((n) => n !== target));

export class Actor {
  private readonly attempts: MoveAttempt[] = [];
  private readonly decisions: DecisionLog;
  private moving?: Promise<void>;
  /** After a failed or refused move, wait before asking again: a throttled API needs air. */
  private backoffMs = 0;
  private nextActAt = 0;
  /** The decision being logged, for the log's "not this run's turn". */
  private deciding?: Decision;
  private turnSeen = false;

  constructor(private readonly deps: ActorDeps) {
    this.decisions = new DecisionLog(deps.log, () => this.mayAct(this.deciding));
    deps.view.onRead((readAt) => this.onRead(readAt));
  }

  get moves(): readonly MoveAttempt[] {
    return this.attempts;
  }

  /** The Mover call in flight, if any. */
  get pending(): Promise<void> | undefined {
    return this.moving;
  }

  /** What to do now, from the latest view and health, and the second opinion on a failover. */
  decideNow(): Decision {
    return this.confirmed(this.decideHere());
  }

  /** What to do now, from this vantage point alone. */
  private decideHere(): Decision {
    const { config, view, nodes, clock } = this.deps;
    return decide(config, {
      placement: view.placement,
      record: view.record,
      health: nodes.snapshot(),
      paused: view.paused,
      lastMoveAt: view.lastMoveAt,
      cooldownMs: view.cooldownMs,
      now: clock.now(),
      probeDetails: nodes.details(),
      replication: this.deps.replication?.fitness(view.activeName()),
      maintenance: view.maintenanceAt(clock.now()),
      readiness: this.deps.interfaces?.problems(),
    });
  }

  /**
   * Decides, logs the decision, and acts on it when it calls for it and the run may. `settled`
   * is false while another node's probe of the same round is still out: a hold then (no standby
   * proven yet, say) may be only the order the answers came in, and is not reported until the
   * round has landed; a move goes ahead at once.
   */
  evaluate(settled = true): void {
    if (this.moving || !this.deps.nodes.allAnswered()) return;
    const d = this.decideNow();
    if (d.action === 'hold' && !settled) return;
    this.report(d);
    if (!acts(d) || !this.mayAct(d) || this.deps.clock.now() < this.nextActAt) return;
    this.moving = this.act(d)
      .catch((e: unknown) =>
        this.deps.log.error(`could not act: ${awsErrorText(e)}`, {
          event: 'act-error',
          decision: d,
        }),
      )
      .finally(() => {
        this.moving = undefined;
      });
  }

  /**
   * A failover off a master that looks dead from here waits for a witness in another AZ to agree
   * (second-opinion.ts). A failover because the master's route is blackhole does not: that is
   * the route table's word, the same from everywhere.
   */
  private confirmed(d: Decision): Decision {
    const { secondOpinion, nodes, config } = this.deps;
    if (!secondOpinion || !failover(d) || d.action !== 'move') return d;
    if (nodes.of(d.from).state !== 'down') return d;
    const since = nodes.failingSince(d.from) ?? -Infinity;
    const v = secondOpinion.verdict(d.from, d.target, since);
    const policy = config.secondOpinion.whenUnanswered;
    const notices = d.notices ? { notices: d.notices } : {};
    switch (v.kind) {
      case 'agree':
        return { ...d, reason: `${d.reason}; ${v.detail}` };
      case 'pending':
        return {
          action: 'hold',
          kind: 'second-opinion-pending',
          severity: 'warn',
          reason: v.detail,
          ...notices,
        };
      case 'disagree':
        return {
          action: 'hold',
          kind: 'second-opinion-disagrees',
          severity: 'error',
          reason: v.detail,
          ...notices,
        };
      case 'unanswered':
        return policy === 'move'
          ? {
              ...d,
              reason: `${d.reason}; no second opinion (${v.detail}): moving, as secondOpinion.whenUnanswered is "move"`,
            }
          : {
              action: 'hold',
              kind: 'second-opinion-unanswered',
              severity: 'error',
              reason: `${d.from} looks down from here but no witness answered (${v.detail}); holding, as secondOpinion.whenUnanswered is "hold"`,
              ...notices,
            };
    }
  }

  /**
   * A failover may be asked for by any run at any time: a run with no live predecessor (the first
   * after a deploy, or after one that died) must not wait for its turn while the master is dead,
   * and compare-and-swap on the dead node plus the Mover's reserved concurrency make a second
   * request harmless (busy, stale or already-active), and the answer puts this run's view right.
   * Convergence and failback wait for the turn: they are never urgent, and one actor avoids
   * churn. The run that moved knows at once; every other run learns when its turn begins (it
   * re-reads then), or from its own Mover call when it finds the same master dead.
   */
  private mayAct(d: Decision | undefined): boolean {
    return d !== undefined && (failover(d) || this.deps.window.canAct());
  }

  private report(d: Decision): void {
    this.deciding = d;
    this.decisions.report(d, this.deps.nodes.snapshot());
    this.deps.onReport?.(d);
  }

  /** The first read of our turn: look again now, not at the next probe result. */
  private onRead(readAt: number): void {
    if (this.turnSeen || readAt < this.deps.window.actFrom || !this.deps.window.canAct()) return;
    this.turnSeen = true;
    this.evaluate();
  }

  /**
   * Looks again before acting on `d`, and returns what to act on then, if anything. A failover
   * does not: it must not wait, and compare-and-swap keeps a late one harmless. A convergence
   * always does: the Mover points every table at its target unconditionally, and a split read
   * while another Mover was switching tables, acted on once that move is done, would undo it. A
   * failback does when the view predates our turn: the previous run may have moved since.
   */
  private async lookAgain(d: Act): Promise<Act | undefined> {
    const { view, window } = this.deps;
    if (failover(d) || (d.action === 'move' && view.readAt >= window.actFrom)) return d;
    await view.readSince(d.action === 'converge' ? undefined : window.actFrom);
    const again = this.decideNow();
    if (acts(again) && this.mayAct(again)) return again;
    this.report(again);
    return undefined;
  }

  private async act(d: Act): Promise<void> {
    const act = await this.lookAgain(d);
    if (!act) return;
    // automatic: the Mover re-reads the pause flag in the same round trip as the tables,
    // so a flag set since our last refresh still stops the move at no extra latency.
    // requestedAt: the Mover refuses a request that waited too long in a queue or a retry.
    const base = { target: act.target, reason: act.reason, automatic: true } as const;
    const requestedAt = new Date(this.deps.clock.now()).toISOString();
    // detectedAt: the move's notification counts the time to failover from the first failure.
    const since = act.action === 'move' ? this.deps.nodes.failingSince(act.from) : undefined;
    const detectedAt = since !== undefined ? { detectedAt: new Date(since).toISOString() } : {};
    await this.invoke(
      act.action === 'move'
        ? { ...base, expectedActive: act.from, kind: act.kind, requestedAt, ...detectedAt }
        : { ...base, kind: 'converge', requestedAt },
    );
  }

  private async invoke(request: MoveRequest): Promise<void> {
    const { view, log } = this.deps;
    const at = this.deps.clock.now();
    const before = view.placement;
    log.info(`invoking the Mover: ${request.reason}`, { event: 'invoke-mover', request });
    let result: MoveResult;
    try {
      result = await this.deps.callMover(request);
    } catch (e) {
      return this.failed(at, request, e);
    }
    this.attempts.push({ at, request, result });
    this.take(result, before, request);
    // A route target not found (an ENI deleted, an instance terminated): read it all again now.
    if (result.tables.some((t) => NOT_FOUND.test(t.error ?? ''))) {
      this.deps.interfaces?.invalidate();
      await view.readSince(this.deps.clock.now()).catch(() => undefined);
    }
    if (result.status === 'moved' || result.status === 'already-active') this.backoffMs = 0;
    else this.backOff();
    // Any answer but our own move says the world is not as we saw it (another run moved first,
    // the cooldown runs longer, the flag is set): read it all again, the cooldown's clock too.
    if (result.status !== 'moved') await view.refresh().catch(() => undefined);
  }

  /** Takes the Mover's answer into the view, given where the VIP was before the call. */
  private take(result: MoveResult, before: Placement, request: MoveRequest): void {
    const { status, target } = result;
    if (status === 'moved' || status === 'already-active') this.deps.view.moverPlaced(target);
    // A route recreated for the node that holds the VIP is a repair: no cooldown, no reset.
    if (status === 'moved' && heldElsewhere(before, target)) {
      this.deps.view.moved(target, request.kind ?? 'converge');
      this.deps.nodes.resetAfterMove();
    }
    const level = status === 'partial' ? 'error' : status === 'moved' ? 'info' : 'warn';
    this.deps.log[level](`Mover answered ${status}`, { event: 'mover-result', result });
  }

  private async failed(at: number, request: MoveRequest, e: unknown): Promise<void> {
    this.backOff();
    // Reserved concurrency turning us away means a move is already under way: expected.
    const busy = awsErrorName(e) === 'TooManyRequestsException';
    const error = busy ? 'another Mover is running' : awsErrorText(e);
    this.attempts.push({ at, request, error, ...(busy ? { busy: true as const } : {}) });
    const fields = { event: 'mover-error', request, error };
    if (busy) this.deps.log.warn(`Mover not invoked: ${error}`, fields);
    else this.deps.log.error(`Mover invocation failed: ${error}`, fields);
    await this.deps.view.refresh().catch(() => undefined);
  }

  private backOff(): void {
    const { intervalMs } = this.deps.config.detection;
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, intervalMs), 30_000);
    this.nextActAt = this.deps.clock.now() + this.backoffMs;
  }
}
