/** Logs each decision once, at the level its kind deserves, and each table left alone once. */
import type { Decision } from '../decide';
import type { NodeHealth } from '../health';
import type { Log } from '../log';

export class DecisionLog {
  private last = '';
  /** Tables left alone (notices) already logged in this run, by table and target. */
  private readonly noticed = new Set<string>();

  constructor(
    private readonly log: Log,
    private readonly canAct: () => boolean,
  ) {}

  report(d: Decision, health: Readonly<Record<string, NodeHealth>>): void {
    for (const notice of d.notices ?? []) {
      const key = `${notice.routeTableId} ${notice.routeTarget}`;
      if (this.noticed.has(key)) continue;
      this.noticed.add(key);
      this.log.error(notice.message, { event: 'notice', notice });
    }
    const canAct = this.canAct();
    // A move keeps its identity while its failure count grows; log it once.
    const what = d.action === 'move' ? `move ${d.from} ${d.target}` : `${d.action} ${d.reason}`;
    const key = `${canAct} ${what}`;
    if (key === this.last) return;
    this.last = key;
    const fields = { event: 'decision', decision: d, health };
    if (d.action === 'hold' && d.severity === 'error') this.log.error(d.reason, fields);
    else if (d.action === 'hold') this.log.warn(d.reason, fields);
    else if (d.action === 'none') this.log.debug(d.reason, fields);
    // Not our turn: the run that may act logs the decision that counts.
    else if (!canAct) this.log.debug(`${d.reason} (not this run's turn to act)`, fields);
    // Drift between the record and the tables, or between tables, is worth a look.
    else if (d.action === 'converge') this.log.warn(d.reason, fields);
    else this.log.info(d.reason, fields);
  }
}
