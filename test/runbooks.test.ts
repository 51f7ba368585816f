import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runbookLink, RUNBOOKS } from '../config';
import { ALARM_SUFFIX } from '../lib/monitoring';
import {
  CONDITION_KINDS,
  EVENT_KINDS,
  eventNotification,
  planAlerts,
} from '../lambda/domain/alerts';

/** The anchors GitHub gives the document's headings. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m)
      out.add(
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      );
  }
  return out;
}

const doc = readFileSync(path.join(__dirname, '..', RUNBOOKS), 'utf8');
const headings = anchors(doc);
const anchorOf = (body: string) => /Runbook: docs\/runbooks\.md#([\w-]+)$/.exec(body)?.[1];

describe('the runbooks', () => {
  it.each(CONDITION_KINDS)(
    'links the %s notification, start and reminder, to its section',
    (kind) => {
      // Prepare
      const condition = { key: kind, kind, subject: 's', body: 'b' };

      // Act
      const [start] = planAlerts('g', {}, [condition], [], 0, 1).notifications;
      const opened = { [kind]: { kind, subject: 's', since: 0, lastSentAt: 0 } };
      const [reminder] = planAlerts('g', opened, [condition], [], 10, 1).notifications;

      // Assess
      expect(anchorOf(start?.body ?? '')).toBe(kind);
      expect(anchorOf(reminder?.body ?? '')).toBe(kind);
      expect(headings).toContain(kind);
    },
  );

  it.each(EVENT_KINDS)('links the %s notification to its section', (kind) => {
    // Act
    const n = eventNotification('g', { kind, subject: 's', body: 'b' });

    // Assess
    expect(anchorOf(n.body)).toBe(kind);
    expect(headings).toContain(kind);
  });

  it.each(Object.values(ALARM_SUFFIX))('has a section for the %s alarm', (suffix) => {
    expect(runbookLink(suffix)).toBe(`docs/runbooks.md#${suffix}`);
    expect(headings).toContain(suffix);
  });
});
