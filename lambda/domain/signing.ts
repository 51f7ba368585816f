/**
 * Signed requests to the Mover (docs/security.md): HMAC-SHA256 over a canonical JSON of the
 * request, its nonce and its time, under a key only the signer may read. The Checker signs with
 * the checker key, an operator's CLI with the operator key; the Mover reads both and verifies.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { MoveRequest } from './types';

/** Whose key signed a request: what the Mover believes about its origin, and nothing else. */
export type Signer = 'checker' | 'operator';

export const SIGNERS: readonly Signer[] = ['checker', 'operator'];

/** A request as it travels: the request, a nonce, and the MAC over both. */
export type SignedMoveRequest = MoveRequest & {
  /** Unique per request: the Mover refuses a nonce it has seen (a replay). */
  readonly nonce: string;
  readonly requestedAt: string;
  readonly signature: { readonly signer: Signer; readonly mac: string };
};

/** The MAC's domain: a MAC made for another purpose or another group never verifies here. */
const DOMAIN = 'vip-failover move v1';

/**
 * JSON with object keys sorted at every level and undefined members left out: the same request
 * gives the same text whatever order its fields were built in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The MAC of `body` (the request with its nonce, without the signature) for `group`. */
export function macOf(key: string, group: string, signer: Signer, body: unknown): string {
  return createHmac('sha256', key)
    .update(`${DOMAIN}\n${group}\n${signer}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** Signs `request` as `signer` of `group`, stamping it with a fresh nonce and `now`. */
export function signRequest(
  request: MoveRequest,
  signing: { readonly group: string; readonly signer: Signer; readonly key: string },
  now: number,
  nonce: string = randomUUID(),
): SignedMoveRequest {
  const body = { ...request, requestedAt: new Date(now).toISOString(), nonce };
  const mac = macOf(signing.key, signing.group, signing.signer, body);
  return { ...body, signature: { signer: signing.signer, mac } };
}

/** True when `mac` is the MAC of `body`; compared in constant time. */
export function macMatches(
  key: string,
  group: string,
  signer: Signer,
  body: unknown,
  mac: string,
): boolean {
  const expected = Buffer.from(macOf(key, group, signer, body), 'hex');
  const given = /^[0-9a-f]{64}$/.test(mac) ? Buffer.from(mac, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
