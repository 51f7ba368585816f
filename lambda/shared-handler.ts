/**
 * What both handler factories take from the environment they are given: where AWS is and who
 * we are (client settings), and how much to log. In Lambda that environment is process.env; a
 * drill or a test passes its own, so two handlers in one process can reach two endpoints.
 */
import { LogLevelThreshold, type Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { invocationLogger, logger } from './domain/log';

/** SDK client settings named by `env`; the SDK's own defaults fill whatever it leaves out. */
export interface AwsClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/**
 * The endpoint, region and credentials `env` names. Explicit settings, because the SDK would
 * otherwise read them from process.env, which is not the environment this handler was given.
 */
export function awsClientSettings(env: NodeJS.ProcessEnv): AwsClientSettings {
  const { AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = env;
  return {
    ...(AWS_ENDPOINT_URL ? { endpoint: AWS_ENDPOINT_URL } : {}),
    ...(AWS_REGION ? { region: AWS_REGION } : {}),
    ...(AWS_ACCESS_KEY_ID && AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: AWS_ACCESS_KEY_ID,
            secretAccessKey: AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/**
 * An SDK client's socket deadlines: connecting, then the whole request. The SDK's handler only
 * warns when `requestTimeout` passes unless told to throw, so without `throwOnRequestTimeout` an
 * endpoint that accepts the connection and never answers holds the call for minutes.
 */
export function sdkDeadlines(
  connectionTimeoutMs: number,
  requestTimeoutMs: number,
): { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true } {
  return {
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
}

type LogLevel = Parameters<Logger['setLogLevel']>[0];

/**
 * A function giving each invocation its own logger (its lines carry the request id) at the level
 * `env` names, when it names one; Powertools reads process.env only, at load.
 */
export function invocationLoggers(env: NodeJS.ProcessEnv): (context?: Context) => Logger {
  const named = (env.POWERTOOLS_LOG_LEVEL ?? env.LOG_LEVEL)?.toUpperCase();
  // In Lambda the shared logger has read this same level already.
  if (named === undefined || named === logger.getLevelName()) return invocationLogger;
  if (!(named in LogLevelThreshold)) {
    throw new Error(
      `POWERTOOLS_LOG_LEVEL ${JSON.stringify(named)} is not a log level; use one of ${Object.keys(LogLevelThreshold).join(', ')}`,
    );
  }
  return (context) => {
    const log = invocationLogger(context);
    log.setLogLevel(named as LogLevel);
    return log;
  };
}
