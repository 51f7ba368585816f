import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  parseStatus,
  readStatus,
  statusValue,
  writeStatus,
  type GroupStatus,
} from '../lambda/domain/status';

const ssmMock = mockClient(SSMClient);
const NAME = '/vip-failover/orders-db/status';
const status: GroupStatus = {
  updatedAt: '2026-12-01T10:00:00.000Z',
  active: 'db-b',
  nodes: { 'db-a': { state: 'down', lastOk: false, failure: 'refused', latencyMs: 3 } },
  alerts: {
    'no-standby': { kind: 'no-standby', subject: 's', since: 1, lastSentAt: 2 },
  },
};

beforeEach(() => ssmMock.reset());

describe('status parameter', () => {
  it('writes the status as JSON and reads it back', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 2 });

    // Act
    await writeStatus(new SSMClient({}), NAME, status);
    const written = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input;

    // Assess
    expect(written).toMatchObject({ Name: NAME, Type: 'String', Overwrite: true });
    expect(parseStatus(written?.Value)).toEqual(status);
  });

  it('reads no status when no run has written one', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: '' }));

    // Act / Assess
    await expect(readStatus(new SSMClient({}), NAME)).resolves.toBeUndefined();
  });

  it('drops node details before open conditions to stay within a standard parameter', () => {
    // Prepare
    const nodes = Object.fromEntries(
      [...Array(200).keys()].map((i) => [`node-${i}`, { state: 'up' as const }]),
    );

    // Act
    const value = statusValue({ ...status, nodes });

    // Assess
    expect(value.length).toBeLessThanOrEqual(4096);
    expect(parseStatus(value)?.alerts).toEqual(status.alerts);
  });

  it.each([undefined, '', 'nope', '{}', '[]'])('reads %p as no status', (text) => {
    expect(parseStatus(text)).toBeUndefined();
  });
});
