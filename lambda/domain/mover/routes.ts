/** Reading and repointing the VIP route: the route tables are the truth. */
import {
  CreateRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  type EC2Client,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import type { FailoverConfig, NodeConfig } from '../../../config';
import { awsErrorName, awsErrorText } from '../errors';
import { stepErrorText } from './step-deadline';
import { nodeOfRoute } from '../interfaces';
import type { InterfaceReading } from '../readiness';
import type { BlackholeRoute, ForeignRoute, Placement, TableOutcome, TableState } from '../types';

export type { BlackholeRoute, ForeignRoute, Placement } from '../types';

function tableState(
  config: FailoverConfig,
  table: RouteTable,
  interfaces: InterfaceReading | undefined,
): TableState {
  const route = table.Routes?.find((r) => r.DestinationCidrBlock === config.vip);
  const routeTableId = table.RouteTableId ?? '(unknown)';
  if (!route) return { routeTableId };
  const node = nodeOfRoute(config, interfaces, route);
  const target = node
    ? (node.networkInterfaceId ?? node.instanceId)
    : (route.NetworkInterfaceId ??
      route.InstanceId ??
      route.GatewayId ??
      route.TransitGatewayId ??
      route.VpcPeeringConnectionId ??
      route.NatGatewayId ??
      route.LocalGatewayId ??
      route.CarrierGatewayId ??
      route.EgressOnlyInternetGatewayId ??
      route.CoreNetworkArn ??
      route.State ??
      'unknown');
  // A route whose target vanished stays in the table as `blackhole`: the VIP is not served.
  const state = route.State === 'blackhole' ? 'blackhole' : undefined;
  return { routeTableId, routeTarget: target, node: node?.name, ...(state ? { state } : {}) };
}

/**
 * Reads the VIP route of every configured table, and tells each route's node by the config and,
 * when given, by the nodes' interfaces (read beside the tables: they resolve once both are in).
 */
export async function readTables(
  ec2: EC2Client,
  config: FailoverConfig,
  signal?: AbortSignal,
  interfaces?: Promise<InterfaceReading | undefined>,
): Promise<TableState[]> {
  const [tables, reading] = await Promise.all([describeTables(ec2, config, signal), interfaces]);
  return tables.map((t) => ('error' in t ? t : tableState(config, t.table, reading)));
}

type Described = { table: RouteTable } | { routeTableId: string; error: string };

/**
 * Every configured table in one call. AWS fails the whole call when one id is unknown; then each
 * table is read on its own so one bad id does not blind us to the rest.
 */
async function describeTables(
  ec2: EC2Client,
  config: FailoverConfig,
  signal?: AbortSignal,
): Promise<Described[]> {
  const ids = [...config.routeTableIds];
  const missing = (id: string) => ({
    routeTableId: id,
    error: 'not returned by DescribeRouteTables',
  });
  try {
    const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ids }), {
      abortSignal: signal,
    });
    const byId = new Map((out.RouteTables ?? []).map((t) => [t.RouteTableId, t]));
    return ids.map((id) => {
      const table = byId.get(id);
      return table ? { table } : missing(id);
    });
  } catch (e) {
    if (awsErrorName(e) !== 'InvalidRouteTableID.NotFound') throw e;
    if (ids.length === 1) return [{ routeTableId: ids[0] as string, error: awsErrorText(e) }];
  }
  return Promise.all(
    ids.map(async (id): Promise<Described> => {
      try {
        const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }), {
          abortSignal: signal,
        });
        const table = out.RouteTables?.[0];
        return table ? { table } : missing(id);
      } catch (e) {
        if (awsErrorName(e) === 'InvalidRouteTableID.NotFound')
          return { routeTableId: id, error: awsErrorText(e) };
        throw e;
      }
    }),
  );
}

/**
 * A table whose VIP route targets something live outside the config (an operator's change). A
 * route blackhole on such a target is orphaned instead: nobody's intent survives in it.
 */
export function isForeign(table: TableState): boolean {
  return (
    !table.error &&
    table.routeTarget !== undefined &&
    table.node === undefined &&
    table.state !== 'blackhole'
  );
}

