/**
 * The local AWS-compatible endpoint as the tools and tests import it: LocalAws (endpoint.ts),
 * seeding a failover group's world into it (seed.ts), and the types of its parts. Only
 * re-exports, so that a part may import another part's types without closing a cycle here.
 */
export { LocalAws, type LocalAwsOptions } from './endpoint';
export { awsEnv, childEnv, LOCAL_CREDENTIALS, AWS_ENV_TO_UNSET } from './env';
export { seededRandom } from './faults';
export { METADATA_ENV, METADATA_PATH } from './metadata';
export type { FaultRule, FaultHandle, FaultErrorPreset, FaultErrorSpec } from './faults';
export type { CallRecord, CallStart, CallFilter, DropReason } from './calls';
export type { FunctionOptions, LambdaHandler, InvocationRecord, InvocationOutcome } from './lambda';
export {
  seedWorld,
  seedFromFile,
  routeNodes,
  routeTargets,
  topicName,
  DEFAULT_PROBE_PASSWORD,
  type SeedOptions,
  type SeedModels,
} from './seed';
export type { ParameterVersion } from './ssm';
export type { SecretView } from './secrets';
export type { PublishedMessage } from './sns';
export type { AlarmStateValue, AlarmView } from './cloudwatch';
export type { LogEventView } from './logs';
export type { Ec2RouteView, Ec2RouteTableView, RouteTarget } from './ec2';
export type { ServiceName } from './protocol';
