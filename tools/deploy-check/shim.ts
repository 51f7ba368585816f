/**
 * A proxy in front of moto on 127.0.0.1. Every request reaches moto unchanged, except Lambda
 * Invoke of a function whose code the check runs (moto cannot run code without Docker): that is
 * answered by running the function's deployed code, as Lambda's Invoke would answer. The bodies
 * of CloudFormation custom resource responses passing through are kept, so a provider's FAILED
 * answer (which moto drops) is seen.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsWire } from './aws-wire';
import type { FunctionContainer, Invocation } from './function-container';

export interface ShimOptions {
  /** Credentials to sign with where moto needs a request's region (see customResourceResponse). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly onInvocation?: (inv: ServedInvocation) => void;
}

/** A function the shim runs itself. */
export interface ServedFunction {
  readonly name: string;
  readonly arn: string;
  readonly container: FunctionContainer;
  /** Reserved concurrency read back from the deployment, if any. */
  readonly reservedConcurrency?: number;
}

/** One Invoke the shim served. */
export interface ServedInvocation {
  readonly functionName: string;
  readonly requestId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly event: unknown;
  readonly result: Invocation | 'throttled';
}

/** A custom resource provider's answer on its way to CloudFormation. */
export interface CustomResourceResponse {
  readonly Status?: string;
  readonly Reason?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly StackId?: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CFN_RESPONSE_PATH = /^\/cloudformation_([^/]+)\/cfnresponse$/;
/** A function name, `name:qualifier`, a partial ARN or a full ARN, as Invoke accepts. */
const FUNCTION_REF =
  /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([A-Za-z0-9_-]+)(?::[$A-Za-z0-9_-]+)?$/;

export class Shim {
  readonly invocations: ServedInvocation[] = [];
  readonly customResourceResponses: CustomResourceResponse[] = [];
  /** Each call passed on to moto: `service Action` and moto's HTTP status. */
  readonly forwarded: ForwardedCall[] = [];
  private readonly served = new Map<string, ServedFunction>();
  private readonly background = new Set<Promise<unknown>>();

  private constructor(
    private readonly server: Server,
    private readonly moto: URL,
    private readonly credentials: ShimOptions['credentials'],
    private readonly onInvocation: (inv: ServedInvocation) => void,
  ) {}

  static async start(motoEndpoint: string, options: ShimOptions): Promise<Shim> {
    const server = createServer();
    const shim = new Shim(
      server,
      new URL(motoEndpoint),
      options.credentials,
      options.onInvocation ?? (() => undefined),
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      shim.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`deploy-check shim: ${(e as Error).message}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return shim;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** From now on, Invoke of this function runs its container. */
  serve(fn: ServedFunction): void {
    this.served.set(fn.name, fn);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.background]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const invoke = req.method === 'POST' ? INVOKE_PATH.exec(path) : null;
    const name = invoke && FUNCTION_REF.exec(decodeURIComponent(invoke[1] ?? ''))?.[1];
    const fn = name ? this.served.get(name) : undefined;
    if (fn) return this.invoke(fn, req, body, res);
    const cfnResponse = req.method === 'PUT' ? CFN_RESPONSE_PATH.exec(path) : null;
    if (cfnResponse) return this.customResourceResponse(cfnResponse[1] ?? '', req, body, res);
    return this.forward(req, body, res);
  }

  /**
   * Keeps the provider's answer, and passes it on signed for the region the URL names: moto
   * looks the stack up in the region of the request's credentials (us-east-1 for a provider's
   * unsigned PUT), not the one in its own response URL.
   */
  private async customResourceResponse(
    region: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    try {
      this.customResourceResponses.push(
        JSON.parse(body.toString('utf8')) as CustomResourceResponse,
      );
    } catch {
      this.customResourceResponses.push({ Status: 'UNREADABLE', Reason: body.toString('utf8') });
    }
    const wire = new AwsWire({ endpoint: this.moto.origin, region, ...this.credentials });
    const answer = await wire.send('cloudformation', 'PUT', req.url ?? '/', body, {});
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'text/xml',
    });
    res.end(answer.body);
  }

  private async invoke(
    fn: ServedFunction,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const requestId = randomUUID();
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let event: unknown;
    try {
      event = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch (e) {
      return awsError(
        res,
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(e as Error).message}`,
      );
    }
    if (type === 'DryRun') return void res.writeHead(204).end();
    if (fn.reservedConcurrency !== undefined && fn.container.busy >= fn.reservedConcurrency) {
      this.record(fn, requestId, Date.now(), event, 'throttled');
      return awsError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    const startedAt = Date.now();
    const running = fn.container.invoke(event, requestId).then((result) => {
      this.record(fn, requestId, startedAt, event, result);
      return result;
    });
    if (type === 'Event') {
      this.background.add(running);
      void running.finally(() => this.background.delete(running));
      res.writeHead(202, { 'x-amzn-requestid': requestId }).end();
      return;
    }
    const result = await running;
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-executed-version': '$LATEST',
      ...(result.ok ? {} : { 'x-amz-function-error': 'Unhandled' }),
    });
    res.end(result.payload);
  }

  private record(
    fn: ServedFunction,
    requestId: string,
    startedAt: number,
    event: unknown,
    result: Invocation | 'throttled',
  ): void {
    const inv = { functionName: fn.name, requestId, startedAt, endedAt: Date.now(), event, result };
    this.invocations.push(inv);
    this.onInvocation(inv);
  }

  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: this.moto.hostname,
          port: this.moto.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          this.forwarded.push({ call: callName(req, body), status: answer.statusCode ?? 502 });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', reject);
        },
      );
      out.once('error', reject);
      out.end(body);
    });
  }
}

/** A call passed on to moto. */
export interface ForwardedCall {
  /** `service Action`, such as `ec2 DescribeRouteTables`. */
  readonly call: string;
  readonly status: number;
}

/**
 * The service (from the signature's credential scope) and the action: the JSON target, the
 * Query `Action`, or the REST method and path.
 */
function callName(req: IncomingMessage, body: Buffer): string {
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(
    req.headers.authorization ?? '',
  )?.[1];
  const target = req.headers['x-amz-target'];
  const action =
    (typeof target === 'string' ? target.split('.').pop() : undefined) ??
    (String(req.headers['content-type']).includes('x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8')).get('Action')
      : null) ??
    `${req.method} ${(req.url ?? '').split('?')[0]}`;
  return `${service ?? '?'} ${action}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Lambda's REST-JSON error: the type in a header and in the body. */
function awsError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: 'User', message, ...extra }));
}
