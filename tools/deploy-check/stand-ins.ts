/**
 * Resource types moto's CloudFormation does not implement. moto skips such a resource (a
 * warning in its log, nothing created, no event) and then fails any Fn::GetAtt of it. For these
 * types the check plays CloudFormation's part: it gives moto the template with each Fn::GetAtt
 * and Ref of them replaced by the value CloudFormation would return (computed from the
 * resource's own properties), and after CREATE_COMPLETE creates them through their service's
 * API from their resolved properties, so that they can be read back.
 */
import { PutFunctionEventInvokeConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SetTopicAttributesCommand, SubscribeCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsWire } from './aws-wire';
import { resolve, type ResolveContext } from './intrinsics';
import type { Template, TemplateResource } from './synth';
import type { AwsTarget } from './world';

interface StandIn {
  /** What the resource is; printed with it. */
  readonly what: string;
  /** Ref and Fn::GetAtt values, from the resource's properties, as CloudFormation returns them. */
  readonly value?: (attribute: 'Ref' | string, props: Props, env: Env) => string | undefined;
  /** Creates it through its API from resolved properties; returns what it created. */
  readonly create?: (props: Props, clients: Clients) => Promise<string>;
}

type Props = Record<string, unknown>;
interface Env {
  readonly region: string;
  readonly account: string;
}
export interface Clients {
  readonly aws: AwsTarget;
  readonly wire: AwsWire;
  readonly lambda: LambdaClient;
}

const CW_VERSION = '2010-08-01';

