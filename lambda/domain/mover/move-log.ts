/**
 * The durable move log: one JSON line per move (and per record repair) in a log group the stack
 * owns, which never expires and outlives the stack. The record's versions hold only the newest
 * 100 writes; `vip-failover history` reads this log first. The routes are the truth: a line that
 * cannot be written never fails or undoes a move; it is alerted (move-log-unwritten).
 */
import {
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import { deployedNames, type FailoverConfig } from '../../../config';
import { awsErrorName } from '../errors';
import type { Log } from '../log';
import type { MoveRequest, MoveResult, TableOutcome } from '../types';
import { stepErrorText, stepSignal } from './step-deadline';

/** One line of the move log, as written and as `vip-failover history` reads it back. */
export interface MoveLogLine {
  /** ISO 8601: when the Mover had switched every table it could. */
  readonly at: string;
  /** The node (or nodes, comma-separated) the tables or the record named before. */
  readonly from?: string;
  readonly to: string;
  /** `repair`: the routes already went to `to`, and the record was set to match them. */
  readonly who: 'automatic' | 'manual' | 'repair';
  /** The Checker's reason to move: failover, failback or converge. */
  readonly kind?: string;
  readonly by?: string;
  /** A manual move whose destination node was not checked first. */
  readonly forced?: boolean;
  readonly reason: string;
  readonly status: MoveResult['status'];
  /** The record's version this move wrote; absent when the record write failed or was not due. */
  readonly recordVersion?: number;
  readonly tables: readonly { readonly routeTableId: string; readonly action: string }[];
}

const lineSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  from: z.string().optional(),
  to: z.string().min(1),
  who: z.enum(['automatic', 'manual', 'repair']),
  kind: z.string().optional(),
  by: z.string().optional(),
  forced: z.boolean().optional(),
  reason: z.string(),
  status: z.enum(['moved', 'already-active', 'stale', 'partial', 'paused', 'expired', 'refused']),
  recordVersion: z.number().int().positive().optional(),
  tables: z.array(z.object({ routeTableId: z.string(), action: z.string() })),
});

/** A line of the log as a MoveLogLine; undefined for anything else (a hand-written line, say). */
export function parseMoveLogLine(message: string | undefined): MoveLogLine | undefined {
  if (message === undefined) return undefined;
  try {
    const parsed = lineSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The line for what a move did: who asked, from where, to where, and each table's result. */
export function moveLogLine(
  request: MoveRequest,
  at: number,
  moved: {
    readonly from?: string;
    readonly status: MoveResult['status'];
    readonly changed: boolean;
    readonly outcomes: readonly TableOutcome[];
    readonly recordVersion?: number;
  },
): MoveLogLine {
  const who = !moved.changed ? 'repair' : request.automatic ? 'automatic' : 'manual';
  return {
    at: new Date(at).toISOString(),
    ...(moved.from !== undefined ? { from: moved.from } : {}),
    to: request.target,
    who,
    ...(request.automatic && request.kind ? { kind: request.kind } : {}),
    ...(!request.automatic && request.by ? { by: request.by } : {}),
    ...(!request.automatic && request.force ? { forced: true } : {}),
    reason: request.reason,
    status: moved.status,
    ...(moved.recordVersion !== undefined ? { recordVersion: moved.recordVersion } : {}),
    tables: moved.outcomes.map((o) => ({ routeTableId: o.routeTableId, action: o.action })),
  };
}

/** A line CloudWatch Logs took but did not store (a timestamp out of its window). */
export class MoveLogRejectedError extends Error {
  public override readonly name = 'MoveLogRejectedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Appends one line to the group's stream, creating the stream when it is missing (the first
 * move, or a stream someone deleted). The Mover runs one at a time (reserved concurrency 1),
 * so there is one writer; PutLogEvents needs no sequence token.
 */
export async function appendMoveLog(
  logs: CloudWatchLogsClient,
  where: { readonly group: string; readonly stream: string },
  line: MoveLogLine,
  signal?: AbortSignal,
): Promise<void> {
  const options = { abortSignal: signal };
  const put = () =>
    logs.send(
      new PutLogEventsCommand({
        logGroupName: where.group,
        logStreamName: where.stream,
        logEvents: [{ timestamp: Date.parse(line.at), message: JSON.stringify(line) }],
      }),
      options,
    );
  let out;
  try {
    out = await put();
  } catch (e) {
    if (awsErrorName(e) !== 'ResourceNotFoundException') throw e;
    await logs
      .send(
        new CreateLogStreamCommand({ logGroupName: where.group, logStreamName: where.stream }),
        options,
      )
      .catch((c: unknown) => {
        if (awsErrorName(c) !== 'ResourceAlreadyExistsException') throw c;
      });
    out = await put();
  }
  const rejected = out.rejectedLogEventsInfo;
  if (rejected)
    throw new MoveLogRejectedError(`the line was rejected: ${JSON.stringify(rejected)}`);
}

/**
 * Writes the move's line; never throws. Answers why it could not, for the move's result and
 * the move-log-unwritten notification.
 */
export async function logMove(
  deps: { readonly logs: CloudWatchLogsClient; readonly logger: Log },
  config: Pick<FailoverConfig, 'name'>,
  line: MoveLogLine,
): Promise<string | undefined> {
  const names = deployedNames(config);
  const signal = stepSignal();
  try {
    const where = { group: names.moveLog, stream: names.moveLogStream };
    await appendMoveLog(deps.logs, where, line, signal);
    return undefined;
  } catch (e) {
    const error = `the move log ${names.moveLog} could not be written (${stepErrorText(e, signal)}); the move stands, and vip-failover history will not show it`;
    deps.logger.error(error, { event: 'move-log-error', line });
    return error;
  }
}
