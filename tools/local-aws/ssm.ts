/**
 * SSM Parameter Store: versions, Overwrite, history and version labels, over JSON 1.1
 * (`AmazonSSM.*`). Like SSM, it keeps a parameter's newest 100 versions: a write drops the
 * oldest, and fails with ParameterMaxVersionLimitExceeded while the oldest carries a label.
 */
import {
  AwsError,
  epochSeconds,
  jsonReply,
  optionalString,
  requireString,
  type Reply,
} from './protocol';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

/** One version of a parameter. */
export interface ParameterVersion {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: string;
  readonly version: number;
  /** Epoch milliseconds. */
  readonly lastModified: number;
  readonly description?: string;
  readonly dataType: string;
  readonly keyId?: string;
}

/** AWS keeps the last 100 versions of a parameter and drops older ones. */
const MAX_VERSIONS = 100;
/** A version holds at most 10 labels. */
const MAX_LABELS = 10;
const MAX_STANDARD_VALUE = 4096;
const TYPES = new Set<string>(['String', 'StringList', 'SecureString']);

function notFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
}

export class SsmModel {
  private readonly params = new Map<string, ParameterVersion[]>();
  /** Parameter name → label → the version it is on. */
  private readonly labels = new Map<string, Map<string, number>>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  reset(): void {
    this.params.clear();
    this.labels.clear();
  }

  /** The labels on one version of a parameter. */
  labelsOf(name: string, version: number): string[] {
    return [...(this.labels.get(name) ?? [])].filter(([, v]) => v === version).map(([l]) => l);
  }

