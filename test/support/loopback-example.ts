/**
 * The example group with its nodes on loopback addresses where nothing listens (`127.254.<net>.N`),
 * for specs that run the CLI or the handlers against the local endpoint: a probe or a Mover's check
 * of a node is refused at once and never leaves the machine.
 */
import { readFileSync } from 'node:fs';
import { validateConfig, type FailoverConfig } from '../../config';

export function loopbackExample(net: number): { raw: unknown; config: FailoverConfig } {
  const raw = JSON.parse(readFileSync('config/example.json', 'utf8')) as {
    vpc: { cidr: string };
    nodes: { address: string }[];
  };
  raw.vpc.cidr = '127.0.0.0/8';
  raw.nodes.forEach((n, i) => (n.address = `127.254.${net}.${i + 1}`));
  return { raw, config: validateConfig(raw) };
}
