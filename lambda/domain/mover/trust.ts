/**
 * Whom the Mover believes (docs/security.md). A request proves its origin by its signature: the
 * checker key makes it the Checker's (automatic, never forced, no `by`), the operator key an
 * operator's (manual, `by` as signed). Anything else is untrusted and refused, with one
 * exception that keeps failover alive when our own key cannot be read: an unsigned automatic
 * failover off a node the Mover's own probe finds dead, to a node its probe finds eligible.
 */
import { nodeByName, type FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import { awsErrorText } from '../errors';
import { parseMoveRequest } from './request';
import type { Prober } from '../probe/probe';
import type { PasswordSource } from '../secret';
import { SIGNERS, macMatches, type Signer } from '../signing';
import type { MoveRequest, ProbeResult } from '../types';

/** How far in the future a signed `requestedAt` may lie: clocks of two Lambdas disagree a little. */
export const MAX_CLOCK_SKEW_MS = 30_000;

/** Why a request is not believed. */
export type Distrust =
  /** No signature at all. */
  | 'unsigned'
  /** A signature that does not verify under the signer's key, or names no signer we know. */
  | 'bad-signature'
  /** A nonce this Mover has already acted on. */
  | 'replayed'
  /** Signed too long ago (or in the future): outside the window the nonces are remembered. */
  | 'stale'
  /** Signed, but claims what its signer may not: an operator's `automatic`, the Checker's `force`. */
  | 'overreach'
  /** The signer's key could not be read here: our own fault, alerted. */
  | 'key-unreadable';

export type Trust =
  | { readonly signer: Signer; readonly request: MoveRequest }
  | {
      readonly signer?: undefined;
      readonly distrust: Distrust;
      readonly detail: string;
      readonly request: MoveRequest;
    };

/**
 * The nonces of the requests acted on within the freshness window, in this container. A replay
 * outside the window is refused as stale; a replay inside it reaching another container (the
 * Mover's reserved concurrency keeps that to a cold start) meets the compare-and-swap on
 * `expectedActive` or finds the VIP already where it asks (docs/security.md).
 */
export class NonceBook {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  /** True the first time `nonce` is offered within the window; records it. */
  fresh(nonce: string): boolean {
    const now = this.clock.now();
    for (const [n, at] of this.seen) if (at + this.windowMs < now) this.seen.delete(n);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

export interface TrustDeps {
  readonly keys: Readonly<Record<Signer, PasswordSource>>;
  readonly nonces: NonceBook;
  readonly clock: Clock;
  /** The oldest signed request accepted, in ms. */
  readonly maxAgeMs: number;
}

/**
 * Validates an event and decides whose it is.
 * @throws InvalidMoveRequestError for a malformed request, as before signatures (nothing read).
 */
export async function establishTrust(
  deps: TrustDeps,
  config: FailoverConfig,
  event: unknown,
): Promise<Trust> {
  const { signature, nonce, ...rest } = envelope(config, event);
  const request = parseMoveRequest(config, rest);
  const untrusted = (distrust: Distrust, detail: string): Trust => ({ distrust, detail, request });
  if (signature === undefined) return untrusted('unsigned', 'the request carries no signature');
  const { signer, mac } = (signature ?? {}) as { signer?: unknown; mac?: unknown };
  if (!SIGNERS.includes(signer as Signer) || typeof mac !== 'string' || typeof nonce !== 'string')
    return untrusted('bad-signature', 'the signature names no known signer, MAC or nonce');
  let key: string;
  try {
    key = await deps.keys[signer as Signer].get();
  } catch (e) {
    return untrusted(
      'key-unreadable',
      `the ${String(signer)} key cannot be read: ${awsErrorText(e)}`,
    );
  }
  if (!macMatches(key, config.name, signer as Signer, { ...rest, nonce }, mac))
    return untrusted(
      'bad-signature',
      `the signature does not verify under the ${String(signer)} key`,
    );
  const age = deps.clock.now() - Date.parse(request.requestedAt ?? '');
  if (!(age <= deps.maxAgeMs && age >= -MAX_CLOCK_SKEW_MS))
    return untrusted(
      'stale',
      `signed at ${request.requestedAt ?? '(no time)'}; a signed request is accepted for ${deps.maxAgeMs / 1000} s`,
    );
  const overreach = overreachOf(signer as Signer, request);
  if (overreach) return untrusted('overreach', overreach);
  if (!deps.nonces.fresh(nonce))
    return untrusted('replayed', `nonce ${nonce} was already acted on`);
  return { signer: signer as Signer, request: provenRequest(signer as Signer, request) };
}

/** The event's signature and nonce apart from the request proper; anything else as it came. */
function envelope(
  config: FailoverConfig,
  event: unknown,
): { signature?: unknown; nonce?: unknown } & object {
  // Not an object: parseMoveRequest refuses it, naming the value.
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    parseMoveRequest(config, event);
  return event as object;
}

/** What a signer claims beyond its role, said as the refusal's detail. */
function overreachOf(signer: Signer, request: MoveRequest): string | undefined {
  if (signer === 'checker' && request.force)
    return 'the Checker never forces a move; a forced move is an operator’s, signed with the operator key';
  if (signer === 'operator' && (request.automatic || request.kind))
    return 'an operator’s request cannot claim automatic or a kind; only the checker key makes a request automatic';
  return undefined;
}

/** The request as its signer may make it: the Checker's are automatic and name no one. */
function provenRequest(signer: Signer, request: MoveRequest): MoveRequest {
  if (signer === 'operator') return { ...request, automatic: undefined };
  return { ...request, by: undefined, force: undefined, automatic: true };
}

/** The Checker's failover that could not be signed, as the Mover's own probes judged it. */
export type Corroboration =
  | { readonly go: true; readonly request: MoveRequest; readonly detail: string }
  | { readonly go: false; readonly detail: string };

/**
 * Whether an untrusted request may still go: only when our own part failed (no signature, or a
 * key we cannot read), only an automatic failover off `expectedActive`, and only when the
 * Mover's own probe finds that node not answering and the target eligible. Such a request can
 * do nothing the Checker would not do: it moves off a dead node, with fencing, honouring the
 * pause and the cooldown, and names no one.
 */
export async function corroborate(
  prober: Prober | undefined,
  config: FailoverConfig,
  trust: Extract<Trust, { distrust: Distrust }>,
): Promise<Corroboration> {
  const { request } = trust;
  const from = request.expectedActive && nodeByName(config, request.expectedActive);
  const to = nodeByName(config, request.target);
  const fault = trust.distrust === 'unsigned' || trust.distrust === 'key-unreadable';
  if (!fault || !request.automatic || !from || !to || from === to || !prober)
    return { go: false, detail: `refused: ${trust.detail}` };
  const [old, next] = await Promise.all([prober(from), prober(to)]);
  if (old.ok || !next.eligible)
    return {
      go: false,
      detail: `refused: ${trust.detail}, and the Mover's own probes do not confirm a failover (${said(old)}; ${said(next)})`,
    };
  return {
    go: true,
    request: {
      ...request,
      ...{ by: undefined, force: undefined, fence: undefined },
      automatic: true,
      kind: 'failover',
    },
    detail: `accepted unsigned: ${trust.detail}, but the Mover's own probes confirm the failover (${said(old)}; ${said(next)})`,
  };
}

const said = (p: ProbeResult) =>
  `${p.node} ${p.ok ? (p.eligible ? 'answers' : 'answers, not eligible') : 'does not answer'}${p.failure ? ` (${p.failure})` : ''}`;
