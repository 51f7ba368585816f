/** IPv4 arithmetic the config checks need: parsing, containment, and addresses nobody may use. */

export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

/** Parses a dotted quad to an unsigned 32-bit integer, or undefined if it is not one. */
export function ipToInt(ip: string): number | undefined {
  if (!IPV4.test(ip)) return undefined;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/**
 * The address of an overlay IP written as a /32 (`192.168.100.10/32` gives `192.168.100.10`), or
 * undefined when it is no IPv4 /32: the one place the VIP's form is parsed.
 */
export function vipAddress(vip: string): string | undefined {
  const ip = /^(.+)\/32$/.exec(vip)?.[1];
  return ip !== undefined && ipToInt(ip) !== undefined ? ip : undefined;
}

/** Parses `a.b.c.d/n` to its network and prefix, or undefined if it is not a valid IPv4 CIDR. */
export function parseCidr(cidr: string): { network: number; prefix: number } | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const network = ipToInt(m[1] as string);
  const prefix = Number(m[2]);
  if (network === undefined || prefix > 32) return undefined;
  return { network, prefix };
}

/** The first address and the size of a CIDR's block (host bits of the written network ignored). */
function block(cidr: string): { base: number; size: number } | undefined {
  const c = parseCidr(cidr);
  if (!c) return undefined;
  const size = 2 ** (32 - c.prefix);
  return { base: Math.floor(c.network / size) * size, size };
}

/** True when `ip` lies inside `cidr`. Both must already be valid. */
export function cidrContains(cidr: string, ip: string): boolean {
  const b = block(cidr);
  const addr = ipToInt(ip);
  if (!b || addr === undefined) return false;
  return addr >= b.base && addr < b.base + b.size;
}

/**
 * Ranges a route cannot usefully point into: the VIP would be unreachable, or would shadow
 * something every instance relies on.
 */
const SPECIAL_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: '0.0.0.0/8', what: '"this network" (0.0.0.0/8), never a destination' },
  { cidr: '127.0.0.0/8', what: 'loopback (127.0.0.0/8), which never leaves the host' },
  {
    cidr: '169.254.0.0/16',
    what: 'link-local (169.254.0.0/16), where the instance metadata service 169.254.169.254 and the Amazon DNS and time servers live',
  },
  { cidr: '224.0.0.0/4', what: 'multicast (224.0.0.0/4)' },
  { cidr: '240.0.0.0/4', what: 'reserved (240.0.0.0/4, with the broadcast 255.255.255.255)' },
];

/** What makes `ip` unusable as a unicast address, or undefined when it is an ordinary one. */
export function specialRangeOf(ip: string): string | undefined {
  return SPECIAL_RANGES.find((r) => cidrContains(r.cidr, ip))?.what;
}

/**
 * Why AWS reserves `ip` in a VPC with this CIDR (the network address, the next three, and the
 * last), or undefined when it is an ordinary address of the VPC.
 */
export function vpcReservedRole(cidr: string, ip: string): string | undefined {
  const b = block(cidr);
  const addr = ipToInt(ip);
  if (!b || addr === undefined) return undefined;
  const roles: Record<number, string> = {
    [b.base]: 'the network address',
    [b.base + 1]: 'the VPC router (network + 1)',
    [b.base + 2]: 'the Amazon DNS resolver (network + 2)',
    [b.base + 3]: 'reserved by AWS for future use (network + 3)',
    [b.base + b.size - 1]: 'the broadcast address',
  };
  return roles[addr];
}