/** A table whose VIP route is blackhole on a target outside the config: it serves nobody. */
export function isOrphaned(table: TableState): boolean {
  return (
    !table.error &&
    table.routeTarget !== undefined &&
    table.node === undefined &&
    table.state === 'blackhole'
  );
}

/** Summarises per-table states into one placement. */
export function placementOf(tables: readonly TableState[]): Placement {
  const readable = tables.filter((t) => !t.error);
  if (readable.length === 0) return { kind: 'unreadable' };
  const foreign = readable.filter(isForeign).map((t): ForeignRoute => ({
    routeTableId: t.routeTableId,
    routeTarget: t.routeTarget as string,
  }));
  const orphaned = readable.filter(isOrphaned).map((t): ForeignRoute => ({
    routeTableId: t.routeTableId,
    routeTarget: t.routeTarget as string,
    blackhole: true,
  }));
  const ours = readable.filter((t) => !isForeign(t));
  const nodes = [...new Set(ours.filter((t) => t.node).map((t) => t.node as string))];
  // Only missing routes beside a foreign one: nothing of ours to follow, so hands off.
  if (nodes.length === 0 && foreign.length > 0) return { kind: 'foreign', foreign };
  const missing = ours
    .filter((t) => t.routeTarget === undefined || isOrphaned(t))
    .map((t) => t.routeTableId);
  const blackhole = ours
    .filter((t) => t.node !== undefined && t.state === 'blackhole')
    .map((t): BlackholeRoute => ({ routeTableId: t.routeTableId, node: t.node as string }));
  if (nodes.length === 1 && missing.length === 0)
    return { kind: 'consistent', node: nodes[0] as string, foreign, blackhole };
  return {
    ...{ kind: 'split', nodes, missing, foreign, blackhole },
    ...(orphaned.length > 0 ? { orphaned } : {}),
  };
}

function routeTarget(node: NodeConfig): { NetworkInterfaceId: string } | { InstanceId: string } {
  return node.networkInterfaceId
    ? { NetworkInterfaceId: node.networkInterfaceId }
    : { InstanceId: node.instanceId as string };
}

/** ReplaceRoute's answer when the route is not there (AWS: "There is no route defined for ..."). */
function isMissingRoute(e: unknown): boolean {
  return awsErrorName(e) === 'InvalidParameterValue' && /no route/i.test((e as Error).message);
}

/**
 * Points the VIP route of every given table at `node`, all tables at once. A missing route is
 * created; a route that appears meanwhile is replaced. Never throws: each table gets an outcome.
 */
export async function pointTables(
  ec2: EC2Client,
  config: FailoverConfig,
  tables: readonly TableState[],
  node: NodeConfig,
  options: { leaveForeign?: boolean; signal?: AbortSignal } = {},
): Promise<TableOutcome[]> {
  const target = routeTarget(node);
  const send = { abortSignal: options.signal };
  return Promise.all(
    tables.map(async (table): Promise<TableOutcome> => {
      const { routeTableId } = table;
      if (table.node === node.name && !table.error) return { routeTableId, action: 'unchanged' };
      if (options.leaveForeign && isForeign(table)) return { routeTableId, action: 'unchanged' };
      const input = { RouteTableId: routeTableId, DestinationCidrBlock: config.vip, ...target };
      try {
        if (table.routeTarget === undefined && !table.error) {
          try {
            await ec2.send(new CreateRouteCommand(input), send);
            return { routeTableId, action: 'created' };
          } catch (e) {
            if (awsErrorName(e) !== 'RouteAlreadyExists') throw e;
            await ec2.send(new ReplaceRouteCommand(input), send);
            return { routeTableId, action: 'replaced' };
          }
        }
        try {
          await ec2.send(new ReplaceRouteCommand(input), send);
          return { routeTableId, action: 'replaced' };
        } catch (e) {
          if (!isMissingRoute(e)) throw e;
          await ec2.send(new CreateRouteCommand(input), send);
          return { routeTableId, action: 'created' };
        }
      } catch (e) {
        const error = options.signal ? stepErrorText(e, options.signal) : awsErrorText(e);
        return { routeTableId, action: 'failed', error };
      }
    }),
  );
}
