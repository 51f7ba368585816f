import { ConfigError, validateConfig } from '../config';
import example from '../config/example.json';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf';
const HOOK = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-drain';

/** The example config as raw JSON, its probe.mysql block reachable. */
type Raw = Record<string, unknown> & {
  probe: Record<string, unknown> & { mysql: Record<string, unknown> };
};

/** The example config with `change` applied to a copy. */
function configWith(change: (raw: Raw) => void) {
  const raw = structuredClone(example) as unknown as Raw;
  change(raw);
  return raw;
}

function problems(change: (raw: Raw) => void): readonly string[] {
  try {
    validateConfig(configWith(change));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('database failover config', () => {
  it('defaults to no promotion, no hooks, plaintext probes and 10 s of lag', () => {
    // Act
    const config = validateConfig(configWith(() => undefined));

    // Assess
    expect(config.probe.mysql).toMatchObject({ maxLagSeconds: 10, tls: 'off' });
    expect(config.promotion).toEqual({ type: 'none', catchUpTimeoutMs: 10000 });
    expect(config.hooks).toEqual({ beforeMoveTimeoutMs: 5000 });
  });

  it('takes promotion mysql with its user and secret, hooks and a verified TLS probe', () => {
    // Act
    const config = validateConfig(
      configWith((raw) => {
        raw.promotion = { type: 'mysql', user: 'vip_promoter', passwordSecretArn: SECRET };
        raw.hooks = { beforeMoveArn: `${HOOK}:live`, afterMoveArn: HOOK };
        raw.probe.mysql.tls = 'verify';
        raw.probe.mysql.caBundle = 'rds';
      }),
    );

    // Assess
    expect(config.promotion).toMatchObject({ type: 'mysql', user: 'vip_promoter' });
    expect(config.hooks.beforeMoveArn).toBe(`${HOOK}:live`);
  });

  it.each<[string, (raw: Raw) => void, RegExp]>([
    [
      'promotion mysql without its user',
      (raw) => (raw.promotion = { type: 'mysql', passwordSecretArn: SECRET }),
      /^promotion\.user is missing; .*set promotion\.user and promotion\.passwordSecretArn$/,
    ],
    [
      'a promotion user without promotion',
      (raw) => (raw.promotion = { user: 'vip_promoter' }),
      /^promotion\.user is set but promotion\.type is "none"/,
    ],
    [
      'promotion with a TCP probe',
      (raw) => {
        raw.probe = { type: 'tcp', port: 3306 } as unknown as Raw['probe'];
        raw.promotion = { type: 'mysql', user: 'vip_promoter', passwordSecretArn: SECRET };
      },
      /^promotion\.type "mysql" needs probe\.type "mysql"/,
    ],
    [
      'a promotion secret in another region',
      (raw) =>
        (raw.promotion = {
          type: 'mysql',
          user: 'vip_promoter',
          passwordSecretArn: SECRET.replace('eu-west-1', 'us-east-1'),
        }),
      /^promotion\.passwordSecretArn .* is in region us-east-1, but the stack deploys to region eu-west-1/,
    ],
    [
      'waits longer than the Mover may run',
      (raw) => {
        raw.promotion = {
          type: 'mysql',
          user: 'p',
          passwordSecretArn: SECRET,
          catchUpTimeoutMs: 60000,
        };
        raw.hooks = { beforeMoveArn: HOOK };
        raw.mover = { timeoutSeconds: 30 };
      },
      /^mover\.timeoutSeconds 30 is shorter than the Mover's run may take: up to \d+ s \(.*before hook 5 s \(hooks\.beforeMoveTimeoutMs\).*catch-up 60 s \(promotion\.catchUpTimeoutMs\).*\); raise mover\.timeoutSeconds to at least \d+, or leave it out \(the default fits\), or shorten promotion\.catchUpTimeoutMs or hooks\.beforeMoveTimeoutMs$/,
    ],
    [
      'a promotion user that is also the probe user',
      (raw) => (raw.promotion = { type: 'mysql', user: 'vip_monitor', passwordSecretArn: SECRET }),
      /^promotion\.user "vip_monitor" is also probe\.mysql\.user; .*Create a separate promotion user/,
    ],
    [
      'a promotion secret that is also the probe secret, named by its partial ARN',
      (raw) =>
        (raw.promotion = {
          type: 'mysql',
          user: 'vip_promoter',
          passwordSecretArn: (raw.probe.mysql.passwordSecretArn as string).replace(/-AbCdEf$/, ''),
        }),
      /^promotion\.passwordSecretArn "arn:aws:secretsmanager:.*" \(74 characters\) is also probe\.mysql\.passwordSecretArn; .*a secret of its own/,
    ],
    [
      'a CA bundle without tls verify',
      (raw) => (raw.probe.mysql.caBundle = 'rds'),
      /^probe\.mysql\.caBundle is set but probe\.mysql\.tls is "off"/,
    ],
    [
      'a CA bundle that is neither rds nor PEM',
      (raw) => {
        raw.probe.mysql.tls = 'verify';
        raw.probe.mysql.caBundle = '/etc/ssl/rds.pem';
      },
      /^probe\.mysql\.caBundle "\/etc\/ssl\/rds\.pem" must be "rds" .* or PEM certificates/,
    ],
    [
      'a hook that is no function ARN',
      (raw) => (raw.hooks = { afterMoveArn: 'orders-db-drain' }),
      /^hooks\.afterMoveArn "orders-db-drain" must be the ARN of the Lambda function/,
    ],
    [
      'an unknown TLS mode',
      (raw) => (raw.probe.mysql.tls = 'preferred'),
      /^probe\.mysql\.tls "preferred" must be "off", "required" or "verify"$/,
    ],
  ])('refuses %s, naming the field and the fix', (_, change, message) => {
    expect(problems(change)).toEqual([expect.stringMatching(message)]);
  });
});
