/**
 * The HTTP front: places each request (request.ts), applies fault rules and crash semantics,
 * dispatches to the service, and writes the answer in that service's protocol. Listens on
 * 127.0.0.1 only and ignores SigV4 signatures. Lambda's metadata endpoint (metadata.ts) is
 * served beside the APIs, outside the call log and the faults: in Lambda it is the sandbox's
 * own, not an AWS API call.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { enableAttribution, originOf } from './attribution';
import type { CallLog, CallStart, DropReason } from './calls';
import type { CloudWatchModel } from './cloudwatch';
import type { Ec2Query } from './ec2-query';
import type { Faults } from './faults';
import type { InvocationInfo, LambdaEmulator } from './lambda';
import { handleGetFunctionConfiguration, handleListFunctions } from './lambda-config';
import { handleInvoke } from './lambda-invoke';
import type { LogsModel } from './logs';
import { isMetadataRequest, type MetadataModel } from './metadata';
import { AwsError, errorReply, MUTATING, type Reply } from './protocol';
import { parseCall, readBody, summarise, Unplaceable, type ParsedCall } from './request';
import type { SecretsModel } from './secrets';
import type { SnsModel } from './sns';
import type { SsmModel } from './ssm';

export interface ServerParts {
  readonly owner: symbol;
  readonly ec2: Ec2Query;
  readonly ssm: SsmModel;
  readonly secrets: SecretsModel;
  readonly lambda: LambdaEmulator;
  readonly sns: SnsModel;
  readonly cloudwatch: CloudWatchModel;
  readonly logs: LogsModel;
  readonly metadata: MetadataModel;
  readonly faults: Faults;
  readonly log: CallLog;
}

const HOST = '127.0.0.1';

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
    if (isMetadataRequest(req)) {
      req.resume();
      this.write(res, this.parts.metadata.handle(req), randomUUID());
      return;
    }
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
        if (call.action === 'GetFunctionConfiguration')
          return handleGetFunctionConfiguration(this.parts.lambda, call.params);
        if (call.action === 'ListFunctions')
          return handleListFunctions(this.parts.lambda, call.params);
        return handleInvoke(this.parts.lambda, call.params, requestId);
      case 'sns':
        return this.parts.sns.handle(call.action, call.params, requestId);
      case 'cloudwatch':
        return this.parts.cloudwatch.handle(call.action, call.params);
      case 'logs':
        return this.parts.logs.handle(call.action, call.params);
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
