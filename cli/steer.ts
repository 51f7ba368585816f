/** `move`, `pause` and `resume`: an operator's hand on the group. Moves go through the Mover. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { deployedNames, nodeByName } from '../config';
import { pauseValue } from '../lambda/domain/record';
import { signRequest } from '../lambda/domain/signing';
import type { MoveResult } from '../lambda/domain/types';
import { CliError, type Group } from './group';

/** Asks the Mover to move the VIP, so the move is serialised and recorded like any other. */
export async function move(
  group: Group,
  to: string,
  reason: string,
  options: { force: boolean; by: string; now: number },
): Promise<MoveResult> {
  const names = group.config.nodes.map((n) => n.name).join(', ');
  if (!nodeByName(group.config, to))
    throw new CliError(`--to ${to} is not a node of ${group.config.name}; use one of ${names}`);
  const request = signRequest(
    { target: to, reason, by: options.by, ...(options.force ? { force: true } : {}) },
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

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `30m`, `2h`, `1d`. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new CliError(`--for ${text} is not a duration; write it like 30m, 2h or 1d`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (ms <= 0) throw new CliError(`--for ${text} must be longer than zero`);
  return ms;
}

/** Pauses automatic moves, until a time or open-ended. Manual moves still go through. */
export async function pause(
  group: Group,
  reason: string,
  options: { forMs?: number; by: string; now: number },
): Promise<{ until?: string }> {
  const until = options.forMs !== undefined ? options.now + options.forMs : undefined;
  await group.ssm.send(
    new PutParameterCommand({
      Name: group.config.pauseParameterName,
      Value: pauseValue({ until, reason, by: options.by }),
      Type: 'String',
      Overwrite: true,
    }),
  );
  return until !== undefined ? { until: new Date(until).toISOString() } : {};
}

export async function resume(group: Group): Promise<void> {
  await group.ssm.send(
    new PutParameterCommand({
      Name: group.config.pauseParameterName,
      Value: 'false',
      Type: 'String',
      Overwrite: true,
    }),
  );
}
