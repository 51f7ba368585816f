/**
 * The HTTP front: reads a request, works out which service and action it is, applies fault
 * rules and crash semantics, dispatches to the service, and writes the answer in that service's
 * protocol. Listens on 127.0.0.1 only and ignores SigV4 signatures.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { enableAttribution, originOf } from './attribution';
import type { CallLog, CallStart, DropReason } from './calls';
import type { Ec2Query } from './ec2-query';
import type { Faults } from './faults';
import type { InvocationInfo, LambdaEmulator } from './lambda';
import { handleInvoke, type InvokeParams } from './lambda-invoke';
import { AwsError, errorReply, MUTATING, type Reply, type ServiceName } from './protocol';
import type { SecretsModel } from './secrets';
import type { SsmModel } from './ssm';

export interface ServerParts {
  readonly owner: symbol;
  readonly ec2: Ec2Query;
  readonly ssm: SsmModel;
  readonly secrets: SecretsModel;
  readonly lambda: LambdaEmulator;
  readonly faults: Faults;
  readonly log: CallLog;
}

type ParsedCall =
  | { readonly service: 'ec2'; readonly action: string; readonly params: Record<string, string> }
  | {
      readonly service: 'ssm' | 'secretsmanager';
      readonly action: string;
      readonly params: Record<string, unknown>;
    }
  | { readonly service: 'lambda'; readonly action: 'Invoke'; readonly params: InvokeParams };

/** A request we cannot even place: answered in the closest protocol, never dispatched. */
class Unplaceable extends Error {
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
const JSON_TARGETS: Record<string, 'ssm' | 'secretsmanager'> = {
  AmazonSSM: 'ssm',
  secretsmanager: 'secretsmanager',
};
const HOST = '127.0.0.1';

function readBody(req: http.IncomingMessage): Promise<Buffer> {
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

function parseCall(req: http.IncomingMessage, body: Buffer): ParsedCall {
  const url = new URL(req.url ?? '/', `http://${HOST}`);
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
  if (url.pathname.startsWith('/2015-03-31/')) {
    throw new Unplaceable(
      'lambda',
      new AwsError(
        'UnknownOperationException',
        `local-aws emulates only Invoke, not ${req.method} ${url.pathname}`,
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
  return { service: 'ec2', action, params };
}

const REDACTED = '***';

/** The parameters as the call log shows them: no secret values, nothing huge. */
function summarise(call: ParsedCall): Record<string, unknown> {
  const cut = (v: unknown): unknown =>
    typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…` : v;
  switch (call.service) {
    case 'ec2': {
      const rest: Record<string, unknown> = { ...call.params };
      delete rest['Action'];
      delete rest['Version'];
      return rest;
    }
    case 'ssm':
    case 'secretsmanager': {
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
      return {
        FunctionName: call.params.functionName,
        InvocationType: call.params.invocationType ?? 'RequestResponse',
        ...(call.params.qualifier ? { Qualifier: call.params.qualifier } : {}),
        payloadBytes: call.params.payload.length,
      };
  }
}

export class LocalAwsServer {
  private readonly server: http.Server;
  private readonly stopping = new AbortController();
  private releaseAttribution?: () => void;
  private port = 0;
  private stopped?: Promise<void>;

  constructor(private readonly parts: ServerParts) {
    this.server = http.createServer((req, res) => {
      void this.serve(req, res);
    });
    // A sync Invoke may legitimately take minutes; Lambda keeps the connection open that long.
    this.server.requestTimeout = 0;
  }

  /** Listens on 127.0.0.1:`port` (0: any free port); resolves to the port. */
  async listen(port: number): Promise<number> {
    this.releaseAttribution = enableAttribution();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: HOST, port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    }).catch((e: unknown) => {
      this.releaseAttribution?.();
      throw e;
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Releases delayed and held calls, ends invocations, closes every socket. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      this.parts.log.mute();
      this.parts.lambda.stop();
      await new Promise<void>((resolve) => {
        if (!this.server.listening) return resolve();
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
      this.releaseAttribution?.();
    })();
    return this.stopped;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { log, faults, lambda, owner } = this.parts;
    const startedAt = Date.now();
    const requestId = randomUUID();
    const seq = log.nextSeq();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    let call: ParsedCall;
    try {
      call = parseCall(req, body);
    } catch (e) {
      const { service, error } =
        e instanceof Unplaceable
          ? e
          : { service: 'ec2' as const, error: new AwsError('InternalError', String(e), 500) };
      this.write(res, errorReply(service, error, requestId), requestId);
      log.ended({
        seq,
        requestId,
        service: 'unknown',
        action: req.url ?? '',
        params: {},
        status: error.status,
        errorCode: error.code,
        faults: [],
        startedAt,
        endedAt: Date.now(),
      });
      return;
    }

    const tag = originOf(req.socket, this.port);
    const origin: InvocationInfo | undefined =
      tag && tag.owner === owner ? lambda.invocationInfo(tag.requestId) : undefined;
    const mutating = MUTATING[call.service].has(call.action);
    const base: CallStart = {
      seq,
      requestId,
      service: call.service,
      action: call.action,
      params: summarise(call),
      faults: [],
      ...(origin
        ? { origin: { functionName: origin.functionName, requestId: origin.requestId } }
        : {}),
      startedAt,
    };
    log.started(base);
    const finish = (
      status: number,
      extra: { errorCode?: string; dropped?: DropReason; faults?: readonly string[] } = {},
    ) =>
      log.ended({
        ...base,
        faults: extra.faults ?? [],
        status,
        errorCode: extra.errorCode,
        dropped: extra.dropped,
        endedAt: Date.now(),
      });
    // Dropping = destroying the socket: a dead process gets no answer, and nothing is applied.
    const drop = (dropped: DropReason, hit: readonly string[] = []) => {
      res.destroy();
      finish(0, { dropped, faults: hit });
    };

    if (mutating && origin?.zombie) return drop('dead-invocation');
    const decision = faults.decide({
      service: call.service,
      action: call.action,
      mutating,
      ...(origin ? { origin: { functionName: origin.functionName, running: origin.running } } : {}),
    });
    if (decision.latencyMs > 0) {
      try {
        await delay(decision.latencyMs, undefined, { signal: this.stopping.signal });
      } catch {
        return drop('stopped', decision.rules);
      }
    }
    for (const id of decision.holds) {
      if ((await faults.hold(id, this.stopping.signal)) === 'stopped')
        return drop('stopped', decision.rules);
    }
    // The invocation may have died while this call waited.
    const now = origin ? lambda.invocationInfo(origin.requestId) : undefined;
    if (decision.crash && now?.running) {
      lambda.crash(now.requestId);
      return drop('crash', decision.rules);
    }
    if (mutating && now?.zombie) return drop('dead-invocation', decision.rules);
    if (this.stopping.signal.aborted) return drop('stopped', decision.rules);

    let reply: Reply;
    let errorCode: string | undefined;
    try {
      if (decision.error) throw decision.error;
      reply = await this.dispatch(call, requestId);
    } catch (e) {
      const err =
        e instanceof AwsError
          ? e
          : new AwsError(
              call.service === 'ec2' ? 'InternalError' : 'InternalFailure',
              `local-aws: ${(e as Error)?.stack ?? String(e)}`,
              500,
            );
      errorCode = err.code;
      reply = errorReply(call.service, err, requestId);
    }
    this.write(res, reply, requestId);
    finish(reply.status, { errorCode, faults: decision.rules });
  }

  private async dispatch(call: ParsedCall, requestId: string): Promise<Reply> {
    switch (call.service) {
      case 'ec2':
        return this.parts.ec2.handle(call.action, call.params, requestId);
      case 'ssm':
        return this.parts.ssm.handle(call.action, call.params);
      case 'secretsmanager':
        return this.parts.secrets.handle(call.action, call.params);
      case 'lambda':
        return handleInvoke(this.parts.lambda, call.params, requestId);
    }
  }

  private write(res: http.ServerResponse, reply: Reply, requestId: string): void {
    if (res.destroyed) return;
    const body = reply.body ?? '';
    res.writeHead(reply.status, {
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(body),
      ...reply.headers,
    });
    res.end(body);
  }
}
