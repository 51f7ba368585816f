import {
  NonceBook,
  corroborate,
  establishTrust,
  type TrustDeps,
} from '../lambda/domain/mover/trust';
import type { PasswordSource } from '../lambda/domain/secret';
import { signRequest, type Signer } from '../lambda/domain/signing';
import type { MoveRequest, ProbeResult } from '../lambda/domain/types';
import { exampleConfig } from './support/domain-fixtures';

const config = exampleConfig();
const NOW = Date.parse('2026-03-01T10:00:00Z');
const KEYS: Record<Signer, string> = { checker: 'checker-secret', operator: 'operator-secret' };
const FAILOVER: MoveRequest = {
  target: 'db-b',
  reason: 'db-a failed 3 probes',
  expectedActive: 'db-a',
  automatic: true,
  kind: 'failover',
};
const MANUAL: MoveRequest = { target: 'db-b', reason: 'patching db-a', by: 'alice' };

const source = (value: string | Error): PasswordSource => ({
  get: () => (value instanceof Error ? Promise.reject(value) : Promise.resolve(value)),
  invalidate: () => undefined,
});

function trustDeps(overrides: Partial<TrustDeps> = {}): TrustDeps {
  const clock = { now: () => NOW };
  return {
    keys: { checker: source(KEYS.checker), operator: source(KEYS.operator) },
    nonces: new NonceBook(clock, 120_000),
    clock,
    maxAgeMs: 90_000,
    ...overrides,
  };
}

const signed = (request: MoveRequest, signer: Signer, at = NOW, key = KEYS[signer]) =>
  signRequest(request, { group: config.name, signer, key }, at);

describe('establishTrust', () => {
  it("takes the Checker's signed request as automatic and naming no one", async () => {
    // Act
    const trust = await establishTrust(
      trustDeps(),
      config,
      signed({ ...FAILOVER, by: 'x' }, 'checker'),
    );

    // Assess
    expect(trust.signer).toBe('checker');
    expect(trust.request).toMatchObject({ target: 'db-b', automatic: true, kind: 'failover' });
    expect(trust.request.by).toBeUndefined();
  });

  it("takes an operator's signed request as manual, with its signed `by`", async () => {
    // Act
    const trust = await establishTrust(trustDeps(), config, signed(MANUAL, 'operator'));

    // Assess
    expect(trust.signer).toBe('operator');
    expect(trust.request).toMatchObject({ target: 'db-b', by: 'alice' });
    expect(trust.request.automatic).toBeUndefined();
  });

  it.each([
    ['an unsigned request', () => MANUAL, 'unsigned'],
    [
      'a request signed with another key',
      () => signed(MANUAL, 'operator', NOW, 'guess'),
      'bad-signature',
    ],
    [
      'a request signed by the operator and relabelled the Checker’s',
      () => {
        const s = signed(FAILOVER, 'operator');
        return { ...s, signature: { ...s.signature, signer: 'checker' } };
      },
      'bad-signature',
    ],
    [
      'a signed request whose target was changed',
      () => ({ ...signed(MANUAL, 'operator'), target: 'db-a' }),
      'bad-signature',
    ],
    [
      'a signed request whose `by` was changed',
      () => ({ ...signed(MANUAL, 'operator'), by: 'bob' }),
      'bad-signature',
    ],
    ['a request signed 91 s ago', () => signed(MANUAL, 'operator', NOW - 91_000), 'stale'],
    [
      'a request signed 31 s in the future',
      () => signed(MANUAL, 'operator', NOW + 31_000),
      'stale',
    ],
    ['an operator’s request claiming automatic', () => signed(FAILOVER, 'operator'), 'overreach'],
    [
      'the Checker’s request with force',
      () => signed({ ...FAILOVER, force: true }, 'checker'),
      'overreach',
    ],
  ])('refuses %s', async (_what, event, distrust) => {
    // Act
    const trust = await establishTrust(trustDeps(), config, event());

    // Assess
    expect(trust).toMatchObject({ distrust });
  });

  it('refuses a signed request the second time it comes (a replay)', async () => {
    // Prepare
    const deps = trustDeps();
    const request = signed(MANUAL, 'operator');
    await establishTrust(deps, config, request);

    // Act
    const replay = await establishTrust(deps, config, request);

    // Assess
    expect(replay).toMatchObject({ distrust: 'replayed' });
  });

  it('says when the signer’s key cannot be read here', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const deps = trustDeps({ keys: { checker: source(denied), operator: source(KEYS.operator) } });

    // Act
    const trust = await establishTrust(deps, config, signed(FAILOVER, 'checker'));

    // Assess
    expect(trust).toMatchObject({
      distrust: 'key-unreadable',
      detail: 'the checker key cannot be read: AccessDeniedException: not authorized',
    });
  });

  it('refuses a malformed request as before, naming the field', async () => {
    // Act
    const trust = establishTrust(trustDeps(), config, { target: 'db-z' });

    // Assess
    await expect(trust).rejects.toThrow(/target "db-z" is not a configured node/);
  });
});

describe('corroborate', () => {
  const answer = (node: string, ok: boolean, eligible = ok): ProbeResult => ({
    node,
    ok,
    eligible,
    latencyMs: 1,
    startedAt: NOW,
    ...(ok ? {} : { failure: 'refused' as const }),
  });
  const prober = (alive: Record<string, boolean>) => (n: { name: string }) =>
    Promise.resolve(answer(n.name, alive[n.name] ?? false));
  const untrusted = (distrust: 'unsigned' | 'bad-signature', request: MoveRequest = FAILOVER) => ({
    distrust,
    detail: 'the request carries no signature',
    request,
  });

  it('refuses an unsigned automatic failover while the master answers', async () => {
    // Act
    const check = await corroborate(
      prober({ 'db-a': true, 'db-b': true }),
      config,
      untrusted('unsigned'),
    );

    // Assess
    expect(check).toMatchObject({ go: false });
    expect(check.detail).toContain('db-a answers');
  });

  it('lets an unsigned automatic failover go when the master does not answer and the target is eligible', async () => {
    // Act
    const check = await corroborate(
      prober({ 'db-a': false, 'db-b': true }),
      config,
      untrusted('unsigned', { ...FAILOVER, by: 'mallory', force: true, fence: ['db-a'] }),
    );

    // Assess
    expect(check).toMatchObject({
      go: true,
      request: { target: 'db-b', automatic: true, kind: 'failover' },
    });
    expect(check.go && check.request.by).toBeUndefined();
    expect(check.go && check.request.force).toBeUndefined();
    expect(check.go && check.request.fence).toBeUndefined();
  });

  it('never lets a wrongly signed request go, whatever the probes say', async () => {
    // Act
    const check = await corroborate(
      prober({ 'db-a': false, 'db-b': true }),
      config,
      untrusted('bad-signature'),
    );

    // Assess
    expect(check).toMatchObject({ go: false });
  });

  it('never lets an unsigned manual move go', async () => {
    // Act
    const check = await corroborate(
      prober({ 'db-a': false, 'db-b': true }),
      config,
      untrusted('unsigned', MANUAL),
    );

    // Assess
    expect(check).toMatchObject({ go: false });
  });
});