/** A Query-protocol parameter map: lists as `.member.N`, structures as `.Field`. */
function flatten(value: unknown, prefix: string, out: Record<string, string> = {}) {
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}.member.${i + 1}`, out));
  else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = String(value);
  return out;
}

const STAND_INS: Readonly<Record<string, StandIn>> = {
  'AWS::CloudWatch::Alarm': {
    what: 'a CloudWatch alarm',
    value: (attribute, props, env) => {
      const name = typeof props.AlarmName === 'string' ? props.AlarmName : undefined;
      if (!name) return undefined;
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn')
        return `arn:aws:cloudwatch:${env.region}:${env.account}:alarm:${name}`;
      return undefined;
    },
    create: async (props, { wire }) => {
      await wire.query('monitoring', CW_VERSION, 'PutMetricAlarm', flatten(props, ''));
      return `alarm ${String(props.AlarmName)} (PutMetricAlarm)`;
    },
  },
  'AWS::Lambda::EventInvokeConfig': {
    what: "a function's asynchronous-invocation settings",
    create: async (props, { lambda }) => {
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: String(props.FunctionName),
          Qualifier: String(props.Qualifier ?? '$LATEST'),
          MaximumRetryAttempts: props.MaximumRetryAttempts as number | undefined,
          MaximumEventAgeInSeconds: props.MaximumEventAgeInSeconds as number | undefined,
        }),
      );
      return `event invoke config of ${String(props.FunctionName)} (PutFunctionEventInvokeConfig)`;
    },
  },
  'AWS::SNS::TopicPolicy': {
    what: "a topic's access policy",
    create: async (props, { aws }) => {
      const sns = new SNSClient(aws);
      try {
        for (const topic of (props.Topics as string[] | undefined) ?? []) {
          await sns.send(
            new SetTopicAttributesCommand({
              TopicArn: topic,
              AttributeName: 'Policy',
              AttributeValue: JSON.stringify(props.PolicyDocument),
            }),
          );
        }
      } finally {
        sns.destroy();
      }
      return `policy of ${((props.Topics as string[] | undefined) ?? []).join(', ')} (SetTopicAttributes)`;
    },
  },
  'AWS::SNS::Subscription': {
    what: 'a topic subscription',
    create: async (props, { aws }) => {
      const sns = new SNSClient(aws);
      try {
        await sns.send(
          new SubscribeCommand({
            TopicArn: String(props.TopicArn),
            Protocol: String(props.Protocol),
            Endpoint: props.Endpoint === undefined ? undefined : String(props.Endpoint),
          }),
        );
      } finally {
        sns.destroy();
      }
      return `${String(props.Protocol)} subscription to ${String(props.TopicArn)} (Subscribe)`;
    },
  },
  'AWS::SecretsManager::Secret': {
    what: 'a generated secret (the signing keys)',
    // CloudFormation's Ref is the ARN, whose random suffix exists only once the secret does; the
    // stand-in's own suffix is fixed. The handlers read the keys by name, so they find it.
    value: (attribute, props, env) => {
      const name = typeof props.Name === 'string' ? props.Name : undefined;
      if (!name || attribute !== 'Ref') return undefined;
      return `arn:aws:secretsmanager:${env.region}:${env.account}:secret:${name}-StndIn`;
    },
    create: async (props, { aws }) => {
      const secrets = new SecretsManagerClient(aws);
      try {
        await secrets.send(
          new CreateSecretCommand({
            Name: String(props.Name),
            Description: props.Description === undefined ? undefined : String(props.Description),
            SecretString: randomBytes(48).toString('base64url').slice(0, 64),
          }),
        );
      } finally {
        secrets.destroy();
      }
      return `secret ${String(props.Name)} with a generated value (CreateSecret)`;
    },
  },
  'AWS::CDK::Metadata': { what: "the CDK's version reporting" },
};

/** True when the check stands in for moto's CloudFormation for this type. */
export function hasStandIn(type: string): boolean {
  return type in STAND_INS;
}

/** Logical ids of the template's resources whose type moto's CloudFormation lacks. */
export function standInIds(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => hasStandIn(r.Type))
    .map(([id]) => id);
}

/**
 * The template moto is given: the one synthesized, with every Ref and Fn::GetAtt of a resource
 * it cannot create replaced by the value CloudFormation would give. Returns the substitutions
 * made, to print; throws when a value cannot be known before the resource exists.
 */
export function templateForMoto(
  template: Template,
  env: Env,
): { template: Template; substitutions: string[] } {
  const substitutions: string[] = [];
  const valueOf = (id: string, attribute: string, where: string): string | undefined => {
    const r: TemplateResource | undefined = template.Resources[id];
    const standIn = r && STAND_INS[r.Type];
    if (!r || !standIn) return undefined;
    const value = standIn.value?.(attribute, r.Properties ?? {}, env);
    if (value === undefined) {
      throw new Error(
        `${where}: ${attribute === 'Ref' ? 'Ref' : `Fn::GetAtt ${attribute}`} of ${id} (${r.Type}), which moto's CloudFormation does not create, and its value cannot be known from its properties; give it a fixed name or extend STAND_INS in tools/deploy-check/stand-ins.ts`,
      );
    }
    substitutions.push(
      `${where}: ${attribute === 'Ref' ? 'Ref' : `GetAtt ${attribute}`} ${id} -> ${value}`,
    );
    return value;
  };
  const walk = (v: unknown, where: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, where));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return valueOf(o.Ref, 'Ref', where) ?? v;
    const att = o['Fn::GetAtt'];
    if (Array.isArray(att)) return valueOf(String(att[0]), String(att[1]), where) ?? v;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, where)]));
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, r]) => [id, walk(r, id) as TemplateResource]),
  );
  const outputs = template.Outputs && walk(template.Outputs, 'Outputs');
  return {
    template: { ...template, Resources: resources, Outputs: outputs as Template['Outputs'] },
    substitutions,
  };
}

/** Creates, through their APIs, the stood-in resources of the template; returns what it did. */
export async function createStandIns(ctx: ResolveContext, clients: Clients): Promise<string[]> {
  const done: string[] = [];
  for (const id of standInIds(ctx.template)) {
    const r = ctx.template.Resources[id] as TemplateResource;
    const standIn = STAND_INS[r.Type];
    if (!standIn?.create) continue;
    const props = resolve(r.Properties ?? {}, ctx, id) as Props;
    done.push(`${id}: ${await standIn.create(props, clients)}`);
  }
  return done;
}

/** What a stood-in type is, for the summary. */
export function standInWhat(type: string): string {
  return STAND_INS[type]?.what ?? type;
}
