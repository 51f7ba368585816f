/** When a run may act and when it must stop: fixed when the run starts. */
import type { RuntimeConfig } from '../../../config';
import type { Clock } from '../clock';

export interface WindowOptions {
  /** Epoch ms the schedule fired for this run. */
  readonly scheduledAt: number;
  /** Time left before Lambda stops this run. */
  readonly remainingMs: () => number;
}

export class RunWindow {
  readonly started: number;
  /** Probing may stop here: the window plus the overlap with the next run has passed. */
  readonly end: number;
  /**
   * One actor at a time: the previous run acts until its overlap ends at scheduledAt + overlapMs,
   * then this one takes over. Both probe meanwhile, so this run's counters are warm by then.
   */
  readonly actFrom: number;
  /** Probing must stop here, leaving time for a move in flight to finish and for the report. */
  readonly hardStop: number;
  /** Economy runs do not overlap: each acts on its own probe round. */
  private readonly economy: boolean;

  constructor(
    runtime: RuntimeConfig,
    options: WindowOptions,
    private readonly clock: Clock,
  ) {
    this.started = clock.now();
    this.economy = runtime.windowMs === 0;
    this.end = options.scheduledAt + runtime.windowMs + runtime.overlapMs;
    this.actFrom = this.economy ? 0 : options.scheduledAt + runtime.overlapMs;
    const moverMs = runtime.config.mover.timeoutSeconds * 1000 + 2000;
    this.hardStop = this.started + options.remainingMs() - moverMs;
  }

  /** True while it is this run's turn to act. */
  canAct(): boolean {
    const now = this.clock.now();
    return this.economy || (now >= this.actFrom && now < this.end);
  }
}
