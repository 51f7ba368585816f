/** The Mover: repoints the VIP route in every table, then records the active node. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { nodeByName, type FailoverConfig } from '../../lib/config';
import { InvalidMoveRequestError } from './errors';
import type { Log } from './log';
import { readPaused, readRecord, writeRecord } from './record';
import { pointTables, readTables } from './routes';
import type { MoveRequest, MoveResult, TableOutcome } from './types';

export interface MoverDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly logger: Log;
}

const requestSchema = z
  .object({
    target: z
      .string({ message: 'must be the name of a configured node' })
      .min(1, { message: 'must not be empty' }),
    reason: z
      .string({ message: 'must be a string saying why the move was asked for' })
      // Its own message: zod would otherwise report the type's message for a string too long.
      .max(1000, { message: 'must be at most 1000 characters' })
      .default('manual'),
    expectedActive: z.string({ message: 'must be the name of a configured node' }).optional(),
    automatic: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict();

/**
 * Validates a Mover event.
 * @throws InvalidMoveRequestError naming the field, the value and the configured nodes.
 */
export function parseMoveRequest(config: FailoverConfig, event: unknown): MoveRequest {
  const names = config.nodes.map((n) => n.name).join(', ');
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidMoveRequestError(
      `invalid move request: event ${event === undefined ? '(missing)' : JSON.stringify(event)} is not a JSON object. Expected {"target": one of ${names}, "reason": "...", "expectedActive"?: node}`,
    );
  }
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys')
        return `unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      const field = i.path.join('.') || 'event';
      const value =
        i.path.length > 0 && event && typeof event === 'object'
          ? (event as Record<string, unknown>)[String(i.path[0])]
          : event;
      return `${field} ${value === undefined ? '(missing)' : JSON.stringify(value)} ${i.message}`;
    });
    throw new InvalidMoveRequestError(
      `invalid move request: ${problems.join('; ')}. Expected {"target": one of ${names}, "reason": "...", "expectedActive"?: node}`,
    );
  }
  for (const field of ['target', 'expectedActive'] as const) {
    const value = parsed.data[field];
    if (value !== undefined && !nodeByName(config, value)) {
      throw new InvalidMoveRequestError(
        `invalid move request: ${field} "${value}" is not a configured node; use one of ${names}`,
      );
    }
  }
  return parsed.data;
}

/**
 * Moves the VIP to `request.target` in every table, idempotently.
 *
 * Reads every table first. When they already target the node it only makes sure the record agrees
 * (duplicate deliveries land here). When `expectedActive` is set and some table points at a third
 * node, another actor moved first: nothing changes (compare-and-swap on the route tables, which
 * reserved concurrency 1 serialises). Otherwise all tables are updated at once and the record is
 * written once every readable table targets the node; tables that fail are reported by id with
 * the AWS error, and the next Checker run converges them.
 */
export async function moveVip(
  deps: MoverDeps,
  config: FailoverConfig,
  event: unknown,
): Promise<MoveResult> {
  const started = Date.now();
  const request = parseMoveRequest(config, event);
  const node = nodeByName(config, request.target);
  if (!node)
    throw new InvalidMoveRequestError(`target "${request.target}" is not a configured node`);
  const log = deps.logger;

  // One round trip of reads; the pause flag only matters to the Checker's automatic requests.
  const [tables, record, paused] = await Promise.all([
    readTables(deps.ec2, config),
    readRecord(deps.ssm, config.parameterName),
    request.automatic ? readPaused(deps.ssm, config.pauseParameterName) : Promise.resolve(false),
  ]);
  const result = (
    status: MoveResult['status'],
    outcomes: readonly TableOutcome[],
    recordWritten: boolean,
  ): MoveResult => ({
    status,
    target: node.name,
    tables: outcomes,
    recordWritten,
    previousRecord: record.value,
    durationMs: Date.now() - started,
  });

  const blocking = tables.filter(
    (t) =>
      !t.error &&
      t.node !== node.name &&
      t.target !== undefined &&
      t.node !== request.expectedActive,
  );
  if (request.expectedActive !== undefined && blocking.length > 0) {
    log.warn('move refused: the tables changed since the caller looked', {
      event: 'move-stale',
      request,
      tables,
    });
    return result(
      'stale',
      tables.map((t) => ({ routeTableId: t.routeTableId, action: 'unchanged' })),
      false,
    );
  }

  const needsRoutes = tables.some((t) => !t.error && t.node !== node.name);
  if (paused && needsRoutes) {
    log.warn(
      `move to ${node.name} refused: automatic moves are paused (${config.pauseParameterName})`,
      {
        event: 'move-paused',
        request,
      },
    );
    return result(
      'paused',
      tables.map((t) => ({ routeTableId: t.routeTableId, action: 'unchanged' })),
      false,
    );
  }

  const outcomes = await pointTables(deps.ec2, config, tables, node);
  const failed = outcomes.filter((o) => o.action === 'failed');
  const changed = outcomes.some((o) => o.action === 'replaced' || o.action === 'created');
  // A table we could not even read cannot carry traffic elsewhere; record what the rest say.
  const readableFailed = failed.filter(
    (o) => !tables.find((t) => t.routeTableId === o.routeTableId)?.error,
  );
  // Only record what at least one table confirms.
  const confirmed = outcomes.some((o) => o.action !== 'failed');
  let recordWritten = false;
  if (confirmed && readableFailed.length === 0 && record.value !== node.name) {
    await writeRecord(deps.ssm, config.parameterName, node.name);
    recordWritten = true;
  }
  const status: MoveResult['status'] =
    failed.length > 0 ? 'partial' : changed ? 'moved' : 'already-active';
  const summary = result(status, outcomes, recordWritten);
  const fields = { event: 'move', request, ...summary };
  if (status === 'partial') {
    log.error(
      `VIP move to ${node.name} incomplete: ${failed.map((f) => `${f.routeTableId} (${f.error})`).join(', ')} did not move; the Checker alerts on every run and converges them once they can be updated`,
      fields,
    );
  } else if (status === 'moved') {
    log.info(`VIP moved to ${node.name}: ${request.reason}`, fields);
  } else {
    log.info(
      recordWritten
        ? `VIP already on ${node.name}; record repaired from ${JSON.stringify(record.value ?? null)}`
        : `VIP already on ${node.name}`,
      fields,
    );
  }
  return summary;
}
