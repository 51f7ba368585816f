/**
 * The type every probe implements and the Checker takes: its own file, so that the probes
 * (tcp.ts, mysql.ts) and the factory that picks one (probe.ts) do not import each other.
 */
import type { ProbeResult } from '../types';
import type { TlsPeer } from './tls';

/**
 * Probes one node (by its address; under tls "verify" its certificate must name it, tls.ts).
 * Never rejects: every failure is a result with `ok: false`.
 */
export type Prober = (node: { readonly name: string } & TlsPeer) => Promise<ProbeResult>;
