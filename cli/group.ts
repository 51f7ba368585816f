/**
 * The group an operator steers: its validated config, the names of what the stack deployed, and
 * clients. Found from a local config file (--config) or from the deployed Checker (--group).
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  deployedNames,
  ENV,
  loadRuntimeConfig,
  validateConfig,
  type FailoverConfig,
} from '../config';
import { awsErrorName } from '../lambda/domain/errors';
import { awsClientSettings, sdkDeadlines } from '../lambda/shared-handler';
import { CliError } from './errors';

export { CliError } from './errors';

export interface Group {
  readonly config: FailoverConfig;
  /** The Mover function to invoke for manual moves. */
  readonly moverFunction: string;
  readonly statusParameterName: string;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  /** Reads the operator key that signs a move (docs/security.md). */
  readonly secrets: SecretsManagerClient;
  /** Reads the group's alarm states for `status`. */
  readonly cloudwatch: CloudWatchClient;
  /** Reads the move log for `history`. */
  readonly logs: CloudWatchLogsClient;
}

/** Where the CLI reaches AWS: the usual environment, with --region before it. */
export interface Reach {
  readonly env: NodeJS.ProcessEnv;
  readonly region?: string;
}

function settings(reach: Reach, fallbackRegion?: string) {
  const s = awsClientSettings(reach.env);
  return {
    ...s,
    region: reach.region ?? s.region ?? reach.env.AWS_DEFAULT_REGION ?? fallbackRegion,
  };
}

/** A Lambda client for finding groups; it needs a region from --region or the environment. */
export function lambdaClient(reach: Reach): LambdaClient {
  const aws = settings(reach);
  if (!aws.region)
    throw new CliError(
      'no AWS region: pass --region (such as --region eu-west-1) or set AWS_REGION',
    );
  return new LambdaClient({ ...aws, maxAttempts: 2, requestHandler: CALL_DEADLINES });
}

/**
 * Deadlines on every call, so an endpoint that accepts the connection and never answers fails the
 * command in seconds instead of hanging it; a move may take the Mover's whole timeout.
 */
export const CLI_CONNECT_MS = 3000;
export const CLI_REQUEST_MS = 5000;
const CALL_DEADLINES = sdkDeadlines(CLI_CONNECT_MS, CLI_REQUEST_MS);

function groupOf(config: FailoverConfig, moverFunction: string, reach: Reach): Group {
  const aws = settings(reach, config.region);
  const requestHandler = CALL_DEADLINES;
  const moveMs = config.mover.timeoutSeconds * 1000 + CLI_REQUEST_MS;
  return {
    config,
    moverFunction,
    statusParameterName: config.statusParameterName,
    ec2: new EC2Client({ ...aws, maxAttempts: 2, requestHandler }),
    ssm: new SSMClient({ ...aws, maxAttempts: 2, requestHandler }),
    lambda: new LambdaClient({
      ...aws,
      maxAttempts: 1,
      requestHandler: sdkDeadlines(CLI_CONNECT_MS, moveMs),
    }),
    secrets: new SecretsManagerClient({ ...aws, maxAttempts: 2, requestHandler }),
    cloudwatch: new CloudWatchClient({ ...aws, maxAttempts: 2, requestHandler }),
    logs: new CloudWatchLogsClient({ ...aws, maxAttempts: 2, requestHandler }),
  };
}

/** Reads and validates the group's config from a file; the fix is in the message. */
export function loadGroup(file: string, reach: Reach, moverFunction: string | undefined): Group {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read --config ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--config ${file} is not JSON: ${(e as Error).message}`);
  }
  const config = validateConfig(input);
  return groupOf(config, moverFunction ?? deployedNames(config).moverFunction, reach);
}

/**
 * Finds a deployed group by name: the stack names its Checker after the group and gives it the
 * validated config in its environment (lambda:GetFunctionConfiguration reads it).
 */
export async function findGroup(
  name: string,
  reach: Reach,
  moverFunction: string | undefined,
): Promise<Group> {
  const lambda = lambdaClient(reach);
  const region = settings(reach).region;
  const checker = deployedNames({ name }).checkerFunction;
  const out = await lambda
    .send(new GetFunctionConfigurationCommand({ FunctionName: checker }))
    .catch((e: unknown) => {
      if (awsErrorName(e) !== 'ResourceNotFoundException') throw e;
      throw new CliError(
        `--group ${name}: no function ${checker} in ${region}; run vip-failover list --region ${region} to see the groups deployed there, or use --config FILE`,
      );
    });
  const env = out.Environment?.Variables ?? {};
  if (!env[ENV.config])
    throw new CliError(
      `--group ${name}: ${checker} has no ${ENV.config} in its environment; it was not deployed by the vip-failover stack; use --config FILE`,
    );
  const { config } = loadRuntimeConfig(env);
  return groupOf(
    config,
    moverFunction ?? env[ENV.moverFunction] ?? deployedNames(config).moverFunction,
    reach,
  );
}

const NETWORK_ERROR = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|EAI_AGAIN)\b/;

/** An SDK or network error as one line that says what to do. */
export function explain(e: unknown, endpoint: string | undefined): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const where = endpoint ?? 'AWS';
  // The SDK wraps socket errors ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...").
  const code = [err.code, err.cause?.code, err.message]
    .map((text) => NETWORK_ERROR.exec(text ?? '')?.[1])
    .find(Boolean);
  if (err.name === 'CredentialsProviderError')
    return 'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for a local endpoint)';
  // Before the network codes: the SDK's request deadline also says ETIMEDOUT.
  if (err.name === 'TimeoutError') return timeoutLine(err.message ?? '', where);
  if (code)
    return `cannot reach ${where} (${code}); check AWS_ENDPOINT_URL, the network, or the region`;
  if (/region/i.test(err.message ?? '') && /missing/i.test(err.message ?? ''))
    return 'no AWS region: set AWS_REGION, or name the region in the config';
  return `${err.name ?? 'Error'}: ${err.message ?? String(e)}`;
}

/** A call that ran out of its deadline, in one line naming the endpoint and the deadline. */
function timeoutLine(message: string, where: string): string {
  const ms = /(\d+) ms/.exec(message)?.[1];
  const fix = 'check AWS_ENDPOINT_URL, the network, or the region, and try again';
  if (/establish a connection/.test(message))
    return `cannot reach ${where}: no connection within ${ms ?? CLI_CONNECT_MS} ms; ${fix}`;
  return `${where} accepted the connection but did not answer within ${ms ?? CLI_REQUEST_MS} ms; ${fix}`;
}
