/** The little IPv4 CIDR arithmetic EC2 routes need: which block a destination covers. */
import { isIPv4 } from 'node:net';

/**
 * The block `a.b.c.d/n` covers, as `network-number/prefix`, or undefined when it is not an IPv4
 * CIDR. EC2 identifies a route by the block, so 10.0.0.1/16 and 10.0.0.0/16 are the same route.
 */
export function ipv4Block(cidr: string): string | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const ip = m?.[1];
  const prefix = Number(m?.[2]);
  if (!ip || !isIPv4(ip) || prefix > 32) return undefined;
  const address = ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return `${Math.floor(address / 2 ** (32 - prefix))}/${prefix}`;
}

/** True when two destinations name the same block (or, when either is not IPv4, the same text). */
export function sameBlock(a: string, b: string): boolean {
  const x = ipv4Block(a);
  const y = ipv4Block(b);
  return x && y ? x === y : a === b;
}
