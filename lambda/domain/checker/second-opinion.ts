/**
 * The second opinion before a failover: a witness in another Availability Zone probes the master
 * and the target from there, and a move off a master that looks dead from here goes ahead only
 * when the witness agrees. The calls themselves, and the zones, are witnesses.ts's.
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
import { Witnesses, type Opinion, type WitnessesDeps, type WitnessesSummary } from './witnesses';

export type SecondOpinionDeps = WitnessesDeps;

export type Verdict = {
  readonly kind: 'agree' | 'disagree' | 'pending' | 'unanswered';
  readonly detail: string;
};

/** The second opinion as a run's report carries it. */
export interface SecondOpinionSummary extends WitnessesSummary {
  /** The latest disagreement of the run: who saw what. */
  readonly disagreement?: string;
  /** Set when a failover found no witness answering: why. */
  readonly unanswered?: string;
}

export class SecondOpinion {
  private readonly witnesses: Witnesses;
  private disagreement?: string;
  private unanswered?: string;
  /** The disagreement last logged, so one streak logs once. */
  private logged?: string;

  constructor(private readonly deps: SecondOpinionDeps) {
    this.witnesses = new Witnesses(deps);
  }

  /** How long one witness call may take: its probe's deadline, a cold start and the call. */
  get timeoutMs(): number {
    return this.witnesses.timeoutMs;
  }

  /** Calls in flight (the warm-up and asks); the run waits for them before it reports. */
  get pending(): Promise<void> | undefined {
    return this.witnesses.pending;
  }

  /** Reads this Checker's zone and warms every witness, learning theirs. */
  start(): void {
    this.witnesses.start();
  }

  /**
   * Asks the witnesses of other zones to probe, once per suspicion: unless an ask began at or
   * after `since`, when the master's current failure (or silence) began. Called at its first
   * failed or quiet probe, and when its held connection goes quiet.
   */
  ask(since: number): void {
    if (this.witnesses.lastAsk >= since) return;
    this.witnesses.askNow();
  }

  /**
   * May `from`, which has been failing here since `since`, be left for `target`? Asks when no
   * ask since `since` is under way or answered, and again a while after a disagreement: a
   * master that really died is seen dead from there too before long.
   */
  verdict(from: string, target: string, since: number): Verdict {
    const w = this.witnesses;
    const here = w.ownAz ?? 'this zone';
    const { answered, failed } = w.since(since);
    const against = answered.filter((o) => !agrees(o, from, target));
    const inFlight = w.askingSince(since);
    if (against.length > 0) {
      const newest = Math.max(...answered.map((o) => o.askedAt));
      if (!inFlight && this.deps.clock.now() - newest >= this.reaskMs()) w.askNow();
      return this.disagree(
        `${from} looks down from ${here} but not from everywhere: ` +
          against.map((o) => seen(o, from, target)).join('; '),
      );
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
    if (failed.length === 0 && !w.isClosed && w.candidates() > 0) {
      w.askNow();
      return {
        kind: 'pending',
        detail: `${from} looks down from ${here}; asking another zone for a second opinion`,
      };
    }
    const why =
      failed.length > 0
        ? failed.map((o) => `${o.witness}: ${o.error}`).join('; ')
        : w.deployed === 0
          ? 'no witness is deployed'
          : w.candidates() === 0
            ? `no witness in a zone other than ${here}`
            : 'the run ended before a witness was asked';
    this.unanswered = why;
    return { kind: 'unanswered', detail: why };
  }

  /** No more asks: the run is ending, and nothing may run on after it returns. */
  close(): void {
    this.witnesses.close();
  }

  summary(): SecondOpinionSummary {
    return {
      ...this.witnesses.summary(),
      ...(this.disagreement !== undefined ? { disagreement: this.disagreement } : {}),
      ...(this.unanswered !== undefined ? { unanswered: this.unanswered } : {}),
    };
  }

  /** Keeps the disagreement for the report, logged once per streak. */
  private disagree(detail: string): Verdict {
    this.disagreement = detail;
    if (this.logged !== detail) {
      this.logged = detail;
      this.deps.log.error(`second opinion disagrees, not moving: ${detail}`, {
        event: 'second-opinion-disagrees',
      });
    }
    return { kind: 'disagree', detail };
  }

  private reaskMs(): number {
    return Math.max(this.deps.config.detection.intervalMs, 2000);
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
