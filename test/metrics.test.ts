import { createMetrics, emitRunMetrics, type RunFigures } from '../lambda/domain/metrics';

interface EmfLine {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Emits through a real Powertools Metrics and returns the EMF lines it wrote. */
function emitted(figures: RunFigures): EmfLine[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    emitRunMetrics(createMetrics(), figures);
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

  it('writes the heartbeat, standbys, pause and moves under the Group dimension', () => {
    const group = emitted(figures).find((l) => l.Heartbeat !== undefined);

    expect(group).toMatchObject({
      Group: 'orders-db',
      Heartbeat: 1,
      HealthyStandbys: 0,
      Paused: 0,
      Moves: 1,
      MoveDuration: 650,
      TimeToFailover: 2100,
    });
    expect(group?.Node).toBeUndefined();
  });

  it('counts each hold by its kind', () => {
    const hold = emitted(figures).find((l) => l.Holds !== undefined);

    expect(hold).toMatchObject({ Group: 'orders-db', Kind: 'no-standby', Holds: 1 });
  });
});
