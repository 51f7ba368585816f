/**
 * CloudWatch Logs: log groups, their streams and events, over JSON 1.1 (`Logs_20140328.*`):
 * CreateLogGroup, CreateLogStream, PutLogEvents and FilterLogEvents (no filter patterns).
 */
import { AwsError, jsonReply, requireString, type Reply } from './protocol';

/** One stored event. */
export interface LogEventView {
  readonly logStreamName: string;
  /** Epoch milliseconds the writer gave. */
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
}

/** PutLogEvents refuses events older than 14 days or more than 2 hours ahead. */
const MAX_AGE_MS = 14 * 24 * 3_600_000;
const MAX_AHEAD_MS = 2 * 3_600_000;
/** FilterLogEvents answers at most 10,000 events a page. */
const MAX_PAGE = 10_000;

const groupNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

export class LogsModel {
  /** Group name → stream name → events in the order written. */
  private readonly groups = new Map<string, Map<string, LogEventView[]>>();

  reset(): void {
    this.groups.clear();
  }

  /** Creates a log group; false when it existed already. */
  createGroup(name: string): boolean {
    if (this.groups.has(name)) return false;
    this.groups.set(name, new Map());
    return true;
  }

  deleteGroup(name: string): boolean {
    return this.groups.delete(name);
  }

  /** Every event of a group, oldest first across its streams. */
  events(group: string): LogEventView[] {
    const streams = this.groups.get(group);
    if (!streams) return [];
    return [...streams.values()].flat().sort((a, b) => a.timestamp - b.timestamp);
  }

  handle(action: string, params: Record<string, unknown>): Reply {
    switch (action) {
      case 'CreateLogGroup':
        if (!this.createGroup(requireString(params, 'logGroupName')))
          throw new AwsError(
            'ResourceAlreadyExistsException',
            'The specified log group already exists',
          );
        return jsonReply({});
      case 'CreateLogStream':
        this.createStream(params);
        return jsonReply({});
      case 'PutLogEvents':
        return jsonReply(this.putLogEvents(params));
      case 'FilterLogEvents':
        return jsonReply(this.filterLogEvents(params));
      default:
        throw new AwsError(
          'UnknownOperationException',
          `local-aws does not emulate Logs_20140328.${action}`,
        );
    }
  }

  private group(params: Record<string, unknown>): Map<string, LogEventView[]> {
    const streams = this.groups.get(requireString(params, 'logGroupName'));
    if (!streams) throw groupNotFound();
    return streams;
  }

  private createStream(params: Record<string, unknown>): void {
    const streams = this.group(params);
    const name = requireString(params, 'logStreamName');
    if (streams.has(name))
      throw new AwsError(
        'ResourceAlreadyExistsException',
        'The specified log stream already exists',
      );
    streams.set(name, []);
  }

  private putLogEvents(params: Record<string, unknown>): Record<string, unknown> {
    const stream = this.group(params).get(requireString(params, 'logStreamName'));
    if (!stream)
      throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = params['logEvents'];
    if (!Array.isArray(events) || events.length === 0 || events.length > 10_000)
      throw invalid('logEvents must hold between 1 and 10000 events');
    const now = Date.now();
    const kept: LogEventView[] = [];
    let tooOld: number | undefined;
    let tooNew: number | undefined;
    let last = -Infinity;
    events.forEach((e: unknown, i) => {
      const { timestamp, message } = (e ?? {}) as { timestamp?: unknown; message?: unknown };
      if (typeof timestamp !== 'number' || typeof message !== 'string' || message.length === 0)
        throw invalid(`logEvents[${i}] needs a numeric timestamp and a non-empty message`);
      if (timestamp < last)
        throw invalid(
          'Log events in a single PutLogEvents request must be in chronological order.',
        );
      last = timestamp;
      if (timestamp < now - MAX_AGE_MS) tooOld = i;
      else if (timestamp > now + MAX_AHEAD_MS) tooNew ??= i;
      else kept.push({ logStreamName: '', timestamp, message, ingestionTime: now });
    });
    const streamName = requireString(params, 'logStreamName');
    stream.push(...kept.map((e) => ({ ...e, logStreamName: streamName })));
    const rejected = {
      ...(tooOld !== undefined ? { tooOldLogEventEndIndex: tooOld + 1 } : {}),
      ...(tooNew !== undefined ? { tooNewLogEventStartIndex: tooNew } : {}),
    };
    return Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {};
  }

  private filterLogEvents(params: Record<string, unknown>): Record<string, unknown> {
    const group = requireString(params, 'logGroupName');
    if (!this.groups.has(group)) throw groupNotFound();
    if (typeof params['filterPattern'] === 'string' && params['filterPattern'] !== '')
      throw invalid('local-aws supports no filterPattern');
    const limit = params['limit'] ?? MAX_PAGE;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw invalid(`limit ${String(limit)} must be 1-${MAX_PAGE}`);
    const start = typeof params['startTime'] === 'number' ? params['startTime'] : -Infinity;
    const end = typeof params['endTime'] === 'number' ? params['endTime'] : Infinity;
    const wanted = this.events(group).filter((e) => e.timestamp >= start && e.timestamp <= end);
    const token = params['nextToken'];
    const from = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(from) || from < 0 || from > wanted.length)
      throw invalid('The specified nextToken is invalid.');
    const page = wanted.slice(from, from + limit);
    return {
      events: page.map((e, i) => ({ ...e, eventId: String(from + i) })),
      ...(from + limit < wanted.length ? { nextToken: String(from + limit) } : {}),
    };
  }
}
