/**
 * The run's view of where the VIP goes: route tables, record, pause flag, maintenance windows and
 * the cooldown's clock, kept fresh.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { nodeByName, type FailoverConfig } from '../../../config';
import { sleep, type Clock } from '../clock';
import { AwsDeadlineError, awsErrorText } from '../errors';
import {
  cooldownMs,
  moveClock,
  nextLastMove,
  readLastMove,
  type LastMove,
  type MoveKind,
} from '../mover/last-move';
import type { Log } from '../log';
import { NO_MAINTENANCE, type MaintenanceState, type NodeMaintenance } from '../maintenance';
import { readMaintenance, readPause, readRecord, type RecordState } from '../mover/record';
import { isForeign, placementOf, readTables, type Placement } from '../mover/routes';
import type { TableState } from '../types';
import { withDeadline } from './deadline';
import type { InterfaceWatch } from './interface-watch';

export interface ViewDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly clock: Clock;
  readonly log: Log;
  /** The nodes' interfaces, read beside the tables when due; without it, the config's ids alone. */
  readonly interfaces?: Pick<InterfaceWatch, 'fresh'>;
}

export class View {
  private current: {
    tables: TableState[];
    record: RecordState;
    paused: boolean;
    maintenance: MaintenanceState;
  } = { tables: [], record: {}, paused: false, maintenance: NO_MAINTENANCE };
  /** The last move as far as this run knows: read, or made by this run. */
  private last?: Pick<LastMove, 'at' | 'failbacks'>;
  private readonly listeners: ((readAt: number) => void)[] = [];
  private heldSince = 0;
  private readBegan = 0;
  /** Bumped when a Mover answer updates the state, so an older read in flight cannot undo it. */
  private epoch = 0;
  private reading?: Promise<void>;

  constructor(
    private readonly deps: ViewDeps,
    private readonly config: FailoverConfig,
    private readonly apiTimeoutMs: number,
  ) {}

  get tables(): readonly TableState[] {
    return this.current.tables;
  }
  get record(): string | undefined {
    return this.current.record.value;
  }
  get paused(): boolean {
    return this.current.paused;
  }
  /** Nodes in maintenance at `now`: a window read earlier may have ended since. */
  maintenanceAt(now: number): Readonly<Record<string, NodeMaintenance>> {
    const { current, ended } = this.current.maintenance;
    const all = { ...current, ...ended };
    return Object.fromEntries(Object.entries(all).filter(([, m]) => now < m.until));
  }
  /** The maintenance parameter as last read (windows, ended entries, a read error). */
  get maintenance(): MaintenanceState {
    return this.current.maintenance;
  }
  /** Epoch ms of the last move (see moveClock), or of a move this run made. */
  get lastMoveAt(): number | undefined {
    return this.last?.at;
  }
  /** The cooldown after that move, lengthened by the failbacks that led up to it. */
  get cooldownMs(): number {
    return cooldownMs(this.config.detection.cooldownSeconds * 1000, this.last?.failbacks ?? 0);
  }
  /** When the state held was read (the read's start). */
  get readAt(): number {
    return this.heldSince;
  }
  /** When the last read began. */
  get lastRefresh(): number {
    return this.readBegan;
  }
  /** True while a read is in flight. */
  get refreshing(): boolean {
    return this.reading !== undefined;
  }
  get placement(): Placement {
    return placementOf(this.current.tables);
  }
  /** The node every readable table sends the VIP to; undefined while they disagree. */
  activeName(): string | undefined {
    const p = this.placement;
    return p.kind === 'consistent' ? p.node : undefined;
  }

  /** Reads tables, record and pause flag; one read at a time, shared by whoever asks. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /**
   * A throttled or failing first read is retried briefly: a run that dies here leaves nobody
   * acting for a whole window. A read that hangs past its deadline is not: fail fast instead.
   */
  async firstRead(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.refresh();
      } catch (e) {
        if (e instanceof AwsDeadlineError || attempt >= 3) throw e;
        this.deps.log.warn(`first read failed, retrying: ${awsErrorText(e)}`, {
          event: 'refresh-error',
        });
        await sleep(250 * attempt);
      }
    }
  }

  /**
   * Makes sure the state held was read after this call, or, given `at`, at or after `at`: a read
   * in flight that began earlier does not count.
   */
  async readSince(at?: number): Promise<void> {
    await this.reading?.catch(() => undefined);
    if (at === undefined || this.heldSince < at) await this.refresh();
  }

  /** Refreshes and logs a failure instead of throwing: a later read may succeed. */
  refreshOrLog(): Promise<void> {
    return this.refresh().catch((e: unknown) =>
      this.deps.log.error(`refresh failed: ${awsErrorText(e)}`, { event: 'refresh-error' }),
    );
  }

  /** Waits for a read in flight: nothing may run on after the handler returns. */
  async settle(): Promise<void> {
    await this.reading?.catch(() => undefined);
  }

  /** The Mover put every table and the record on `node`: newer than any read in flight. */
  moverPlaced(node: string): void {
    // The route target too: a table whose route was missing now has one.
    const config = nodeByName(this.config, node);
    const routeTarget = config?.networkInterfaceId ?? config?.instanceId;
    // An automatic move leaves a foreign table alone; a route the Mover wrote is no blackhole.
    const tables = this.current.tables.map((t) =>
      t.error || isForeign(t) ? t : { routeTableId: t.routeTableId, routeTarget, node },
    );
    this.current = { ...this.current, tables, record: { ...this.current.record, value: node } };
    this.epoch += 1;
  }

  /** This run moved the VIP to `to`: the cooldown starts now, as the Mover recorded it. */
  moved(to: string, kind: MoveKind): void {
    const move = { at: this.deps.clock.now(), to, kind };
    this.last = nextLastMove(this.last, move, this.config.detection.cooldownSeconds * 1000);
  }

  /** Calls `listener` with the read's start after each read that updated the view. */
  onRead(listener: (readAt: number) => void): void {
    this.listeners.push(listener);
  }

  private async read(): Promise<void> {
    const startedAt = this.deps.clock.now();
    const startEpoch = this.epoch;
    this.readBegan = startedAt;
    const { ec2, ssm } = this.deps;
    // GetParameter per parameter, side by side: the one round trip GetParameters would take,
    // under the IAM action the stack already grants on each parameter.
    const [tables, record, pause, lastMove, maintenance] = await withDeadline(
      'AWS (DescribeRouteTables, GetParameter)',
      this.apiTimeoutMs,
      (signal) =>
        Promise.all([
          readTables(ec2, this.config, signal, this.deps.interfaces?.fresh()),
          readRecord(ssm, this.config.recordParameterName, signal),
          readPause(ssm, this.config.pauseParameterName, startedAt, signal),
          readLastMove(ssm, this.config.lastMoveParameterName, signal),
          readMaintenance(ssm, this.config.maintenanceParameterName, startedAt, signal),
        ]),
    );
    if (this.epoch !== startEpoch) return;
    this.current = { tables, record, paused: pause.paused, maintenance };
    this.heldSince = startedAt;
    // A move another actor made during this run starts a cooldown too; our own is newer than
    // what the Mover recorded of it a moment before.
    const clock = moveClock(record, lastMove);
    if (clock && clock.at >= (this.last?.at ?? -Infinity)) this.last = clock;
    for (const listener of this.listeners) listener(startedAt);
  }
}
