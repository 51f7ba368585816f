/**
 * The one typed config of a failover group, shared by the CDK app, the handlers and the tools.
 *
 * Pure TypeScript (no aws-cdk-lib): the app validates it once at synth, writes it into the
 * functions' environment, and each handler loads it from there once per container.
 */
export { isPartialSecretArn, parseArn, partitionOf, secretResourceArn, type ArnParts } from './arn';
export {
  cidrContains,
  ipToInt,
  parseCidr,
  specialRangeOf,
  vipAddress,
  vpcReservedRole,
} from './net';
export { nodeByName, nodeByTarget } from './nodes';
export { RUNBOOKS, runbookLink } from './runbooks';
export {
  ENV,
  checkerWindow,
  checkWindowMs,
  detectionBoundMs,
  deployedNames,
  jsonErrorPosition,
  loadRuntimeConfig,
  MAX_HOOK_TIMEOUT_MS,
  MAX_MOVER_TIMEOUT_SECONDS,
  MOVER_AWS_ATTEMPT,
  MOVER_AWS_ATTEMPTS,
  MOVER_AWS_STEP_MS,
  MOVER_MARGIN_MS,
  MOVER_STATEMENTS,
  moverBudget,
  moverStatementMs,
  type MoverBudget,
  type MoverStep,
  type MoverStepName,
  outageFailoverBoundMs,
  readingMaxAgeMs,
  READINGS_SAVE_MS,
  runtimeConfig,
  WITNESS_CALL_MS,
  witnessZones,
  type RuntimeConfig,
} from './runtime';
export {
  defaultParameterName,
  type DetectionConfig,
  type FailoverConfig,
  type FailoverConfigInput,
  type HooksConfig,
  type NodeConfig,
  type ProbeConfig,
  type PromotionConfig,
  type SecondOpinionConfig,
} from './schema';
export {
  ConfigError,
  formatProblem,
  looksLikeSecret,
  showValue,
  type ConfigProblem,
} from './problems';
export { advisoriesOf } from './advisories';
export { deprecationsOf, validateConfig } from './validate';
