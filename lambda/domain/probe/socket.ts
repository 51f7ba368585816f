/**
 * The plumbing every probe shares: one hard deadline and a socket the probe owns.
 *
 * A frozen mysqld (SIGSTOP, a hung disk, a stalled VM) still completes the TCP handshake in the
 * kernel and then never speaks, so neither the connect nor mysql2's `connectTimeout` (which stops
 * at the greeting) bounds a probe: our own timer does, and it destroys the socket. A probe's
 * promise resolves only after its socket has closed and its timer is cleared, so a warm Lambda
 * container never accumulates sockets or timers across probes.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { classify, describeError } from './errors';
import type { Outcome, Phase } from './outcome';
import type { ProbeResult } from '../types';

export type Verdict = Outcome & { readonly latencyMs: number };

/** The only outcome that makes a node a failover target. */
export const SUCCESS: Outcome = { ok: true, eligible: true };

/** mysql2 options every probe connection takes, whoever it logs in as. */
export const PROBE_CONNECTION = {
  // One deadline, ours: mysql2's own timer stops at the greeting and would be a second one.
  connectTimeout: 0,
  // A probe prepares no statement, and mysql2 preallocates its statement cache to this size
  // (16000 by default): 15 ms of blocking work per connection on a busy machine, enough for a
  // batch of probes to hold the event loop past their own deadlines.
  maxPreparedStatements: 1,
} as const;

const STALLED: Record<Phase, string> = {
  connect: 'no TCP connection',
  greeting: 'TCP connected but no MySQL greeting',
  login: 'greeting received but login not answered',
  query: 'logged in but SELECT 1 not answered',
  replication: 'SELECT 1 answered but SHOW REPLICA STATUS not',
};

const CLOSED: Record<Phase, string> = {
  connect: 'while connecting',
  greeting: 'before the MySQL greeting',
  login: 'during login',
  query: 'before answering SELECT 1',
  replication: 'before answering SHOW REPLICA STATUS',
};

/** Start time of a probe, and the milliseconds since. */
export interface Stopwatch {
  readonly startedAt: number;
  elapsed(): number;
}

export function startStopwatch(): Stopwatch {
  const t0 = performance.now();
  return { startedAt: Date.now(), elapsed: () => Math.round(performance.now() - t0) };
}

export function toResult(node: string, watch: Stopwatch, v: Verdict): ProbeResult {
  return {
    node,
    ok: v.ok,
    eligible: v.eligible,
    latencyMs: v.latencyMs,
    startedAt: watch.startedAt,
    ...(v.failure !== undefined && { failure: v.failure }),
    ...(v.detail !== undefined && { detail: v.detail }),
    ...(v.credentials !== undefined && { credentials: v.credentials }),
    ...(v.replication !== undefined && { replication: v.replication }),
  };
}

/** Turns anything thrown into a verdict, so a prober never rejects. */
export async function guarded(watch: Stopwatch, body: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await body();
  } catch (e) {
    return {
      ok: false,
      eligible: false,
      failure: 'error',
      detail: describeError(e),
      latencyMs: watch.elapsed(),
    };
  }
}

/** The side of a conversation that {@link converse} hands to `talk`. */
export interface Referee {
  /** Settles the verdict; the first call wins and returns true. */
  decide(outcome: Outcome): boolean;
  /** True once a verdict is settled. */
  readonly decided: boolean;
}

/** What `talk` may tell {@link converse} about its conversation. */
export interface Talk {
  /** The step reached, named in the detail of a timeout or an unexpected close. */
  phase?(): Phase;
  /** The verdict when the deadline hits; undefined for a plain timeout. */
  atDeadline?(): Outcome | undefined;
  /** Rewrites every verdict before it is settled, such as to add what the talk knows. */
  amend?(outcome: Outcome): Outcome;
}

/**
 * Opens a TCP connection (from `sourceAddress` when given, see ENV.sourceAddress) and lets `talk` drive it, under one deadline of `timeoutMs`. `talk`
 * decides once it knows the verdict and then closes or destroys the socket; the deadline, socket
 * errors and an unexpected close decide too. The returned promise resolves when the socket has
 * closed, so nothing outlives the probe.
 */
export function converse(
  address: string,
  port: number,
  timeoutMs: number,
  watch: Stopwatch,
  talk: (socket: Socket, referee: Referee) => Talk | void,
  sourceAddress?: string,
): Promise<Verdict> {
  return new Promise((resolve) => {
    let verdict: Verdict | undefined;
    let hooks: Talk = {};
    const referee: Referee = {
      decide(outcome) {
        if (verdict) return false;
        verdict = { ...(hooks.amend?.(outcome) ?? outcome), latencyMs: watch.elapsed() };
        return true;
      },
      get decided() {
        return verdict !== undefined;
      },
    };
    let connected = false;
    const phase = () => hooks.phase?.() ?? (connected ? 'greeting' : 'connect');
    const socket = netConnect({ host: address, port, localAddress: sourceAddress });
    socket.setNoDelay(true);
    const deadline = setTimeout(() => {
      const late = hooks.atDeadline?.();
      referee.decide(
        late ?? {
          ok: false,
          eligible: false,
          failure: 'timeout',
          detail: `${STALLED[phase()]} within ${timeoutMs} ms`,
        },
      );
      socket.destroy();
    }, timeoutMs);
    socket.once('connect', () => (connected = true));
    // Registered before `talk` hands the socket to mysql2: the first listener decides.
    socket.on('error', (err) => referee.decide(classify(err, phase())));
    socket.once('close', () => {
      clearTimeout(deadline);
      referee.decide({
        ok: false,
        eligible: false,
        failure: 'reset',
        detail: `peer closed the connection ${CLOSED[phase()]}`,
      });
      resolve(verdict as Verdict);
    });
    try {
      hooks = talk(socket, referee) ?? {};
    } catch (e) {
      referee.decide({ ok: false, eligible: false, failure: 'error', detail: describeError(e) });
      socket.destroy();
    }
  });
}
