/** Real SDK v3 clients aimed at a LocalAws endpoint, for tests. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LOCAL_CREDENTIALS, LocalAws, type LocalAwsOptions } from '../../tools/local-aws';

export interface LocalEndpoint {
  readonly endpoint: string;
  readonly region: string;
}

/**
 * Client config for the emulator. One attempt by default, so a test sees each injected error
 * itself rather than the SDK's retry of it.
 */
export function clientConfig(aws: LocalEndpoint, options: { maxAttempts?: number } = {}) {
  return {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { ...LOCAL_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 1,
  };
}

export interface LocalClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  /** Closes the clients' sockets, so jest exits cleanly. */
  destroy(): void;
}

export function localClients(
  aws: LocalEndpoint,
  options: { maxAttempts?: number } = {},
): LocalClients {
  const config = clientConfig(aws, options);
  const ec2 = new EC2Client(config);
  const ssm = new SSMClient(config);
  const secrets = new SecretsManagerClient(config);
  const lambda = new LambdaClient(config);
  return {
    ec2,
    ssm,
    secrets,
    lambda,
    destroy: () => {
      for (const c of [ec2, ssm, secrets, lambda]) c.destroy();
    },
  };
}

/** Error name and HTTP status of a rejected SDK call, for compact assertions. */
export async function sdkError(
  p: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string; error: Error }> {
  try {
    await p;
  } catch (e) {
    const error = e as Error & { $metadata?: { httpStatusCode?: number } };
    return {
      name: error.name,
      status: error.$metadata?.httpStatusCode,
      message: error.message,
      error,
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * One endpoint and its clients for a whole spec file: starts them before the first test, hands
 * them to `use`, and closes both after the last.
 */
export function useLocalAws(
  use: (started: { aws: LocalAws; c: LocalClients }) => void,
  options: LocalAwsOptions = {},
): void {
  let started: { aws: LocalAws; c: LocalClients } | undefined;
  beforeAll(async () => {
    const aws = await LocalAws.start(options);
    started = { aws, c: localClients(aws) };
    use(started);
  });
  afterAll(async () => {
    started?.c.destroy();
    await started?.aws.stop();
  });
}
