/**
 * What `cdk bootstrap` and the CLI's asset publishing leave in an account before CloudFormation
 * runs: the assets bucket named by the asset manifest, every file asset in it (directories
 * zipped), and the bootstrap version parameter the template's BootstrapVersion reads.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsWire } from './aws-wire';
import type { FileAsset, Template } from './synth';
import type { AwsTarget } from './world';
import { zipDirectories } from './zip';

/** The bootstrap template of the CDK CLI this project pins: its version is what `cdk bootstrap` writes. */
const BOOTSTRAP_TEMPLATE = join(
  __dirname,
  '..',
  '..',
  'node_modules',
  'aws-cdk',
  'lib',
  'api',
  'bootstrap',
  'bootstrap-template.yaml',
);

/** A published asset: where it went, and the bytes that went there. */
export interface PublishedAsset extends FileAsset {
  readonly file: string;
}

export interface Published {
  readonly assets: readonly PublishedAsset[];
  /** The template as published, and the URL CreateStack takes for it, as the CLI passes it. */
  readonly templateAsset?: PublishedAsset;
  readonly templateUrl?: string;
  readonly bootstrapParameter: string;
  readonly bootstrapVersion: string;
}

/** The version `cdk bootstrap` of the pinned CLI writes, read from its template. */
export function bootstrapVersion(): string {
  const text = readFileSync(BOOTSTRAP_TEMPLATE, 'utf8');
  const version = /CdkBootstrapVersion:[\s\S]*?Value: '(\d+)'/.exec(text)?.[1];
  if (!version) {
    throw new Error(
      `cannot read CdkBootstrapVersion from ${BOOTSTRAP_TEMPLATE}; the CDK CLI's bootstrap template has changed shape`,
    );
  }
  return version;
}

/** The parameter the template's BootstrapVersion reads (its default), such as /cdk-bootstrap/hnb659fds/version. */
function bootstrapParameterName(template: Template): string {
  const p = template.Parameters?.BootstrapVersion;
  if (!p?.Default || !p.Type.startsWith('AWS::SSM::Parameter::Value')) {
    throw new Error(
      'the template has no BootstrapVersion SSM parameter; synthesize with the default (bootstrap-based) synthesizer',
    );
  }
  return p.Default;
}

export async function publish(options: {
  readonly aws: AwsTarget;
  readonly wire: AwsWire;
  readonly python: string;
  readonly template: Template;
  readonly templateFile: string;
  readonly assets: readonly FileAsset[];
  readonly workDir: string;
}): Promise<Published> {
  const { aws, wire } = options;
  const buckets = new Set(options.assets.map((a) => a.bucketName));
  for (const bucket of buckets) {
    // Outside us-east-1 S3 wants the region named, as the bootstrap stack's bucket has it.
    const body =
      aws.region === 'us-east-1'
        ? undefined
        : Buffer.from(
            `<CreateBucketConfiguration><LocationConstraint>${aws.region}</LocationConstraint></CreateBucketConfiguration>`,
          );
    await wire.rest('s3', 'PUT', `/${bucket}`, body);
  }

  const published: PublishedAsset[] = options.assets.map((asset) => ({
    ...asset,
    file: asset.packaging === 'zip' ? join(options.workDir, `${asset.id}.zip`) : asset.path,
  }));
  await zipDirectories(
    options.python,
    published.filter((a) => a.packaging === 'zip').map((a) => ({ dir: a.path, out: a.file })),
  );
  let templateUrl: string | undefined;
  let templateAsset: PublishedAsset | undefined;
  for (const asset of published) {
    await wire.rest(
      's3',
      'PUT',
      `/${asset.bucketName}/${asset.objectKey}`,
      await readFile(asset.file),
    );
    if (asset.path === options.templateFile) {
      templateAsset = asset;
      templateUrl = s3Url(aws.region, asset.bucketName, asset.objectKey);
    }
  }

  const name = bootstrapParameterName(options.template);
  const version = bootstrapVersion();
  const ssm = new SSMClient(aws);
  try {
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: version, Type: 'String', Overwrite: true }),
    );
  } finally {
    ssm.destroy();
  }
  return {
    assets: published,
    templateAsset,
    templateUrl,
    bootstrapParameter: name,
    bootstrapVersion: version,
  };
}

/** The regional S3 URL of an object, as the CDK CLI hands CloudFormation a template. */
export function s3Url(region: string, bucket: string, key: string): string {
  return `https://s3.${region}.amazonaws.com/${bucket}/${key}`;
}
