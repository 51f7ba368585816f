/**
 * What reaches a human, and how often: a pure de-duplication of conditions into notifications.
 *
 * A condition (no healthy standby, paused while the master is down, a foreign or blackhole route,
 * a node we cannot judge ...) is reported once when it starts, again at most every `reminderMs`
 * while it holds, and once when it clears. Events (a move, a failed move) are sent as they happen.
 * The open conditions are kept as data between runs, so ten runs of the same condition make one
 * message, not ten.
 */
import { runbookLink } from '../../config/runbooks';

/** Conditions that hold until something changes; each needs a human while it holds. */
export const CONDITION_KINDS = [
  'no-standby',
  'cooldown',
  'paused-while-down',
  'paused-split',
  'split-no-healthy',
  'foreign-route',
  'blackhole',
  'secret-unreadable',
  'not-a-target',
  'tables-unreadable',
  'paused',
  'second-opinion-disagrees',
  'second-opinion-unanswered',
  'witness-unavailable',
  'readings-unavailable',
  'maintenance',
  'maintenance-overran',
  'maintenance-unreadable',
  // A node's interfaces (interfaces.ts): it cannot receive the VIP's traffic, or cannot be read.
  'source-dest-check',
  'interface-detached',
  'interface-other-vpc',
  'interface-gone',
  'interfaces-unreadable',
] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** One-off happenings. */
export const EVENT_KINDS = [
  'moved',
  'move-failed',
  'move-partial',
  // A request to the Mover that did not prove its origin (docs/security.md).
  'move-untrusted',
  // A move fenced a node, then changed no route, and could not lift its own fence.
  'fence-left',
  // A move (or record repair) whose line could not be written to the durable move log.
  'move-log-unwritten',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The line every message that asks for a human ends with. */
const runbookLine = (kind: string) => `\n\nRunbook: ${runbookLink(kind)}`;

export interface Condition {
  /** Stable identity: the same condition on the next run has the same key. */
  readonly key: string;
  readonly kind: ConditionKind;
  /** Short enough for a phone's mail preview. */
  readonly subject: string;
  /** The facts and the next step. */
  readonly body: string;
  /** The same facts as data, for chat integrations (SNS message attributes). */
  readonly facts?: Readonly<Record<string, string>>;
}

export interface AlertEvent {
  readonly kind: EventKind;
  readonly subject: string;
  readonly body: string;
  readonly facts?: Readonly<Record<string, string>>;
}

/** A condition that was reported and has not cleared. */
export interface OpenCondition {
  readonly kind: ConditionKind;
  readonly subject: string;
  /** Epoch ms it started. */
  readonly since: number;
  /** Epoch ms of the last message about it (start or reminder). */
  readonly lastSentAt: number;
}

/** Open conditions by key; persisted between runs. */
export type AlertState = Readonly<Record<string, OpenCondition>>;

export type Phase = 'start' | 'reminder' | 'clear' | 'event';

export interface Notification {
  readonly kind: ConditionKind | EventKind;
  readonly phase: Phase;
  readonly subject: string;
  readonly body: string;
  readonly facts: Readonly<Record<string, string>>;
}

/** SNS caps subjects at 100 characters. */
const SUBJECT_MAX = 100;

function subjectLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= SUBJECT_MAX ? line : `${line.slice(0, SUBJECT_MAX - 1)}…`;
}

function since(ms: number, now: number): string {
  const minutes = Math.max(0, Math.round((now - ms) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** The message for a one-off event: events are never de-duplicated. */
export function eventNotification(group: string, e: AlertEvent): Notification {
  return {
    kind: e.kind,
    phase: 'event',
    subject: subjectLine(`[${group}] ${e.subject}`),
    body: `${e.body}${runbookLine(e.kind)}`,
    facts: { group, kind: e.kind, phase: 'event', ...e.facts },
  };
}

/**
 * The messages due now, and the state to keep. `group` prefixes every subject so a phone's
 * preview says which group it is about.
 */
export function planAlerts(
  group: string,
  state: AlertState,
  conditions: readonly Condition[],
  events: readonly AlertEvent[],
  now: number,
  reminderMs: number,
): { readonly notifications: Notification[]; readonly state: AlertState } {
  const notifications = events.map((e) => eventNotification(group, e));
  const next: Record<string, OpenCondition> = {};
  const current = new Map(conditions.map((c) => [c.key, c]));
  for (const c of current.values()) {
    const open = state[c.key];
    const facts = { group, kind: c.kind, ...c.facts };
    if (!open) {
      notifications.push({
        kind: c.kind,
        phase: 'start',
        subject: subjectLine(`[${group}] ${c.subject}`),
        body: `${c.body}${runbookLine(c.kind)}`,
        facts: { ...facts, phase: 'start' },
      });
      next[c.key] = { kind: c.kind, subject: c.subject, since: now, lastSentAt: now };
    } else if (now - open.lastSentAt >= reminderMs) {
      notifications.push({
        kind: c.kind,
        phase: 'reminder',
        subject: subjectLine(`[${group}] still: ${c.subject}`),
        body: `${c.body}\n\nThis has held for ${since(open.since, now)}.${runbookLine(c.kind)}`,
        facts: { ...facts, phase: 'reminder', since: new Date(open.since).toISOString() },
      });
      next[c.key] = { ...open, subject: c.subject, lastSentAt: now };
    } else {
      next[c.key] = open;
    }
  }
  for (const [key, open] of Object.entries(state)) {
    if (current.has(key)) continue;
    notifications.push({
      kind: open.kind,
      phase: 'clear',
      subject: subjectLine(`[${group}] cleared: ${open.subject}`),
      body: `Cleared after ${since(open.since, now)}: ${open.subject}. No action needed.`,
      facts: { group, kind: open.kind, phase: 'clear', since: new Date(open.since).toISOString() },
    });
  }
  return { notifications, state: next };
}

/** Reads a persisted state leniently: an unreadable one starts afresh (at worst one repeat). */
export function parseAlertState(text: string | undefined): AlertState {
  if (!text) return {};
  try {
    return alertStateOf(JSON.parse(text) as unknown);
  } catch {
    return {};
  }
}

/** The open conditions in a parsed value; entries of any other shape are dropped. */
export function alertStateOf(value: unknown): AlertState {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, OpenCondition> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const o = v as Partial<OpenCondition> | null;
    if (
      o &&
      typeof o.kind === 'string' &&
      typeof o.subject === 'string' &&
      typeof o.since === 'number' &&
      typeof o.lastSentAt === 'number'
    ) {
      out[key] = {
        kind: o.kind,
        subject: o.subject,
        since: o.since,
        lastSentAt: o.lastSentAt,
      };
    }
  }
  return out;
}
