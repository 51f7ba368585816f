/**
 * The group's status parameter: what the last Checker run saw (each node's state and last probe)
 * and the conditions it has notified and not yet cleared. The Checker writes it at the end of
 * every run; the next run reads the open conditions back, and the operators' CLI shows it.
 */
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { alertStateOf, type AlertState } from './alerts';
import { awsErrorName } from './errors';

export interface NodeStatus {
  readonly state: 'up' | 'down' | 'unknown';
  readonly lastOk?: boolean;
  readonly failure?: string;
  readonly latencyMs?: number;
}

export interface GroupStatus {
  /** ISO time the run ended. */
  readonly updatedAt: string;
  readonly active?: string;
  readonly nodes: Readonly<Record<string, NodeStatus>>;
  readonly alerts: AlertState;
}

/** A standard parameter holds 4 KB; past that, node details go first, then open conditions. */
const MAX_VALUE = 4096;

/** The status as a parameter value, kept within a standard parameter's size. */
export function statusValue(status: GroupStatus): string {
  const full = JSON.stringify(status);
  if (full.length <= MAX_VALUE) return full;
  const lean = JSON.stringify({ ...status, nodes: {} });
  if (lean.length <= MAX_VALUE) return lean;
  return JSON.stringify({ ...status, nodes: {}, alerts: {} });
}

/** Reads the status leniently: a value that does not parse counts as none. */
export function parseStatus(text: string | undefined): GroupStatus | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Partial<GroupStatus> | null;
    if (!o || typeof o !== 'object' || typeof o.updatedAt !== 'string') return undefined;
    return {
      updatedAt: o.updatedAt,
      active: typeof o.active === 'string' ? o.active : undefined,
      nodes: o.nodes && typeof o.nodes === 'object' ? o.nodes : {},
      alerts: alertStateOf(o.alerts),
    };
  } catch {
    return undefined;
  }
}

/** Reads the status; undefined when no run has written it yet. */
export async function readStatus(
  ssm: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<GroupStatus | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
    return parseStatus(out.Parameter?.Value);
  } catch (e) {
    if (awsErrorName(e) === 'ParameterNotFound') return undefined;
    throw e;
  }
}

export async function writeStatus(
  ssm: SSMClient,
  name: string,
  status: GroupStatus,
): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: statusValue(status),
      Type: 'String',
      Overwrite: true,
    }),
  );
}
