/** The Checker: probes until the next scheduled run takes over, and acts through the Mover. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { nodeByName, type RuntimeConfig } from '../../lib/config';
import { decide, type Decision } from './decide';
import { AwsDeadlineError, AwsUnavailableError, awsErrorName, awsErrorText } from './errors';
import { UNKNOWN, observe, resetAfterMove, suspect, type NodeHealth } from './health';
import type { Log } from './log';
import type { Prober } from './probe';
import { readPaused, readRecord, type RecordState } from './record';
import { placementOf, readTables, type Placement } from './routes';
import type { MoveRequest, MoveResult, ProbeResult, TableState } from './types';

export interface CheckerDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly prober: Prober;
  readonly logger: Log;
}

export interface CheckerOptions {
  readonly moverFunctionName: string;
  /** Epoch ms the schedule fired for this run (the EventBridge event's time). */
  readonly scheduledAt: number;
  /** Time left before Lambda stops this run. */
  readonly remainingMs: () => number;
  /** How long one AWS read may take before the run fails. @default 3000 */
  readonly apiTimeoutMs?: number;
  /** How often tables, record and pause flag are re-read while probing. @default 10000 */
  readonly refreshMs?: number;
}

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

export interface MoveAttempt {
  readonly at: number;
  readonly request: MoveRequest;
  readonly result?: MoveResult;
  readonly error?: string;
}

/** What one run saw and did; also its final structured log line. */
export interface CheckerReport {
  readonly active?: string;
  readonly placement: Placement;
  readonly tables: readonly TableState[];
  readonly record?: string;
  readonly paused: boolean;
  readonly nodes: Readonly<Record<string, NodeProbeSummary>>;
  readonly decision: Decision;
  readonly moves: readonly MoveAttempt[];
  readonly durationMs: number;
}

