import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ConfigError, validateConfig } from '../config';
import example from '../config/example.json';
import { VipFailover } from '../lib/vip-failover';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** The example config as raw JSON, its nodes and probe.mysql block reachable. */
type Raw = Record<string, unknown> & {
  nodes: Record<string, unknown>[];
  probe: Record<string, unknown> & { mysql: Record<string, unknown> };
};

function configWith(change: (raw: Raw) => void): Raw {
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

const verified = (raw: Raw) => {
  raw.probe.mysql.tls = 'verify';
  raw.probe.mysql.caBundle = CA_PEM;
};

describe('tls "verify" in the config', () => {
  it('takes a CA bundle and a server name per node', () => {
    // Act
    const config = validateConfig(
      configWith((raw) => {
        verified(raw);
        raw.nodes[1]!.tlsServerName = 'db-b.orders.internal';
      }),
    );

    // Assess: db-a has none, so its certificate must carry its address.
    expect(config.probe.mysql).toMatchObject({ tls: 'verify', caBundle: CA_PEM });
    expect(config.nodes.map((n) => n.tlsServerName)).toEqual([undefined, 'db-b.orders.internal']);
  });

  it.each<[string, (raw: Raw) => void, RegExp]>([
    [
      'tls "verify" without a CA bundle, which would trust any public certificate',
      (raw) => (raw.probe.mysql.tls = 'verify'),
      /^probe\.mysql\.tls "verify" needs probe\.mysql\.caBundle, the only CAs it trusts .*any publicly issued certificate.*: set caBundle to the PEM of the CA that signs the nodes' certificates \(or "rds"\), or use tls "required" for encryption without authentication$/,
    ],
    [
      'a server name under tls "required"',
      (raw) => {
        raw.probe.mysql.tls = 'required';
        raw.nodes[0]!.tlsServerName = 'db-a.orders.internal';
      },
      /^nodes\[0\]\.tlsServerName "db-a\.orders\.internal" is set but probe\.mysql\.tls is "required", which checks no server name; set tls "verify" \(with caBundle\), or remove tlsServerName$/,
    ],
    [
      'a server name with a TCP probe',
      (raw) => {
        raw.probe = { type: 'tcp', port: 3306 } as unknown as Raw['probe'];
        raw.nodes[1]!.tlsServerName = 'db-b.orders.internal';
      },
      /^nodes\[1\]\.tlsServerName "db-b\.orders\.internal" is set but probe\.type is "tcp", which opens no TLS; use probe\.type "mysql" with tls "verify", or remove tlsServerName$/,
    ],
    [
      'a server name that is an IP address',
      (raw) => {
        verified(raw);
        raw.nodes[0]!.tlsServerName = '10.0.1.10';
      },
      /^nodes\[0\]\.tlsServerName "10\.0\.1\.10" is an IP address; remove tlsServerName, and tls "verify" checks the node's address as an IP SAN/,
    ],
    [
      'a server name that is no DNS name',
      (raw) => {
        verified(raw);
        raw.nodes[0]!.tlsServerName = '*.orders.internal';
      },
      /^nodes\[0\]\.tlsServerName "\*\.orders\.internal" must be the DNS name the node's certificate carries, such as db-a\.db\.internal$/,
    ],
  ])('refuses %s, naming the field, the value and the fix', (_, change, message) => {
    expect(problems(change)).toEqual([expect.stringMatching(message)]);
  });
});

describe('tlsServerName as a typed prop', () => {
  it('reaches the config the functions run with', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
      env: { account: example.account, region: example.region },
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      vpcCidrBlock: '10.0.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });

    // Act
    const group = new VipFailover(stack, 'Failover', {
      name: 'orders-db',
      vpc,
      vip: '192.168.100.10/32',
      routeTableIds: ['rtb-0a1b2c3d4e5f60001'],
      nodes: [
        {
          name: 'db-a',
          address: '10.0.1.10',
          networkInterfaceId: 'eni-0a1b2c3d4e5f6000a',
          tlsServerName: 'db-a.orders.internal',
        },
        { name: 'db-b', address: '10.0.2.10', networkInterfaceId: 'eni-0a1b2c3d4e5f6000b' },
      ],
      probe: {
        type: 'mysql',
        port: 3306,
        user: 'vip_monitor',
        secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-monitor-AbCdEf',
        tls: 'verify',
        caBundle: CA_PEM,
      },
    });

    // Assess
    expect(group.config.nodes.map((n) => n.tlsServerName)).toEqual([
      'db-a.orders.internal',
      undefined,
    ]);
  });
});
