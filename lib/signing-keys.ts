/**
 * The keys that prove a request to the Mover comes from the Checker or from an operator
 * (docs/security.md): two generated secrets, and the managed policy that makes a role an
 * operator. No key is ever in a template or an environment variable: Secrets Manager generates
 * each value, and only the roles granted here can read it.
 */
import { CfnOutput, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { deployedNames, type FailoverConfig } from '../config';

export interface SigningKeys {
  /** Signs the Checker's requests; read by the Checker and the Mover. */
  readonly checkerKey: secretsmanager.Secret;
  /** Signs operators' requests; read by the Mover and by roles given the operator policy. */
  readonly operatorKey: secretsmanager.Secret;
}

/** The two keys, each a random 64-character value Secrets Manager generates at deploy. */
export function createSigningKeys(scope: Construct, config: FailoverConfig): SigningKeys {
  const names = deployedNames(config);
  const key = (id: string, secretName: string, whose: string) => {
    const secret = new secretsmanager.Secret(scope, id, {
      secretName,
      description: `vip-failover ${config.name}: signs ${whose} requests to the Mover`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A signing key, not a credential of another system: rotating it means replacing it, which a stack ' +
        'update with a new value does; a rotation Lambda would only add a window in which signatures fail.',
    });
    return secret;
  };
  return {
    checkerKey: key('CheckerKey', names.checkerKey, "the Checker's"),
    operatorKey: key('OperatorKey', names.operatorKey, "operators'"),
  };
}

/**
 * What makes a role an operator of the group: reading the operator key and invoking the Mover.
 * Its ARN is a stack output, so an account admin attaches it to the roles that may move the VIP.
 */
export function createOperatorPolicy(
  scope: Construct,
  config: FailoverConfig,
  keys: SigningKeys,
  moverArn: string,
): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'OperatorPolicy', {
    description: `vip-failover ${config.name}: may move the VIP through the Mover (vip-failover move)`,
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadOperatorKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [keys.operatorKey.secretArn],
      }),
      new iam.PolicyStatement({
        sid: 'InvokeMover',
        actions: ['lambda:InvokeFunction'],
        resources: [moverArn],
      }),
    ],
  });
  new CfnOutput(scope, 'OperatorPolicyArn', {
    description: `Attach to the roles that may move the VIP of ${config.name} (docs/security.md)`,
    value: policy.managedPolicyArn,
  });
  return policy;
}
