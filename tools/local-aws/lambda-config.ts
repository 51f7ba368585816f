/**
 * Lambda's read-only control-plane calls over REST-JSON: GetFunctionConfiguration and
 * ListFunctions, as tools that find a deployment (the operators' CLI's --group and list) call them.
 */
import type { LambdaEmulator } from './lambda';
import { AwsError, type Reply } from './protocol';

export interface FunctionConfigParams {
  readonly functionName: string;
}

export interface ListFunctionsParams {
  readonly marker?: string;
  readonly maxItems?: string;
}

const json = (body: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A name or ARN, as GetFunctionConfiguration accepts it; the name is the last `function:` part. */
function nameOf(ref: string): string {
  const m = /(?:^|:function:)([A-Za-z0-9_-]+)(?::[$A-Za-z0-9_-]+)?$/.exec(ref);
  return m?.[1] ?? ref;
}

export function handleGetFunctionConfiguration(
  lambda: LambdaEmulator,
  p: FunctionConfigParams,
): Reply {
  const name = nameOf(p.functionName);
  const view = lambda.configurationOf(name);
  if (!view)
    throw new AwsError(
      'ResourceNotFoundException',
      `Function not found: ${lambda.arnOf(name)}`,
      404,
    );
  return json(view);
}

/** Pages of at most `MaxItems` (50 by default, as Lambda), the marker being the next name. */
export function handleListFunctions(lambda: LambdaEmulator, p: ListFunctionsParams): Reply {
  const max = p.maxItems === undefined ? 50 : Number(p.maxItems);
  if (!Number.isInteger(max) || max < 1 || max > 10_000)
    throw new AwsError('InvalidParameterValueException', `MaxItems ${p.maxItems} must be 1-10000`);
  const names = lambda.names();
  const start = p.marker === undefined ? 0 : names.indexOf(p.marker);
  if (start < 0) throw new AwsError('InvalidParameterValueException', `Invalid Marker ${p.marker}`);
  const page = names.slice(start, start + max);
  const next = names[start + max];
  return json({
    Functions: page.map((n) => lambda.configurationOf(n)),
    ...(next !== undefined ? { NextMarker: next } : {}),
  });
}
