/** Shared fixtures of the domain specs: a validated example config, route tables, AWS errors, a log recorder. */
import {
  EC2ServiceException,
  type DescribeInstancesCommandOutput,
  type DescribeNetworkInterfacesCommandOutput,
  type NetworkInterface,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import example from '../../config/example.json';
import { validateConfig, type FailoverConfig, type FailoverConfigInput } from '../../config';
import type { Log } from '../../lambda/domain/log';

export const VIP = '192.168.100.10/32';
export const [RTB_1, RTB_2, RTB_3] = example.routeTableIds as [string, string, string];
export const ENI_A = 'eni-0a1b2c3d4e5f6000a';
export const ENI_B = 'eni-0a1b2c3d4e5f6000b';
/** db-c is routed by instance id; its primary ENI is not in the config. */
export const INSTANCE_C = 'i-0a1b2c3d4e5f6000c';
export const ENI_OF_C = 'eni-0a1b2c3d4e5f6000c';
/** An ENI that belongs to no configured node (an operator's manual change). */
export const FOREIGN_ENI = 'eni-0fffffffffffffff0';

/** config/example.json, validated, with top-level fields replaced by `overrides`. */
export function exampleConfig(overrides: Partial<FailoverConfigInput> = {}): FailoverConfig {
  return validateConfig({ ...structuredClone(example), ...overrides });
}

/** The example group plus a third node, db-c, routed by instance id. */
export function threeNodeConfig(overrides: Partial<FailoverConfigInput> = {}): FailoverConfig {
  return exampleConfig({
    nodes: [...example.nodes, { name: 'db-c', instanceId: INSTANCE_C, address: '10.0.3.10' }],
    ...overrides,
  });
}

/** The example's detection block with some fields changed. */
export function detection(overrides: Partial<NonNullable<FailoverConfigInput['detection']>>) {
  return { ...example.detection, ...overrides } as NonNullable<FailoverConfigInput['detection']>;
}

type Routed = 'db-a' | 'db-b' | 'db-c' | 'foreign';

/**
 * What the VIP route of a table points at: a node's route target, something outside the config,
 * or nothing. `:blackhole` marks a route whose target is gone (ENI deleted, instance stopped).
 */
export type VipTarget = Routed | `${Routed}:blackhole` | 'missing';

/** The node (or `foreign`) a target names, without its blackhole mark. */
export function routedTo(t: VipTarget): Routed | 'missing' {
  return t.replace(/:blackhole$/, '') as Routed | 'missing';
}

/** A route table as DescribeRouteTables returns it, with its local route and the VIP route. */
export function routeTable(routeTableId: string, vipTarget: VipTarget): RouteTable {
  const local = {
    DestinationCidrBlock: '10.0.0.0/16',
    GatewayId: 'local',
    Origin: 'CreateRouteTable',
    State: 'active',
  } as const;
  const State = vipTarget.endsWith(':blackhole') ? 'blackhole' : 'active';
  const vip = { DestinationCidrBlock: VIP, Origin: 'CreateRoute', State } as const;
  const routes = {
    'db-a': [{ ...vip, NetworkInterfaceId: ENI_A }],
    'db-b': [{ ...vip, NetworkInterfaceId: ENI_B }],
    // AWS shows an instance route with the instance's primary ENI as well.
    'db-c': [
      {
        ...vip,
        InstanceId: INSTANCE_C,
        InstanceOwnerId: '123456789012',
        NetworkInterfaceId: ENI_OF_C,
      },
    ],
    foreign: [{ ...vip, NetworkInterfaceId: FOREIGN_ENI }],
    missing: [],
  }[routedTo(vipTarget)];
  return { RouteTableId: routeTableId, VpcId: example.vpc.vpcId, Routes: [local, ...routes] };
}

/** A DescribeRouteTables answer: tables in order RTB_1, RTB_2, RTB_3. */
export function describeAnswer(...targets: VipTarget[]) {
  const ids = [RTB_1, RTB_2, RTB_3];
  return { RouteTables: targets.map((t, i) => routeTable(ids[i] as string, t)) };
}

/** The instances db-a's and db-b's ENIs are attached to. */
export const INSTANCE_A = 'i-0a1b2c3d4e5f6100a';
export const INSTANCE_B = 'i-0a1b2c3d4e5f6100b';

/** How an ENI of a node differs from ready (attached, in the group's VPC, check off). */
export interface EniState {
  readonly sourceDestCheck?: boolean;
  readonly detached?: boolean;
  readonly vpcId?: string;
}

/** An ENI as DescribeNetworkInterfaces shows it: ready unless `state` says otherwise. */
export function networkInterface(id: string, instanceId: string, state: EniState = {}) {
  return {
    NetworkInterfaceId: id,
    VpcId: state.vpcId ?? example.vpc.vpcId,
    SourceDestCheck: state.sourceDestCheck ?? false,
    Status: state.detached ? ('available' as const) : ('in-use' as const),
    ...(state.detached
      ? {}
      : { Attachment: { InstanceId: instanceId, DeviceIndex: 0, Status: 'attached' as const } }),
  } satisfies NetworkInterface;
}

/**
 * The answers of the nodes' interfaces (db-a's and db-b's ENIs, db-c's instance): every node
 * ready, but as `states` says; `gone` leaves a node out of the answer, as the filter does.
 */
export function interfacesAnswer(
  states: Partial<Record<'db-a' | 'db-b' | 'db-c', EniState | 'gone'>> = {},
): {
  enis: DescribeNetworkInterfacesCommandOutput;
  instances: DescribeInstancesCommandOutput;
} {
  const a = states['db-a'];
  const b = states['db-b'];
  const c = states['db-c'];
  const enis = [
    ...(a === 'gone' ? [] : [networkInterface(ENI_A, INSTANCE_A, a)]),
    ...(b === 'gone' ? [] : [networkInterface(ENI_B, INSTANCE_B, b)]),
  ];
  const instance = c !== 'gone' && {
    InstanceId: INSTANCE_C,
    VpcId: c?.vpcId ?? example.vpc.vpcId,
    SourceDestCheck: c?.sourceDestCheck ?? false,
    State: { Name: 'running' as const, Code: 16 },
    NetworkInterfaces: [networkInterface(ENI_OF_C, INSTANCE_C, c)],
  };
  return {
    enis: { $metadata: {}, NetworkInterfaces: enis },
    instances: {
      $metadata: {},
      Reservations: instance ? [{ Instances: [instance] }] : [],
    },
  };
}

/** An EC2 error as the SDK deserialises it. */
export function ec2Error(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

export const routeTableNotFound = (id: string) =>
  ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
export const requestLimitExceeded = () =>
  ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
export const routeAlreadyExists = () =>
  ec2Error('RouteAlreadyExists', `The route identified by ${VIP} already exists.`);
export const noRouteDefined = () =>
  ec2Error(
    'InvalidParameterValue',
    `There is no route defined for '${VIP}' in the route table. Use CreateRoute instead.`,
  );

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/** A `Log` that keeps every entry, so specs can assert levels and messages. */
export interface LogRecorder extends Log {
  readonly entries: LogEntry[];
  /** Messages logged at this level, in order. */
  messages(level: LogLevel): string[];
}

export function logRecorder(): LogRecorder {
  const entries: LogEntry[] = [];
  const at =
    (level: LogLevel) =>
    (input: unknown, ...extra: unknown[]): void => {
      const message = typeof input === 'string' ? input : JSON.stringify(input);
      entries.push({ level, message, fields: extra[0] as Record<string, unknown> | undefined });
    };
  return {
    entries,
    messages: (level) => entries.filter((e) => e.level === level).map((e) => e.message),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
