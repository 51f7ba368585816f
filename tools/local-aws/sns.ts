/**
 * SNS: topics and Publish, over the Query protocol (form fields in, XML out). Published messages
 * are kept in order so a drill or a test can show and assert what operators would receive.
 */
import { AwsError, type Reply } from './protocol';
import { escapeXml, SNS_XMLNS as XMLNS } from './xml';

export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  /** String attributes by name. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly at: number;
}

export class SnsModel {
  private readonly topics = new Set<string>();
  private readonly messages: PublishedMessage[] = [];
  private readonly listeners = new Set<(m: PublishedMessage) => void>();
  private counter = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  reset(): void {
    this.topics.clear();
    this.messages.length = 0;
  }

  /** Creates a topic by name (idempotent, as CreateTopic is); returns its ARN. */
  createTopic(name: string): string {
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    this.topics.add(arn);
    return arn;
  }

  /** Every message published so far, oldest first. */
  published(): PublishedMessage[] {
    return [...this.messages];
  }

  onPublish(listener: (m: PublishedMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  handle(action: string, params: Record<string, string>, requestId: string): Reply {
    if (action !== 'Publish') {
      throw new AwsError('InvalidAction', `local-aws emulates SNS Publish only, not ${action}`);
    }
    const topicArn = params['TopicArn'] ?? params['TargetArn'];
    if (!topicArn) throw new AwsError('InvalidParameter', 'Invalid parameter: TopicArn');
    if (!this.topics.has(topicArn)) throw new AwsError('NotFound', 'Topic does not exist', 404);
    const message = params['Message'];
    if (!message) throw new AwsError('InvalidParameter', 'Invalid parameter: Empty message');
    const subject = params['Subject'];
    if (subject !== undefined && (subject.length > 100 || /[\r\n]/.test(subject))) {
      throw new AwsError('InvalidParameter', 'Invalid parameter: Subject');
    }
    const published: PublishedMessage = {
      messageId: `00000000-0000-4000-8000-${String(++this.counter).padStart(12, '0')}`,
      topicArn,
      ...(subject !== undefined ? { subject } : {}),
      message,
      attributes: attributesOf(params),
      at: Date.now(),
    };
    this.messages.push(published);
    for (const listener of this.listeners) listener(published);
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body:
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${published.messageId}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></PublishResponse>`,
    };
  }
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` pairs, as the Query protocol sends them. */
function attributesOf(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(params)) {
    const m = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    const value = params[`MessageAttributes.entry.${m[1]}.Value.StringValue`];
    if (value !== undefined) out[name] = value;
  }
  if (Object.keys(out).length > 10) {
    throw new AwsError('InvalidParameterValue', 'Number of message attributes exceeds 10');
  }
  return out;
}
