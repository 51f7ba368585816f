/**
 * A local AWS-compatible endpoint: EC2 route tables, SSM parameters, Secrets Manager secrets,
 * SNS Publish, CloudWatch alarm states (DescribeAlarms), CloudWatch Logs (a log group's events)
 * and Lambda Invoke, over the wire protocols the SDK v3 clients speak, with fault injection. It knows
 * AWS concepts only; seed.ts turns a failover config into this state and reads it back in the
 * config's terms. Dev tooling only: never bundled into a Lambda.
 *
 * Crash semantics: a fault rule with `crash: true` hits only a mutating call (EC2
 * Create/Replace/DeleteRoute, SSM Put/DeleteParameter, Secrets Manager PutSecretValue/CreateSecret)
 * made from inside a running invocation of a registered function. The invocation then ends at
 * once (its Invoke answers `X-Amz-Function-Error: Unhandled`, errorType `Runtime.ExitError`), the
 * call is dropped, and every later mutating call from that invocation is dropped too until its
 * handler settles. Dropped means the socket is destroyed without an answer and nothing is
 * applied: what the dead process had done stays done, nothing after it lands. A timed-out
 * invocation is treated the same way, as Lambda freezes a timed-out sandbox.
 */
import { CallLog, type CallFilter, type CallRecord, type CallStart } from './calls';
import { CloudWatchModel, type AlarmStateValue, type AlarmView } from './cloudwatch';
import { Ec2Model, type RouteTarget } from './ec2';
import { Ec2Query } from './ec2-query';
import { awsEnv } from './env';
import { Faults, seededRandom } from './faults';
import {
  LambdaEmulator,
  type FunctionOptions,
  type InvocationRecord,
  type LambdaHandler,
} from './lambda';
import { LogsModel, type LogEventView } from './logs';
import { METADATA_ENV, MetadataModel } from './metadata';
import { SecretsModel, type SecretView } from './secrets';
import { SnsModel } from './sns';
import { LocalAwsServer, type ServerParts } from './server';
import { SsmModel, type ParameterVersion } from './ssm';

export interface LocalAwsOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** Seeds the fault generator so probabilistic faults and random latencies repeat. */
  readonly seed?: number;
  /** Or the generator itself (returns [0, 1)). Math.random when neither is given. */
  readonly random?: () => number;
}

export class LocalAws {
  /** `http://127.0.0.1:PORT`: give it to clients as `endpoint` or AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly ec2: Ec2Model;
  readonly ssm: SsmModel;
  readonly secrets: SecretsModel;
  readonly lambda: LambdaEmulator;
  readonly sns: SnsModel;
  /** Alarms and their states, for DescribeAlarms. */
  readonly cloudwatch: CloudWatchModel;
  /** CloudWatch Logs: log groups, streams and events. */
  readonly logs: LogsModel;
  /** Lambda's metadata endpoint: which AZ each bearer token runs in. */
  readonly metadata: MetadataModel;
  readonly faults: Faults;
  private readonly log: CallLog;

