/**
 * The run's calls to the witnesses, for the second opinion (second-opinion.ts): every witness is
 * warmed as the run starts, so that its cold start and its zone are settled before anything is in
 * doubt; those of other zones are asked to probe when the master is in doubt, with a retry after
 * a throttle or a failed call; each one's latest answer and latest failure are kept. What the
 * answers mean is second-opinion.ts's to say.
 */
import { WITNESS_CALL_MS, type FailoverConfig } from '../../../config';
import { sleep, type Clock } from '../clock';
import { describeError } from '../probe/errors';
import type { Log } from '../log';
import type { Zone } from '../vantage';
import type { WitnessAnswer, WitnessProbe, WitnessRequest } from '../witness';

export interface WitnessesDeps {
  readonly config: FailoverConfig;
  readonly clock: Clock;
  readonly log: Log;
  /** The witness functions, one per AZ. */
  readonly witnesses: readonly string[];
  /** The zone this Checker runs in. */
  readonly zone: () => Promise<Zone>;
  /** Invokes a witness; resolves to its answer, rejects when it failed or did not answer in time. */
  readonly invoke: (
    witness: string,
    request: WitnessRequest,
    timeoutMs: number,
  ) => Promise<unknown>;
  /** An opinion landed: time to decide again. */
  readonly onAnswer: () => void;
}

/** What one witness answered to one `probe` request, or why it did not. */
export interface Opinion {
  readonly witness: string;
  /** When the Checker asked: an opinion counts only for a failure that began before. */
  readonly askedAt: number;
  readonly az?: string;
  readonly probes?: Readonly<Record<string, WitnessProbe>>;
  readonly error?: string;
}

/** What the run learnt of one witness. */
export interface WitnessState {
  readonly az?: string;
  /** It answered, but could not read its own zone. */
  readonly zoneError?: string;
  /** It did not answer (its warm-up or an ask). */
  readonly error?: string;
}

/** The zones and the calls, as a run's report carries them. */
export interface WitnessesSummary {
  /** The zone the Checker ran in (AZ ID), or why it is unknown. */
  readonly zone?: string;
  readonly zoneError?: string;
  /** Each witness's zone, or why it is unknown, or why the witness could not be reached. */
  readonly witnesses: Readonly<Record<string, WitnessState>>;
  /** Witness requests sent to probe (not counting the warm-up). */
  readonly asked: number;
}

/** Attempts of one witness call, and the pause before the next (times the attempts so far). */
const MAX_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 100;

export class Witnesses {
  private own?: Zone;
  private ownRead?: Promise<Zone>;
  private readonly known: Record<string, WitnessState> = {};
  /** Each witness's latest answer, and its latest failure: a failure never hides an answer. */
  private readonly answers: Record<string, Opinion> = {};
  private readonly failures: Record<string, Opinion> = {};
  private readonly calls = new Set<Promise<void>>();
  private asking?: { readonly at: number; readonly left: Set<string> };
  private lastAskAt = -Infinity;
  private asked = 0;
  private closed = false;

  constructor(private readonly deps: WitnessesDeps) {}

  /** How long one witness call may take: its probe's deadline, a cold start and the call. */
  get timeoutMs(): number {
    return this.deps.config.probe.timeoutMs + WITNESS_CALL_MS;
  }

  /** Calls in flight (the warm-up and asks); the run waits for them before it reports. */
  get pending(): Promise<void> | undefined {
    return this.calls.size > 0 ? Promise.all([...this.calls]).then(() => undefined) : undefined;
  }

  /** This Checker's zone (AZ ID), once read and known. */
  get ownAz(): string | undefined {
    return this.own?.az;
  }

