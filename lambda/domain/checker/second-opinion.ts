/**
 * The second opinion before a failover: a witness in another Availability Zone probes the master
 * and the target from there, and a move off a master that looks dead from here goes ahead only
 * when the witness agrees.
 *
 * Asked early: when the master's first probe fails, or goes quiet for a confirmation interval,
 * never at the fall-th failure; the witness probes while the Checker confirms, so the answer is
 * usually in before the master is counted down. Warmed early: every run sends each witness a
 * `warm` request as it starts, so the witness's cold start and its zone are settled before
 * anything is in doubt.
 *
 * Judged late: a move waits for an answer from another zone given since the master began
 * failing. The first such answer decides: the master dead and the target alive from there is
 * agreement; anything else is disagreement, and the move holds, alerted. When no witness
 * answers, `secondOpinion.whenUnanswered` decides (docs/how-it-decides.md, "Second opinion").
 */
import { WITNESS_CALL_MS, type FailoverConfig } from '../../../config';
import { sleep, type Clock } from '../clock';
import { describeError } from '../probe/errors';
import type { Log } from '../log';
import type { Zone } from '../vantage';
import type { WitnessAnswer, WitnessProbe, WitnessRequest } from '../witness';

export interface SecondOpinionDeps {
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
interface Opinion {
  readonly witness: string;
  /** When the Checker asked: an opinion counts only for a failure that began before. */
  readonly askedAt: number;
  readonly az?: string;
  readonly probes?: Readonly<Record<string, WitnessProbe>>;
  readonly error?: string;
}

export type Verdict = {
  readonly kind: 'agree' | 'disagree' | 'pending' | 'unanswered';
  readonly detail: string;
};

/** What the run learnt of one witness. */
export interface WitnessState {
  readonly az?: string;
  /** It answered, but could not read its own zone. */
  readonly zoneError?: string;
  /** It did not answer (its warm-up or an ask). */
  readonly error?: string;
}

/** The second opinion as a run's report carries it. */
export interface SecondOpinionSummary {
  /** The zone the Checker ran in (AZ ID), or why it is unknown. */
  readonly zone?: string;
  readonly zoneError?: string;
  /** Each witness's zone, or why it is unknown, or why the witness could not be reached. */
  readonly witnesses: Readonly<Record<string, WitnessState>>;
  /** Witness requests sent to probe (not counting the warm-up). */
  readonly asked: number;
  /** The latest disagreement of the run: who saw what. */
  readonly disagreement?: string;
  /** Set when a failover found no witness answering: why. */
  readonly unanswered?: string;
}

/** Attempts of one witness call, and the pause before the next (times the attempts so far). */
const MAX_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 100;

export class SecondOpinion {
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
  private disagreement?: string;
  private unanswered?: string;
  /** The disagreement last logged, so one streak logs once. */
  private logged?: string;
  private closed = false;

  constructor(private readonly deps: SecondOpinionDeps) {}

  /** How long one witness call may take: its probe's deadline, a cold start and the call. */
  get timeoutMs(): number {
    return this.deps.config.probe.timeoutMs + WITNESS_CALL_MS;
  }

