/**
 * Asks the Mover to fence a node found writable beside the master that holds the VIP (promotion
 * "mysql"): an old master that came back writable, say. The Checker holds no credentials that
 * can change a node; the Mover logs in as the promotion user. The request names the active node
 * as target and as `expectedActive`, so it moves nothing, and a Mover that finds the VIP elsewhere
 * by then answers `stale` and fences nothing.
 */
import type { FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import { awsErrorText } from '../errors';
import type { Log } from '../log';
import type { MoveRequest, MoveResult } from '../types';

/** A node already asked about is asked again at most this often, whatever the answer. */
const REASK_MS = 30_000;

export interface FenceDeps {
  readonly config: FailoverConfig;
  readonly clock: Clock;
  readonly log: Log;
  readonly callMover: (request: MoveRequest) => Promise<MoveResult>;
}

export class FenceRequests {
  private call?: Promise<void>;
  private readonly askedAt = new Map<string, number>();

  constructor(private readonly deps: FenceDeps) {}

  /** The Mover call in flight, if any: the run waits for it before it ends. */
  get pending(): Promise<void> | undefined {
    return this.call;
  }

  /** Asks for `node` to be fenced while `active` holds the VIP, unless asked lately. */
  ask(node: string, active: string): void {
    const { config, clock, log } = this.deps;
    if (config.promotion.type !== 'mysql' || this.call) return;
    const now = clock.now();
    if (now - (this.askedAt.get(node) ?? -Infinity) < REASK_MS) return;
    this.askedAt.set(node, now);
    const request: MoveRequest = {
      target: active,
      expectedActive: active,
      reason: `${node} is writable beside ${active}, which holds the VIP; fencing it`,
      automatic: true,
      kind: 'converge',
      fence: [node],
      requestedAt: new Date(now).toISOString(),
    };
    log.info(`asking the Mover to fence ${node}`, { event: 'invoke-mover', request });
    this.call = this.deps
      .callMover(request)
      .then((result) => {
        const fenced = result.database?.fencing?.find((f) => f.node === node);
        const level = fenced?.status === 'fenced' ? 'info' : 'warn';
        log[level](`fencing ${node}: ${fenced?.status ?? result.status}`, {
          event: 'fence-result',
          result,
        });
      })
      .catch((e: unknown) =>
        log.warn(`fencing ${node}: the Mover was not invoked (${awsErrorText(e)})`, {
          event: 'fence-result',
          request,
        }),
      )
      .finally(() => {
        this.call = undefined;
      });
  }
}
