/**
 * Synthesizes the stack exactly as `bin/vip-failover.ts` does (the same `addVipFailoverStack`,
 * the default bootstrap-based synthesizer, cdk-nag included), in-process, for a config object.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { CONFIG_CONTEXT_KEY, addVipFailoverStack } from '../../lib/vip-failover-stack';

const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** One CloudFormation resource, as the template declares it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { Type: string; Default?: string }>;
  readonly Outputs?: Record<string, unknown>;
}

/** A file asset of the asset manifest and where the bootstrap would publish it. */
export interface FileAsset {
  readonly id: string;
  readonly displayName?: string;
  /** Absolute path of the file or directory in the cloud assembly. */
  readonly path: string;
  readonly packaging: 'zip' | 'file';
  readonly bucketName: string;
  readonly objectKey: string;
}

export interface Synthesized {
  readonly stackName: string;
  readonly template: Template;
  readonly templateFile: string;
  readonly assets: readonly FileAsset[];
}

interface AssetManifest {
  files?: Record<
    string,
    {
      displayName?: string;
      source: { path: string; packaging?: 'zip' | 'file' };
      destinations: Record<string, { bucketName: string; objectKey: string }>;
    }
  >;
  dockerImages?: Record<string, unknown>;
}

/** Synthesizes into `outdir` and reads back the template and the assets to publish. */
export function synthesize(config: Record<string, unknown>, outdir: string): Synthesized {
  const app = new App({ outdir, context: { [CONFIG_CONTEXT_KEY]: config } });
  const stack = addVipFailoverStack(app, PROJECT_ROOT);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const manifests = artifact.dependencies.filter(
    (a): a is AssetManifestArtifact => a instanceof AssetManifestArtifact,
  );
  const assets: FileAsset[] = [];
  for (const m of manifests) {
    const manifest = JSON.parse(readFileSync(m.file, 'utf8')) as AssetManifest;
    if (Object.keys(manifest.dockerImages ?? {}).length > 0) {
      throw new Error(
        `${stack.stackName} has Docker image assets; the deploy check publishes file assets only`,
      );
    }
    for (const [id, file] of Object.entries(manifest.files ?? {})) {
      for (const d of Object.values(file.destinations)) {
        assets.push({
          id,
          displayName: file.displayName,
          path: resolve(outdir, file.source.path),
          packaging: file.source.packaging ?? 'file',
          bucketName: d.bucketName,
          objectKey: d.objectKey,
        });
      }
    }
  }
  return {
    stackName: stack.stackName,
    template: artifact.template as Template,
    templateFile: artifact.templateFullPath,
    assets,
  };
}
