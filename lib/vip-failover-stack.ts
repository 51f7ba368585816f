/** The deployable stack of one failover group, and how the app finds its config. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ConfigError, jsonErrorPosition, validateConfig } from '../config';
import { VipFailover, type VipFailoverOptions } from './vip-failover';

/** cdk.json context key holding the config: an inline object or a JSON file path. */
export const CONFIG_CONTEXT_KEY = 'vip-failover:config';

/** Config file used when the context key is not set, relative to the project root. */
export const DEFAULT_CONFIG_PATH = 'config/example.json';

/** Props of {@link VipFailoverStack}. */
export interface VipFailoverStackProps extends StackProps, VipFailoverOptions {
  /**
   * The failover config: as `validateConfig` returned it (used as it is), or raw parsed JSON
   * (validated before anything is created). Its `account` and `region` are the stack's `env`.
   */
  readonly config: unknown;
}

/** One failover group: the {@link VipFailover} construct plus outputs operators need. */
export class VipFailoverStack extends Stack {
  /** The failover group this stack deploys. */
  public readonly failover: VipFailover;

  constructor(scope: Construct, id: string, props: VipFailoverStackProps) {
    // Fail before the stack exists, so a bad config reports every problem and nothing else.
    const config = validateConfig(props.config);
    // The IAM grants name the config's account and region (the secret's ARN among them), so the
    // stack deploys exactly there: never wherever the CLI's credentials happen to point.
    const env = { account: config.account, region: config.region };
    if (
      (props.env?.account !== undefined && props.env.account !== env.account) ||
      (props.env?.region !== undefined && props.env.region !== env.region)
    ) {
      throw new ConfigError([
        {
          path: ['env'],
          value: `${props.env.account ?? '?'}/${props.env.region ?? '?'}`,
          message: `differs from the config's account and region ${env.account}/${env.region}; leave env out or make them equal`,
        },
      ]);
    }
    super(scope, id, {
      ...props,
      env,
      description:
        props.description ??
        `vip-failover ${config.name}: moves ${config.vip} to a healthy node when the master dies`,
    });
    const { checkerMemorySize, moverMemorySize, logLevel, logRemovalPolicy } = props;
    this.failover = new VipFailover(this, 'Failover', {
      config,
      checkerMemorySize,
      moverMemorySize,
      logLevel,
      logRemovalPolicy,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      'RecordParameterName',
      this.failover.recordParameter.parameterName,
      'SSM parameter naming the active node; its versions are the failover history',
    );
    output(
      'PauseParameterName',
      this.failover.pauseParameter.parameterName,
      'SSM parameter: set "true" to pause automatic moves',
    );
    output(
      'StatusParameterName',
      this.failover.config.statusParameterName,
      "SSM parameter the Checker writes after every run: each node's last probe and the open alerts",
    );
    output('CheckerFunctionName', this.failover.checker.functionName, 'Checker Lambda');
    output('MoverFunctionName', this.failover.mover.functionName, 'Mover Lambda: manual moves');
    output('TopicArn', this.failover.topic.topicArn, 'SNS topic of notifications and alarms');
    if (this.failover.dashboard)
      output('DashboardName', this.failover.dashboard.dashboardName, 'CloudWatch dashboard');
  }
}

/**
 * Reads the raw config from the `vip-failover:config` context: an inline object, a JSON string
 * (from `-c`), or a path to a JSON file relative to `projectRoot`.
 * @throws ConfigError when the value or the file cannot be read.
 */
export function configFromContext(scope: Construct, projectRoot: string): unknown {
  const value: unknown = scope.node.tryGetContext(CONFIG_CONTEXT_KEY) ?? DEFAULT_CONFIG_PATH;
  if (typeof value === 'object' && value !== null) return value;
  const where = [`context ${CONFIG_CONTEXT_KEY}`];
  if (typeof value !== 'string') {
    throw new ConfigError([
      { path: where, value, message: 'must be a config object or the path of a JSON file' },
    ]);
  }
  const inline = value.trim().startsWith('{');
  const file = path.resolve(projectRoot, value);
  let text: string;
  try {
    text = inline ? value : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      [{ path: where, message: `cannot read ${file} (${(e as NodeJS.ErrnoException).code})` }],
      { cause: e },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // The parser's message may quote the text, and the text may hold what it should not.
    throw new ConfigError(
      [
        {
          path: where,
          message: `${inline ? 'the inline JSON' : file} is not valid JSON${jsonErrorPosition(e)}`,
        },
      ],
      { cause: e },
    );
  }
}

/**
 * What `bin/vip-failover.ts` does: reads the config from context, validates it (the app's one
 * validation: the stack and the construct use the result as it is), adds the stack
 * `VipFailover-<name>` in the config's account and region, and cdk-nag checks.
 * @throws ConfigError listing every problem of the config.
 */
export function addVipFailoverStack(app: App, projectRoot: string): VipFailoverStack {
  const config = validateConfig(configFromContext(app, projectRoot));
  const stack = new VipFailoverStack(app, `VipFailover-${config.name}`, { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