  /** How many witnesses are deployed, in any zone. */
  get deployed(): number {
    return this.deps.witnesses.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Reads this Checker's zone and warms every witness, learning theirs. */
  start(): void {
    this.track(this.ownZone().then(() => undefined));
    for (const witness of this.deps.witnesses) {
      this.track(
        this.call(witness, { kind: 'warm' }).then(
          (answer) => this.learn(witness, answer),
          (e: unknown) => {
            const error = describeError(e);
            this.known[witness] = { error };
            this.deps.log.error(`witness ${witness} did not answer its warm-up: ${error}`, {
              event: 'witness-unavailable',
              witness,
            });
          },
        ),
      );
    }
  }

  /** When the last ask began; -Infinity before the first. */
  get lastAsk(): number {
    return this.lastAskAt;
  }

  /** Asks now, unless an ask is under way or one began less than a confirmation interval ago. */
  askNow(): void {
    const now = this.deps.clock.now();
    if (this.closed || this.asking) return;
    if (now - this.lastAskAt < this.deps.config.detection.confirmIntervalMs) return;
    this.lastAskAt = now;
    const candidates = this.deps.witnesses.filter((w) => !this.sameZone(this.known[w]?.az));
    if (candidates.length === 0) return;
    const asking = { at: now, left: new Set(candidates) };
    this.asking = asking;
    this.asked += 1;
    this.deps.log.info(`asking ${candidates.join(', ')} for a second opinion`, {
      event: 'second-opinion-ask',
    });
    for (const witness of candidates) {
      this.track(
        this.probeWith(witness, now)
          .then(
            (answer) => {
              this.learn(witness, answer);
              const { az, probes } = answer;
              this.answers[witness] = { witness, askedAt: now, az, probes };
            },
            (e: unknown) => {
              const error = describeError(e);
              this.failures[witness] = { witness, askedAt: now, error };
              this.deps.log.error(`witness ${witness} gave no second opinion: ${error}`, {
                event: 'witness-unavailable',
                witness,
              });
            },
          )
          .finally(() => {
            asking.left.delete(witness);
            if (asking.left.size === 0 && this.asking === asking) this.asking = undefined;
            this.deps.onAnswer();
          }),
      );
    }
  }

  /** The latest answers and failures to asks made at or after `since`, from other zones. */
  since(since: number): { answered: Opinion[]; failed: Opinion[] } {
    const other = (o: Opinion) => o.askedAt >= since && !this.sameZone(o.az);
    return {
      answered: Object.values(this.answers).filter(other),
      failed: Object.values(this.failures).filter(other),
    };
  }

  /** An ask made at or after `since` is still under way. */
  askingSince(since: number): boolean {
    return this.asking !== undefined && this.asking.at >= since;
  }

  /** The witnesses not known to share this Checker's zone. */
  candidates(): number {
    return this.deps.witnesses.filter((w) => !this.sameZone(this.known[w]?.az)).length;
  }

  /** No more asks: the run is ending, and nothing may run on after it returns. */
  close(): void {
    this.closed = true;
  }

  summary(): WitnessesSummary {
    return {
      ...(this.own?.az !== undefined ? { zone: this.own.az } : {}),
      ...(this.own && this.own.az === undefined ? { zoneError: this.own.error } : {}),
      witnesses: { ...this.known },
      asked: this.asked,
    };
  }

  /**
   * One witness's probe answer. A throttle or a failed call is tried again after a short pause
   * while the call's budget lasts: one lost invocation must not count as no answer.
   */
  private async probeWith(witness: string, askedAt: number): Promise<WitnessAnswer> {
    const requestedAt = new Date(askedAt).toISOString();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(witness, { kind: 'probe', requestedAt });
      } catch (e) {
        const pause = RETRY_PAUSE_MS * attempt;
        const left = askedAt + this.timeoutMs - this.deps.clock.now();
        if (
          attempt >= MAX_ATTEMPTS ||
          this.closed ||
          left < pause + this.deps.config.probe.timeoutMs
        )
          throw e;
        await sleep(pause);
      }
    }
  }

  /** True when `az` is known to be this Checker's own zone. */
  private sameZone(az: string | undefined): boolean {
    return az !== undefined && this.own?.az !== undefined && az === this.own.az;
  }

  private ownZone(): Promise<Zone> {
    this.ownRead ??= this.deps.zone().then((zone) => {
      this.own = zone;
      if (zone.az === undefined)
        this.deps.log.warn(
          `this Checker's zone is unknown (${zone.error}); every witness's answer counts as another zone's`,
          { event: 'checker-zone' },
        );
      return zone;
    });
    return this.ownRead;
  }

  private async call(witness: string, request: WitnessRequest): Promise<WitnessAnswer> {
    await this.ownZone();
    const answer = (await this.deps.invoke(witness, request, this.timeoutMs)) as WitnessAnswer;
    if (
      request.kind === 'probe' &&
      (typeof answer !== 'object' || answer === null || !answer.probes)
    )
      throw new Error(`answered without probes: ${JSON.stringify(answer)?.slice(0, 200)}`);
    return answer;
  }

  private learn(witness: string, answer: WitnessAnswer): void {
    this.known[witness] =
      answer.az !== undefined ? { az: answer.az } : { zoneError: answer.zoneError ?? 'unknown' };
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.calls.delete(tracked));
    this.calls.add(tracked);
  }
}
