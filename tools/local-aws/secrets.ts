/** Secrets Manager: secrets with versions and staging labels, over JSON 1.1 (`secretsmanager.*`). */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AwsError,
  epochSeconds,
  jsonReply,
  optionalString,
  requireString,
  type Reply,
} from './protocol';

interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  /** Base64, as the JSON protocol carries blobs. */
  readonly secretBinary?: string;
  readonly created: number;
  stages: string[];
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly created: number;
  versions: SecretVersion[];
}

/** What tests see of a secret's current version. */
export interface SecretView {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly secretString?: string;
  readonly stages: readonly string[];
}

const notFound = () =>
  new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/** The name inside a secret ARN: the part after `secret:` minus the random `-XXXXXX` suffix. */
export function secretNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(.+)$/.exec(arn);
  if (!m) return undefined;
  const full = m[1] as string;
  return /-[A-Za-z0-9]{6}$/.test(full) ? full.slice(0, -7) : full;
}

export class SecretsModel {
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  reset(): void {
    this.secrets.clear();
  }

  /**
   * Creates a secret. With an ARN (such as the one in the config) it keeps that exact ARN;
   * with a name it makes one up with a random suffix, as AWS does.
   */
  create(nameOrArn: string, secretString: string, versionId: string = randomUUID()): SecretView {
    const nameFromArn = secretNameOfArn(nameOrArn);
    const name = nameFromArn ?? nameOrArn;
    const arn =
      nameFromArn !== undefined
        ? nameOrArn
        : `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6)}`;
    for (const [key, s] of this.secrets) if (s.name === name) this.secrets.delete(key);
    const now = Date.now();
    this.secrets.set(arn, {
      arn,
      name,
      created: now,
      versions: [{ versionId, secretString, created: now, stages: ['AWSCURRENT'] }],
    });
    return this.secret(arn) as SecretView;
  }

  /** A new version that becomes AWSCURRENT (the old current becomes AWSPREVIOUS): a rotation. */
  rotate(secretId: string, secretString: string): SecretView {
    const s = this.find(secretId);
    if (!s) throw new Error(`local-aws: no secret ${secretId}`);
    this.addVersion(s, randomUUID(), { secretString }, ['AWSCURRENT']);
    return this.secret(s.arn) as SecretView;
  }

  secret(secretId: string): SecretView | undefined {
    const s = this.find(secretId);
    const v = s?.versions.find((x) => x.stages.includes('AWSCURRENT'));
    if (!s || !v) return undefined;
    return {
      arn: s.arn,
      name: s.name,
      versionId: v.versionId,
      secretString: v.secretString,
      stages: [...v.stages],
    };
  }

  delete(secretId: string): boolean {
    const s = this.find(secretId);
    return s ? this.secrets.delete(s.arn) : false;
  }

  handle(action: string, params: Record<string, unknown>): Reply {
    switch (action) {
      case 'GetSecretValue':
        return jsonReply(this.getSecretValue(params));
      case 'PutSecretValue':
        return jsonReply(this.putSecretValue(params));
      case 'CreateSecret':
        return jsonReply(this.createSecret(params));
      default:
        throw new AwsError(
          'UnknownOperationException',
          `local-aws does not emulate secretsmanager.${action}`,
        );
    }
  }

  /** By full ARN, by name, or by ARN without the random suffix, as AWS resolves SecretId. */
  private find(secretId: string): Secret | undefined {
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    for (const s of this.secrets.values()) {
      if (s.name === secretId) return s;
      if (
        secretId.startsWith('arn:') &&
        s.arn.startsWith(secretId) &&
        /^-[A-Za-z0-9]{6}$/.test(s.arn.slice(secretId.length))
      )
        return s;
    }
    return undefined;
  }

