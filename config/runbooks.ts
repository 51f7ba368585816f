/**
 * Where a message that asks for a human sends its reader: one runbook section per condition,
 * event and alarm, its anchor the kind (or the alarm name's suffix), so that links stay stable.
 * Shared by the notifications (lambda/) and the alarms' descriptions (lib/).
 */

/** The runbooks, from the repository's root. */
export const RUNBOOKS = 'docs/runbooks.md';

/** The runbook section of a condition, an event or an alarm (by its name's suffix). */
export function runbookLink(kind: string): string {
  return `${RUNBOOKS}#${kind}`;
}
