/**
 * The record and pause parameters, created only when absent and never owned by CloudFormation:
 * the record's value belongs to the Mover, the pause flag's to the operators, and the versions of
 * both are history that outlives the stack.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** The name and ARN of an SSM parameter the stack creates if absent but does not own. */
export interface ParameterRef {
  readonly parameterName: string;
  readonly parameterArn: string;
}

/** One parameter to create if absent. */
export interface InitialParameter {
  /** Construct id of its custom resource. */
  readonly id: string;
  readonly name: string;
  /** Written only when the parameter does not exist yet. */
  readonly initialValue: string;
  readonly description: string;
}

/** Construct id CDK gives the stack's one AwsCustomResource provider function. */
const PROVIDER_ID = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;

/** The ARN of an SSM parameter of this stack's account and region, from its path. */
export function parameterArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.slice(1),
  });
}

/**
 * Creates each parameter unless it exists, with `ssm:PutParameter` and `Overwrite: false`: a stack
 * update never resets the record (a write would also restart the cooldown) or lifts a pause.
 * Retained on stack deletion, and never deleted when renamed: the old name keeps its history.
 *
 * CDK's AwsCustomResource runs the call from one provider function per stack, shared by every
 * failover group in it. The first group gives it a role that may only write its log group; each
 * group then attaches `ssm:PutParameter` on its own parameter ARNs only.
 */
export function createParametersIfAbsent(
  scope: Construct,
  parameters: readonly InitialParameter[],
  options: { readonly logRetention: logs.RetentionDays; readonly logRemovalPolicy: RemovalPolicy },
): ParameterRef[] {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild(PROVIDER_ID)
    ? undefined
    : providerRoleAndLogs(scope, options);
  const refs = parameters.map(({ id, name, initialValue, description }) => {
    const arn = parameterArn(scope, name);
    const putIfAbsent: cr.AwsSdkCall = {
      service: 'SSM',
      action: 'PutParameter',
      parameters: {
        Name: name,
        Value: initialValue,
        Type: 'String',
        Overwrite: false,
        Description: description,
      },
      physicalResourceId: cr.PhysicalResourceId.of(name),
      ignoreErrorCodesMatching: '^ParameterAlreadyExists$',
    };
    new cr.AwsCustomResource(scope, id, {
      resourceType: 'Custom::VipFailoverParameter',
      onCreate: putIfAbsent,
      // A renamed parameter is created too; an unchanged one meets ParameterAlreadyExists.
      onUpdate: putIfAbsent,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          sid: 'CreateParameterIfAbsent',
          actions: ['ssm:PutParameter'],
          resources: [arn],
        }),
      ]),
      removalPolicy: RemovalPolicy.RETAIN,
      // The handler bundled with CDK has the SSM client: no npm install at deploy time.
      installLatestAwsSdk: false,
      // CloudFormation otherwise waits an hour for a provider that died before answering.
      serviceTimeout: Duration.minutes(5),
      ...provider,
    });
    return { parameterName: name, parameterArn: arn };
  });

  if (provider) {
    // CloudFormation invokes it asynchronously: a failed call fails the stack operation, which can
    // be run again, rather than being retried behind its back or delivered late.
    const fn = stack.node.findChild(PROVIDER_ID) as lambda.Function;
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
  }
  return refs;
}

/** The role and log group of the provider function: logs only, the parameter grants come per group. */
function providerRoleAndLogs(
  scope: Construct,
  options: { readonly logRetention: logs.RetentionDays; readonly logRemovalPolicy: RemovalPolicy },
): { role: iam.Role; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, 'ParameterProviderLogs', {
    retention: options.logRetention,
    removalPolicy: options.logRemovalPolicy,
  });
  const role = new iam.Role(scope, 'ParameterProviderRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'vip-failover: creates the record and pause parameters at deploy time if absent',
    inlinePolicies: {
      Logs: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'WriteLogs',
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  return { role, logGroup };
}
