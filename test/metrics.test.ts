import {
  createMetrics,
  emitRunMetrics,
  type MetricsOptions,
  type RunFigures,
} from '../lambda/domain/metrics';

interface EmfLine {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Emits through a real Powertools Metrics and returns the EMF lines it wrote. */
function emitted(figures: RunFigures, options: MetricsOptions = { nodeMetrics: true }): EmfLine[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    emitRunMetrics(createMetrics(), figures, options);
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('_aws'))
    .map((l) => JSON.parse(l) as EmfLine);
}

const figures: RunFigures = {
  group: 'orders-db',
  active: 'db-b',
  nodes: [
    { name: 'db-a', probes: 70, failed: 6, maxLatencyMs: 1000, up: false },
    { name: 'db-b', probes: 70, failed: 0, maxLatencyMs: 12, up: true },
  ],
  paused: false,
  holds: ['no-standby'],
  moves: 1,
  moveFailures: 0,
  moveDurationsMs: [650],
  timeToFailoverMs: [2100],
};

describe('emitRunMetrics', () => {
  it('writes per-node figures under Group and Node dimensions', () => {
    const lines = emitted(figures);
    const dbA = lines.find((l) => l.Node === 'db-a');

    expect(dbA).toMatchObject({ Group: 'orders-db', Probes: 70, ProbeFailures: 6, NodeUp: 0 });
    expect(dbA?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Group', 'Node']]);
  });

  it('writes the standbys, the pause and moves under the Group dimension, and no Heartbeat', () => {
    const group = emitted({ ...figures, paused: true }).find(
      (l) => l.Node === undefined && !l.Kind,
    );

    expect(group).toMatchObject({
      Group: 'orders-db',
      HealthyStandbys: 0,
      Paused: 1,
      Moves: 1,
      MoveDuration: 650,
      TimeToFailover: 2100,
    });
    expect(group?.Heartbeat).toBeUndefined();
    expect(group?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Group']]);
  });

  it('writes nothing per node unless monitoring.nodeMetrics asks', () => {
    const lines = emitted(figures, { nodeMetrics: false });

    expect(lines.filter((l) => l.Node !== undefined)).toEqual([]);
    expect(lines.find((l) => l.HealthyStandbys !== undefined)).toBeDefined();
  });

  it('writes only HealthyStandbys, the heartbeat, in a steady run: no pause, move or failure to count', () => {
    const steady: RunFigures = {
      ...figures,
      active: 'db-a',
      nodes: figures.nodes.map((n) => ({ ...n, up: true })),
      holds: [],
      moves: 0,
      moveDurationsMs: [],
      timeToFailoverMs: [],
    };
    const names = emitted(steady, { nodeMetrics: false }).flatMap((l) =>
      l._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)),
    );

    expect(names).toEqual(['HealthyStandbys']);
  });

  it('writes MoveFailures in a run that had a failed move', () => {
    const group = emitted({ ...figures, moveFailures: 2 }, { nodeMetrics: false }).find(
      (l) => l.HealthyStandbys !== undefined,
    );

    expect(group).toMatchObject({ MoveFailures: 2 });
  });

  it('counts each hold by its kind', () => {
    const hold = emitted(figures).find((l) => l.Holds !== undefined);

    expect(hold).toMatchObject({ Group: 'orders-db', Kind: 'no-standby', Holds: 1 });
  });
});
