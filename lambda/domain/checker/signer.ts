/**
 * The Checker's signature on its Mover requests (docs/security.md). A key that cannot be read
 * never stops a failover: the request goes unsigned, the failure is logged at ERROR, and the
 * Mover, which alerts every unsigned request, accepts it only when its own probes confirm the
 * failover (mover/trust.ts `corroborate`).
 */
import type { Clock } from '../clock';
import type { Log } from '../log';
import type { PasswordSource } from '../secret';
import { signRequest } from '../signing';
import type { MoveRequest } from '../types';

export type MoverSigner = (request: MoveRequest) => Promise<MoveRequest>;

/** Signs with the checker key of `group`, read through `key` (cached, backed off on failure). */
export function checkerSigner(
  key: PasswordSource,
  group: string,
  clock: Clock,
  log: Log,
): MoverSigner {
  return async (request) => {
    let secret: string;
    try {
      secret = await key.get();
    } catch (e) {
      log.error(
        `cannot sign the Mover request: ${(e as Error).message}; sending it unsigned, which the Mover accepts only for a failover its own probes confirm`,
        { event: 'sign-error', request },
      );
      return request;
    }
    return signRequest(request, { group, signer: 'checker', key: secret }, clock.now());
  };
}
