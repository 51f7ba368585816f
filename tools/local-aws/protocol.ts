/** What every emulated service shares: the error type, the reply shape and the error envelopes. */
import { ec2ErrorResponse, snsErrorResponse } from './xml';

export type ServiceName =
  'ec2' | 'ssm' | 'secretsmanager' | 'lambda' | 'sns' | 'cloudwatch' | 'logs';

/** An AWS error as the service would send it; `fields` are extra members of the error shape. */
export class AwsError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status = 400,
    public readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** An HTTP answer before it is written. */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export const JSON_11 = 'application/x-amz-json-1.1';

export function jsonReply(body: unknown, status = 200): Reply {
  return { status, headers: { 'content-type': JSON_11 }, body: JSON.stringify(body) };
}

/**
 * The error in the envelope each protocol uses, so that the SDK names it: EC2 reads
 * `Errors.Error.Code`, JSON 1.0 and 1.1 read `__type`, Lambda's REST-JSON reads `x-amzn-ErrorType`.
 */
export function errorReply(service: ServiceName, err: AwsError, requestId: string): Reply {
  switch (service) {
    case 'ec2':
      return {
        status: err.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: ec2ErrorResponse(err.code, err.message, requestId),
      };
    case 'sns':
      return {
        status: err.status,
        headers: { 'content-type': 'text/xml' },
        body: snsErrorResponse(err.code, err.message, requestId, err.status),
      };
    case 'ssm':
    case 'secretsmanager':
    case 'logs':
      return {
        status: err.status,
        headers: { 'content-type': JSON_11 },
        body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
      };
    case 'cloudwatch':
      // JSON 1.0, query-compatible: the SDK takes the code from x-amzn-query-error first.
      return {
        status: err.status,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': `${err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}`,
        },
        body: JSON.stringify({ __type: err.code, message: err.message }),
      };
    case 'lambda':
      return {
        status: err.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code },
        body: JSON.stringify({
          Type: err.status >= 500 ? 'Service' : 'User',
          message: err.message,
          ...err.fields,
        }),
      };
  }
}

/** Calls that change state: the ones a crashed invocation must not get applied. */
export const MUTATING: Readonly<Record<ServiceName, ReadonlySet<string>>> = {
  ec2: new Set(['CreateRoute', 'ReplaceRoute', 'DeleteRoute']),
  ssm: new Set([
    'PutParameter',
    'DeleteParameter',
    'LabelParameterVersion',
    'UnlabelParameterVersion',
  ]),
  secretsmanager: new Set(['PutSecretValue', 'CreateSecret']),
  lambda: new Set(),
  sns: new Set(['Publish']),
  cloudwatch: new Set(),
  logs: new Set(['CreateLogGroup', 'CreateLogStream', 'PutLogEvents']),
};

/** Reads a required string member of a JSON request, as the JSON protocols validate it. */
export function requireString(params: Record<string, unknown>, member: string): string {
  const value = params[member];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(
  params: Record<string, unknown>,
  member: string,
): string | undefined {
  const value = params[member];
  return typeof value === 'string' ? value : undefined;
}

/** Epoch seconds with milliseconds, the JSON protocols' timestamp format. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