  /** Puts labels on a version, moving each off the version it was on, as SSM does. */
  label(name: string, version: number, labels: readonly string[]): void {
    if (!this.params.get(name)?.some((p) => p.version === version))
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`,
      );
    const byLabel = this.labels.get(name) ?? new Map<string, number>();
    const after = new Set([...this.labelsOf(name, version), ...labels]);
    if (after.size > MAX_LABELS)
      throw new AwsError(
        'ParameterVersionLabelLimitExceeded',
        `A parameter version can have maximum ${MAX_LABELS} labels.`,
      );
    for (const l of labels) byLabel.set(l, version);
    this.labels.set(name, byLabel);
  }

  arnOf(name: string): string {
    return `arn:aws:ssm:${this.region}:${this.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }

  /** The latest version, or undefined. */
  parameter(name: string): ParameterVersion | undefined {
    return this.params.get(name)?.at(-1);
  }

  /** Every retained version, oldest first. */
  history(name: string): ParameterVersion[] {
    return [...(this.params.get(name) ?? [])];
  }

  /** Writes a new version as PutParameter with Overwrite would; returns its number. */
  put(
    name: string,
    value: string,
    options: { type?: ParameterType; description?: string; dataType?: string; keyId?: string } = {},
  ): number {
    const versions = this.params.get(name) ?? [];
    const last = versions.at(-1);
    const oldest = versions[0];
    if (versions.length >= MAX_VERSIONS && oldest && this.labelsOf(name, oldest.version).length > 0)
      throw new AwsError(
        'ParameterMaxVersionLimitExceeded',
        `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
      );
    const next: ParameterVersion = {
      name,
      type: options.type ?? last?.type ?? 'String',
      value,
      version: (last?.version ?? 0) + 1,
      lastModified: Date.now(),
      description: options.description ?? last?.description,
      dataType: options.dataType ?? last?.dataType ?? 'text',
      keyId:
        options.keyId ??
        (options.type === 'SecureString' || last?.type === 'SecureString'
          ? 'alias/aws/ssm'
          : undefined),
    };
    this.params.set(name, [...versions, next].slice(-MAX_VERSIONS));
    return next.version;
  }

  delete(name: string): boolean {
    this.labels.delete(name);
    return this.params.delete(name);
  }

  handle(action: string, params: Record<string, unknown>): Reply {
    switch (action) {
      case 'GetParameter':
        return jsonReply({
          Parameter: this.getParameter(
            requireString(params, 'Name'),
            params['WithDecryption'] === true,
          ),
        });
      case 'GetParameters':
        return jsonReply(this.getParameters(params));
      case 'PutParameter':
        return jsonReply(this.putParameter(params));
      case 'GetParameterHistory':
        return jsonReply(this.getParameterHistory(params));
      case 'LabelParameterVersion':
        return jsonReply(this.labelParameterVersion(params));
      case 'UnlabelParameterVersion':
        return jsonReply(this.unlabelParameterVersion(params));
      case 'DeleteParameter': {
        const name = this.nameOf(requireString(params, 'Name'));
        if (!this.delete(name)) throw notFound(name);
        return jsonReply({});
      }
      default:
        throw new AwsError(
          'UnknownOperationException',
          `local-aws does not emulate AmazonSSM.${action}`,
        );
    }
  }

  /** Accepts a parameter ARN wherever a name is expected, as SSM does. */
  private nameOf(nameOrArn: string): string {
    const m = /^arn:aws[a-z-]*:ssm:[^:]*:\d{12}:parameter(\/.*)$/.exec(nameOrArn);
    if (!m) return nameOrArn;
    const path = m[1] as string;
    // `parameter/name` is the ARN of the unrooted name `name`; `parameter/a/b` of `/a/b`.
    return this.params.has(path) || path.indexOf('/', 1) > 0 ? path : path.slice(1);
  }

  private shape(p: ParameterVersion, decrypt: boolean, selector?: string): Record<string, unknown> {
    return {
      Name: p.name,
      Type: p.type,
      Value: this.valueOf(p, decrypt),
      Version: p.version,
      ...(selector ? { Selector: selector } : {}),
      LastModifiedDate: epochSeconds(p.lastModified),
      ARN: this.arnOf(p.name),
      DataType: p.dataType,
    };
  }

  /** A SecureString read without decryption comes back as ciphertext; we fake one. */
  private valueOf(p: ParameterVersion, decrypt: boolean): string {
    return p.type === 'SecureString' && !decrypt
      ? Buffer.from(`local-aws:${p.value}`).toString('base64')
      : p.value;
  }

  private getParameter(nameWithSelector: string, decrypt: boolean): Record<string, unknown> {
    const m = /^(.*?)(:(\d+))?$/.exec(nameWithSelector);
    const name = this.nameOf(m?.[1] ?? nameWithSelector);
    const wanted = m?.[3];
    const versions = this.params.get(name);
    if (!versions || versions.length === 0) throw notFound(name);
    if (wanted === undefined) return this.shape(versions.at(-1) as ParameterVersion, decrypt);
    const v = versions.find((p) => p.version === Number(wanted));
    if (!v) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${wanted} of ${name}. Verify the version and try again.`,
      );
    }
    return this.shape(v, decrypt, `:${wanted}`);
  }

