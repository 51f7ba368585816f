/**
 * The failover benchmark's options, in a file of their own so that its flap run (flap.ts) takes
 * them without importing the benchmark that imports it.
 */

/** The options of the failover benchmark: its kill and freeze runs and its flap run. */
export interface FailoverBenchOptions {
  /** Kill runs and freeze runs, each. */
  readonly runs: number;
  readonly seed: number;
  /** Probes of the master the flap run needs at least. */
  readonly flapProbes: number;
  /** Fraction of the master's probes that fail in the flap run. */
  readonly flapFraction: number;
  readonly apiLatencyMs: readonly [number, number];
  readonly print: (line: string) => void;
}
