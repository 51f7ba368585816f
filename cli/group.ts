/** The group an operator steers: its validated config, the names of what the stack deployed, and clients. */
import { readFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deployedNames, validateConfig, type FailoverConfig } from '../config';
import { awsClientSettings } from '../lambda/shared-handler';

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
}

/** A fault the operator can fix, said in one line (never a stack trace). */
export class CliError extends Error {
  public override readonly name = 'CliError';
}

/** Reads and validates the group's config; the fix is in the message. */
export function loadGroup(
  file: string,
  env: NodeJS.ProcessEnv,
  moverFunction: string | undefined,
): Group {
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
  const settings = awsClientSettings(env);
  const aws = {
    ...settings,
    region: settings.region ?? env.AWS_DEFAULT_REGION ?? config.region,
  };
  return {
    config,
    moverFunction: moverFunction ?? deployedNames(config).moverFunction,
    statusParameterName: config.statusParameterName,
    ec2: new EC2Client({ ...aws, maxAttempts: 2 }),
    ssm: new SSMClient({ ...aws, maxAttempts: 2 }),
    lambda: new LambdaClient({ ...aws, maxAttempts: 1 }),
    secrets: new SecretsManagerClient({ ...aws, maxAttempts: 2 }),
  };
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
  if (code)
    return `cannot reach ${where} (${code}); check AWS_ENDPOINT_URL, the network, or the region`;
  if (err.name === 'TimeoutError') return `${where} did not answer in time; try again`;
  if (/region/i.test(err.message ?? '') && /missing/i.test(err.message ?? ''))
    return 'no AWS region: set AWS_REGION, or name the region in the config';
  return `${err.name ?? 'Error'}: ${err.message ?? String(e)}`;
}
