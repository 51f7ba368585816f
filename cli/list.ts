/** `vip-failover list`: the groups deployed in a region, found by their Checker functions. */
import { ListFunctionsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { ENV } from '../config';
import { lambdaClient, type Reach } from './group';

export interface GroupListing {
  readonly group: string;
  readonly checkerFunction: string;
  /** From the Checker's config, when its environment was listed. */
  readonly vip?: string;
  readonly nodes?: readonly string[];
}

const CHECKER = /^vip-failover-(.+)-checker$/;

/** Reads the config a Checker carries, leniently: a listing never fails on one odd function. */
function describe(fn: FunctionConfiguration): Pick<GroupListing, 'vip' | 'nodes'> {
  try {
    const raw = fn.Environment?.Variables?.[ENV.config];
    const config = (
      JSON.parse(raw ?? '{}') as { config?: { vip?: string; nodes?: { name?: string }[] } }
    ).config;
    return {
      ...(config?.vip ? { vip: config.vip } : {}),
      ...(config?.nodes ? { nodes: config.nodes.map((n) => String(n.name)) } : {}),
    };
  } catch {
    return {};
  }
}

/** Every Checker function in the region, as a group. */
export async function listGroups(reach: Reach): Promise<GroupListing[]> {
  const lambda = lambdaClient(reach);
  const out: GroupListing[] = [];
  let Marker: string | undefined;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ Marker, MaxItems: 50 }));
    for (const fn of page.Functions ?? []) {
      const m = CHECKER.exec(fn.FunctionName ?? '');
      if (m)
        out.push({
          group: m[1] as string,
          checkerFunction: fn.FunctionName as string,
          ...describe(fn),
        });
    }
    Marker = page.NextMarker;
  } while (Marker);
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

export function formatList(groups: readonly GroupListing[], region: string | undefined): string {
  if (groups.length === 0) return `no vip-failover groups in ${region ?? 'this region'}`;
  return groups
    .map((g) => `${g.group.padEnd(20)} ${(g.vip ?? '?').padEnd(18)} ${(g.nodes ?? []).join(', ')}`)
    .join('\n');
}
