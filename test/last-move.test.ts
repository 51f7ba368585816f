import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  QUIET_MS,
  cooldownMs,
  lastMoveValue,
  moveClock,
  nextLastMove,
  parseLastMove,
  readLastMove,
  writeLastMove,
  type LastMove,
} from '../lambda/domain/mover/last-move';
import { logRecorder } from './support/domain-fixtures';

const ssmMock = mockClient(SSMClient);
const NAME = '/vip-failover/orders-db/last-move';
const BASE = 300_000;
const T = Date.parse('2026-12-01T10:00:00Z');

beforeEach(() => {
  ssmMock.reset();
});

describe('cooldownMs', () => {
  it('doubles with each failback and stops at eight times the configured cooldown', () => {
    expect([0, 1, 2, 3, 4, 40].map((n) => cooldownMs(BASE, n))).toEqual([
      BASE,
      2 * BASE,
      4 * BASE,
      8 * BASE,
      8 * BASE,
      8 * BASE,
    ]);
  });
});

describe('nextLastMove', () => {
  const move = (at: number, kind: LastMove['kind']) => ({ at, from: 'db-b', to: 'db-a', kind });

  it('counts a first failback as one', () => {
    expect(nextLastMove(undefined, move(T, 'failback'), BASE).failbacks).toBe(1);
  });

  it('carries the failbacks through a failover that follows soon', () => {
    const previous = { at: T, failbacks: 2 };

    expect(nextLastMove(previous, move(T + 60_000, 'failover'), BASE)).toEqual({
      ...move(T + 60_000, 'failover'),
      failbacks: 2,
    });
  });

  it('adds one for each failback in a flap: 0, 1, 1, 2, 2, 3', () => {
    const kinds = ['failover', 'failback', 'failover', 'failback', 'failover', 'failback'] as const;
    let previous: LastMove | undefined;
    const counts: number[] = [];
    kinds.forEach((kind, i) => {
      previous = nextLastMove(previous, move(T + i * 60_000, kind), BASE);
      counts.push(previous.failbacks);
    });

    expect(counts).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('forgets the failbacks once the VIP stayed put for an hour past the cooldown in force', () => {
    const previous = { at: T, failbacks: 2 };
    const quiet = T + cooldownMs(BASE, 2) + QUIET_MS;

    expect(nextLastMove(previous, move(quiet - 1, 'failback'), BASE).failbacks).toBe(3);
    expect(nextLastMove(previous, move(quiet, 'failback'), BASE).failbacks).toBe(1);
    expect(nextLastMove(previous, move(quiet, 'failover'), BASE).failbacks).toBe(0);
  });
});

describe('moveClock', () => {
  const lastMove: LastMove = { at: T, from: 'db-a', to: 'db-b', kind: 'failover', failbacks: 1 };

  it('takes the parameter while it names the node the record names: a repair restarts nothing', () => {
    expect(moveClock({ value: 'db-b', lastModified: T + 5000 }, lastMove)).toBe(lastMove);
  });

  it("falls back to the record's last write when the parameter missed a move", () => {
    expect(moveClock({ value: 'db-a', lastModified: T + 5000 }, lastMove)).toEqual({
      at: T + 5000,
      failbacks: 0,
    });
  });

  it("falls back to the record's last write when the parameter is missing", () => {
    expect(moveClock({ value: 'db-b', lastModified: T }, undefined)).toEqual({
      at: T,
      failbacks: 0,
    });
    expect(moveClock({}, undefined)).toBeUndefined();
  });

  it('takes the parameter when the record is missing', () => {
    expect(moveClock({}, lastMove)).toBe(lastMove);
  });
});

describe('the parameter value', () => {
  it('is JSON with the time in ISO 8601 and reads back as written', () => {
    const m: LastMove = { at: T, from: 'db-a', to: 'db-b', kind: 'failover', failbacks: 0 };

    expect(lastMoveValue(m)).toBe(
      '{"at":"2026-12-01T10:00:00.000Z","from":"db-a","to":"db-b","kind":"failover","failbacks":0}',
    );
    expect(parseLastMove(lastMoveValue(m))).toEqual(m);
  });

  it.each([
    ['not JSON', 'db-b'],
    ['no time', '{"to":"db-b","kind":"failover","failbacks":0}'],
    ['a time that is not one', '{"at":"soon","to":"db-b","kind":"failover","failbacks":0}'],
    ['an unknown kind', '{"at":"2026-12-01T10:00:00Z","to":"db-b","kind":"x","failbacks":0}'],
    [
      'negative failbacks',
      '{"at":"2026-12-01T10:00:00Z","to":"db-b","kind":"manual","failbacks":-1}',
    ],
  ])('is ignored when it holds %s', (_what, value) => {
    expect(parseLastMove(value)).toBeUndefined();
  });
});

describe('readLastMove and writeLastMove', () => {
  it('writes the value as a plain String, creating or overwriting the parameter', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
    const m: LastMove = { at: T, to: 'db-a', kind: 'manual', failbacks: 0 };

    // Act
    await writeLastMove(new SSMClient({}), NAME, m, logRecorder());

    // Assess
    expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: NAME,
      Value: lastMoveValue(m),
      Type: 'String',
      Overwrite: true,
    });
  });

  it('reads a missing parameter as no last move', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: '' }));

    // Act
    const read = await readLastMove(new SSMClient({}), NAME);

    // Assess
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: NAME });
    expect(read).toBeUndefined();
  });
});