  private constructor(
    private readonly server: LocalAwsServer,
    // The server's parts, but the EC2 model itself rather than the server's query view of it.
    parts: Omit<ServerParts, 'owner' | 'ec2'> & { readonly ec2: Ec2Model },
    readonly port: number,
    readonly region: string,
    readonly accountId: string,
  ) {
    this.endpoint = `http://127.0.0.1:${port}`;
    this.ec2 = parts.ec2;
    this.ssm = parts.ssm;
    this.secrets = parts.secrets;
    this.lambda = parts.lambda;
    this.sns = parts.sns;
    this.cloudwatch = parts.cloudwatch;
    this.logs = parts.logs;
    this.metadata = parts.metadata;
    this.faults = parts.faults;
    this.log = parts.log;
  }

  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const region = options.region ?? 'eu-west-1';
    const accountId = options.accountId ?? '123456789012';
    const owner = Symbol('local-aws');
    const parts = {
      ec2: new Ec2Model(accountId),
      ssm: new SsmModel(region, accountId),
      secrets: new SecretsModel(region, accountId),
      lambda: new LambdaEmulator(owner, region, accountId),
      sns: new SnsModel(region, accountId),
      cloudwatch: new CloudWatchModel(region, accountId),
      logs: new LogsModel(),
      metadata: new MetadataModel(),
      faults: new Faults(
        options.random ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random),
      ),
      log: new CallLog(),
    };
    const server = new LocalAwsServer({ owner, ...parts, ec2: new Ec2Query(parts.ec2) });
    const port = await server.listen(options.port ?? 0);
    return new LocalAws(server, parts, port, region, accountId);
  }

  /**
   * Environment variables for a process (or process.env) that should use this endpoint, Lambda's
   * metadata endpoint included: add a token of {@link metadataToken} as AWS_LAMBDA_METADATA_TOKEN
   * for a handler that reads its Availability Zone.
   */
  env(): Record<string, string> {
    return { ...awsEnv(this.endpoint, this.region), [METADATA_ENV.api]: `127.0.0.1:${this.port}` };
  }

  /**
   * A bearer token for Lambda's metadata endpoint whose holder runs in `availabilityZoneId`
   * (an AZ ID such as local-az1): give it to a handler as AWS_LAMBDA_METADATA_TOKEN. Tokens
   * outlive reset(), as functions do.
   */
  metadataToken(availabilityZoneId: string): string {
    return this.metadata.mintToken(availabilityZoneId);
  }

  // ---- world ----

  /** Forgets every table, ENI, instance, parameter, secret, topic, message, alarm and log group (functions stay). */
  reset(): void {
    this.logs.reset();
    this.ec2.reset();
    this.ssm.reset();
    this.secrets.reset();
    this.sns.reset();
    this.cloudwatch.reset();
  }

  /** Removes a table's route for `cidr`; false when there was none. */
  deleteRoute(routeTableId: string, cidr: string): boolean {
    return this.ec2.deleteRoute(routeTableId, cidr);
  }

  /** Points a table's route for `cidr` at any target, foreign ones included. */
  pointRoute(routeTableId: string, target: string | RouteTarget, cidr: string): void {
    this.ec2.setRoute(routeTableId, cidr, target);
  }

  registerNetworkInterface(
    networkInterfaceId: string,
    options: { instanceId?: string } = {},
  ): void {
    this.ec2.registerNetworkInterface(networkInterfaceId, options);
  }

  parameter(name: string): ParameterVersion | undefined {
    return this.ssm.parameter(name);
  }

  parameterHistory(name: string): ParameterVersion[] {
    return this.ssm.history(name);
  }

  putParameter(name: string, value: string): number {
    return this.ssm.put(name, value);
  }

  /** Puts labels on a version, as LabelParameterVersion does (moving them off any other). */
  labelParameterVersion(name: string, version: number, labels: readonly string[]): void {
    this.ssm.label(name, version, labels);
  }

  /** Every event of a log group, oldest first across its streams. */
  logEvents(group: string): LogEventView[] {
    return this.logs.events(group);
  }

  deleteLogGroup(group: string): boolean {
    return this.logs.deleteGroup(group);
  }

  deleteParameter(name: string): boolean {
    return this.ssm.delete(name);
  }

  secret(secretId: string): SecretView | undefined {
    return this.secrets.secret(secretId);
  }

  /** Stores a new AWSCURRENT version, as a rotation would. */
  rotateSecret(secretId: string, secretString: string): SecretView {
    return this.secrets.rotate(secretId, secretString);
  }

  /**
   * Sets an existing alarm's state, as CloudWatch's evaluation (or SetAlarmState) would; the
   * time it entered the state moves only when the state changes. `at` (epoch ms) defaults to now.
   */
  setAlarmState(
    name: string,
    state: AlarmStateValue,
    reason = `local-aws: set to ${state}`,
    at?: number,
  ): AlarmView {
    return this.cloudwatch.setState(name, state, reason, at);
  }

  // ---- functions ----

  /** Registers an in-process function for Invoke; returns its ARN. */
  registerFunction<TEvent = unknown>(
    name: string,
    handler: LambdaHandler<TEvent>,
    options: FunctionOptions = {},
  ): string {
    return this.lambda.register(name, handler, options);
  }

  onInvocation(listener: (r: InvocationRecord) => void): () => void {
    return this.lambda.onInvocation(listener);
  }

  // ---- observation ----

  /** Called once per completed (or dropped) call; returns the unsubscribe function. */
  onCall(listener: (r: CallRecord) => void): () => void {
    return this.log.onCall(listener);
  }

  /** Called when a call arrives, before faults delay or hold it. */
  onCallStart(listener: (r: CallStart) => void): () => void {
    return this.log.onCallStart(listener);
  }

  calls(filter?: CallFilter): CallRecord[] {
    return this.log.calls(filter);
  }

  clearCalls(): void {
    this.log.clear();
  }

  /** Closes every socket, releases held calls, ends invocations and clears timers. */
  stop(): Promise<void> {
    return this.server.stop();
  }
}
