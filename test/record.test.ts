import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  parsePause,
  pauseValue,
  readPaused,
  readRecord,
  writeRecord,
} from '../lambda/domain/mover/record';
import { logRecorder } from './support/domain-fixtures';

const ssmMock = mockClient(SSMClient);
const ssm = new SSMClient({});
const RECORD = '/vip-failover/orders-db/active';
const PAUSED = '/vip-failover/orders-db/paused';

const parameterNotFound = () =>
  new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: '' });

beforeEach(() => {
  ssmMock.reset();
});

describe('readRecord', () => {
  it('reads the value, version and time of the last write', async () => {
    // Prepare
    const lastWrite = new Date('2026-01-15T12:00:00Z');
    ssmMock.on(GetParameterCommand).resolves({
      Parameter: {
        Name: RECORD,
        Type: 'String',
        Value: 'db-b',
        Version: 7,
        LastModifiedDate: lastWrite,
      },
    });

    // Act
    const record = await readRecord(ssm, RECORD);

    // Assess
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: RECORD });
    expect(record).toEqual({ value: 'db-b', version: 7, lastModified: lastWrite.getTime() });
  });

  it('treats a missing parameter as a state, not an error', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(parameterNotFound());

    // Act
    const record = await readRecord(ssm, RECORD);

    // Assess
    expect(record).toEqual({});
  });

  it('reads an answer without output, as a stubbed client gives for a name it was not told about, as no parameter', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand, { Name: '/elsewhere' }).resolves({});

    // Act
    const record = await readRecord(ssm, RECORD);

    // Assess
    expect(record).toEqual({ value: undefined, version: undefined, lastModified: undefined });
  });

  it('lets any other AWS error propagate', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(
      new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `User is not authorized to perform: ssm:GetParameter on resource: ${RECORD}`,
      }),
    );

    // Act
    const read = readRecord(ssm, RECORD);

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('passes the abort signal to the SDK', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: RECORD, Value: 'db-a' } });
    const signal = new AbortController().signal;

    // Act
    await readRecord(ssm, RECORD, signal);

    // Assess
    expect((ssmMock.call(0).args as unknown[])[1]).toEqual({ abortSignal: signal });
  });
});

describe('writeRecord', () => {
  it('writes the node name as a plain String, overwriting the last one', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 8, Tier: 'Standard' });

    // Act
    const version = await writeRecord(ssm, RECORD, 'db-b', undefined, logRecorder());

    // Assess
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: RECORD,
      Value: 'db-b',
      Type: 'String',
      Overwrite: true,
    });
    expect(version).toBe(8);
  });

  it('lets a failed write propagate', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejects(
      new SSMServiceException({
        name: 'TooManyUpdates',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'There are concurrent updates for the resource that you are trying to modify.',
      }),
    );

    // Act
    const write = writeRecord(ssm, RECORD, 'db-b', undefined, logRecorder());

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'TooManyUpdates' });
  });
});

describe('readPaused', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' yes ', true],
    ['1', true],
    ['paused', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['', false],
    ['true-ish', false],
  ])('reads %j as paused: %s', async (value, expected) => {
    // Prepare
    ssmMock
      .on(GetParameterCommand, { Name: PAUSED })
      .resolves({ Parameter: { Name: PAUSED, Value: value } });

    // Act
    const paused = await readPaused(ssm, PAUSED);

    // Assess
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: PAUSED });
    expect(paused).toBe(expected);
  });

  it('is not paused when the flag does not exist', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(parameterNotFound());

    // Act
    const paused = await readPaused(ssm, PAUSED);

    // Assess
    expect(paused).toBe(false);
  });
});

describe('parsePause', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('reads a pause with an end as paused until then', () => {
    const value = pauseValue({ until: now + 60_000, reason: 'patching', by: 'alice' });

    expect(parsePause(value, now)).toEqual({
      paused: true,
      until: now + 60_000,
      reason: 'patching',
      by: 'alice',
    });
  });

  it('lifts a pause by itself once its end has passed, and says it expired', () => {
    const value = pauseValue({ until: now - 1, reason: 'patching' });

    expect(parsePause(value, now)).toMatchObject({
      paused: false,
      expired: true,
      reason: 'patching',
    });
  });

  it('reads a pause without an end as open-ended', () => {
    expect(parsePause(pauseValue({ reason: 'migration' }), now)).toEqual({
      paused: true,
      reason: 'migration',
    });
  });

  it.each(['{"paused":false}', '{"until":"2099-01-01T00:00:00Z"}', '{not json', '[]', '0'])(
    'reads %j as not paused',
    (value) => {
      expect(parsePause(value, now).paused).toBe(false);
    },
  );
});
