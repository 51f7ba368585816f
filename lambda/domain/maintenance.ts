/**
 * Per-node maintenance: operators take one node out of the targets for a while (`vip-failover
 * maintain db-b --for 2h --reason patching`) without pausing the failover of the master. The SSM
 * parameter holds JSON by node name:
 * `{"db-b":{"until":"2026-12-01T18:00:00Z","reason":"patching","by":"alice","since":"..."}}`.
 * A node whose `until` has passed is a target again by itself; its entry stays, marked ended,
 * until an operator ends it, so that a node not back by then is alerted.
 */

/** One node's maintenance window. */
export interface NodeMaintenance {
  /** Epoch ms the window ends by itself. */
  readonly until: number;
  readonly reason: string;
  readonly by?: string;
  /** Epoch ms the window began. */
  readonly since?: number;
}

/** The parameter read at one moment. */
export interface MaintenanceState {
  /** Nodes out of the targets now. */
  readonly current: Readonly<Record<string, NodeMaintenance>>;
  /** Nodes whose window has passed but whose entry is still there. */
  readonly ended: Readonly<Record<string, NodeMaintenance>>;
  /** Why the parameter could not be read or understood; nodes then stay targets. */
  readonly error?: string;
}

export const NO_MAINTENANCE: MaintenanceState = { current: {}, ended: {} };

const time = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
};

/** One entry, or undefined when it lacks a readable `until` or a reason. */
function entryOf(value: unknown): NodeMaintenance | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const until = time(o.until);
  if (until === undefined || typeof o.reason !== 'string') return undefined;
  const since = time(o.since);
  return {
    until,
    reason: o.reason,
    ...(typeof o.by === 'string' ? { by: o.by } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

/**
 * Interprets the parameter's value at `now`. A value that is not a JSON object is an error (the
 * nodes stay targets: a typo must not take them out); an entry without `until` or `reason` is
 * named in the error and ignored.
 */
export function parseMaintenance(value: string | undefined, now: number): MaintenanceState {
  if (value === undefined || value.trim() === '' || value.trim() === '{}') return NO_MAINTENANCE;
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    data = undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { ...NO_MAINTENANCE, error: 'the maintenance parameter is not a JSON object by node' };
  const current: Record<string, NodeMaintenance> = {};
  const ended: Record<string, NodeMaintenance> = {};
  const unreadable: string[] = [];
  for (const [node, raw] of Object.entries(data as Record<string, unknown>)) {
    const entry = entryOf(raw);
    if (!entry) unreadable.push(node);
    else if (now < entry.until) current[node] = entry;
    else ended[node] = entry;
  }
  const error =
    unreadable.length > 0
      ? `maintenance of ${unreadable.join(', ')} ignored: each entry needs "until" (an ISO time) and "reason"`
      : undefined;
  return { current, ended, ...(error ? { error } : {}) };
}

/** The parameter's value for `entries` (current and ended alike). */
export function maintenanceValue(entries: Readonly<Record<string, NodeMaintenance>>): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const out: Record<string, unknown> = {};
  for (const [node, m] of Object.entries(entries)) {
    out[node] = {
      until: iso(m.until),
      reason: m.reason,
      ...(m.by ? { by: m.by } : {}),
      ...(m.since !== undefined ? { since: iso(m.since) } : {}),
    };
  }
  return JSON.stringify(out);
}

/** One line on a node's window: `until 2026-… (patching, by alice)`. */
export function describeMaintenance(m: NodeMaintenance): string {
  const why = [m.reason, m.by && `by ${m.by}`].filter(Boolean).join(', ');
  return `until ${new Date(m.until).toISOString()} (${why})`;
}

/** The windows as a run reports them: by node, with ISO times; `ended` once `until` passed. */
export interface MaintenanceSummary {
  readonly nodes: Readonly<
    Record<string, { until: string; reason: string; by?: string; ended?: true }>
  >;
  readonly error?: string;
}

/** What a run reports of the parameter at `now`; undefined when it names no node and read well. */
export function summarizeMaintenance(
  state: MaintenanceState,
  now: number,
): MaintenanceSummary | undefined {
  const all = { ...state.current, ...state.ended };
  if (Object.keys(all).length === 0 && state.error === undefined) return undefined;
  const nodes = Object.fromEntries(
    Object.entries(all).map(([node, m]) => [
      node,
      {
        until: new Date(m.until).toISOString(),
        reason: m.reason,
        ...(m.by ? { by: m.by } : {}),
        ...(now >= m.until ? { ended: true as const } : {}),
      },
    ]),
  );
  return { nodes, ...(state.error !== undefined ? { error: state.error } : {}) };
}
