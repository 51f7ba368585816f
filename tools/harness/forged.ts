/**
 * Requests to the Mover as a principal that may invoke it but holds no signing key would send
 * them (docs/security.md): unsigned, wrongly signed, replayed, stale, claiming `automatic`,
 * claiming `force`, and an operator's signature claiming `automatic`. Each must be refused and
 * alerted (`move-untrusted`) while the master answers; for the drill and the specs alike.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { FailoverConfig } from '../../config';
import type { Distrust } from '../../lambda/domain/mover/trust';
import { signRequest } from '../../lambda/domain/signing';
import type { MoveResult } from '../../lambda/domain/types';
import { awsClientSettings } from '../../lambda/shared-handler';
import { MOVER_FUNCTION } from './cluster';
import { signedAs } from './signing';

/** One forged request: what it is, why the Mover must distrust it, the event itself. */
export interface Forgery {
  readonly name: string;
  readonly distrust: Distrust;
  readonly event: unknown;
}

/** What the Mover answered one forgery. */
export interface ForgeryAnswer {
  readonly name: string;
  readonly distrust: Distrust;
  readonly status: MoveResult['status'] | 'error';
  readonly detail?: string;
}

/** Long past the Mover's freshness window (90 s and the clock skew): a request this old is stale. */
const STALE_MS = 5 * 60_000;

/**
 * The forgeries of a move from `master` to `standby`, and `original`: a genuine operator request
 * (to the node that already holds the VIP, so it changes nothing) that `replayed` repeats.
 */
export function forgeries(
  config: FailoverConfig,
  master: string,
  standby: string,
  now = Date.now(),
): { original: unknown; forged: readonly Forgery[] } {
  const move = { target: standby, reason: 'forged: move the VIP' };
  const original = signedAs(config, 'operator', { target: master, reason: 'a genuine no-op' }, now);
  const failover = { ...move, automatic: true, kind: 'failover', expectedActive: master } as const;
  return {
    original,
    forged: [
      { name: 'unsigned', distrust: 'unsigned', event: move },
      {
        name: 'wrongly signed',
        distrust: 'bad-signature',
        event: signRequest(
          move,
          { group: config.name, signer: 'operator', key: 'a guessed key' },
          now,
        ),
      },
      { name: 'replayed', distrust: 'replayed', event: original },
      {
        name: 'stale',
        distrust: 'stale',
        event: signedAs(config, 'operator', move, now - STALE_MS),
      },
      { name: 'claiming automatic', distrust: 'unsigned', event: failover },
      {
        name: 'claiming force',
        distrust: 'unsigned',
        event: { ...move, force: true, by: 'the Checker' },
      },
      {
        name: 'an operator claiming automatic',
        distrust: 'overreach',
        event: signedAs(config, 'operator', failover, now),
      },
    ],
  };
}

/** Invokes the Mover of the world `env` reaches with `event`, as any invoker could. */
export async function invokeMover(env: NodeJS.ProcessEnv, event: unknown): Promise<MoveResult> {
  const lambda = new LambdaClient({ ...awsClientSettings(env), maxAttempts: 1 });
  try {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: MOVER_FUNCTION,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const text = new TextDecoder().decode(out.Payload);
    if (out.FunctionError) throw new Error(`the Mover failed: ${text}`);
    return JSON.parse(text) as MoveResult;
  } finally {
    lambda.destroy();
  }
}

/** Sends the genuine original, then every forgery; returns the Mover's answer to each forgery. */
export async function sendForgeries(
  env: NodeJS.ProcessEnv,
  set: ReturnType<typeof forgeries>,
): Promise<ForgeryAnswer[]> {
  await invokeMover(env, set.original);
  const answers: ForgeryAnswer[] = [];
  for (const f of set.forged) {
    const answer = await invokeMover(env, f.event).then(
      (r) => ({ status: r.status, detail: r.detail }),
      (e: Error) => ({ status: 'error' as const, detail: e.message }),
    );
    answers.push({ name: f.name, distrust: f.distrust, ...answer });
  }
  return answers;
}