  private getSecretValue(params: Record<string, unknown>): Record<string, unknown> {
    const s = this.find(requireString(params, 'SecretId'));
    if (!s) throw notFound();
    const versionId = optionalString(params, 'VersionId');
    const stage = optionalString(params, 'VersionStage') ?? (versionId ? undefined : 'AWSCURRENT');
    const v = s.versions.find(
      (x) =>
        (versionId === undefined || x.versionId === versionId) &&
        (stage === undefined || x.stages.includes(stage)),
    );
    if (!v) {
      throw new AwsError(
        'ResourceNotFoundException',
        versionId
          ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
          : `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: v.versionId,
      ...(v.secretString !== undefined ? { SecretString: v.secretString } : {}),
      ...(v.secretBinary !== undefined ? { SecretBinary: v.secretBinary } : {}),
      VersionStages: [...v.stages],
      CreatedDate: epochSeconds(v.created),
    };
  }

  private putSecretValue(params: Record<string, unknown>): Record<string, unknown> {
    const s = this.find(requireString(params, 'SecretId'));
    if (!s) throw notFound();
    const value = this.valueOf(params);
    const token = optionalString(params, 'ClientRequestToken') ?? randomUUID();
    const stages = Array.isArray(params['VersionStages'])
      ? (params['VersionStages'] as unknown[]).map(String)
      : ['AWSCURRENT'];
    const existing = s.versions.find((v) => v.versionId === token);
    if (existing) {
      // Same token, same value: an idempotent retry. Same token, other value: a conflict.
      if (
        existing.secretString !== value.secretString ||
        existing.secretBinary !== value.secretBinary
      ) {
        throw new AwsError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      }
    } else {
      this.addVersion(s, token, value, stages);
    }
    const v = s.versions.find((x) => x.versionId === token) as SecretVersion;
    return { ARN: s.arn, Name: s.name, VersionId: v.versionId, VersionStages: [...v.stages] };
  }

  private createSecret(params: Record<string, unknown>): Record<string, unknown> {
    const name = requireString(params, 'Name');
    if (this.find(name)) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const value = this.valueOf(params, true);
    const token = optionalString(params, 'ClientRequestToken') ?? randomUUID();
    const view = this.create(name, value.secretString ?? '', token);
    const s = this.find(view.arn) as Secret;
    if (value.secretString === undefined) {
      s.versions =
        value.secretBinary === undefined
          ? []
          : [
              {
                versionId: token,
                secretBinary: value.secretBinary,
                created: s.created,
                stages: ['AWSCURRENT'],
              },
            ];
    }
    return {
      ARN: view.arn,
      Name: view.name,
      ...(s.versions.length > 0 ? { VersionId: token } : {}),
    };
  }

  private valueOf(
    params: Record<string, unknown>,
    optional = false,
  ): { secretString?: string; secretBinary?: string } {
    const secretString = optionalString(params, 'SecretString');
    const secretBinary = optionalString(params, 'SecretBinary');
    if (secretString !== undefined && secretBinary !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    }
    if (!optional && secretString === undefined && secretBinary === undefined) {
      throw new AwsError(
        'InvalidRequestException',
        'You must provide either SecretString or SecretBinary.',
      );
    }
    return { secretString, secretBinary };
  }

  private addVersion(
    s: Secret,
    versionId: string,
    value: { secretString?: string; secretBinary?: string },
    stages: readonly string[],
  ): void {
    const movingCurrent = stages.includes('AWSCURRENT');
    for (const v of s.versions) {
      if (movingCurrent) v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
      if (movingCurrent && v.stages.includes('AWSCURRENT'))
        v.stages = [...v.stages.filter((x) => x !== 'AWSCURRENT'), 'AWSPREVIOUS'];
      v.stages = v.stages.filter(
        (x) => x === 'AWSCURRENT' || x === 'AWSPREVIOUS' || !stages.includes(x),
      );
    }
    s.versions.push({ versionId, ...value, created: Date.now(), stages: [...stages] });
    // Versions without a label are deprecated; AWS removes them eventually, we at once.
    s.versions = s.versions.filter((v) => v.stages.length > 0);
  }
}
