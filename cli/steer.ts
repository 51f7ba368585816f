/** `vip-failover move`: an operator's move of the VIP, through the Mover like any other. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { deployedNames, nodeByName } from '../config';
import { signRequest } from '../lambda/domain/signing';
import type { MoveRequest, MoveResult } from '../lambda/domain/types';
import { CliError } from './errors';
import type { Group } from './group';

export interface MoveOptions {
  /** Skip the Mover's check of the destination node. */
  readonly force: boolean;
  readonly by: string;
  readonly now: number;
}

/** The request the Mover receives: built in one place, so that signing it is one change. */
export function moveRequest(to: string, reason: string, options: MoveOptions): MoveRequest {
  return {
    target: to,
    reason,
    by: options.by,
    requestedAt: new Date(options.now).toISOString(),
    ...(options.force ? { force: true } : {}),
  };
}

/** Asks the Mover to move the VIP, so the move is serialised and recorded like any other. */
export async function move(
  group: Group,
  to: string,
  reason: string,
  options: MoveOptions,
): Promise<MoveResult> {
  const names = group.config.nodes.map((n) => n.name).join(', ');
  if (!nodeByName(group.config, to))
    throw new CliError(`--to ${to} is not a node of ${group.config.name}; use one of ${names}`);
  const request = signRequest(
    moveRequest(to, reason, options),
    { group: group.config.name, signer: 'operator', key: await operatorKey(group) },
    options.now,
  );
  const out = await group.lambda
    .send(
      new InvokeCommand({
        FunctionName: group.moverFunction,
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    )
    .catch((e: unknown) => {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
      throw new CliError(
        `no Mover function ${group.moverFunction} here; deploy the stack, or name the function with --mover-function`,
      );
    });
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  if (out.FunctionError) {
    let message = text;
    try {
      message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
    } catch {
      // not JSON: show it as it came
    }
    throw new CliError(`the Mover refused: ${message}`);
  }
  return JSON.parse(text) as MoveResult;
}

/**
 * The exit code of a move: 0 when the VIP ended on the node asked for (moved, or already there),
 * 2 when the tables were left split (partial), 1 when nothing changed (refused, stale, paused,
 * expired).
 */
export function moveExitCode(r: MoveResult): number {
  if (r.status === 'moved' || r.status === 'already-active') return 0;
  return r.status === 'partial' ? 2 : 1;
}

/** The operator key, which proves to the Mover that an operator asks (docs/security.md). */
async function operatorKey(group: Group): Promise<string> {
  const name = deployedNames(group.config).operatorKey;
  const out = await group.secrets
    .send(new GetSecretValueCommand({ SecretId: name }))
    .catch((e: unknown) => {
      const err = e as Error;
      if (err.name !== 'AccessDeniedException' && err.name !== 'ResourceNotFoundException') throw e;
      throw new CliError(
        `cannot read the operator key ${name} (${err.name}); a move must be signed with it: ask for the stack's OperatorPolicy (docs/security.md)`,
      );
    });
  if (!out.SecretString) throw new CliError(`the operator key ${name} has no value`);
  return out.SecretString;
}

export function formatMove(r: MoveResult): string {
  const lines = [`${r.status}: VIP → ${r.target} (${r.durationMs} ms)`];
  for (const t of r.tables)
    lines.push(`  ${t.routeTableId}  ${t.action}${t.error ? `: ${t.error}` : ''}`);
  if (r.recordWritten) lines.push(`  record written (was ${r.previousRecord ?? 'missing'})`);
  if (r.detail) lines.push(`  ${r.detail}`);
  return lines.join('\n');
}
