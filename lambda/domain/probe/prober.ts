/**
 * The type every probe implements and the Checker takes: its own file, so that the probes
 * (tcp.ts, mysql.ts) and the factory that picks one (probe.ts) do not import each other.
 */
import type { ProbeResult } from '../types';

/** Probes one node. Never rejects: every failure is a result with `ok: false`. */
export type Prober = (node: { name: string; address: string }) => Promise<ProbeResult>;
