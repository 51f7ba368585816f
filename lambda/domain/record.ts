/** The SSM record of the active node, and the operators' pause flag. */
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName } from './errors';

/** The record as read: value undefined when the parameter does not exist. */
export interface RecordState {
  readonly value?: string;
  readonly version?: number;
  /** Epoch milliseconds of the last write: the time of the last move or repair. */
  readonly lastModified?: number;
}

/** Reads the record; a missing parameter is a state, not an error. */
export async function readRecord(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<RecordState> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
    return {
      value: out.Parameter?.Value,
      version: out.Parameter?.Version,
      lastModified: out.Parameter?.LastModifiedDate?.getTime(),
    };
  } catch (e) {
    if (awsErrorName(e) === 'ParameterNotFound') return {};
    throw e;
  }
}

/** Writes the active node's name as a plain String, so it reads well in the console; versions are the history. */
export async function writeRecord(
  ssm: SSMClient,
  name: string,
  node: string,
): Promise<number | undefined> {
  const out = await ssm.send(
    new PutParameterCommand({ Name: name, Value: node, Type: 'String', Overwrite: true }),
  );
  return out.Version;
}

/** True when operators paused automatic moves. A missing flag means not paused. */
export async function readPaused(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const { value } = await readRecord(ssm, name, signal);
  return value !== undefined && /^\s*(true|yes|1|paused)\s*$/i.test(value);
}
