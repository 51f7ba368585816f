import { FenceRequests } from '../lambda/domain/checker/fence-requests';
import type { MoveRequest, MoveResult } from '../lambda/domain/types';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const PROMOTION = {
  type: 'mysql',
  user: 'vip_promoter',
  passwordSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf',
} as const;

function fencedAnswer(request: MoveRequest): MoveResult {
  return {
    status: 'already-active',
    target: request.target,
    tables: [],
    recordWritten: false,
    durationMs: 5,
    database: { fencing: [{ status: 'fenced', node: 'db-a', already: false }] },
  };
}

function setUp(promotion?: typeof PROMOTION) {
  let now = Date.UTC(2026, 0, 15);
  const requests: MoveRequest[] = [];
  const log = logRecorder();
  const fences = new FenceRequests({
    config: exampleConfig(promotion ? { promotion } : {}),
    clock: { now: () => now },
    log,
    callMover: (request) => {
      requests.push(request);
      return Promise.resolve(fencedAnswer(request));
    },
  });
  return { fences, requests, log, advance: (ms: number) => (now += ms) };
}

describe('FenceRequests', () => {
  it('asks the Mover to fence the node while the VIP stays where it is', async () => {
    // Prepare
    const { fences, requests, log } = setUp(PROMOTION);

    // Act
    fences.ask('db-a', 'db-b');
    await fences.pending;

    // Assess
    expect(requests).toEqual([
      {
        target: 'db-b',
        expectedActive: 'db-b',
        reason: 'db-a is writable beside db-b, which holds the VIP; fencing it',
        automatic: true,
        kind: 'converge',
        fence: ['db-a'],
        requestedAt: expect.any(String),
      },
    ]);
    expect(log.messages('info')).toContain('fencing db-a: fenced');
  });

  it('asks about a node again only after 30 s', async () => {
    // Prepare
    const { fences, requests, advance } = setUp(PROMOTION);
    fences.ask('db-a', 'db-b');
    await fences.pending;

    // Act
    advance(10_000);
    fences.ask('db-a', 'db-b');
    advance(25_000);
    fences.ask('db-a', 'db-b');
    await fences.pending;

    // Assess
    expect(requests).toHaveLength(2);
  });

  it('asks nothing without promotion mysql: the Mover could not log in', () => {
    // Prepare
    const { fences, requests } = setUp();

    // Act
    fences.ask('db-a', 'db-b');

    // Assess
    expect(requests).toEqual([]);
    expect(fences.pending).toBeUndefined();
  });
});
