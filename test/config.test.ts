import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, validateConfig } from '../lib/config';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);

/** The example config with one change applied. */
function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

function problemsOf(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const minimal: Raw = {
  name: 'web',
  vip: '172.31.255.10/32',
  vpc: {
    vpcId: 'vpc-0123456789abcdef0',
    cidr: '10.1.0.0/16',
    subnets: [{ subnetId: 'subnet-01234567', availabilityZone: 'us-east-1a' }],
  },
  routeTableIds: ['rtb-01234567'],
  nodes: [
    { name: 'web-1', instanceId: 'i-01234567', address: '10.1.0.10' },
    { name: 'web-2', instanceId: 'i-89abcdef', address: '10.1.0.11' },
  ],
  probe: { type: 'tcp', port: 80 },
};

describe('validateConfig', () => {
  describe('accepts', () => {
    it.each<[string, Raw]>([
      ['the example config', example],
      ['a minimal tcp config with instance targets', minimal],
      [
        'economy mode on a 10-minute schedule without a Mover reservation',
        variant((c) => {
          c.scheduleMinutes = 10;
          c.detection.mode = 'economy';
          c.mover = { reservedConcurrency: null, timeoutSeconds: 60 };
        }),
      ],
      [
        'custom parameter names, interface endpoints and a long log retention',
        variant((c) => {
          c.parameterName = '/ops/orders/active-node';
          c.pauseParameterName = '/ops/orders/paused';
          c.interfaceEndpoints = true;
          c.logRetentionDays = 365;
        }),
      ],
      [
        'three nodes with 17-digit ids',
        variant((c) => {
          c.nodes.push({
            name: 'db-c',
            networkInterfaceId: 'eni-0123456789abcdef0',
            address: '10.0.3.10',
          });
        }),
      ],
    ])('%s', (_name, input) => {
      expect(() => validateConfig(input)).not.toThrow();
    });

    it('resolves every default', () => {
      const config = validateConfig(minimal);

      expect(config).toMatchObject({
        scheduleMinutes: 1,
        parameterName: '/vip-failover/web/active',
        pauseParameterName: '/vip-failover/web/paused',
        probe: { type: 'tcp', port: 80, timeoutMs: 1000 },
        detection: {
          mode: 'continuous',
          intervalMs: 1000,
          confirmIntervalMs: 250,
          fall: 6,
          rise: 3,
          cooldownSeconds: 300,
          failback: 'never',
        },
        mover: { reservedConcurrency: 1, timeoutSeconds: 30 },
        interfaceEndpoints: false,
        logRetentionDays: 30,
      });
    });

    it('is idempotent, so the construct may validate an already validated config', () => {
      const once = validateConfig(example);

      expect(validateConfig(once)).toEqual(once);
    });
  });

  describe('rejects', () => {
    it.each<[string, Raw, string]>([
      [
        'a CIDR with a prefix over 32',
        variant((c) => (c.vpc.cidr = '10.0.0.0/33')),
        'vpc.cidr "10.0.0.0/33" is not an IPv4 CIDR; write it like 10.0.0.0/16',
      ],
      [
        'a CIDR with three octets',
        variant((c) => (c.vpc.cidr = '10.0.0/16')),
        'vpc.cidr "10.0.0/16" is not an IPv4 CIDR',
      ],
      [
        'a malformed VPC id',
        variant((c) => (c.vpc.vpcId = 'vpc-xyz')),
        'vpc.vpcId "vpc-xyz" must be a VPC id such as vpc-0123456789abcdef0',
      ],
      [
        'a malformed subnet id',
        variant((c) => (c.vpc.subnets[1].subnetId = 'subnet-12')),
        'vpc.subnets[1].subnetId "subnet-12" must be a subnet id',
      ],
      [
        'a region where an availability zone belongs',
        variant((c) => (c.vpc.subnets[0].availabilityZone = 'eu-west-1')),
        'vpc.subnets[0].availabilityZone "eu-west-1" must be an availability zone such as eu-west-1a',
      ],
      [
        'a malformed route table id',
        variant((c) => (c.routeTableIds[2] = 'rtb-XYZ')),
        'routeTableIds[2] "rtb-XYZ" must be a route table id such as rtb-0123456789abcdef0',
      ],
      [
        'a malformed ENI id',
        variant((c) => (c.nodes[1].networkInterfaceId = 'eni-1')),
        'nodes[1].networkInterfaceId "eni-1" must be an ENI id',
      ],
      [
        'a malformed node address',
        variant((c) => (c.nodes[0].address = '10.0.1.300')),
        'nodes[0].address "10.0.1.300" must be the private IPv4 address to probe',
      ],
      [
        'a VIP inside the VPC CIDR',
        variant((c) => (c.vip = '10.0.3.7/32')),
        'vip 10.0.3.7/32 lies inside the VPC CIDR 10.0.0.0/16; an overlay IP must be outside it',
      ],
      [
        'a VIP that is a /24',
        variant((c) => (c.vip = '192.168.100.0/24')),
        'vip "192.168.100.0/24" is not an IPv4 /32',
      ],
      [
        'a VIP without a prefix',
        variant((c) => (c.vip = '192.168.100.10')),
        'vip "192.168.100.10" is not an IPv4 /32; write the overlay address like 192.168.100.10/32',
      ],
      [
        'a single node',
        variant((c) => (c.nodes = [c.nodes[0]])),
        'must list at least two nodes: a master and a standby',
      ],
      [
        'two nodes with one name',
        variant((c) => (c.nodes[1].name = 'db-a')),
        'nodes[1].name "db-a" repeats nodes[0]; every node needs its own name',
      ],
      [
        'two nodes with one ENI',
        variant((c) => (c.nodes[1].networkInterfaceId = c.nodes[0].networkInterfaceId)),
        'nodes[1].networkInterfaceId "eni-0a1b2c3d4e5f6000a" repeats nodes[0]',
      ],
      [
        'two nodes with one address',
        variant((c) => (c.nodes[1].address = c.nodes[0].address)),
        'nodes[1].address "10.0.1.10" repeats nodes[0]; every node needs its own address',
      ],
      [
        'a node with both an ENI and an instance',
        variant((c) => (c.nodes[0].instanceId = 'i-0123456789abcdef0')),
        'nodes[0] (db-a) has both networkInterfaceId and instanceId; set exactly one',
      ],
      [
        'a node with no route target',
        variant((c) => delete c.nodes[0].networkInterfaceId),
        'nodes[0] (db-a) has no route target; set exactly one',
      ],
      [
        'a node outside the VPC',
        variant((c) => (c.nodes[0].address = '10.1.1.10')),
        'nodes[0].address 10.1.1.10 lies outside the VPC CIDR 10.0.0.0/16',
      ],
      [
        'an unknown probe type',
        variant((c) => (c.probe.type = 'http')),
        'probe.type "http" must be "tcp" or "mysql"',
      ],
      [
        'port 0',
        variant((c) => (c.probe.port = 0)),
        'probe.port 0 must be a TCP port from 1 to 65535',
      ],
      [
        'port 70000',
        variant((c) => (c.probe.port = 70000)),
        'probe.port 70000 must be a TCP port from 1 to 65535',
      ],
      [
        'a mysql probe without its mysql block',
        variant((c) => delete c.probe.mysql),
        'probe.mysql is missing; a mysql probe needs {"user": ..., "passwordSecretArn": ...}',
      ],
      [
        'a tcp probe with a mysql block',
        variant((c) => (c.probe.type = 'tcp')),
        'probe.mysql is set but probe.type is "tcp"',
      ],
      [
        'a password secret that is not an ARN',
        variant((c) => (c.probe.mysql.passwordSecretArn = 'orders-db-password')),
        'probe.mysql.passwordSecretArn "orders-db-password" must be a Secrets Manager secret ARN',
      ],
      [
        'a plaintext password',
        variant((c) => (c.probe.mysql.password = 'hunter2')),
        'probe.mysql.password: a plaintext password is never accepted; store it in Secrets Manager',
      ],
      [
        'an unknown top-level field',
        variant((c) => (c.colour = 'blue')),
        'unknown field "colour"; remove it or check the spelling',
      ],
      [
        'an unknown nested field',
        variant((c) => (c.probe.retries = 3)),
        'probe: unknown field "retries"; remove it or check the spelling',
      ],
      [
        'a schedule longer than 10 minutes',
        variant((c) => (c.scheduleMinutes = 11)),
        'scheduleMinutes 11 must be from 1 to 10 minutes',
      ],
      [
        'a Mover reservation above 1',
        variant((c) => (c.mover = { reservedConcurrency: 2 })),
        'mover.reservedConcurrency 2 must be 1 (serialised moves) or null (no reservation)',
      ],
      [
        'a retention CloudWatch Logs does not offer',
        variant((c) => (c.logRetentionDays = 2)),
        'logRetentionDays 2 must be a CloudWatch Logs retention',
      ],
      [
        'one parameter for both the record and the pause flag',
        variant((c) => {
          c.parameterName = '/vip-failover/x';
          c.pauseParameterName = '/vip-failover/x';
        }),
        'pauseParameterName "/vip-failover/x" equals parameterName',
      ],
    ])('%s', (_name, input, fragment) => {
      const problems = problemsOf(input);

      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(fragment);
    });

    it('never echoes a plaintext password', () => {
      const sentinel = 'SENTINEL-d0-not-leak';

      const error = (() => {
        try {
          validateConfig(variant((c) => (c.probe.mysql.password = sentinel)));
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a ConfigError');
      })();

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).not.toContain(sentinel);
    });

    it('reports every field error at once', () => {
      const input = variant((c) => {
        c.vpc.vpcId = 'vpc-1';
        c.probe.port = 0;
        c.colour = 'blue';
      });

      expect(() => validateConfig(input)).toThrow(/\(3 problems\)/);
      expect(problemsOf(input)).toEqual([
        expect.stringContaining('vpc.vpcId "vpc-1"'),
        expect.stringContaining('probe.port 0'),
        expect.stringContaining('unknown field "colour"'),
      ]);
    });

    it('reports every cross-field error at once', () => {
      const input = variant((c) => {
        c.vip = '10.0.3.7/32';
        c.nodes[1].name = 'db-a';
        delete c.probe.mysql;
      });

      expect(problemsOf(input)).toEqual([
        expect.stringContaining('lies inside the VPC CIDR'),
        expect.stringContaining('nodes[1].name "db-a" repeats nodes[0]'),
        expect.stringContaining('probe.mysql is missing'),
      ]);
    });

    it('reports a plaintext password together with the field errors', () => {
      const input = variant((c) => {
        c.probe.mysql.password = 'hunter2';
        c.probe.port = 0;
      });

      expect(problemsOf(input)).toEqual([
        expect.stringContaining('probe.mysql.password: a plaintext password is never accepted'),
        expect.stringContaining('probe.port 0'),
      ]);
    });

    it('rejects input that is not an object', () => {
      expect(() => validateConfig('orders-db')).toThrow(ConfigError);
    });
  });
});
