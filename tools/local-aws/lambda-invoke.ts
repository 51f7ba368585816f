/**
 * Lambda's Invoke action over REST-JSON: the function name or ARN, the invocation type, the
 * payload limits and the answer's headers. Running the function is LambdaEmulator's job.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaEmulator } from './lambda';
import type { Ending } from './lambda-runtime';
import { AwsError, type Reply } from './protocol';

/** The Invoke request, as read off the wire. */
export interface InvokeParams {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType?: string;
  readonly logType?: string;
  readonly payload: Buffer;
}

const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT = 256 * 1024;
const FUNCTION_REF =
  /^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:|(\d{12}):function:)?([A-Za-z0-9_-]+)(?::([$A-Za-z0-9_-]+))?$/;

/** Accepts a name, `name:$LATEST`, a partial ARN or a full ARN, as Invoke does; returns the name. */
function functionNameOf(
  lambda: LambdaEmulator,
  nameOrArn: string,
  qualifierParam?: string,
): string {
  const m = FUNCTION_REF.exec(nameOrArn);
  if (!m) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${nameOrArn}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
    );
  }
  const [, region, account, partialAccount, name = '', inlineQualifier] = m;
  const qualifier = inlineQualifier ?? qualifierParam;
  const sameAccount = (account ?? partialAccount ?? lambda.accountId) === lambda.accountId;
  const sameRegion = (region ?? lambda.region) === lambda.region;
  if (
    !lambda.has(name) ||
    !sameAccount ||
    !sameRegion ||
    (qualifier !== undefined && qualifier !== '$LATEST')
  ) {
    const arn = `${lambda.arnOf(name)}${qualifier ? `:${qualifier}` : ''}`;
    throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
  }
  return name;
}

function eventOf(payload: Buffer): unknown {
  if (payload.length === 0) return {};
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new AwsError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(e as Error).message}`,
    );
  }
}

/** The base64 log tail Lambda returns with LogType=Tail: here only the platform lines. */
function logTail(requestId: string, end: Ending): string {
  const lines = [
    `START RequestId: ${requestId} Version: $LATEST`,
    ...(end.outcome === 'succeeded' ? [] : [`${end.errorType ?? 'Error'}: ${end.payload}`]),
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}`,
  ];
  return Buffer.from(lines.join('\n') + '\n').toString('base64');
}

/** `requestId` is the HTTP request's id: Lambda uses the same id for the invocation. */
export async function handleInvoke(
  lambda: LambdaEmulator,
  p: InvokeParams,
  requestId: string = randomUUID(),
): Promise<Reply> {
  const name = functionNameOf(lambda, p.functionName, p.qualifier);
  const type = p.invocationType ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
    throw new AwsError('InvalidParameterValueException', `Unsupported InvocationType: ${type}`);
  }
  const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
  if (p.payload.length > limit) {
    throw new AwsError(
      'RequestTooLargeException',
      `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      413,
    );
  }
  const event = eventOf(p.payload);
  if (type === 'DryRun') return { status: 204 };
  if (type === 'Event') {
    lambda.enqueue(name, event, requestId);
    return { status: 202, headers: { 'content-type': 'application/json' }, body: '' };
  }
  const running = lambda.startSync(name, event, requestId);
  if (!running) {
    throw new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, {
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  }
  const end = await running;
  return {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      ...(end.outcome === 'succeeded' ? {} : { 'x-amz-function-error': 'Unhandled' }),
      ...(p.logType === 'Tail' ? { 'x-amz-log-result': logTail(requestId, end) } : {}),
    },
    body: end.payload,
  };
}
