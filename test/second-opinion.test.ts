import { EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { runtimeConfig } from '../config';
import { runChecker, type CheckerOptions } from '../lambda/domain/checker/checker';
import { conditionsOf } from '../lambda/domain/operators';
import type { WitnessAnswer, WitnessProbe, WitnessRequest } from '../lambda/domain/witness';
import {
  drive,
  invokeAnswer,
  requestOf,
  scriptedProber,
  simulatedAws,
  type World,
} from './support/domain-checker';
import { detection, exampleConfig, logRecorder, type LogRecorder } from './support/domain-fixtures';

// The example group spans two AZs; the Checker runs in the first, witness-b in the second.
const config = exampleConfig({
  probe: { type: 'tcp', port: 3306, timeoutMs: 50 },
  detection: detection({ intervalMs: 100, confirmIntervalMs: 50, fall: 3, rise: 2 }),
});
const holding = exampleConfig({
  probe: config.probe,
  detection: config.detection,
  secondOpinion: { whenUnanswered: 'hold' },
});
const MOVER = 'vip-failover-orders-db-mover';
const WITNESS_A = 'vip-failover-orders-db-witness-a';
const WITNESS_B = 'vip-failover-orders-db-witness-b';
const HERE = 'euw1-az1';
const THERE = 'euw1-az2';

const DEAD: WitnessProbe = {
  ok: false,
  eligible: false,
  failure: 'refused',
  detail: 'ECONNREFUSED',
  latencyMs: 1,
  startedAt: 0,
};
const ALIVE: WitnessProbe = { ok: true, eligible: true, latencyMs: 2, startedAt: 0 };

let log: LogRecorder;

beforeEach(() => {
  jest.useFakeTimers();
  log = logRecorder();
});

afterEach(() => {
  jest.useRealTimers();
});

const world = (): World => ({ tables: ['db-a', 'db-a', 'db-a'], record: 'db-a', paused: [] });

type Witness = (request: WitnessRequest) => WitnessAnswer | Error;

/**
 * One run over a simulated world whose master db-a dies after two probes, with witnesses
 * answering as `witnesses` say. Returns the report, the Mover's requests, the witnesses' requests
 * and how many times db-a had been probed when each witness request went out.
 */
async function run(
  witnesses: Record<string, Witness>,
  options: { config?: typeof config; scripts?: Record<string, string>; windowMs?: number } = {},
) {
  const cfg = options.config ?? config;
  const runtime = runtimeConfig(cfg, { windowMs: options.windowMs ?? 600, overlapMs: 100 });
  const aws = simulatedAws(cfg, world());
  const { prober, calls } = scriptedProber(options.scripts ?? { 'db-a': '++---', 'db-b': '+' });
  const asked: { witness: string; request: WitnessRequest; masterProbes: number }[] = [];
  for (const [name, answer] of Object.entries(witnesses)) {
    aws.lambdaMock
      .on(InvokeCommand, { FunctionName: name })
      .callsFake(async (input: { Payload?: unknown }) => {
        const request = JSON.parse(
          new TextDecoder().decode(input.Payload as Uint8Array),
        ) as WitnessRequest;
        asked.push({ witness: name, request, masterProbes: calls['db-a'] ?? 0 });
        const out = answer(request);
        if (out instanceof Error)
          return invokeAnswer({ errorType: 'Error', errorMessage: out.message }, 'Unhandled');
        return invokeAnswer(out);
      });
  }
  const options_: CheckerOptions = {
    moverFunctionName: MOVER,
    scheduledAt: Date.now() - runtime.overlapMs,
    remainingMs: () => 120_000,
    apiTimeoutMs: 2000,
    witnesses: Object.keys(witnesses),
  };
  const deps = {
    ec2: new EC2Client({}),
    ssm: new SSMClient({}),
    lambda: new LambdaClient({}),
    prober,
    logger: log,
    zone: () => Promise.resolve({ az: HERE }),
  };
  const report = await drive(runChecker(deps, runtime, options_));
  const moverRequests = aws.lambdaMock
    .commandCalls(InvokeCommand)
    .filter((c) => c.args[0].input.FunctionName === MOVER)
    .map((c) => requestOf(c.args[0].input.Payload));
  return { report, moverRequests, asked };
}

/** A witness in `az` that sees the nodes as `probes` says when asked to probe. */
function witnessIn(az: string, probes: Record<string, WitnessProbe>): Witness {
  return (request) => (request.kind === 'warm' ? { az } : { az, probes });
}

describe('the second opinion before a failover', () => {
  it('moves once a witness in another zone sees the master dead and the target alive, and asks it before the fall-th failure', async () => {
    // Act
    const { report, moverRequests, asked } = await run({
      [WITNESS_A]: witnessIn(HERE, { 'db-a': DEAD, 'db-b': ALIVE }),
      [WITNESS_B]: witnessIn(THERE, { 'db-a': DEAD, 'db-b': ALIVE }),
    });

    // Assess
    expect(moverRequests).toHaveLength(1);
    expect(moverRequests[0]).toMatchObject({ target: 'db-b', expectedActive: 'db-a' });
    expect(moverRequests[0]?.reason).toContain(
      `confirmed from ${WITNESS_B} in ${THERE} saw db-a dead (refused: ECONNREFUSED), db-b alive`,
    );
    const probes = asked.filter((a) => a.request.kind === 'probe');
    // Only the other zone's witness is asked; the first ask goes out at db-a's first failure.
    expect(probes.map((a) => a.witness)).toEqual([WITNESS_B]);
    expect(probes[0]?.masterProbes).toBeLessThan(2 + config.detection.fall);
    // Every witness was warmed as the run started.
    expect(
      asked
        .filter((a) => a.request.kind === 'warm')
        .map((a) => a.witness)
        .sort(),
    ).toEqual([WITNESS_A, WITNESS_B]);
    expect(report.secondOpinion).toMatchObject({
      zone: HERE,
      witnesses: { [WITNESS_A]: { az: HERE }, [WITNESS_B]: { az: THERE } },
      asked: 1,
    });
    expect(report.secondOpinion?.disagreement).toBeUndefined();
  });

  it('holds, and says who saw what, when the other zone sees the master alive', async () => {
    // Act
    const { report, moverRequests } = await run({
      [WITNESS_B]: witnessIn(THERE, { 'db-a': ALIVE, 'db-b': ALIVE }),
    });

    // Assess
    expect(moverRequests).toEqual([]);
    expect(report.decision).toMatchObject({
      action: 'hold',
      kind: 'second-opinion-disagrees',
      severity: 'error',
    });
    const seen = `${WITNESS_B} in ${THERE} saw db-a alive (2 ms), db-b alive (2 ms)`;
    expect(report.secondOpinion?.disagreement).toBe(
      `db-a looks down from ${HERE} but not from everywhere: ${seen}`,
    );
    expect(log.messages('error')).toContain(
      `second opinion disagrees, not moving: db-a looks down from ${HERE} but not from everywhere: ${seen}`,
    );
    expect(log.messages('error')).toContainEqual(
      expect.stringMatching(/^run done: VIP on db-a; .*; second opinion: db-a looks down from/),
    );
    // The disagreement reaches a human, once, as a condition.
    const conditions = conditionsOf(report, { paused: false });
    expect(conditions.filter((c) => c.kind === 'second-opinion-disagrees')).toHaveLength(1);
    expect(conditions.map((c) => c.kind)).not.toContain('second-opinion-pending');
  });

  it('holds when the other zone sees the target dead too', async () => {
    // Act
    const { report, moverRequests } = await run({
      [WITNESS_B]: witnessIn(THERE, { 'db-a': DEAD, 'db-b': DEAD }),
    });

    // Assess
    expect(moverRequests).toEqual([]);
    expect(report.decision).toMatchObject({ kind: 'second-opinion-disagrees' });
    expect(report.secondOpinion?.disagreement).toContain('db-b dead (refused: ECONNREFUSED)');
  });

  it('asks again after a disagreement, and moves once the other zone sees the master dead', async () => {
    // Prepare: the other zone sees db-a alive at first, dead from its second probe request on.
    let probeRequests = 0;
    const changing: Witness = (request) =>
      request.kind === 'warm'
        ? { az: THERE }
        : { az: THERE, probes: { 'db-a': ++probeRequests > 1 ? DEAD : ALIVE, 'db-b': ALIVE } };

    // Act: a run long enough to ask again (at most every 2 s).
    const { moverRequests, report } = await run({ [WITNESS_B]: changing }, { windowMs: 5000 });

    // Assess
    expect(probeRequests).toBeGreaterThanOrEqual(2);
    expect(moverRequests).toHaveLength(1);
    expect(report.secondOpinion?.disagreement).toBeDefined();
  });

  it('moves without an answer when whenUnanswered is "move", and says so', async () => {
    // Act
    const { report, moverRequests } = await run({
      [WITNESS_B]: (request) => (request.kind === 'warm' ? { az: THERE } : new Error('boom')),
    });

    // Assess
    expect(moverRequests).toHaveLength(1);
    expect(moverRequests[0]?.reason).toContain(
      `no second opinion (${WITNESS_B}: witness failed (Unhandled): Error boom): moving, as secondOpinion.whenUnanswered is "move"`,
    );
    expect(report.secondOpinion?.unanswered).toContain(WITNESS_B);
    expect(conditionsOf(report, { paused: false }).map((c) => c.kind)).toContain(
      'second-opinion-unanswered',
    );
  });

  it('holds without an answer when whenUnanswered is "hold"', async () => {
    // Act
    const { report, moverRequests } = await run(
      { [WITNESS_B]: () => new Error('boom') },
      { config: holding },
    );

    // Assess
    expect(moverRequests).toEqual([]);
    expect(report.decision).toMatchObject({ action: 'hold', kind: 'second-opinion-unanswered' });
    const kinds = conditionsOf(report, { paused: false }).map((c) => c.kind);
    expect(kinds).toContain('second-opinion-unanswered');
    expect(kinds).toContain('witness-unavailable');
  });

  it('holds when the only witness that answers is in the Checker\'s own zone and whenUnanswered is "hold"', async () => {
    // Act
    const { report, moverRequests, asked } = await run(
      { [WITNESS_A]: witnessIn(HERE, { 'db-a': DEAD, 'db-b': ALIVE }) },
      { config: holding },
    );

    // Assess
    expect(moverRequests).toEqual([]);
    expect(asked.filter((a) => a.request.kind === 'probe')).toEqual([]);
    expect(report.secondOpinion?.unanswered).toBe(`no witness in a zone other than ${HERE}`);
  });

  it('asks nobody while the master is healthy, beyond the warm-up', async () => {
    // Act
    const { asked, report } = await run(
      { [WITNESS_B]: witnessIn(THERE, { 'db-a': ALIVE, 'db-b': ALIVE }) },
      { scripts: { 'db-a': '+', 'db-b': '+' } },
    );

    // Assess
    expect(asked.map((a) => a.request.kind)).toEqual(['warm']);
    expect(report.secondOpinion?.asked).toBe(0);
    expect(conditionsOf(report, { paused: false })).toEqual([]);
  });

  it('keeps a disagreement when a later ask fails: a lost call is no evidence the master died', async () => {
    // Prepare: the other zone sees db-a alive, then every later call fails.
    let probeRequests = 0;
    const flaky: Witness = (request) => {
      if (request.kind === 'warm') return { az: THERE };
      return ++probeRequests === 1
        ? { az: THERE, probes: { 'db-a': ALIVE, 'db-b': ALIVE } }
        : new Error('Rate Exceeded.');
    };

    // Act
    const { moverRequests, report } = await run({ [WITNESS_B]: flaky }, { windowMs: 5000 });

    // Assess
    expect(probeRequests).toBeGreaterThan(1);
    expect(moverRequests).toEqual([]);
    expect(report.decision).toMatchObject({ kind: 'second-opinion-disagrees' });
  });

  it('calls a witness again when a call fails, within the call budget', async () => {
    // Prepare: the first probe request is throttled, the next answered.
    let probeRequests = 0;
    const throttledOnce: Witness = (request) => {
      if (request.kind === 'warm') return { az: THERE };
      return ++probeRequests === 1
        ? new Error('Rate Exceeded.')
        : { az: THERE, probes: { 'db-a': DEAD, 'db-b': ALIVE } };
    };

    // Act
    const { moverRequests, report } = await run({ [WITNESS_B]: throttledOnce });

    // Assess
    expect(probeRequests).toBe(2);
    expect(moverRequests).toHaveLength(1);
    expect(moverRequests[0]?.reason).toContain(`confirmed from ${WITNESS_B}`);
    expect(report.secondOpinion?.unanswered).toBeUndefined();
  });

  it('asks once per suspicion, and again at most every 2 s while the other zone disagrees', async () => {
    // Act: db-a looks dead from here for a whole 5 s window; the other zone sees it alive.
    const { asked, report } = await run(
      { [WITNESS_B]: witnessIn(THERE, { 'db-a': ALIVE, 'db-b': ALIVE }) },
      { windowMs: 5000, scripts: { 'db-a': '+-', 'db-b': '+' } },
    );

    // Assess
    const probes = asked.filter((a) => a.request.kind === 'probe').length;
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(probes).toBeLessThanOrEqual(4);
    expect(report.decision).toMatchObject({ kind: 'second-opinion-disagrees' });
  });
});
