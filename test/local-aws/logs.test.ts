import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { deployedNames } from '../../config';
import type { LocalAws } from '../../tools/local-aws';
import { clientConfig, sdkError, type LocalClients } from '../support/aws-env';
import { config, useExampleWorld } from './fixture';

let aws: LocalAws;
let logs: CloudWatchLogsClient;

useExampleWorld((started: { aws: LocalAws; c: LocalClients }) => {
  aws = started.aws;
  logs ??= new CloudWatchLogsClient(clientConfig(aws));
});
afterAll(() => logs.destroy());

const GROUP = deployedNames(config).moveLog;

describe('cloudwatch logs', () => {
  it('seeds the move log empty, and takes lines once its stream exists', async () => {
    // Prepare
    const before = await sdkError(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: 'moves',
          logEvents: [{ timestamp: Date.now(), message: 'one' }],
        }),
      ),
    );

    // Act
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'moves' }));
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'moves',
        logEvents: [{ timestamp: Date.now(), message: 'one' }],
      }),
    );

    // Assess
    expect(before).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(out.rejectedLogEventsInfo).toBeUndefined();
    expect(aws.logEvents(GROUP).map((e) => e.message)).toEqual(['one']);
  });

  it('answers ResourceAlreadyExistsException for a stream twice, ResourceNotFoundException without the group', async () => {
    // Prepare
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'moves' }));

    // Act
    const twice = await sdkError(
      logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'moves' })),
    );
    const noGroup = await sdkError(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/nope', logStreamName: 'moves' })),
    );

    // Assess
    expect(twice.name).toBe('ResourceAlreadyExistsException');
    expect(noGroup).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });

  it('rejects an event older than 14 days without failing the call', async () => {
    // Prepare
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'moves' }));

    // Act
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'moves',
        logEvents: [{ timestamp: Date.now() - 15 * 86_400_000, message: 'old' }],
      }),
    );

    // Assess
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    expect(aws.logEvents(GROUP)).toEqual([]);
  });

  it('pages FilterLogEvents oldest first across streams with limit and nextToken', async () => {
    // Prepare
    const t = Date.now() - 60_000;
    for (const [stream, at] of [
      ['a', t + 2],
      ['b', t + 1],
      ['a', t + 3],
    ] as const) {
      await logs
        .send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }))
        .catch(() => undefined);
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: stream,
          logEvents: [{ timestamp: at, message: `${stream}@${at - t}` }],
        }),
      );
    }

    // Act
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 2 }));
    const second = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, limit: 2, nextToken: first.nextToken }),
    );

    // Assess
    expect(first.events?.map((e) => e.message)).toEqual(['b@1', 'a@2']);
    expect(first.events?.[0]).toMatchObject({ logStreamName: 'b', timestamp: t + 1 });
    expect(second.events?.map((e) => e.message)).toEqual(['a@3']);
    expect(second.nextToken).toBeUndefined();
  });
});
