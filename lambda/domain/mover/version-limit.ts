/**
 * Parameter Store keeps a parameter's newest 100 versions: a write drops the oldest, unless that
 * version carries a label, and then every PutParameter fails with
 * ParameterMaxVersionLimitExceeded. The stack never labels the Mover's parameters; a label an
 * operator put there would stop the record for good, so the Mover removes the labels of the
 * oldest version (the one SSM is about to drop, labels or not) and writes once more.
 */
import {
  GetParameterHistoryCommand,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
  type PutParameterCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { awsErrorName } from '../errors';
import type { Log } from '../log';

/** The labels taken off the oldest version so that a write could go through. */
export interface Unlabeled {
  readonly version: number;
  readonly labels: readonly string[];
}

/**
 * PutParameter; at the version limit, unlabels the oldest version and tries once more. Returns
 * the version written. Any other error, or the limit again, is the caller's.
 */
export async function putPastVersionLimit(
  ssm: SSMClient,
  input: PutParameterCommandInput & { readonly Name: string },
  log: Pick<Log, 'warn'>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const options = { abortSignal: signal };
  try {
    return (await ssm.send(new PutParameterCommand(input), options)).Version;
  } catch (e) {
    if (awsErrorName(e) !== 'ParameterMaxVersionLimitExceeded') throw e;
    const freed = await unlabelOldest(ssm, input.Name, options);
    if (!freed) throw e;
    log.warn(
      `removed the label(s) ${freed.labels.join(', ')} from version ${freed.version} of ${input.Name}, the oldest of the 100 SSM keeps: a label there blocks every write; label no version of this parameter`,
      { event: 'parameter-unlabeled', parameter: input.Name, ...freed },
    );
    return (await ssm.send(new PutParameterCommand(input), options)).Version;
  }
}

/** Removes every label of the parameter's oldest version; undefined when it has none. */
async function unlabelOldest(
  ssm: SSMClient,
  name: string,
  options: { abortSignal?: AbortSignal },
): Promise<Unlabeled | undefined> {
  const oldest = await oldestVersion(ssm, name, options);
  if (!oldest || oldest.labels.length === 0) return undefined;
  await ssm.send(
    new UnlabelParameterVersionCommand({
      Name: name,
      ParameterVersion: oldest.version,
      Labels: [...oldest.labels],
    }),
    options,
  );
  return oldest;
}

/** The lowest version SSM still keeps, with its labels (at most 100 versions: two pages). */
async function oldestVersion(
  ssm: SSMClient,
  name: string,
  options: { abortSignal?: AbortSignal },
): Promise<Unlabeled | undefined> {
  let oldest: Unlabeled | undefined;
  let NextToken: string | undefined;
  do {
    const out = await ssm.send(
      new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken }),
      options,
    );
    // A stubbed client answers with no output at all: no versions.
    for (const p of (out as typeof out | undefined)?.Parameters ?? []) {
      if (p.Version === undefined || (oldest && oldest.version <= p.Version)) continue;
      oldest = { version: p.Version, labels: p.Labels ?? [] };
    }
    NextToken = (out as typeof out | undefined)?.NextToken;
  } while (NextToken);
  return oldest;
}
