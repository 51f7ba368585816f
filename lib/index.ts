/**
 * vip-failover as a construct library: `new VipFailover(this, 'OrdersDb', { ... })` in any CDK
 * app, or `VipFailover.fromInput(this, 'OrdersDb', json)` with the JSON config.
 */
export {
  VipFailover,
  checkerReservedConcurrency,
  witnessPlacements,
  witnessReservedConcurrency,
  type VipFailoverConfigProps,
  type WitnessPlacement,
} from './vip-failover';
export type {
  LogLevel,
  MysqlProbe,
  MysqlPromotion,
  TcpProbe,
  VipFailoverDetection,
  VipFailoverHooks,
  VipFailoverNode,
  VipFailoverNotifications,
  VipFailoverOptions,
  VipFailoverProps,
  VipFailoverSecondOpinion,
} from './props';
export type { AlarmKey, FailoverAlarms } from './monitoring';
export type { ParameterRef } from './state-parameters';
export {
  ConfigError,
  validateConfig,
  type ConfigProblem,
  type FailoverConfig,
  type FailoverConfigInput,
} from '../config';
export { DEFAULT_MEMORY_MB, checkerCost, type CheckerCost } from '../config/runtime';
