import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRouteTablesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import example from '../config/example.json';
import 'aws-sdk-client-mock-jest';
import { ENV, deployedNames, runtimeConfig, validateConfig } from '../config';
import { signRequest } from '../lambda/domain/signing';
import {
  checkerClients,
  createCheckerHandler,
  type CheckerClients,
} from '../lambda/checker-handler';
import { createMoverHandler, moverClients } from '../lambda/mover-handler';
import { createWitnessHandler } from '../lambda/witness-handler';
import { exampleConfig } from './support/domain-fixtures';

const ENDPOINT = 'http://127.0.0.1:4599';

/** What the stack deploys, without any AWS settings. */
function deployedEnv(): NodeJS.ProcessEnv {
  const runtime = runtimeConfig(exampleConfig(), { windowMs: 0, overlapMs: 0 });
  return {
    [ENV.config]: JSON.stringify(runtime),
    [ENV.moverFunction]: 'vip-failover-mover',
    [ENV.witnesses]: JSON.stringify(['vip-failover-witness-a', 'vip-failover-witness-b']),
  };
}

/** An env naming a local endpoint, region and credentials, none of which process.env holds. */
const localEnv = (): NodeJS.ProcessEnv => ({
  ...deployedEnv(),
  AWS_ENDPOINT_URL: ENDPOINT,
  AWS_REGION: 'ap-southeast-2',
  AWS_ACCESS_KEY_ID: 'local-key',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
});

