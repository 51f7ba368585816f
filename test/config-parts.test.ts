import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  ENV,
  cidrContains,
  isPartialSecretArn,
  loadRuntimeConfig,
  looksLikeSecret,
  partitionOf,
  runtimeConfig,
  secretResourceArn,
  showValue,
  specialRangeOf,
  validateConfig,
  vipAddress,
  vpcReservedRole,
} from '../config';

const example: unknown = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);

describe('secretResourceArn', () => {
  const complete = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db/monitor-AbCdEf';
  const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db/monitor';

  it('grants a complete ARN as it is', () => {
    expect(isPartialSecretArn(complete)).toBe(false);
    expect(secretResourceArn(complete)).toBe(complete);
  });

  it('grants a partial ARN with the six-character random suffix as a wildcard', () => {
    expect(isPartialSecretArn(partial)).toBe(true);
    expect(secretResourceArn(partial)).toBe(`${partial}-??????`);
  });
});

describe('partitionOf', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('puts %s in %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('IPv4 ranges', () => {
  it('reads the address of an overlay IP written as a /32, and nothing else', () => {
    expect(vipAddress('192.168.100.10/32')).toBe('192.168.100.10');
    expect(['192.168.100.10', '192.168.100.0/24', '300.1.1.1/32', ''].map(vipAddress)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('finds an address inside a CIDR whose host bits are set', () => {
    expect(cidrContains('10.0.5.0/16', '10.0.200.1')).toBe(true);
    expect(cidrContains('10.0.5.0/16', '10.1.0.1')).toBe(false);
  });

  it('names the range of a special address, and none for an ordinary one', () => {
    expect(specialRangeOf('169.254.169.254')).toMatch(/^link-local/);
    expect(specialRangeOf('192.168.100.10')).toBeUndefined();
  });

  it('names the five addresses AWS reserves in a VPC, and no other', () => {
    const roles = ['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.255.255'].map(
      (ip) => vpcReservedRole('10.0.0.0/16', ip),
    );

    expect(roles).toEqual([
      'the network address',
      'the VPC router (network + 1)',
      'the Amazon DNS resolver (network + 2)',
      'reserved by AWS for future use (network + 3)',
      undefined,
      'the broadcast address',
    ]);
  });
});

describe('showValue', () => {
  it.each<[string, unknown, string]>([
    ['a short string as JSON', 'vpc-xyz', '"vpc-xyz"'],
    ['a number', 0, '0'],
    ['null', null, 'null'],
    ['a missing value', undefined, '(missing)'],
    ['a list by its length', [1, 2], '(a list of 2 items)'],
    ['an object by its kind', { a: 1 }, '(an object)'],
    [
      'a long string by a prefix and its length',
      'x'.repeat(41),
      `"${'x'.repeat(40)}…" (41 characters)`,
    ],
  ])('shows %s', (_name, value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it.each(['password', 'dbPassword', 'apiKey', 'secretString', 'token'])(
    'hides any value of a field named %s',
    (key) => {
      expect(showValue('x', key)).toBe('(hidden: the field holds a secret)');
    },
  );

  it('shows the value of a field that names a secret rather than holding it', () => {
    expect(showValue('arn:aws:secretsmanager:x', 'passwordSecretArn')).toBe(
      '"arn:aws:secretsmanager:x"',
    );
  });
});

describe('looksLikeSecret', () => {
  it.each([
    'Tr0ub4dor&3xyzABC',
    'kX9#mQ2$vL7@pR4!nB8^',
    'f3a9c81b2d7e4a60b5c9d1e2f3a4b5c6',
    'dGhpcyBpcyBhIHRlc3Qgc2VjcmV0',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ])('takes %s for a secret', (s) => {
    expect(looksLikeSecret(s)).toBe(true);
  });

  it.each([
    'hunter2',
    'orders-db-vip-monitor',
    'correct-horse-battery-staple',
    'vpc-0a1b2c3d4e5f60718',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-monitor-AbCdEf',
    '/vip-failover/orders-db/active',
    'db-node-01-eu-west-1b',
  ])('takes %s for a name', (s) => {
    expect(looksLikeSecret(s)).toBe(false);
  });
});

describe('ConfigError', () => {
  it('prints each problem as field, value and fix, and keeps them as data', () => {
    const error = new ConfigError([
      { path: ['probe', 'port'], value: 0, message: 'must be a TCP port from 1 to 65535' },
      { path: ['nodes', 0], message: '(db-a) has no route target; set exactly one' },
      'the Checker environment would take 5000 bytes; list fewer nodes',
    ]);

    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      [
        'invalid vip-failover config (3 problems):',
        '  - probe.port 0 must be a TCP port from 1 to 65535',
        '  - nodes[0] (db-a) has no route target; set exactly one',
        '  - the Checker environment would take 5000 bytes; list fewer nodes',
      ].join('\n'),
    );
    expect(error.details[2]).toEqual({
      path: [],
      message: 'the Checker environment would take 5000 bytes; list fewer nodes',
    });
  });
});

describe('loadRuntimeConfig', () => {
  it('loads what the stack wrote, validated', () => {
    const runtime = runtimeConfig(validateConfig(example));
    const env = { [ENV.config]: JSON.stringify(runtime) };

    const loaded = loadRuntimeConfig(env);

    expect(loaded).toEqual(runtime);
    expect(Object.isFrozen(loaded.config)).toBe(true);
  });

  it('says the variable is missing and how to fix it', () => {
    expect(() => loadRuntimeConfig({})).toThrow(
      'VIP_FAILOVER_CONFIG is missing from the environment; deploy the function with the vip-failover stack',
    );
  });

  it('says the variable is not JSON without quoting it', () => {
    const error = (() => {
      try {
        loadRuntimeConfig({ [ENV.config]: '{"config": hunter2}' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual([
      expect.stringMatching(/^VIP_FAILOVER_CONFIG is not JSON( at .*)?; redeploy the stack$/),
    ]);
    expect(error.message).not.toContain('hunter2');
  });

  it('names a window that is not a number of milliseconds', () => {
    const runtime = { ...runtimeConfig(validateConfig(example)), windowMs: 'soon' };

    expect(() => loadRuntimeConfig({ [ENV.config]: JSON.stringify(runtime) })).toThrow(
      'VIP_FAILOVER_CONFIG.windowMs "soon" must be a non-negative number of milliseconds',
    );
  });
});

describe('the probe', () => {
  it('hands a mysql probe on with its mysql block, so no reader checks for it again', () => {
    // Prepare
    const config = validateConfig(example);

    // Act: this compiles only while the probe's type tells its block apart (npm run typecheck).
    const user = config.probe.type === 'mysql' ? config.probe.mysql.user : undefined;

    // Assess
    expect(user).toBe('vip_monitor');
  });

  it('hands a tcp probe on with no mysql block', () => {
    // Prepare
    const input = { ...(example as object), probe: { type: 'tcp', port: 3306 } };

    // Act
    const { probe } = validateConfig(input);

    // Assess
    expect(probe).toEqual({ type: 'tcp', port: 3306, timeoutMs: 1000 });
    expect('mysql' in probe).toBe(false);
  });
});
