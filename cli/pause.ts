/** `vip-failover pause` and `resume`: stop automatic moves for a while, and lift the stop. */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { pauseValue, readPause } from '../lambda/domain/mover/record';
import { CliError } from './errors';
import type { Group } from './group';
import { when } from './times';

export interface PauseOptions {
  /** How long the pause lasts; open-ended (until resume) when undefined. */
  readonly forMs?: number;
  readonly by: string;
  readonly now: number;
  /** Replace a pause in force instead of refusing. */
  readonly replace: boolean;
}

/**
 * Pauses automatic moves, until a time or open-ended. Manual moves still go through.
 * @throws CliError when a pause is in force and `replace` is not set: someone else's pause
 * (with its reason and end) is not overwritten by accident.
 */
export async function pause(
  group: Group,
  reason: string,
  options: PauseOptions,
): Promise<{ until?: string; replaced?: boolean }> {
  const current = await readPause(group.ssm, group.config.pauseParameterName, options.now);
  if (current.paused && !options.replace) {
    const end = current.until ? `until ${when(current.until, options.now)}` : 'until resume';
    const why = [current.reason, current.by && `by ${current.by}`].filter(Boolean).join(', ');
    throw new CliError(
      `${group.config.name} is already paused ${end}${why ? ` (${why})` : ''}; add --replace to replace that pause, or run vip-failover resume first`,
    );
  }
  const until = options.forMs !== undefined ? options.now + options.forMs : undefined;
  await group.ssm.send(
    new PutParameterCommand({
      Name: group.config.pauseParameterName,
      Value: pauseValue({ until, reason, by: options.by }),
      Type: 'String',
      Overwrite: true,
    }),
  );
  return {
    ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
    ...(current.paused ? { replaced: true } : {}),
  };
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
