/**
 * Stand-ins for values CDK resolves only at deploy time: each passes its field's checks and trips
 * no check relating it to another field, and is as long as the longest id it may stand for.
 */
import { Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ipToInt, vipAddress } from '../config';

/** Lengths of the longest ids, so sizes computed from stand-ins are never too small. */
export const hex17 = (n: number) => n.toString(16).padStart(17, '0');

/** Stand-ins for values unknown at synth, each unique, and the values they stand for. */
export class StandIns {
  private readonly tokens = new Map<string, string>();

  /**
   * @param lookupsPending the stack waits for context lookups, so what CDK looked up are dummies
   *   (`vpc-12345`): they get stand-ins too, and CDK synthesizes again with the real values.
   */
  constructor(private readonly lookupsPending: boolean) {}

  /** `value` itself when it is known at synth, else a fresh stand-in made by `make`. */
  of(value: string, make: (n: number) => string): string {
    if (!this.lookupsPending && !Token.isUnresolved(value)) return value;
    return this.always(value, make);
  }

  /** A fresh stand-in for `value`, known or not. */
  always(value: string, make: (n: number) => string): string {
    const standIn = make(this.tokens.size + 1);
    this.tokens.set(standIn, value);
    return standIn;
  }

  get size(): number {
    return this.tokens.size;
  }

  /** `value` with every stand-in, at any depth, replaced by its token. */
  restore<T>(value: T): T {
    if (typeof value === 'string') return (this.tokens.get(value) ?? value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.restore(v)) as T;
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.restore(v)])) as T;
    }
    return value;
  }
}

/** Length of the common leading bits of some addresses (32 for one address). */
function commonPrefix(addresses: readonly number[]): number {
  const [first = 0] = addresses;
  let bits = 32;
  for (const a of addresses) {
    while (bits > 0 && Math.floor(a / 2 ** (32 - bits)) !== Math.floor(first / 2 ** (32 - bits)))
      bits--;
  }
  return bits;
}

const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * A stand-in for a VPC CIDR known only at deploy time: the largest block holding every known node
 * address but not the VIP. Every VPC holding the nodes contains the nodes' common block, so a VIP
 * inside that block is inside the VPC whatever it turns out to be (a true problem), while a VIP
 * outside it passes (it may be inside, which the handlers' own check then reports). With a block
 * of /16 or larger, its first four and its last address are reserved in any VPC holding them.
 */
export function standInCidr(known: readonly string[], vip: string): string {
  const nodes = known.map(ipToInt).filter((n): n is number => n !== undefined);
  const vipInt = ipToInt(vipAddress(vip) ?? '');
  if (nodes.length === 0) {
    return vipInt !== undefined && Math.floor(vipInt / 2 ** 16) === 10 * 256
      ? '172.16.0.0/16'
      : '10.0.0.0/16';
  }
  const ofNodes = commonPrefix(nodes);
  const withVip = vipInt === undefined ? 0 : commonPrefix([...nodes, vipInt]);
  const prefix = vipInt !== undefined && withVip < ofNodes ? withVip + 1 : Math.min(ofNodes, 16);
  const size = 2 ** (32 - prefix);
  return `${dotted(Math.floor((nodes[0] as number) / size) * size)}/${prefix}`;
}

export type ArnOf = (service: string, resource: string) => string;

/** A KMS key ARN stand-in. */
export const keyStandIn = (arn: ArnOf) => (i: number) =>
  arn('kms', `key/00000000-0000-0000-0000-${hex17(i).slice(5)}`);

/** A Lambda function ARN stand-in. */
export const functionStandIn = (arn: ArnOf) => (i: number) =>
  arn('lambda', `function:vip-failover-stand-in-${i}`);

/**
 * The zone each subnet is validated with: its own where CDK knows it, else a zone of the region
 * no known subnet is in, the same for every subnet of one unknown zone (one token), so subnets
 * that share an AZ are seen to share it.
 */
export function zoneStandIns(
  subnets: readonly ec2.ISubnet[],
  region: string,
  standIns: StandIns,
): (zone: string) => string {
  const letters = [...'abcdefghijklmnopqrstuvwxyz'].map((l) => `${region}${l}`);
  const known = (zone: string) => !Token.isUnresolved(zone) && letters.includes(zone);
  const used = new Set(subnets.map((s) => s.availabilityZone).filter(known));
  const free = letters.filter((z) => !used.has(z));
  const given = new Map<string, string>();
  return (zone) => {
    if (known(zone)) return zone;
    let standIn = given.get(zone);
    if (standIn === undefined) {
      standIn = standIns.always(zone, () => free[given.size % free.length] ?? letters[0]!);
      given.set(zone, standIn);
    }
    return standIn;
  };
}

/** A secret ARN stand-in. */
export const secretStandIn = (arn: ArnOf) => (i: number) =>
  arn('secretsmanager', `secret:vip-failover-stand-in-${i}-AbCdEf`);

/** Gives nodes whose address is a token a free address of the CIDR, none of them reserved. */
export function freeAddresses(
  nodes: { address: string }[],
  cidr: string,
  vip: string,
  standIns: StandIns,
): void {
  const [network = '10.0.0.0'] = cidr.split('/');
  const used = new Set([...nodes.map((n) => n.address), vipAddress(vip) ?? vip]);
  let next = (ipToInt(network) ?? 0) + 4;
  for (const node of nodes) {
    node.address = standIns.of(node.address, () => {
      while (used.has(dotted(next))) next++;
      used.add(dotted(next));
      return dotted(next);
    });
  }
}
