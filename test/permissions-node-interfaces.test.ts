import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { VipFailoverStack } from '../lib/vip-failover-stack';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);

/** The statements of each function's role, by function. */
function roleStatements(input: Raw): { stack: Stack; roles: Map<string, Statement[]> } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new VipFailoverStack(app, 'Test', { config: input });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Raw>;
  const { checker, mover, witnesses } = stack.failover;
  const statementsOf = (fn: lambda.IFunction): Statement[] => {
    const role = resources[stack.getLogicalId(fn.role!.node.defaultChild as never)]!;
    return (role.Properties.Policies as Raw[]).flatMap((p) => p.PolicyDocument.Statement);
  };
  const roles = new Map<string, Statement[]>([
    ['Checker', statementsOf(checker)],
    ['Mover', statementsOf(mover)],
    ...witnesses.map((w, i): [string, Statement[]] => [`witness ${i + 1}`, statementsOf(w)]),
  ]);
  return { stack, roles };
}

/** Renders an ARN expression as text, `${AWS::Region}` for pseudo parameters. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Raw;
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(arnText).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

const eniArn = (eni: string) =>
  `arn:\${AWS::Partition}:ec2:${example.region}:${example.account}:network-interface/${eni}`;

const DENIED = [
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:AssignIpv6Addresses',
  'ec2:UnassignIpv6Addresses',
];

describe("the roles' ENI permissions", () => {
  const { roles } = roleStatements(example);
  const nodeEnis = (example.nodes as Raw[]).map((n) => n.networkInterfaceId as string);

  it('builds the roles of the Checker, the Mover and two witnesses', () => {
    expect([...roles.keys()]).toEqual(['Checker', 'Mover', 'witness 1', 'witness 2']);
  });

  it.each([...roles.keys()])(
    "denies the role of the %s deleting or re-addressing the nodes' own ENIs, by their exact ARNs",
    (name) => {
      // Act
      const denies = roles.get(name)!.filter((s) => s.Effect === 'Deny');

      // Assess
      expect(denies).toHaveLength(1);
      const [deny] = denies;
      expect(deny!.Sid).toBe('KeepNodeInterfaces');
      expect([deny!.Action].flat().sort()).toEqual([...DENIED].sort());
      expect([deny!.Resource].flat().map(arnText)).toEqual(nodeEnis.map(eniArn));
    },
  );

  it.each([...roles.keys()])(
    "still lets the role of the %s manage Lambda's own ENIs in the VPC",
    (name) => {
      // Act
      const grant = roles.get(name)!.find((s) => s.Sid === 'VpcNetworkInterfaces');

      // Assess
      expect(grant).toMatchObject({ Effect: 'Allow', Resource: '*' });
      expect([grant!.Action].flat()).toEqual(
        expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']),
      );
    },
  );

  it('names no ENI for nodes routed to by instanceId, and denies nothing then', () => {
    // Prepare
    const byInstance = {
      ...example,
      nodes: [
        { name: 'db-a', instanceId: 'i-0a1b2c3d4e5f6000a', address: '10.0.1.10' },
        { name: 'db-b', instanceId: 'i-0a1b2c3d4e5f6000b', address: '10.0.2.10' },
      ],
    };

    // Act
    const { roles: instanceRoles } = roleStatements(byInstance);

    // Assess
    for (const statements of instanceRoles.values()) {
      expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([]);
    }
  });
});
