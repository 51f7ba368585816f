/**
 * A function as the stack deployed it: its configuration read back from the emulator, and its
 * code fetched from the S3 object the function was created from, checked against the emulator's
 * CodeSha256 and extracted, ready to run in a {@link FunctionContainer}.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { AwsWire } from './aws-wire';
import { FunctionContainer } from './function-container';
import type { Template } from './synth';
import type { AwsTarget } from './world';
import { unzip } from './zip';

/** Where the Lambda Node.js runtime's own AWS SDK is, in this stand-in for it. */
const RUNTIME_NODE_PATH = resolve(__dirname, '..', '..', 'node_modules');

export interface DeployedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly configuration: FunctionConfiguration;
  readonly reservedConcurrency?: number;
  /** The extracted code: what LAMBDA_TASK_ROOT holds. */
  readonly codeDir: string;
}

/** Reads a function back from the emulator and fetches its code. */
export async function fetchDeployedFunction(options: {
  readonly lambda: LambdaClient;
  readonly wire: AwsWire;
  readonly python: string;
  readonly template: Template;
  readonly logicalId: string;
  readonly name: string;
  readonly workDir: string;
}): Promise<DeployedFunction> {
  const { lambda, logicalId, name } = options;
  const configuration = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: name }),
  );
  const concurrency = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
  const code = options.template.Resources[logicalId]?.Properties?.Code as
    { S3Bucket?: unknown; S3Key?: unknown } | undefined;
  if (typeof code?.S3Bucket !== 'string' || typeof code.S3Key !== 'string') {
    throw new Error(
      `${logicalId}: Code is ${JSON.stringify(code)}; the deploy check runs code published to S3 as literal S3Bucket/S3Key (the default synthesizer with the stack's account and region)`,
    );
  }
  const zip = (await options.wire.rest('s3', 'GET', `/${code.S3Bucket}/${code.S3Key}`)).body;
  const sha256 = createHash('sha256').update(zip).digest('base64');
  if (configuration.CodeSha256 && configuration.CodeSha256 !== sha256) {
    throw new Error(
      `${logicalId}: s3://${code.S3Bucket}/${code.S3Key} has CodeSha256 ${sha256} but the function ${name} was created with ${configuration.CodeSha256}`,
    );
  }
  const dir = join(options.workDir, 'functions', logicalId);
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}.zip`, zip);
  await unzip(options.python, `${dir}.zip`, dir);
  return {
    logicalId,
    name,
    arn: configuration.FunctionArn ?? name,
    configuration,
    reservedConcurrency: concurrency.ReservedConcurrentExecutions,
    codeDir: dir,
  };
}

/**
 * The environment Lambda gives the function: its configured variables, then the runtime's
 * reserved ones (which a function cannot override), with AWS aimed at `endpoint`. `reserved`
 * adds more of the runtime's own, such as the metadata endpoint's.
 */
export function lambdaEnvironment(
  fn: DeployedFunction,
  aws: AwsTarget,
  endpoint: string,
  reserved: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const c = fn.configuration;
  const logGroup = c.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn.name}`;
  return {
    ...(c.Environment?.Variables ?? {}),
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: c.Version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize ?? 128),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: `deploy-check/[$LATEST]/${fn.logicalId}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime ?? 'nodejs'}`,
    LAMBDA_TASK_ROOT: fn.codeDir,
    _HANDLER: c.Handler ?? 'index.handler',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH,
    // As Lambda's runtime does: its own AWS SDK v3 on the module path (our bundles carry theirs).
    NODE_PATH: RUNTIME_NODE_PATH,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'deploy-check-session',
    AWS_ENDPOINT_URL: endpoint,
    ...reserved,
  };
}

/** Starts the function's code with its deployed environment (and `reserved`, as above). */
export function startContainer(
  fn: DeployedFunction,
  aws: AwsTarget,
  endpoint: string,
  onLog: (line: string) => void,
  loopbackHttpsPort?: number,
  reserved: Readonly<Record<string, string>> = {},
): Promise<FunctionContainer> {
  return FunctionContainer.start({
    name: fn.name,
    functionArn: fn.arn,
    codeDir: fn.codeDir,
    env: lambdaEnvironment(fn, aws, endpoint, reserved),
    timeoutSeconds: fn.configuration.Timeout ?? 3,
    onLog,
    loopbackHttpsPort,
  });
}
