/**
 * The example failover group's world on one endpoint per spec file, seeded afresh (db-a active)
 * before each test, and the small waits the endpoint specs share.
 */
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import example from '../../config/example.json';
import { validateConfig } from '../../config';
import {
  seedWorld,
  type LocalAws,
  type LocalAwsOptions,
  type SeedOptions,
} from '../../tools/local-aws';
import { useLocalAws, type LocalClients } from '../support/aws-env';

export const config = validateConfig(example);
export const [T1, T2, T3] = config.routeTableIds as [string, string, string];
export const ENI_A = config.nodes[0]?.networkInterfaceId as string;
export const ENI_B = config.nodes[1]?.networkInterfaceId as string;
export const VIP = config.vip;
export const RECORD = config.recordParameterName;

/**
 * Starts the endpoint and its clients for the spec file, and before each test forgets every
 * fault, call and object and seeds the example group again with `seed`.
 */
export function useExampleWorld(
  use: (started: { aws: LocalAws; c: LocalClients }) => void,
  options: { readonly endpoint?: LocalAwsOptions; readonly seed?: Partial<SeedOptions> } = {},
): void {
  let aws: LocalAws | undefined;
  useLocalAws((started) => {
    aws = started.aws;
    use(started);
  }, options.endpoint);
  beforeEach(() => {
    if (!aws) throw new Error('local-aws did not start');
    aws.faults.clear();
    aws.clearCalls();
    aws.reset();
    seedWorld(aws, config, { active: 'db-a', ...options.seed });
  });
}

/** An Invoke answer's payload, parsed. */
export const json = (out: InvokeCommandOutput): unknown =>
  JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'));

/** Polls `condition` every 5 ms for up to two seconds. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
