/**
 * The witness: a second vantage point in another Availability Zone. Asked by the Checker when
 * the master first looks dead, it probes every node once, from where it runs, with the same
 * probe the Checker runs, and answers what it saw. It decides nothing and changes nothing.
 */
import type { FailoverConfig } from '../../config';
import type { Prober } from './probe/probe';
import type { ProbeResult } from './types';
import type { Zone } from './vantage';

/**
 * `warm`: answer at once with the zone (the Checker sends it when its run starts, so that the
 * witness is warm and its zone known before anything is in doubt). `probe`: probe every node.
 */
export type WitnessRequest =
  { readonly kind: 'warm' } | { readonly kind: 'probe'; readonly requestedAt?: string };

/** One node as the witness saw it. */
export type WitnessProbe = Pick<
  ProbeResult,
  'ok' | 'eligible' | 'credentials' | 'failure' | 'detail' | 'latencyMs' | 'startedAt'
>;

export interface WitnessAnswer {
  /** The witness's AZ ID; absent when its metadata could not be read (`zoneError` says why). */
  readonly az?: string;
  readonly zoneError?: string;
  /** Per node name, for a `probe` request. */
  readonly probes?: Readonly<Record<string, WitnessProbe>>;
}

/** The request is not one a Checker sends: nothing was probed. */
export class InvalidWitnessRequestError extends Error {
  public override readonly name = 'InvalidWitnessRequestError';
}

export function parseWitnessRequest(event: unknown): WitnessRequest {
  const kind = (event as { kind?: unknown } | null)?.kind;
  if (kind === 'warm') return { kind };
  if (kind === 'probe') {
    const at = (event as { requestedAt?: unknown }).requestedAt;
    return typeof at === 'string' ? { kind, requestedAt: at } : { kind };
  }
  throw new InvalidWitnessRequestError(
    `witness request kind ${JSON.stringify(kind)} is not "warm" or "probe"; only the Checker invokes the witness`,
  );
}

/** Answers one request: the zone, and for `probe` every node probed once, side by side. */
export async function witness(
  config: Pick<FailoverConfig, 'nodes'>,
  prober: Prober,
  zone: Zone,
  request: WitnessRequest,
): Promise<WitnessAnswer> {
  const where = zone.az !== undefined ? { az: zone.az } : { zoneError: zone.error };
  if (request.kind === 'warm') return where;
  const results = await Promise.all(config.nodes.map((n) => prober(n)));
  const probes = Object.fromEntries(
    results.map((r) => [r.node, without(r, 'node', 'replication')] as const),
  );
  return { ...where, probes };
}

function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