  /** Calls in flight (the warm-up and asks); the run waits for them before it reports. */
  get pending(): Promise<void> | undefined {
    return this.calls.size > 0 ? Promise.all([...this.calls]).then(() => undefined) : undefined;
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

  /**
   * Asks the witnesses of other zones to probe, once per suspicion: unless an ask began at or
   * after `since`, when the master's current failure (or silence) began. Called at its first
   * failed or quiet probe, and when its held connection goes quiet.
   */
  ask(since: number): void {
    if (this.lastAskAt >= since) return;
    this.askNow();
  }

  /** Asks now, unless an ask is under way or one began less than a confirmation interval ago. */
  private askNow(): void {
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

  /**
   * May `from`, which has been failing here since `since`, be left for `target`? Asks when no
   * ask since `since` is under way or answered, and again a while after a disagreement: a
   * master that really died is seen dead from there too before long.
   */
  verdict(from: string, target: string, since: number): Verdict {
    const here = this.own?.az ?? 'this zone';
    const other = (o: Opinion) => o.askedAt >= since && !this.sameZone(o.az);
    const answered = Object.values(this.answers).filter(other);
    const against = answered.filter((o) => !agrees(o, from, target));
    const inFlight = this.asking !== undefined && this.asking.at >= since;
    if (against.length > 0) {
      const newest = Math.max(...answered.map((o) => o.askedAt));
      if (!inFlight && this.deps.clock.now() - newest >= this.reaskMs()) this.askNow();
      const detail =
        `${from} looks down from ${here} but not from everywhere: ` +
        against.map((o) => seen(o, from, target)).join('; ');
      this.disagreement = detail;
      if (this.logged !== detail) {
        this.logged = detail;
        this.deps.log.error(`second opinion disagrees, not moving: ${detail}`, {
          event: 'second-opinion-disagrees',
        });
      }
      return { kind: 'disagree', detail };
    }
    if (answered.length > 0) {
      this.logged = undefined;
      return {
        kind: 'agree',
        detail: `confirmed from ${answered.map((o) => seen(o, from, target)).join('; ')}`,
      };
    }
    if (inFlight)
      return {
        kind: 'pending',
        detail: `${from} looks down from ${here}; waiting for a second opinion from another zone`,
      };
    const failed = Object.values(this.failures).filter(other);
    if (failed.length === 0 && !this.closed && this.candidates() > 0) {
      this.askNow();
      return {
        kind: 'pending',
        detail: `${from} looks down from ${here}; asking another zone for a second opinion`,
      };
    }
    const why =
      failed.length > 0
        ? failed.map((o) => `${o.witness}: ${o.error}`).join('; ')
        : this.deps.witnesses.length === 0
          ? 'no witness is deployed'
          : this.candidates() === 0
            ? `no witness in a zone other than ${here}`
            : 'the run ended before a witness was asked';
    this.unanswered = why;
    return { kind: 'unanswered', detail: why };
  }

  /** No more asks: the run is ending, and nothing may run on after it returns. */
  close(): void {
    this.closed = true;
  }

  summary(): SecondOpinionSummary {
    return {
      ...(this.own?.az !== undefined ? { zone: this.own.az } : {}),
      ...(this.own && this.own.az === undefined ? { zoneError: this.own.error } : {}),
      witnesses: { ...this.known },
      asked: this.asked,
      ...(this.disagreement !== undefined ? { disagreement: this.disagreement } : {}),
      ...(this.unanswered !== undefined ? { unanswered: this.unanswered } : {}),
    };
  }

  private reaskMs(): number {
    return Math.max(this.deps.config.detection.intervalMs, 2000);
  }

  private candidates(): number {
    return this.deps.witnesses.filter((w) => !this.sameZone(this.known[w]?.az)).length;
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

/** The master dead and the target a failover target, as the witness saw them. */
function agrees(o: Opinion, from: string, target: string): boolean {
  const master = o.probes?.[from];
  const standby = o.probes?.[target];
  const targetFit =
    standby?.ok === true && (standby.eligible || standby.credentials === 'unreadable');
  return master !== undefined && !master.ok && targetFit;
}

/** "witness-b in euw1-az2 saw db-a alive (ok in 4 ms), db-b alive". */
function seen(o: Opinion, from: string, target: string): string {
  const where = `${o.witness} in ${o.az ?? 'an unknown zone'}`;
  const one = (name: string) => {
    const p = o.probes?.[name];
    if (!p) return `${name} not probed`;
    if (!p.ok) return `${name} dead (${p.failure ?? 'failed'}${p.detail ? `: ${p.detail}` : ''})`;
    return p.eligible || p.credentials === 'unreadable'
      ? `${name} alive (${p.latencyMs} ms)`
      : `${name} alive but no target (${p.detail ?? p.failure ?? 'login failed'})`;
  };
  return `${where} saw ${one(from)}, ${one(target)}`;
}