/** A probe in flight, or answered and waiting for older ones: results are used in start order. */
interface Slot {
  readonly startedAt: number;
  result?: ProbeResult;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs reads under one deadline, so a hanging endpoint fails the run instead of stalling it. */
async function withDeadline<T>(
  what: string,
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  const expired = () =>
    new AwsDeadlineError(`${what} did not answer within ${ms} ms; no move was made`, {
      cause: signal.reason,
    });
  // Race the signal too, so the deadline holds even for a client that ignores abortSignal.
  let onAbort: () => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(expired());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(signal), deadline]);
  } catch (e) {
    if (signal.aborted && !(e instanceof AwsDeadlineError)) throw expired();
    if (e instanceof AwsDeadlineError) throw e;
    throw new AwsUnavailableError(`${what} failed (${awsErrorText(e)}); no move was made`, {
      cause: e,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * One scheduled Checker run.
 *
 * Reads where the VIP goes (tables: truth; record: the record), then probes every node every
 * `intervalMs` — every `confirmIntervalMs` once the active node has failed or gone quiet, with
 * probes pipelined so a frozen node costs one timeout, not `fall` of them — until the window plus the
 * overlap with the next run has passed and nothing is in doubt. Each result feeds the pure
 * `decide`; moves and repairs go through the Mover, which serialises them.
 */
export async function runChecker(
  deps: CheckerDeps,
  runtime: RuntimeConfig,
  options: CheckerOptions,
): Promise<CheckerReport> {
  const { config } = runtime;
  const { detection } = config;
  const log = deps.logger;
  const started = Date.now();
  const apiTimeoutMs = options.apiTimeoutMs ?? 3000;
  const refreshMs = options.refreshMs ?? 10_000;
  const windowEnd = options.scheduledAt + runtime.windowMs + runtime.overlapMs;
  // One actor at a time: the previous run acts until its overlap ends at scheduledAt + overlapMs,
  // then this one takes over. Both probe meanwhile, so this run's counters are warm by then.
  const actFrom = runtime.windowMs > 0 ? options.scheduledAt + runtime.overlapMs : 0;
  const canAct = () => {
    const now = Date.now();
    // Economy runs do not overlap: each acts on its own probe round.
    return runtime.windowMs === 0 || (now >= actFrom && now < windowEnd);
  };
  // Leave time for a move in flight to finish and for the final report.
  const hardStop = started + options.remainingMs() - (config.mover.timeoutSeconds * 1000 + 2000);
  const maxInFlight = Math.ceil(config.probe.timeoutMs / detection.confirmIntervalMs) + 1;

  let tables: TableState[] = [];
  let record: RecordState = {};
  let paused = false;
  let lastMoveAt: number | undefined;
  // When the state we hold was read (the read's start), and when the last read began.
  let readAt = 0;
  let lastRefresh = 0;
  // Bumped when a Mover answer updates the state, so an older read in flight cannot undo it.
  let epoch = 0;
  let refreshing: Promise<void> | undefined;
  /** Reads tables, record and pause flag; one read at a time, shared by whoever asks. */
  const refresh = (): Promise<void> => {
    if (refreshing) return refreshing;
    const startedAt = Date.now();
    const startEpoch = epoch;
    lastRefresh = startedAt;
    refreshing = (async () => {
      const read = await withDeadline(
        'AWS (DescribeRouteTables, GetParameter)',
        apiTimeoutMs,
        (signal) =>
          Promise.all([
            readTables(deps.ec2, config, signal),
            readRecord(deps.ssm, config.parameterName, signal),
            readPaused(deps.ssm, config.pauseParameterName, signal),
          ]),
      );
      if (epoch !== startEpoch) return;
      [tables, record, paused] = read;
      readAt = startedAt;
      // A move another actor made during this run starts a cooldown too.
      if (record.lastModified !== undefined) {
        lastMoveAt = Math.max(lastMoveAt ?? 0, record.lastModified);
      }
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  // A throttled or failing first read is retried briefly: a run that dies here leaves nobody
  // acting for a whole window. A read that hangs past its deadline is not: fail fast instead.
  for (let attempt = 1; ; attempt++) {
    try {
      await refresh();
      break;
    } catch (e) {
      if (e instanceof AwsDeadlineError || attempt >= 3) throw e;
      log.warn(`first read failed, retrying: ${awsErrorText(e)}`, { event: 'refresh-error' });
      await sleep(250 * attempt);
    }
  }

  const health: Record<string, NodeHealth> = Object.fromEntries(
    config.nodes.map((n) => [n.name, UNKNOWN]),
  );
  const stats: Record<
    string,
    { probes: number; failed: number; maxLatencyMs: number; last?: ProbeResult }
  > = Object.fromEntries(
    config.nodes.map((n) => [n.name, { probes: 0, failed: 0, maxLatencyMs: 0 }]),
  );
  const queues: Record<string, Slot[]> = Object.fromEntries(config.nodes.map((n) => [n.name, []]));
  const moves: MoveAttempt[] = [];
  let moving: Promise<void> | undefined;
  let lastLogged = '';
  let decision: Decision = { action: 'none', reason: 'no probe yet' };

  const observation = () => ({
    placement: placementOf(tables),
    record: record.value,
    health,
    paused,
    lastMoveAt,
    now: Date.now(),
  });

  const report = (d: Decision) => {
    const text = d.reason;
    // A move keeps its identity while its failure count grows; log it once.
    const key = `${canAct()} ${d.action === 'move' ? `move ${d.from} ${d.target}` : `${d.action} ${text}`}`;
    if (key === lastLogged) return;
    lastLogged = key;
    const fields = { event: 'decision', decision: d, health };
    if (d.action === 'hold' && d.severity === 'error') log.error(text, fields);
    else if (d.action === 'hold') log.warn(text, fields);
    else if (d.action === 'none') log.debug(text, fields);
    // Not our turn: the run that may act logs the decision that counts.
    else if (!canAct()) log.debug(`${text} (not this run's turn to act)`, fields);
    // Drift between the record and the tables, or between tables, is worth a look.
    else if (d.action === 'converge') log.warn(text, fields);
    else log.info(text, fields);
  };

  // After a failed or refused move, wait before asking again: a throttled API needs air.
  let backoffMs = 0;
  let nextActAt = 0;
  const backOff = () => {
    backoffMs = Math.min(Math.max(backoffMs * 2, detection.intervalMs), 30_000);
    nextActAt = Date.now() + backoffMs;
  };

  /** True when a node other than `target` held the VIP in some table: a move, not a repair. */
  const heldElsewhere = (placement: Placement, target: string) =>
    (placement.kind === 'consistent' && placement.node !== target) ||
    (placement.kind === 'split' && placement.nodes.some((n) => n !== target));

  const invokeMover = async (request: MoveRequest) => {
    const at = Date.now();
    const before = placementOf(tables);
    log.info(`invoking the Mover: ${request.reason}`, { event: 'invoke-mover', request });
    try {
      const out = await deps.lambda.send(
        new InvokeCommand({
          FunctionName: options.moverFunctionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
        { abortSignal: AbortSignal.timeout(config.mover.timeoutSeconds * 1000 + 2000) },
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      let payload: unknown;
      try {
        payload = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        payload = { errorMessage: text };
      }
      if (out.FunctionError) {
        const err = payload as { errorType?: string; errorMessage?: string } | undefined;
        const detail = [err?.errorType, err?.errorMessage].filter(Boolean).join(' ');
        throw new Error(`Mover failed (${out.FunctionError}): ${detail}`.trim());
      }
      const result = payload as MoveResult;
      if (typeof result?.status !== 'string') {
        throw new Error(`Mover answered without a result: ${text.slice(0, 200) || '(empty)'}`);
      }
      moves.push({ at, request, result });
      if (result.status === 'moved' || result.status === 'already-active') {
        // The route target too: a table whose route was missing now has one.
        const node = nodeByName(config, result.target);
        const target = node?.networkInterfaceId ?? node?.instanceId;
        tables = tables.map((t) => (t.error ? t : { ...t, target, node: result.target }));
        record = { ...record, value: result.target };
        epoch += 1;
      }
      // A route recreated for the node that holds the VIP is a repair: no cooldown, no reset.
      if (result.status === 'moved' && heldElsewhere(before, result.target)) {
        lastMoveAt = Date.now();
        for (const name of Object.keys(health))
          health[name] = resetAfterMove(health[name] as NodeHealth);
      }
      const level =
        result.status === 'partial' ? 'error' : result.status === 'moved' ? 'info' : 'warn';
      log[level](`Mover answered ${result.status}`, { event: 'mover-result', result });
      if (result.status === 'moved' || result.status === 'already-active') backoffMs = 0;
      else {
        backOff();
        await refresh().catch(() => undefined);
      }
    } catch (e) {
      backOff();
      // Reserved concurrency turning us away means a move is already under way: expected.
      const busy = awsErrorName(e) === 'TooManyRequestsException';
      const error = busy ? 'another Mover is running' : awsErrorText(e);
      moves.push({ at, request, error });
      const fields = { event: 'mover-error', request, error };
      if (busy) log.warn(`Mover not invoked: ${error}`, fields);
      else log.error(`Mover invocation failed: ${error}`, fields);
      await refresh().catch(() => undefined);
    }
  };

  const evaluate = () => {
    if (moving) return;
    // Until every node has a first result, the first to answer looks like the only healthy one.
    if (config.nodes.some((n) => health[n.name]?.lastOk === undefined)) return;
    decision = decide(config, observation());
    report(decision);
    const d = decision;
    if (d.action !== 'move' && d.action !== 'converge') return;
    if (!canAct() || Date.now() < nextActAt) return;
    moving = (async () => {
      let act: Decision = d;
      // What we read before our turn began may predate the previous run's moves: look again.
      if (readAt < actFrom) {
        await refresh();
        act = decide(config, observation());
        if (act.action !== 'move' && act.action !== 'converge') return void report(act);
      }
      // automatic: the Mover re-reads the pause flag in the same round trip as the tables,
      // so a flag set since our last refresh still stops the move at no extra latency.
      const request: MoveRequest =
        act.action === 'move'
          ? { target: act.target, reason: act.reason, expectedActive: act.from, automatic: true }
          : { target: act.target, reason: act.reason, automatic: true };
      await invokeMover(request);
    })()
      .catch((e: unknown) =>
        log.error(`could not act: ${awsErrorText(e)}`, { event: 'act-error', decision: d }),
      )
      .finally(() => {
        moving = undefined;
      });
  };

  // Ends the loop's current pause early, so a first failure is confirmed at once.
  let wake: () => void = () => undefined;
  let lastRound = -Infinity;
  // Alerts that would repeat every probe are logged once per run; the summary carries them on.
  const alerted = new Set<string>();
  const drain = (name: string) => {
    const queue = queues[name] as Slot[];
    while (queue[0]?.result) {
      const result = (queue.shift() as Required<Slot>).result;
      if (!result.ok && result.detail?.startsWith('secret:')) {
        // We could not read our own password: that says nothing about the node, so it never
        // counts toward fall; it is an alert.
        if (!alerted.has(`secret ${name}`)) {
          alerted.add(`secret ${name}`);
          log.error(`probe of ${name} skipped: ${result.detail}`, {
            event: 'probe-secret',
            result,
          });
        }
        continue;
      }
      const before = health[name] as NodeHealth;
      const after = observe(before, result.ok, detection);
      health[name] = after;
      const s = stats[name] as (typeof stats)[string];
      s.probes += 1;
      if (!result.ok) s.failed += 1;
      s.maxLatencyMs = Math.max(s.maxLatencyMs, result.latencyMs);
      s.last = result;
      // The active node's first failure: confirm now, not after the rest of a regular interval.
      if (!result.ok && before.failures === 0 && name === activeName()) {
        lastRound = -Infinity;
        wake();
      }
      log.debug(
        `probe ${name} ${result.ok ? 'ok' : `failed (${result.failure})`} in ${result.latencyMs} ms`,
        { event: 'probe', result },
      );
      if (result.failure === 'auth' && !alerted.has(`auth ${name}`)) {
        alerted.add(`auth ${name}`);
        log.error(
          `${name} rejected the probe's login (${result.detail}); counting it alive; fix the monitor credentials`,
          { event: 'probe-auth', result },
        );
      }
      if (after.state !== before.state && before.state !== 'unknown') {
        const fields = { event: 'health', node: name, from: before.state, to: after.state, result };
        if (after.state === 'down')
          log.warn(`${name} is down after ${after.failures} consecutive failures`, fields);
        else
          log.info(
            `${name} is ${after.state} after ${after.successes} consecutive successes`,
            fields,
          );
      }
    }
    evaluate();
  };

  const probeRound = () => {
    for (const node of config.nodes) {
      const queue = queues[node.name] as Slot[];
      if (queue.length >= maxInFlight) continue;
      const slot: Slot = { startedAt: Date.now() };
      queue.push(slot);
      void deps.prober(node).then((result) => {
        slot.result = result;
        drain(node.name);
      });
    }
  };

  const activeName = () => {
    const p = placementOf(tables);
    return p.kind === 'consistent' ? p.node : undefined;
  };
  // An economy run probes once, but a failback needs `rise` successes in one run: keep probing
  // while the preferred node is answering, not yet risen, and the cooldown is over.
  const failbackRising = () => {
    if (runtime.windowMs > 0 || detection.failback !== 'preferred') return false;
    const preferred = config.nodes[0]?.name as string;
    const h = health[preferred] as NodeHealth;
    const active = activeName();
    const cooled =
      lastMoveAt === undefined || Date.now() - lastMoveAt >= detection.cooldownSeconds * 1000;
    return (
      active !== undefined &&
      active !== preferred &&
      h.lastOk === true &&
      h.successes < detection.rise &&
      cooled
    );
  };
  const inDoubt = () => {
    const active = activeName();
    return (
      moving !== undefined ||
      (active !== undefined && suspect(health[active] as NodeHealth)) ||
      failbackRising()
    );
  };
  const inFlight = () => Object.values(queues).some((q) => q.length > 0);
  /**
   * Probe at the confirmation rate while the active node is suspect, and also while its oldest
   * probe has gone unanswered longer than a confirmation interval: a frozen node never answers,
   * so waiting for its first timeout before speeding up would cost a whole timeout more.
   */
  const quietSince = (): number | undefined => {
    const active = activeName();
    return active === undefined
      ? undefined
      : queues[active]?.find((slot) => !slot.result)?.startedAt;
  };
  const confirming = () => {
    const active = activeName();
    if (active === undefined) return false;
    const quiet = quietSince();
    return (
      suspect(health[active] as NodeHealth) ||
      (quiet !== undefined && Date.now() - quiet >= detection.confirmIntervalMs)
    );
  };

  let rounds = 0;
  for (;;) {
    const now = Date.now();
    if (now >= hardStop) break;
    if (rounds > 0 && now >= windowEnd && !inDoubt()) break;
    // Refresh when due, and as our turn to act begins: the previous run may have moved the VIP.
    // Never awaited here: a slow API must not stall the probes.
    const turnBegins = lastRefresh < actFrom && now >= actFrom;
    if ((now - lastRefresh >= refreshMs || turnBegins) && !moving && !refreshing) {
      refresh().catch((e: unknown) =>
        log.error(`refresh failed: ${awsErrorText(e)}`, { event: 'refresh-error' }),
      );
    }
    const cadence = () => (confirming() ? detection.confirmIntervalMs : detection.intervalMs);
    if (now - lastRound >= cadence()) {
      probeRound();
      rounds += 1;
      lastRound = now;
    }
    // Wake when the next round is due, or when the active's probe in flight turns quiet.
    let nap = lastRound + cadence() - Date.now();
    const quiet = quietSince();
    if (quiet !== undefined) {
      const quietAt = quiet + detection.confirmIntervalMs;
      if (quietAt > Date.now()) nap = Math.min(nap, quietAt - Date.now());
    }
    if (lastRefresh < actFrom && actFrom > now) nap = Math.min(nap, actFrom - now);
    nap = Math.max(nap, 1);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, nap);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = () => undefined;
  }
  // Let probes in flight land (each is bounded by its own timeout) and a move finish.
  while (inFlight() || moving) {
    if (moving) await moving;
    else await sleep(Math.min(50, config.probe.timeoutMs));
  }
  // The next run may have moved the VIP, or operators lifted the pause, since our last read: the
  // summary and its alert level must describe the present, not a read up to refreshMs old.
  if (options.remainingMs() > apiTimeoutMs + 1000) {
    await refresh().catch((e: unknown) =>
      log.error(`refresh failed: ${awsErrorText(e)}`, { event: 'refresh-error' }),
    );
  } else {
    // Nothing may run on after the handler returns: Lambda freezes the container.
    await refreshing?.catch(() => undefined);
  }

  const active = activeName();
  decision = decide(config, observation());
  const nodes: Record<string, NodeProbeSummary> = Object.fromEntries(
    config.nodes.map((n) => {
      const s = stats[n.name] as (typeof stats)[string];
      const last = s.last && {
        ok: s.last.ok,
        latencyMs: s.last.latencyMs,
        failure: s.last.failure,
        detail: s.last.detail,
      };
      return [
        n.name,
        {
          probes: s.probes,
          failed: s.failed,
          state: (health[n.name] as NodeHealth).state,
          last,
          maxLatencyMs: s.maxLatencyMs,
        },
      ];
    }),
  );
  const final: CheckerReport = {
    active,
    placement: placementOf(tables),
    tables,
    record: record.value,
    paused,
    nodes,
    decision,
    moves,
    durationMs: Date.now() - started,
  };
  // An alert must say what is wrong in its message, not only in its fields.
  const failedMoves = moves.filter((m) => m.error || m.result?.status === 'partial').length;
  const problems = [
    ...tables
      .filter((t) => t.error)
      .map((t) => `route table ${t.routeTableId} unreadable (${t.error})`),
    ...(failedMoves > 0
      ? [`${failedMoves} Mover call${failedMoves === 1 ? '' : 's'} failed or incomplete`]
      : []),
  ];
  const line =
    `run done: VIP on ${active ?? 'no single node'}; ${decision.reason}` +
    problems.map((p) => `; ${p}`).join('');
  const fields = { event: 'summary', ...final };
  if (decision.action === 'hold' && decision.severity === 'error') log.error(line, fields);
  else if (problems.length > 0) log.error(line, fields);
  else log.info(line, fields);
  return final;
}
