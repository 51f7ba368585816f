/**
 * Requests signed as the seeded world's Checker or operator would sign them (docs/security.md),
 * for drills and specs that invoke the Mover directly.
 */
import type { FailoverConfig } from '../../config';
import { signRequest, type SignedMoveRequest, type Signer } from '../../lambda/domain/signing';
import type { MoveRequest } from '../../lambda/domain/types';
import { DEFAULT_SIGNING_KEYS } from '../local-aws/seed';

/** `request` signed with the seeded `signer` key of the group, stamped now. */
export function signedAs(
  config: Pick<FailoverConfig, 'name'>,
  signer: Signer,
  request: MoveRequest,
  now: number = Date.now(),
): SignedMoveRequest {
  return signRequest(
    request,
    { group: config.name, signer, key: DEFAULT_SIGNING_KEYS[signer] },
    now,
  );
}
