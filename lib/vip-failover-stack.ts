/** The deployable stack of one failover group, and how the app finds its config. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnOutput, Stack, Validations, type Environment, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ConfigError, validateConfig } from './config';
import { VipFailover, type VipFailoverOptions } from './vip-failover';

/** cdk.json context key holding the config: an inline object or a JSON file path. */
export const CONFIG_CONTEXT_KEY = 'vip-failover:config';

/** Config file used when the context key is not set, relative to the project root. */
export const DEFAULT_CONFIG_PATH = 'config/example.json';

/** Props of {@link VipFailoverStack}. */
export interface VipFailoverStackProps extends StackProps, VipFailoverOptions {
  /** The raw failover config (parsed JSON); validated before anything is created. */
  readonly config: unknown;
}

/** One failover group: the {@link VipFailover} construct plus outputs operators need. */
export class VipFailoverStack extends Stack {
  /** The failover group this stack deploys. */
  public readonly failover: VipFailover;

  constructor(scope: Construct, id: string, props: VipFailoverStackProps) {
    // Fail before the stack exists, so a bad config reports every problem and nothing else.
    const config = validateConfig(props.config);
    super(scope, id, {
      ...props,
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
    output('CheckerFunctionName', this.failover.checker.functionName, 'Checker Lambda');
    output('MoverFunctionName', this.failover.mover.functionName, 'Mover Lambda');
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
  if (typeof value !== 'string') {
    throw new ConfigError([
      `context ${CONFIG_CONTEXT_KEY} ${JSON.stringify(value)} must be a config object or the path of a JSON file`,
    ]);
  }
  const inline = value.trim().startsWith('{');
  const file = path.resolve(projectRoot, value);
  try {
    return JSON.parse(inline ? value : fs.readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ConfigError([
      `context ${CONFIG_CONTEXT_KEY}: cannot read ${inline ? 'the inline JSON' : file} (${(e as Error).message})`,
    ]);
  }
}

/**
 * What `bin/vip-failover.ts` does: reads the config from context, adds the stack
 * `VipFailover-<name>` (in the CLI's default account and region when known) and cdk-nag checks.
 */
export function addVipFailoverStack(
  app: App,
  projectRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): VipFailoverStack {
  const config = validateConfig(configFromContext(app, projectRoot));
  const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = env;
  const stackEnv: Environment | undefined = account || region ? { account, region } : undefined;
  const stack = new VipFailoverStack(app, `VipFailover-${config.name}`, {
    config,
    env: stackEnv,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
