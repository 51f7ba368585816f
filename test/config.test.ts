import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, validateConfig } from '../config';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);
const SECRET_ARN = example.probe.mysql.passwordSecretArn as string;
const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The example config with one change applied. */
function variant(change: (c: Raw) => void): Raw {
  const c = structuredClone(example);
  change(c);
  return c;
}

function errorOf(input: unknown): ConfigError {
  try {
    validateConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const problemsOf = (input: unknown): readonly string[] => errorOf(input).problems;

const minimal: Raw = {
  name: 'web',
  account: '210987654321',
  region: 'us-east-1',
  vip: '172.31.255.10/32',
  vpc: {
    vpcId: 'vpc-0123456789abcdef0',
    cidr: '10.1.0.0/16',
    subnets: [
      { subnetId: 'subnet-01234567', availabilityZone: 'us-east-1a' },
      { subnetId: 'subnet-89abcdef', availabilityZone: 'us-east-1b' },
    ],
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
        'economy mode on a 10-minute schedule',
        variant((c) => {
          c.scheduleMinutes = 10;
          c.detection.mode = 'economy';
          c.mover = { reservedConcurrency: 1, timeoutSeconds: 60 };
        }),
      ],
      [
        'custom parameter names, interface endpoints and a long log retention',
        variant((c) => {
          c.recordParameterName = '/ops/orders/active-node';
          c.pauseParameterName = '/ops/orders/paused';
          c.lastMoveParameterName = '/ops/orders/last-move';
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
      [
        'a partial secret ARN, without the random suffix',
        variant(
          (c) =>
            (c.probe.mysql.passwordSecretArn =
              'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db/vip-monitor'),
        ),
      ],
      [
        'a customer-managed KMS key in the stack account and region',
        variant((c) => (c.probe.mysql.kmsKeyArn = KMS_KEY_ARN)),
      ],
      [
        'a multi-Region KMS key',
        variant(
          (c) =>
            (c.probe.mysql.kmsKeyArn =
              'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'),
        ),
      ],
      [
        'a region of another partition, with a secret of that partition',
        variant((c) => {
          c.region = 'cn-north-1';
          c.vpc.subnets.forEach(
            (s: Raw, i: number) => (s.availabilityZone = `cn-north-1${'ab'[i]}`),
          );
          c.probe.mysql.passwordSecretArn =
            'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:orders-db-vip-monitor-AbCdEf';
        }),
      ],
      [
        'a probe timeout of seven confirmation intervals (8 probes in flight)',
        variant((c) => {
          c.probe.timeoutMs = 1750;
          c.detection.confirmIntervalMs = 250;
        }),
      ],
      [
        'preferred failback with a cooldown',
        variant((c) => {
          c.detection.failback = 'preferred';
          c.detection.cooldownSeconds = 1;
        }),
      ],
      ['fall 2', variant((c) => (c.detection.fall = 2))],
      [
        'one AZ without a second opinion',
        variant((c) => {
          c.vpc.subnets[1].availabilityZone = 'eu-west-1a';
          c.secondOpinion = { enabled: false };
        }),
      ],
    ])('%s', (_name, input) => {
      expect(() => validateConfig(input)).not.toThrow();
    });

    it('resolves every default', () => {
      const config = validateConfig(minimal);

      expect(config).toMatchObject({
        account: '210987654321',
        region: 'us-east-1',
        scheduleMinutes: 1,
        recordParameterName: '/vip-failover/web/active',
        pauseParameterName: '/vip-failover/web/paused',
        lastMoveParameterName: '/vip-failover/web/last-move',
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
        secondOpinion: { enabled: true, whenUnanswered: 'move' },
        interfaceEndpoints: false,
        logRetentionDays: 30,
      });
    });

    it('returns a frozen config, so what was validated stays valid', () => {
      const config = validateConfig(example);

      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.detection)).toBe(true);
      expect(Object.isFrozen(config.nodes[0])).toBe(true);
    });

    it('returns a config it validated as it is, so the stack and construct do not validate again', () => {
      const once = validateConfig(example);

      expect(validateConfig(once)).toBe(once);
    });

    it('validates a copy of a validated config again', () => {
      const once = validateConfig(example);
      const copy = { ...once, detection: { ...once.detection, fall: 1 } };

      expect(() => validateConfig(copy)).toThrow(/detection\.fall 1 must be at least 2/);
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
        'a subnet listed twice',
        variant((c) => (c.vpc.subnets[1].subnetId = c.vpc.subnets[0].subnetId)),
        'vpc.subnets[1].subnetId "subnet-0a1b2c3d4e5f60001" is listed twice; list each subnet once',
      ],
      [
        'a second opinion with every subnet in one AZ',
        variant((c) => (c.vpc.subnets[1].availabilityZone = 'eu-west-1a')),
        'vpc.subnets "eu-west-1a" are all in one availability zone, but secondOpinion.enabled is true: a failover needs a probe from an AZ other than the Checker\'s, and an outage of that one AZ would stop failover; add a private subnet in a second AZ, or set secondOpinion.enabled to false',
      ],
      [
        'a policy for an unanswered second opinion that is not one',
        variant((c) => (c.secondOpinion = { whenUnanswered: 'wait' })),
        'secondOpinion.whenUnanswered "wait" must be "move" or "hold"',
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
        'a route table listed twice',
        variant((c) => (c.routeTableIds[2] = c.routeTableIds[0])),
        'routeTableIds[2] "rtb-0a1b2c3d4e5f60001" is listed twice; list each route table once',
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
        'vip "10.0.3.7/32" lies inside the VPC CIDR 10.0.0.0/16; an overlay IP must be outside it',
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
        'nodes (a list of 1 item) must list at least two nodes: a master and a standby',
      ],
      [
        'two nodes with one name',
        variant((c) => (c.nodes[1].name = 'db-a')),
        'nodes[1].name "db-a" repeats nodes[0]; every node needs its own name',
      ],
      [
        'two nodes with one ENI',
        variant((c) => (c.nodes[1].networkInterfaceId = c.nodes[0].networkInterfaceId)),
        'nodes[1].networkInterfaceId "eni-0a1b2c3d4e5f6000a" repeats nodes[0]; every node needs its own route target',
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
        'nodes[0].address "10.1.1.10" lies outside the VPC CIDR 10.0.0.0/16',
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
        'a port written as a string',
        variant((c) => (c.probe.port = '3306')),
        'probe.port "3306" must be a number',
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
        'probe.mysql.password is never accepted: a plaintext password does not belong in a config; store it in Secrets Manager',
      ],
      [
        'an unknown top-level field',
        variant((c) => (c.colour = 'blue')),
        'colour is not a known field; remove it or check the spelling',
      ],
      [
        'an unknown nested field',
        variant((c) => (c.probe.retries = 3)),
        'probe.retries is not a known field; remove it or check the spelling',
      ],
      [
        'a schedule longer than 10 minutes',
        variant((c) => (c.scheduleMinutes = 11)),
        'scheduleMinutes 11 must be from 1 to 10 minutes',
      ],
      [
        'a confirmation interval longer than the regular one',
        variant((c) => (c.detection.confirmIntervalMs = 1500)),
        'detection.confirmIntervalMs 1500 is longer than detection.intervalMs 1000; confirmation probes must come at least as often',
      ],
      [
        'a probe interval as long as the schedule',
        variant((c) => (c.detection.intervalMs = 60000)),
        'detection.intervalMs 60000 is not shorter than the schedule (1 min); shorten it or use detection.mode "economy"',
      ],
      [
        'a Mover reservation above 1',
        variant((c) => (c.mover = { reservedConcurrency: 2 })),
        'mover.reservedConcurrency 2 must be 1: a move compare-and-swaps the record',
      ],
      [
        'a retention CloudWatch Logs does not offer',
        variant((c) => (c.logRetentionDays = 2)),
        'logRetentionDays 2 must be a CloudWatch Logs retention',
      ],
      [
        'one parameter for both the record and the pause flag',
        variant((c) => {
          c.recordParameterName = '/vip-failover/x';
          c.pauseParameterName = '/vip-failover/x';
        }),
        'pauseParameterName "/vip-failover/x" equals recordParameterName',
      ],
      [
        'a pause flag named like the default record',
        variant((c) => (c.pauseParameterName = '/vip-failover/orders-db/active')),
        'pauseParameterName "/vip-failover/orders-db/active" equals recordParameterName',
      ],
      [
        'a last-move parameter named like the default record',
        variant((c) => (c.lastMoveParameterName = '/vip-failover/orders-db/active')),
        'lastMoveParameterName "/vip-failover/orders-db/active" equals recordParameterName',
      ],
    ])('%s', (_name, input, fragment) => {
      const problems = problemsOf(input);

      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(fragment);
    });

    it('rejects input that is not an object', () => {
      expect(problemsOf('orders-db')).toEqual([
        '(config) "orders-db" must be a JSON object shaped like config/example.json',
      ]);
    });
  });

  describe('rejects unsafe settings', () => {
    it.each<[string, Raw, string]>([
      [
        'fall 1: one lost probe would move the VIP',
        variant((c) => (c.detection.fall = 1)),
        'detection.fall 1 must be at least 2: a lone lost probe must never move the VIP',
      ],
      [
        'no cooldown with preferred failback: a flapping node would pull the VIP back and forth',
        variant((c) => {
          c.detection.failback = 'preferred';
          c.detection.cooldownSeconds = 0;
        }),
        'detection.cooldownSeconds 0 with detection.failback "preferred" lets a preferred node that keeps coming and going pull the VIP back',
      ],
      [
        'a probe timeout far above the confirmation interval: probes pile up on a hung node',
        variant((c) => {
          c.probe.timeoutMs = 5000;
          c.detection.confirmIntervalMs = 250;
        }),
        'probe.timeoutMs 5000 with detection.confirmIntervalMs 250 lets 21 probes be in flight to one node ' +
          '(ceil(timeoutMs / confirmIntervalMs) + 1), over 8: each holds a connection, and against a hung node ' +
          'they pile up toward its max_connections; lower probe.timeoutMs to at most 1750 or raise ' +
          'detection.confirmIntervalMs to at least 715',
      ],
      [
        'a Mover without a reservation: the compare-and-swap is not atomic',
        variant((c) => (c.mover = { reservedConcurrency: null })),
        'mover.reservedConcurrency null must be 1: a move compare-and-swaps the record by reading it and then ' +
          'writing it, which is safe only while one Mover runs at a time (null, no reservation, is refused for that reason',
      ],
    ])('%s', (_name, input, fragment) => {
      const problems = problemsOf(input);

      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(fragment);
    });

    it.each<[string, string]>([
      ['0.0.0.0/32', '"this network" (0.0.0.0/8)'],
      ['255.255.255.255/32', 'reserved (240.0.0.0/4, with the broadcast 255.255.255.255)'],
      ['127.0.0.1/32', 'loopback (127.0.0.0/8)'],
      ['169.254.169.254/32', 'link-local (169.254.0.0/16), where the instance metadata service'],
      ['169.254.10.1/32', 'link-local (169.254.0.0/16)'],
      ['224.0.0.5/32', 'multicast (224.0.0.0/4)'],
      ['239.255.255.250/32', 'multicast (224.0.0.0/4)'],
      ['240.0.0.1/32', 'reserved (240.0.0.0/4'],
    ])('the VIP %s', (vip, range) => {
      const problems = problemsOf(variant((c) => (c.vip = vip)));

      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`vip "${vip}" lies in ${range}`);
      expect(problems[0]).toMatch(/an overlay IP must be an ordinary unicast address/);
    });

    it.each<[string, string]>([
      ['10.0.0.0', 'the network address'],
      ['10.0.0.1', 'the VPC router (network + 1)'],
      ['10.0.0.2', 'the Amazon DNS resolver (network + 2)'],
      ['10.0.0.3', 'reserved by AWS for future use (network + 3)'],
      ['10.0.255.255', 'the broadcast address'],
    ])('a node at %s, an address AWS reserves in the VPC', (address, role) => {
      const problems = problemsOf(variant((c) => (c.nodes[1].address = address)));

      expect(problems).toEqual([
        `nodes[1].address "${address}" is ${role} of the VPC CIDR 10.0.0.0/16, an address AWS reserves; use the node's own private IP`,
      ]);
    });
  });

  describe('account and region', () => {
    it.each<[string, Raw, string]>([
      [
        'a config without an account',
        variant((c) => delete c.account),
        'account (missing) must be the 12-digit AWS account id the stack deploys to, as a string such as "123456789012"',
      ],
      [
        'an account written as a number',
        variant((c) => (c.account = 12345678901)),
        'account 12345678901 must be the 12-digit AWS account id the stack deploys to, as a string',
      ],
      [
        'an account of 11 digits',
        variant((c) => (c.account = '12345678901')),
        'account "12345678901" must be the 12-digit AWS account id the stack deploys to',
      ],
      [
        'a config without a region',
        variant((c) => delete c.region),
        'region (missing) must be the AWS region the stack deploys to, such as "eu-west-1"',
      ],
      [
        'an availability zone where a region belongs',
        variant((c) => (c.region = 'eu-west-1a')),
        'region "eu-west-1a" must be the AWS region the stack deploys to, such as eu-west-1',
      ],
      [
        'a subnet in another region',
        variant((c) => (c.vpc.subnets[1].availabilityZone = 'us-east-1b')),
        'vpc.subnets[1].availabilityZone "us-east-1b" is not in region eu-west-1, where the stack deploys; list subnets of that region, or correct region',
      ],
      [
        'a secret in another region',
        variant(
          (c) =>
            (c.probe.mysql.passwordSecretArn = SECRET_ARN.replace(':eu-west-1:', ':us-east-1:')),
        ),
        'is in region us-east-1, but the stack deploys to region eu-west-1 of account 123456789012 ' +
          "(the config's region and account), where its IAM grants apply; name a secret there, or correct region and account",
      ],
      [
        'a secret in another account',
        variant((c) => (c.account = '210987654321')),
        'probe.mysql.passwordSecretArn "arn:aws:secretsmanager:eu-west-1:1234567…" (81 characters) is in account 123456789012, ' +
          'but the stack deploys to region eu-west-1 of account 210987654321',
      ],
      [
        'a secret of another partition',
        variant(
          (c) => (c.probe.mysql.passwordSecretArn = SECRET_ARN.replace('arn:aws:', 'arn:aws-cn:')),
        ),
        'is in partition aws-cn, but the stack deploys to region eu-west-1',
      ],
      [
        'a KMS key in another account',
        variant(
          (c) =>
            (c.probe.mysql.kmsKeyArn = KMS_KEY_ARN.replace(':123456789012:', ':210987654321:')),
        ),
        'is in account 210987654321, but the stack deploys to region eu-west-1 of account 123456789012 ' +
          "(the config's region and account), where its IAM grants apply; name a key there",
      ],
      [
        'a KMS alias instead of a key',
        variant(
          (c) => (c.probe.mysql.kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:alias/orders-db'),
        ),
        'must be the ARN of the customer-managed KMS key that encrypts the secret',
      ],
      [
        'a KMS key id instead of its ARN',
        variant((c) => (c.probe.mysql.kmsKeyArn = '1234abcd-12ab-34cd-56ef-1234567890ab')),
        'probe.mysql.kmsKeyArn "1234abcd-12ab-34cd-56ef-1234567890ab" must be the ARN of the customer-managed KMS key',
      ],
    ])('%s', (_name, input, fragment) => {
      const problems = problemsOf(input);

      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(fragment);
    });
  });

  describe('never echoes a secret, nor a long input in full', () => {
    it('never echoes a plaintext password', () => {
      const sentinel = 'SENTINEL-d0-not-leak';

      const error = errorOf(variant((c) => (c.probe.mysql.password = sentinel)));

      expect(error.message).not.toContain(sentinel);
      expect(JSON.stringify(error.details)).not.toContain(sentinel);
    });

    it('never echoes the value of a field it does not know, which may be a password', () => {
      const sentinel = 'hunter2';

      const error = errorOf(variant((c) => (c.probe.mysql.passwd = sentinel)));

      expect(error.problems).toEqual([
        'probe.mysql.passwd is not a known field; remove it or check the spelling',
      ]);
    });

    it('hides a value that looks like a secret, in any field', () => {
      const secret = 'kX9#mQ2$vL7@pR4!nB8^';

      const error = errorOf(variant((c) => (c.vpc.vpcId = secret)));

      expect(error.message).not.toContain(secret);
      expect(error.problems).toEqual([
        'vpc.vpcId (hidden: the value looks like a secret) must be a VPC id such as vpc-0123456789abcdef0',
      ]);
    });

    it('echoes only the first 40 characters of a long value', () => {
      const long = `${'a'.repeat(40)}${'b'.repeat(4960)}`;

      const problems = problemsOf(variant((c) => (c.vip = long)));

      expect(problems).toEqual([
        `vip "${'a'.repeat(40)}…" (5000 characters) is not an IPv4 /32; write the overlay address like 192.168.100.10/32`,
      ]);
    });

    it('summarises a list or an object instead of echoing it', () => {
      const problems = problemsOf(variant((c) => (c.vip = { password: 'hunter2' })));

      expect(problems).toEqual(['vip (an object) must be a string']);
    });
  });

  describe('reports every problem at once', () => {
    it('every field problem, in the order of the config', () => {
      const input = variant((c) => {
        c.colour = 'blue';
        c.probe.port = 0;
        c.vpc.vpcId = 'vpc-1';
      });

      expect(() => validateConfig(input)).toThrow(/\(3 problems\)/);
      expect(problemsOf(input)).toEqual([
        expect.stringContaining('vpc.vpcId "vpc-1"'),
        expect.stringContaining('probe.port 0'),
        expect.stringContaining('colour is not a known field'),
      ]);
    });

    it('every cross-field problem, in the order of the config', () => {
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

    it('a plaintext password together with the field problems', () => {
      const input = variant((c) => {
        c.probe.mysql.password = 'hunter2';
        c.probe.port = 0;
      });

      expect(problemsOf(input)).toEqual([
        expect.stringContaining('probe.mysql.password is never accepted'),
        expect.stringContaining('probe.port 0'),
      ]);
    });

    it('cross-field problems of sound fields next to the problems of another field', () => {
      const input = variant((c) => {
        c.vip = '10.0.3.7/32';
        c.routeTableIds = [];
        c.detection.failback = 'preferred';
        c.detection.cooldownSeconds = 0;
      });

      expect(errorOf(input).details).toEqual([
        expect.objectContaining({ path: ['vip'], value: '10.0.3.7/32' }),
        expect.objectContaining({ path: ['routeTableIds'], value: [] }),
        expect.objectContaining({ path: ['detection', 'cooldownSeconds'], value: 0 }),
      ]);
    });

    it('no cross-field problem about a field the schema rejected', () => {
      // The VPC CIDR is malformed: whether the nodes and the VIP lie inside it is not asked.
      const input = variant((c) => {
        c.vpc.cidr = '10.0.0.0/33';
        c.nodes[0].address = '172.16.0.1';
        c.vip = '10.0.3.7/32';
      });

      expect(errorOf(input).details).toEqual([expect.objectContaining({ path: ['vpc', 'cidr'] })]);
    });

    it('keeps every problem as data: where, which value, and the fix', () => {
      const error = errorOf(variant((c) => (c.nodes[1].address = c.nodes[0].address)));

      expect(error.details).toEqual([
        {
          path: ['nodes', 1, 'address'],
          value: '10.0.1.10',
          message: 'repeats nodes[0]; every node needs its own address',
        },
      ]);
    });
  });
});
