/** Decides on what the run observed and acts through the Mover, one call at a time, with backoff. */
import type { FailoverConfig } from '../../../lib/config';
import type { Clock } from '../clock';
import { decide, type Decision } from '../decide';
import { awsErrorName, awsErrorText } from '../errors';
import type { Log } from '../log';
import type { Placement } from '../routes';
import type { MoveRequest, MoveResult } from '../types';
import { DecisionLog } from './decision-log';
import type { NodeBook } from './nodes';
import type { View } from './view';
import type { RunWindow } from './window';

export interface MoveAttempt {
  readonly at: number;
  readonly request: MoveRequest;
  readonly result?: MoveResult;
  readonly error?: string;
}

export interface ActorDeps {
  readonly config: FailoverConfig;
  readonly view: View;
  readonly nodes: NodeBook;
  readonly window: RunWindow;
  readonly clock: Clock;
  readonly log: Log;
  /** Resolves to the Mover's answer; rejects when it failed or could not be invoked. */
  readonly callMover: (request: MoveRequest) => Promise<MoveResult>;
}

type Act = Extract<Decision, { action: 'move' | 'converge' }>;

const acts = (d: Decision): d is Act => d.action === 'move' || d.action === 'converge';

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

  constructor(private readonly deps: ActorDeps) {
    this.decisions = new DecisionLog(deps.log, () => deps.window.canAct());
  }

  get moves(): readonly MoveAttempt[] {
    return this.attempts;
  }

  /** The Mover call in flight, if any. */
  get pending(): Promise<void> | undefined {
    return this.moving;
  }

  /** What to do now, from the latest view and health. */
  decideNow(): Decision {
    const { config, view, nodes, clock } = this.deps;
    return decide(config, {
      placement: view.placement,
      record: view.record,
      health: nodes.snapshot(),
      paused: view.paused,
      lastMoveAt: view.lastMoveAt,
      now: clock.now(),
    });
  }

  /** Decides, logs the decision, and acts on it when it calls for it and the run may. */
  evaluate(): void {
    if (this.moving || !this.deps.nodes.allAnswered()) return;
    const d = this.decideNow();
    this.decisions.report(d, this.deps.nodes.snapshot());
    if (!acts(d) || !this.deps.window.canAct() || this.deps.clock.now() < this.nextActAt) return;
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

  private async act(d: Act): Promise<void> {
    let act = d;
    // What we read before our turn began may predate the previous run's moves: look again.
    if (this.deps.view.readAt < this.deps.window.actFrom) {
      await this.deps.view.refresh();
      const again = this.decideNow();
      if (!acts(again)) return this.decisions.report(again, this.deps.nodes.snapshot());
      act = again;
    }
    // automatic: the Mover re-reads the pause flag in the same round trip as the tables,
    // so a flag set since our last refresh still stops the move at no extra latency.
    await this.invoke(
      act.action === 'move'
        ? { target: act.target, reason: act.reason, expectedActive: act.from, automatic: true }
        : { target: act.target, reason: act.reason, automatic: true },
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
    this.take(result, before);
    if (result.status === 'moved' || result.status === 'already-active') this.backoffMs = 0;
    else {
      this.backOff();
      await view.refresh().catch(() => undefined);
    }
  }

  /** Takes the Mover's answer into the view, given where the VIP was before the call. */
  private take(result: MoveResult, before: Placement): void {
    const { status, target } = result;
    if (status === 'moved' || status === 'already-active') this.deps.view.moverPlaced(target);
    // A route recreated for the node that holds the VIP is a repair: no cooldown, no reset.
    if (status === 'moved' && heldElsewhere(before, target)) {
      this.deps.view.moved();
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
    this.attempts.push({ at, request, error });
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
