/**
 * The nodes' interfaces for one run (interfaces.ts): read as the run begins, beside its first
 * read of the tables, and again at most every INTERFACES_READ_MS while it lasts. What it reads
 * tells the view which node a route names, and the decisions which node can receive the VIP.
 * A failed read never stops a run: the last good reading (or the config's ids alone) stands.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { FailoverConfig } from '../../../config';
import type { Clock } from '../clock';
import { awsErrorText } from '../errors';
import { readInterfaces } from '../interfaces';
import { withDeadline } from './deadline';
import type { Log } from '../log';
import type { InterfaceReading, ReadinessProblem } from '../readiness';

/** How often a run re-reads the interfaces: readiness changes by hand, not by the second. */
export const INTERFACES_READ_MS = 180_000;

export interface InterfaceWatchDeps {
  readonly ec2: EC2Client;
  readonly clock: Clock;
  readonly log: Log;
  /**
   * How long one read may take: shorter than the view's deadline, which it shares, so that a
   * hanging Describe call costs this reading, never the run.
   */
  readonly timeoutMs: number;
}

/** What the run's report says of the interfaces. */
export interface ReadinessSummary {
  /** Each node's problems, for the nodes that have any. */
  readonly nodes: Readonly<Record<string, readonly ReadinessProblem[]>>;
  /** Why the last read failed, when it did. */
  readonly error?: string;
}

export class InterfaceWatch {
  private reading?: InterfaceReading;
  private readAt = -Infinity;
  private inFlight?: Promise<InterfaceReading | undefined>;
  private error?: string;

  constructor(
    private readonly deps: InterfaceWatchDeps,
    private readonly config: FailoverConfig,
  ) {}

  /** The last good reading; undefined before the first. */
  get current(): InterfaceReading | undefined {
    return this.reading;
  }

  /** Each node's problems by name, as last read; empty before the first read. */
  problems(): Readonly<Record<string, readonly ReadinessProblem[]>> {
    return Object.fromEntries(
      Object.entries(this.reading ?? {}).map(([name, n]) => [name, n.problems]),
    );
  }

  summary(): ReadinessSummary {
    const nodes = Object.fromEntries(
      Object.entries(this.problems()).filter(([, problems]) => problems.length > 0),
    );
    return { nodes, ...(this.error !== undefined ? { error: this.error } : {}) };
  }

  /**
   * Makes the next ask read again: a Mover answer that names an ENI or instance as not found says
   * the reading is out of date, and a node that is gone must not be asked for again.
   */
  invalidate(): void {
    this.readAt = -Infinity;
  }

  /** The reading, read again first when it is due; never rejects. */
  fresh(): Promise<InterfaceReading | undefined> {
    if (this.deps.clock.now() - this.readAt < INTERFACES_READ_MS)
      return Promise.resolve(this.reading);
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<InterfaceReading | undefined> {
    const { ec2, clock, timeoutMs } = this.deps;
    const startedAt = clock.now();
    try {
      this.reading = await withDeadline('AWS (DescribeNetworkInterfaces)', timeoutMs, (signal) =>
        readInterfaces(ec2, this.config, signal),
      );
      this.readAt = startedAt;
      this.error = undefined;
    } catch (e) {
      this.error = `the nodes' interfaces could not be read (DescribeNetworkInterfaces, DescribeInstances): ${awsErrorText(e)}`;
      this.deps.log.warn(this.error, { event: 'interfaces-unreadable' });
    }
    return this.reading;
  }
}
