/** `vip-failover history`: every write of the record, as moves with time, from, to, reason and who. */
import { GetParameterHistoryCommand, type ParameterHistory } from '@aws-sdk/client-ssm';
import type { Group } from './group';

export interface HistoryEntry {
  readonly at: string;
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

/** Reads every version of the record, oldest first. */
export async function history(group: Group): Promise<HistoryEntry[]> {
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
  versions.sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0));
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
