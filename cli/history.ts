/**
 * `vip-failover history`: every move, newest first, with time, from, to, reason and who. The
 * move log (one line per move, kept for good) is the history; the record's versions (SSM keeps
 * its newest 100) add what the log does not hold: writes from before the log existed, the
 * record's creation and hand edits. A version a log line names is shown once.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetParameterHistoryCommand, type ParameterHistory } from '@aws-sdk/client-ssm';
import { deployedNames } from '../config';
import { awsErrorName } from '../lambda/domain/errors';
import { parseMoveLogLine, type MoveLogLine } from '../lambda/domain/mover/move-log';
import type { Group } from './group';

export interface HistoryEntry {
  readonly at: string;
  /** The record's version the move wrote; absent for a move whose record write failed. */
  readonly version?: number;
  readonly from?: string;
  readonly to: string;
  /** What the Mover wrote beside the value: `automatic: ...`, `manual by alice: ...`, `repair: ...`. */
  readonly reason?: string;
  readonly who: 'automatic' | 'manual' | 'repair' | 'created' | 'unknown';
  readonly by?: string;
  /** A manual move made with --force: its destination node was not checked first. */
  readonly forced?: boolean;
}

/** The move log and the record's versions, merged, newest first. */
export async function history(group: Group): Promise<HistoryEntry[]> {
  const [lines, versions] = await Promise.all([readMoveLog(group), readVersions(group)]);
  const logged = new Set(lines.flatMap((l) => l.recordVersion ?? []));
  const entries = [
    ...versionEntries(versions).filter((e) => e.version === undefined || !logged.has(e.version)),
    ...lines.map(lineEntry),
  ];
  // A stable sort: moves logged in one millisecond keep the log's order.
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).reverse();
}

/** Every line of the group's move log, oldest first; none when the log does not exist yet. */
async function readMoveLog(group: Group): Promise<MoveLogLine[]> {
  const lines: MoveLogLine[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await group.logs.send(
        new FilterLogEventsCommand({
          logGroupName: deployedNames(group.config).moveLog,
          nextToken,
        }),
      );
      for (const e of out.events ?? []) {
        const line = parseMoveLogLine(e.message);
        if (line) lines.push(line);
      }
      nextToken = out.nextToken;
    } while (nextToken);
  } catch (e) {
    // A stack from before the move log: the record's versions are all the history there is.
    if (awsErrorName(e) === 'ResourceNotFoundException') return [];
    throw e;
  }
  return lines;
}

/** Every version of the record SSM still keeps, oldest first. */
async function readVersions(group: Group): Promise<ParameterHistory[]> {
  const versions: ParameterHistory[] = [];
  let NextToken: string | undefined;
  do {
    const out = await group.ssm.send(
      new GetParameterHistoryCommand({
        Name: group.config.recordParameterName,
        MaxResults: 50,
        NextToken,
      }),
    );
    versions.push(...(out.Parameters ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return versions.sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0));
}

function lineEntry(l: MoveLogLine): HistoryEntry {
  return {
    at: l.at,
    ...(l.recordVersion !== undefined ? { version: l.recordVersion } : {}),
    ...(l.from !== undefined ? { from: l.from } : {}),
    to: l.to,
    reason: l.reason,
    who: l.who,
    ...(l.by ? { by: l.by } : {}),
    ...(l.forced ? { forced: true } : {}),
  };
}

/** The record's versions as moves: each from the value of the version before it. */
function versionEntries(versions: readonly ParameterHistory[]): HistoryEntry[] {
  return versions.map((v, i) => {
    const { who, by, reason, forced } = describe(v.Description, i === 0);
    return {
      at: v.LastModifiedDate?.toISOString() ?? '',
      version: v.Version,
      from: i > 0 ? versions[i - 1]?.Value : undefined,
      to: v.Value ?? '',
      reason,
      who,
      ...(by ? { by } : {}),
      ...(forced ? { forced } : {}),
    };
  });
}

function describe(
  description: string | undefined,
  first: boolean,
): Pick<HistoryEntry, 'who' | 'by' | 'reason' | 'forced'> {
  const m = /^(automatic|manual|repair)( \(forced\))?(?: by ([^:]+))?: (.*)$/s.exec(
    description ?? '',
  );
  if (m)
    return {
      who: m[1] as HistoryEntry['who'],
      by: m[3],
      reason: m[4],
      ...(m[2] ? { forced: true } : {}),
    };
  return { who: first ? 'created' : 'unknown', reason: description || undefined };
}

export function formatHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return 'no record yet';
  return entries
    .map((e) => {
      const move =
        e.from === undefined
          ? `= ${e.to}`
          : e.from === e.to
            ? `${e.to} (unchanged)`
            : `${e.from} → ${e.to}`;
      const who = `${e.who}${e.forced ? ' (forced)' : ''}${e.by ? ` by ${e.by}` : ''}`;
      return `${e.at}  v${e.version ?? '?'}  ${move.padEnd(20)} ${who}${e.reason ? `: ${e.reason}` : ''}`;
    })
    .join('\n');
}