const context = {
  awsRequestId: 'spec',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function mockedCheckerClients(): CheckerClients {
  return {
    ec2: new EC2Client({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    sns: new SNSClient({ region: 'eu-west-1' }),
  };
}

describe('createCheckerHandler', () => {
  it('rejects a scheduled event whose time is not a date, naming the field and the value', async () => {
    // Prepare
    const clients = mockedCheckerClients();
    const mocks = Object.values(clients).map((c: EC2Client) => mockClient(c));
    const handler = createCheckerHandler(deployedEnv(), clients);

    // Act
    const run = handler({ time: 'yesterday-ish' }, context);

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'InvalidScheduledEventError',
      message: expect.stringMatching(/^scheduled event time "yesterday-ish" is not a date; /),
    });
    for (const m of mocks) expect(m.calls()).toHaveLength(0);
  });

  it('names the missing Mover function variable when it is built', () => {
    const env = deployedEnv();
    delete env[ENV.moverFunction];

    expect(() => createCheckerHandler(env, mockedCheckerClients())).toThrow(
      /VIP_FAILOVER_MOVER_FUNCTION is missing from the environment/,
    );
  });

  it.each([
    [
      'missing',
      undefined,
      /VIP_FAILOVER_WITNESSES is missing from the environment; deploy the Checker/,
    ],
    [
      'not a list of names',
      '["a", 3]',
      /VIP_FAILOVER_WITNESSES is not a JSON array of function names/,
    ],
    ['not JSON', 'witness-a', /VIP_FAILOVER_WITNESSES is not a JSON array of function names/],
    [
      'empty',
      '[]',
      /VIP_FAILOVER_WITNESSES is not a JSON array.*or set secondOpinion.enabled to false/,
    ],
  ])('names the witnesses variable when it is %s and a second opinion is on', (_, value, error) => {
    const env = deployedEnv();
    if (value === undefined) delete env[ENV.witnesses];
    else env[ENV.witnesses] = value;

    expect(() => createCheckerHandler(env, mockedCheckerClients())).toThrow(error);
  });

  it('needs no witnesses when the second opinion is off', () => {
    const config = validateConfig({
      ...structuredClone(example),
      secondOpinion: { enabled: false },
    });
    const env: NodeJS.ProcessEnv = {
      ...deployedEnv(),
      [ENV.config]: JSON.stringify(runtimeConfig(config)),
    };
    delete env[ENV.witnesses];

    expect(() => createCheckerHandler(env, mockedCheckerClients())).not.toThrow();
  });

  it('reads a broken config when it is built, not at the first event', () => {
    expect(() => createCheckerHandler({ [ENV.moverFunction]: 'm' })).toThrow(
      /VIP_FAILOVER_CONFIG is missing from the environment/,
    );
  });
});

describe('createWitnessHandler', () => {
  it('answers a warm-up with why its zone is unknown outside Lambda, and refuses what the Checker never sends', async () => {
    const handler = createWitnessHandler(deployedEnv());

    await expect(handler({ kind: 'warm' })).resolves.toEqual({
      zoneError: 'AWS_LAMBDA_METADATA_API is not set: not running in Lambda',
    });
    await expect(handler({ target: 'db-b' })).rejects.toMatchObject({
      name: 'InvalidWitnessRequestError',
    });
  });

  it('reads a broken config when it is built, not at the first event', () => {
    expect(() => createWitnessHandler({})).toThrow(/VIP_FAILOVER_CONFIG is missing/);
  });
});

describe('createMoverHandler', () => {
  it('reads a broken config when it is built, not at the first event', () => {
    expect(() => createMoverHandler({ [ENV.config]: '{' })).toThrow(/is not JSON/);
  });

  describe('a request that does not prove its origin', () => {
    const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db';
    function mockedMover() {
      const clients = {
        ec2: new EC2Client({ region: 'eu-west-1' }),
        ssm: new SSMClient({ region: 'eu-west-1' }),
        logs: new CloudWatchLogsClient({ region: 'eu-west-1' }),
        secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      };
      const mocks = {
        ec2: mockClient(clients.ec2),
        ssm: mockClient(clients.ssm),
        secrets: mockClient(clients.secrets),
        sns: mockClient(clients.sns),
      };
      mocks.secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
        SecretString: `key of ${input.SecretId}`,
      }));
      mocks.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
      const handler = createMoverHandler({ ...deployedEnv(), [ENV.topicArn]: TOPIC }, clients);
      return { handler, mocks };
    }
    const operatorKey = `key of ${deployedNames(exampleConfig()).operatorKey}`;

    it.each([
      ['unsigned', { target: 'db-b', reason: 'maintenance', by: 'mallory', force: true }],
      [
        'wrongly signed',
        signRequest(
          { target: 'db-b', reason: 'maintenance', by: 'mallory', force: true },
          { group: exampleConfig().name, signer: 'operator', key: 'a guess' },
          Date.now(),
        ),
      ],
    ])('is refused when %s, alerted, and nothing is read or written', async (_what, event) => {
      // Prepare
      const { handler, mocks } = mockedMover();

      // Act
      const result = await handler(event);

      // Assess
      expect(result).toMatchObject({ status: 'refused', target: 'db-b', recordWritten: false });
      expect(mocks.ec2.calls()).toHaveLength(0);
      expect(mocks.ssm.calls()).toHaveLength(0);
      expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, {
        TopicArn: TOPIC,
        Subject: expect.stringMatching(
          /^\[orders-db\] Move REFUSED to db-b: (unsigned|bad-signature)$/,
        ),
      });
    });

    it("refuses an operator's signed request once it is replayed", async () => {
      // Prepare
      const { handler, mocks } = mockedMover();
      mocks.ec2.on(DescribeRouteTablesCommand).rejects(new Error('no tables in this spec'));
      const request = signRequest(
        { target: 'db-b', reason: 'maintenance', by: 'alice', force: true },
        { group: exampleConfig().name, signer: 'operator', key: operatorKey },
        Date.now(),
      );
      await handler(request).catch(() => undefined);

      // Act
      const replay = await handler(request);

      // Assess
      expect(replay).toMatchObject({ status: 'refused' });
      expect(replay.detail).toMatch(/^refused: nonce .* was already acted on$/);
    });
  });
});

describe('checkerClients and moverClients', () => {
  it('aim every client at the endpoint, region and credentials of the env they are given', async () => {
    // Prepare / Act
    const clients = [
      ...Object.values(checkerClients(localEnv())),
      ...Object.values(moverClients(localEnv())),
    ];

    // Assess
    for (const client of clients) {
      const config = client.config as {
        region: () => Promise<string>;
        credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }>;
        endpoint?: () => Promise<{ hostname: string; port?: number; protocol: string }>;
      };
      await expect(config.region()).resolves.toBe('ap-southeast-2');
      await expect(config.credentials()).resolves.toMatchObject({
        accessKeyId: 'local-key',
        secretAccessKey: 'local-secret',
      });
      await expect(config.endpoint?.()).resolves.toMatchObject({
        hostname: '127.0.0.1',
        port: 4599,
        protocol: 'http:',
      });
      client.destroy();
    }
  });
});
