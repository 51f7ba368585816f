import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import type { LocalAws } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { RECORD, useExampleWorld } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

describe('ssm parameters', () => {
  it('returns the seeded record with every GetParameter field', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const out = await c.ssm.send(new GetParameterCommand({ Name: RECORD }));

    // Assess
    expect(out.Parameter).toMatchObject({
      Name: RECORD,
      Type: 'String',
      Value: 'db-a',
      Version: 1,
      ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${RECORD}`,
      DataType: 'text',
    });
    expect(out.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect(Math.abs((out.Parameter?.LastModifiedDate?.getTime() ?? 0) - before)).toBeLessThan(
      60_000,
    );
  });

  it('increments the version on an overwrite', async () => {
    // Act
    const put = await c.ssm.send(
      new PutParameterCommand({ Name: RECORD, Value: 'db-b', Type: 'String', Overwrite: true }),
    );
    const got = await c.ssm.send(new GetParameterCommand({ Name: RECORD }));

    // Assess
    expect(put).toMatchObject({ Version: 2, Tier: 'Standard' });
    expect(got.Parameter).toMatchObject({ Value: 'db-b', Version: 2 });
    expect(aws.parameter(RECORD)).toMatchObject({ value: 'db-b', version: 2 });
  });

  it('refuses to overwrite without Overwrite, with ParameterAlreadyExists', async () => {
    // Act
    const err = await sdkError(
      c.ssm.send(new PutParameterCommand({ Name: RECORD, Value: 'db-b', Type: 'String' })),
    );

    // Assess
    expect(err.name).toBe('ParameterAlreadyExists');
    expect(err.status).toBe(400);
    expect(aws.parameter(RECORD)).toMatchObject({ value: 'db-a', version: 1 });
  });

  it('requires a Type to create a parameter', async () => {
    const err = await sdkError(
      c.ssm.send(new PutParameterCommand({ Name: '/new/param', Value: 'x' })),
    );

    expect(err.name).toBe('ValidationException');
  });

  it('lists every version, oldest first, in GetParameterHistory', async () => {
    // Prepare
    await c.ssm.send(
      new PutParameterCommand({ Name: RECORD, Value: 'db-b', Type: 'String', Overwrite: true }),
    );
    await c.ssm.send(new PutParameterCommand({ Name: RECORD, Value: 'db-a', Overwrite: true }));

    // Act
    const out = await c.ssm.send(new GetParameterHistoryCommand({ Name: RECORD }));

    // Assess
    expect(out.Parameters?.map((p) => [p.Version, p.Value])).toEqual([
      [1, 'db-a'],
      [2, 'db-b'],
      [3, 'db-a'],
    ]);
    for (const p of out.Parameters ?? []) {
      expect(p.LastModifiedDate).toBeInstanceOf(Date);
      expect(p.Type).toBe('String');
    }
    expect(aws.parameterHistory(RECORD).map((p) => p.value)).toEqual(['db-a', 'db-b', 'db-a']);
  });

  it('pages GetParameterHistory with MaxResults and NextToken', async () => {
    // Prepare
    await c.ssm.send(new PutParameterCommand({ Name: RECORD, Value: 'db-b', Overwrite: true }));

    // Act
    const first = await c.ssm.send(new GetParameterHistoryCommand({ Name: RECORD, MaxResults: 1 }));
    const second = await c.ssm.send(
      new GetParameterHistoryCommand({ Name: RECORD, MaxResults: 1, NextToken: first.NextToken }),
    );

    // Assess
    expect(first.Parameters?.map((p) => p.Version)).toEqual([1]);
    expect(second.Parameters?.map((p) => p.Version)).toEqual([2]);
    expect(second.NextToken).toBeUndefined();
  });

  it('keeps the newest 100 versions, dropping the oldest on each write', async () => {
    // Act
    for (let i = 0; i < 101; i++) aws.putParameter(RECORD, `v${i}`);

    // Assess
    const kept = aws.parameterHistory(RECORD).map((p) => p.version);
    expect(kept).toHaveLength(100);
    expect(kept[0]).toBe(3);
    expect(kept.at(-1)).toBe(102);
  });

  it('fails every write with ParameterMaxVersionLimitExceeded while the oldest of 100 is labeled, until it is unlabeled', async () => {
    // Prepare
    for (let i = 0; i < 99; i++) aws.putParameter(RECORD, `v${i}`);
    await c.ssm.send(
      new LabelParameterVersionCommand({ Name: RECORD, ParameterVersion: 1, Labels: ['golden'] }),
    );
    const put = () =>
      c.ssm.send(
        new PutParameterCommand({ Name: RECORD, Value: 'db-b', Type: 'String', Overwrite: true }),
      );

    // Act
    const blocked = await sdkError(put());
    const history = await c.ssm.send(
      new GetParameterHistoryCommand({ Name: RECORD, MaxResults: 1 }),
    );
    const removed = await c.ssm.send(
      new UnlabelParameterVersionCommand({
        Name: RECORD,
        ParameterVersion: 1,
        Labels: ['golden', 'other'],
      }),
    );
    const written = await put();

    // Assess
    expect(blocked).toMatchObject({ name: 'ParameterMaxVersionLimitExceeded', status: 400 });
    expect(blocked.message).toContain("Version 1, the oldest version, can't be deleted");
    expect(history.Parameters?.[0]).toMatchObject({ Version: 1, Labels: ['golden'] });
    expect(removed).toMatchObject({ RemovedLabels: ['golden'], InvalidLabels: ['other'] });
    expect(written.Version).toBe(101);
    expect(aws.parameterHistory(RECORD)[0]?.version).toBe(2);
  });

  it('reads an older version with the name:version selector', async () => {
    await c.ssm.send(new PutParameterCommand({ Name: RECORD, Value: 'db-b', Overwrite: true }));

    const out = await c.ssm.send(new GetParameterCommand({ Name: `${RECORD}:1` }));

    expect(out.Parameter).toMatchObject({ Value: 'db-a', Version: 1, Selector: ':1' });
  });

  it('answers ParameterNotFound for a missing parameter, in GetParameter and GetParameterHistory', async () => {
    // Prepare
    aws.deleteParameter(RECORD);

    // Act
    const get = await sdkError(c.ssm.send(new GetParameterCommand({ Name: RECORD })));
    const history = await sdkError(c.ssm.send(new GetParameterHistoryCommand({ Name: RECORD })));

    // Assess
    expect(get.name).toBe('ParameterNotFound');
    expect(history.name).toBe('ParameterNotFound');
  });

  it('deletes over the wire, then reports the parameter missing', async () => {
    await c.ssm.send(new DeleteParameterCommand({ Name: RECORD }));

    const err = await sdkError(c.ssm.send(new DeleteParameterCommand({ Name: RECORD })));

    expect(err.name).toBe('ParameterNotFound');
    expect(aws.parameter(RECORD)).toBeUndefined();
  });

  it('returns found and invalid names from GetParameters', async () => {
    const out = await c.ssm.send(new GetParametersCommand({ Names: [RECORD, '/missing'] }));

    expect(out.Parameters?.map((p) => p.Value)).toEqual(['db-a']);
    expect(out.InvalidParameters).toEqual(['/missing']);
  });

  it('returns a SecureString in clear only WithDecryption', async () => {
    await c.ssm.send(
      new PutParameterCommand({ Name: '/s', Value: 'hunter2', Type: 'SecureString' }),
    );

    const hidden = await c.ssm.send(new GetParameterCommand({ Name: '/s' }));
    const clear = await c.ssm.send(new GetParameterCommand({ Name: '/s', WithDecryption: true }));

    expect(hidden.Parameter?.Value).not.toBe('hunter2');
    expect(clear.Parameter?.Value).toBe('hunter2');
  });
});
