/**
 * Where a function probes from: its Availability Zone, as Lambda's metadata endpoint tells it.
 *
 * The endpoint is Lambda's own (AWS_LAMBDA_METADATA_API and AWS_LAMBDA_METADATA_TOKEN in the
 * function's environment). Powertools' getMetadata reads the same endpoint but only through
 * process.env and a cache shared by the whole process; our handlers are built from the
 * environment they are given, so that a drill can run a Checker and witnesses of different AZs
 * in one process. The request is the same one.
 */

/** The metadata API's path for the execution environment, as Lambda documents it. */
export const METADATA_PATH = '/2026-01-15/metadata/execution-environment';

/** Where the function runs, or why that is unknown. */
export type Zone = { readonly az: string } | { readonly az?: undefined; readonly error: string };

/**
 * The Availability Zone ID (such as euw1-az2) the function runs in. AZ IDs, unlike names such
 * as eu-west-1a, mean the same zone in every account. Never rejects.
 */
export async function availabilityZoneOf(env: NodeJS.ProcessEnv, timeoutMs = 1000): Promise<Zone> {
  const api = env.AWS_LAMBDA_METADATA_API;
  if (!api) return { error: 'AWS_LAMBDA_METADATA_API is not set: not running in Lambda' };
  try {
    const res = await fetch(`http://${api}${METADATA_PATH}`, {
      headers: { Authorization: `Bearer ${env.AWS_LAMBDA_METADATA_TOKEN ?? ''}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return { error: `metadata endpoint answered ${res.status} ${res.statusText}` };
    const body = (await res.json()) as { AvailabilityZoneID?: unknown };
    const az = body.AvailabilityZoneID;
    if (typeof az === 'string' && az.length > 0) return { az };
    return { error: 'metadata endpoint answered without AvailabilityZoneID' };
  } catch (e) {
    return {
      error: `metadata endpoint unreachable: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/**
 * The zone of this execution environment, read once: it never changes. A failed read is tried
 * again at the next call.
 */
export function zoneReader(env: NodeJS.ProcessEnv): () => Promise<Zone> {
  let zone: Promise<Zone> | undefined;
  return async () => {
    zone ??= availabilityZoneOf(env);
    const z = await zone;
    if (z.az === undefined) zone = undefined;
    return z;
  };
}