  private getParameters(params: Record<string, unknown>): Record<string, unknown> {
    const names = params['Names'];
    if (!Array.isArray(names) || names.length === 0 || names.length > 10) {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const found: Record<string, unknown>[] = [];
    const invalid: string[] = [];
    for (const n of names as unknown[]) {
      try {
        found.push(this.getParameter(String(n), params['WithDecryption'] === true));
      } catch (e) {
        if (!(e instanceof AwsError)) throw e;
        invalid.push(String(n));
      }
    }
    return { Parameters: found, InvalidParameters: invalid };
  }

  private putParameter(params: Record<string, unknown>): Record<string, unknown> {
    const name = this.nameOf(requireString(params, 'Name'));
    const value = params['Value'];
    if (typeof value !== 'string') requireString(params, 'Value');
    const v = value as string;
    const type = optionalString(params, 'Type');
    const overwrite = params['Overwrite'] === true;
    if (name.includes('/') && !name.startsWith('/')) {
      throw new AwsError(
        'ValidationException',
        'Parameter name must be a fully qualified name: a name with "/" must start with "/".',
      );
    }
    if (type !== undefined && !TYPES.has(type)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    if (v.length === 0 || v.length > MAX_STANDARD_VALUE) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length between 1 and ${MAX_STANDARD_VALUE}`,
      );
    }
    if (overwrite && Array.isArray(params['Tags']) && params['Tags'].length > 0) {
      throw new AwsError(
        'ValidationException',
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    const exists = this.params.has(name);
    if (exists && !overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (!exists && type === undefined) {
      throw new AwsError(
        'ValidationException',
        'A parameter type is required when you create a parameter.',
      );
    }
    const version = this.put(name, v, {
      type: type as ParameterType | undefined,
      description: optionalString(params, 'Description'),
      dataType: optionalString(params, 'DataType'),
      keyId: optionalString(params, 'KeyId'),
    });
    return { Version: version, Tier: 'Standard' };
  }

  private labelParameterVersion(params: Record<string, unknown>): Record<string, unknown> {
    const name = this.nameOf(requireString(params, 'Name'));
    const versions = this.params.get(name);
    if (!versions) throw notFound(name);
    const labels = labelList(params);
    const version =
      typeof params['ParameterVersion'] === 'number'
        ? params['ParameterVersion']
        : (versions.at(-1) as ParameterVersion).version;
    this.label(name, version, labels);
    return { InvalidLabels: [], ParameterVersion: version };
  }

  private unlabelParameterVersion(params: Record<string, unknown>): Record<string, unknown> {
    const name = this.nameOf(requireString(params, 'Name'));
    const version = params['ParameterVersion'];
    if (typeof version !== 'number') requireString(params, 'ParameterVersion');
    if (!this.params.get(name)?.some((p) => p.version === version))
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${String(version)} of ${name}. Verify the version and try again.`,
      );
    const on = new Set(this.labelsOf(name, version as number));
    const labels = labelList(params);
    for (const l of labels) if (on.has(l)) this.labels.get(name)?.delete(l);
    return {
      RemovedLabels: labels.filter((l) => on.has(l)),
      InvalidLabels: labels.filter((l) => !on.has(l)),
    };
  }

  private getParameterHistory(params: Record<string, unknown>): Record<string, unknown> {
    const name = this.nameOf(requireString(params, 'Name'));
    const versions = this.params.get(name);
    if (!versions) throw notFound(name);
    const max = typeof params['MaxResults'] === 'number' ? params['MaxResults'] : 50;
    if (!(Number.isInteger(max) && max >= 1 && max <= 50)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`,
      );
    }
    const token = optionalString(params, 'NextToken');
    const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0 || start > versions.length) {
      throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
    }
    const page = versions.slice(start, start + max);
    const decrypt = params['WithDecryption'] === true;
    return {
      Parameters: page.map((p) => ({
        Name: p.name,
        Type: p.type,
        ...(p.keyId ? { KeyId: p.keyId } : {}),
        LastModifiedDate: epochSeconds(p.lastModified),
        LastModifiedUser: `arn:aws:iam::${this.accountId}:user/local-aws`,
        ...(p.description ? { Description: p.description } : {}),
        Value: this.valueOf(p, decrypt),
        Version: p.version,
        Labels: this.labelsOf(p.name, p.version),
        Tier: 'Standard',
        Policies: [],
        DataType: p.dataType,
      })),
      ...(start + max < versions.length
        ? { NextToken: Buffer.from(String(start + max)).toString('base64url') }
        : {}),
    };
  }
}

/** The Labels member of a label call: 1 to 10 strings. */
function labelList(params: Record<string, unknown>): string[] {
  const labels = params['Labels'];
  if (
    !Array.isArray(labels) ||
    labels.length === 0 ||
    labels.length > MAX_LABELS ||
    !labels.every((l) => typeof l === 'string' && l.length > 0)
  )
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length between 1 and 10",
    );
  return labels as string[];
}
