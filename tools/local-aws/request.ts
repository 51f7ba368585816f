/**
 * Reading a request: which service and action it is, in which protocol (EC2 Query, JSON 1.1 by
 * X-Amz-Target, Lambda's REST path), and how the call log shows its parameters.
 */
import type http from 'node:http';
import type { FunctionConfigParams, ListFunctionsParams } from './lambda-config';
import type { InvokeParams } from './lambda-invoke';
import { AwsError, type ServiceName } from './protocol';
import { SNS_VERSION } from './xml';

export type ParsedCall =
  | {
      readonly service: 'ec2' | 'sns';
      readonly action: string;
      readonly params: Record<string, string>;
    }
  | {
      readonly service: 'ssm' | 'secretsmanager' | 'cloudwatch' | 'logs';
      readonly action: string;
      readonly params: Record<string, unknown>;
    }
  | { readonly service: 'lambda'; readonly action: 'Invoke'; readonly params: InvokeParams }
  | {
      readonly service: 'lambda';
      readonly action: 'GetFunctionConfiguration';
      readonly params: FunctionConfigParams;
    }
  | {
      readonly service: 'lambda';
      readonly action: 'ListFunctions';
      readonly params: ListFunctionsParams;
    };

/** A request we cannot even place: answered in the closest protocol, never dispatched. */
export class Unplaceable extends Error {
  constructor(
    readonly service: ServiceName,
    readonly error: AwsError,
  ) {
    super(error.message);
  }
}

/** Above Lambda's 6 MB payload limit, so that limit is the one reported. */
const MAX_BODY = 7 * 1024 * 1024;
const LAMBDA_INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const LAMBDA_CONFIGURATION = /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/;
const LAMBDA_LIST = /^\/2015-03-31\/functions\/?$/;
const JSON_TARGETS: Record<string, 'ssm' | 'secretsmanager' | 'cloudwatch' | 'logs'> = {
  AmazonSSM: 'ssm',
  Logs_20140328: 'logs',
  secretsmanager: 'secretsmanager',
  GraniteServiceVersion20100801: 'cloudwatch',
};

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseCall(req: http.IncomingMessage, body: Buffer): ParsedCall {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const invoke = LAMBDA_INVOKE.exec(url.pathname);
  if (invoke && req.method === 'POST') {
    return {
      service: 'lambda',
      action: 'Invoke',
      params: {
        functionName: decodeURIComponent(invoke[1] as string),
        qualifier: url.searchParams.get('Qualifier') ?? undefined,
        invocationType: header('x-amz-invocation-type'),
        logType: header('x-amz-log-type'),
        payload: body,
      },
    };
  }
  const configuration = LAMBDA_CONFIGURATION.exec(url.pathname);
  if (configuration && req.method === 'GET') {
    return {
      service: 'lambda',
      action: 'GetFunctionConfiguration',
      params: { functionName: decodeURIComponent(configuration[1] as string) },
    };
  }
  if (LAMBDA_LIST.test(url.pathname) && req.method === 'GET') {
    return {
      service: 'lambda',
      action: 'ListFunctions',
      params: {
        marker: url.searchParams.get('Marker') ?? undefined,
        maxItems: url.searchParams.get('MaxItems') ?? undefined,
      },
    };
  }
  if (url.pathname.startsWith('/2015-03-31/')) {
    throw new Unplaceable(
      'lambda',
      new AwsError(
        'UnknownOperationException',
        `local-aws emulates only Invoke, GetFunctionConfiguration and ListFunctions, not ${req.method} ${url.pathname}`,
        404,
      ),
    );
  }
  const target = header('x-amz-target');
  if (target) {
    const [prefix, action] = target.split('.', 2);
    const service = JSON_TARGETS[prefix ?? ''];
    if (!service || !action) {
      throw new Unplaceable(
        'ssm',
        new AwsError('UnknownOperationException', `local-aws does not emulate ${target}`),
      );
    }
    let params: unknown;
    try {
      params = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch (e) {
      throw new Unplaceable(
        service,
        new AwsError('SerializationException', `Malformed JSON: ${(e as Error).message}`),
      );
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new Unplaceable(
        service,
        new AwsError('SerializationException', 'Request body must be a JSON object'),
      );
    }
    return { service, action, params: params as Record<string, unknown> };
  }
  // The Query protocol: form fields in the body (POST) or in the query string (GET).
  const form = new URLSearchParams(req.method === 'POST' ? body.toString('utf8') : '');
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  for (const [k, v] of form) params[k] = v;
  const action = params['Action'];
  if (!action) {
    throw new Unplaceable(
      'ec2',
      new AwsError('MissingAction', 'The request must contain the parameter Action'),
    );
  }
  // Both speak the Query protocol; the API version tells them apart.
  return { service: params['Version'] === SNS_VERSION ? 'sns' : 'ec2', action, params };
}

const REDACTED = '***';

/** The parameters as the call log shows them: no secret values, nothing huge. */
export function summarise(call: ParsedCall): Record<string, unknown> {
  const cut = (v: unknown): unknown =>
    typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…` : v;
  switch (call.service) {
    case 'sns':
    case 'ec2': {
      const rest: Record<string, unknown> = { ...call.params };
      delete rest['Action'];
      delete rest['Version'];
      return rest;
    }
    case 'ssm':
    case 'secretsmanager':
    case 'cloudwatch':
    case 'logs': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(call.params)) {
        const secret =
          k === 'SecretString' ||
          k === 'SecretBinary' ||
          (k === 'Value' && call.params['Type'] === 'SecureString');
        out[k] = secret ? REDACTED : cut(v);
      }
      return out;
    }
    case 'lambda':
      if (call.action === 'ListFunctions') return { ...call.params };
      if (call.action === 'GetFunctionConfiguration')
        return { FunctionName: call.params.functionName };
      return {
        FunctionName: call.params.functionName,
        InvocationType: call.params.invocationType ?? 'RequestResponse',
        ...(call.params.qualifier ? { Qualifier: call.params.qualifier } : {}),
        payloadBytes: call.params.payload.length,
      };
  }
}
