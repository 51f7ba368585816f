/**
 * Where the functions' code comes from. The package ships the handlers prebuilt (`npm run build`
 * bundles them into dist/assets), so an app that installs it needs neither esbuild nor these
 * sources; inside this repository they are bundled from the sources at every synth, so a deploy
 * never ships a stale build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** The handlers, by the name of their entry (lambda/<name>.ts) and bundle directory. */
export type HandlerName = 'checker' | 'mover' | 'witness';
export const HANDLERS: readonly HandlerName[] = ['checker', 'mover', 'witness'];

/**
 * The esbuild settings of both ways in, so the package ships what the repo deploys. The AWS SDK is
 * bundled from its ES modules rather than taken from the runtime: tree-shaken and minified, it
 * cut the Checker's init from about 1.1 s to 0.6 s of CPU and its memory from 117 to 98 MB
 * (measured in docs/tuning-and-cost.md), which is what lets it run in 128 MB; and the handlers
 * run with the SDK version they were tested with.
 */
export const BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  externalModules: [] as string[],
  mainFields: ['module', 'main'],
} as const;

/**
 * Node's options for a handler with `memoryMb`. Source maps make stack traces readable but cost
 * about 25 MB and 0.2 s of CPU at init, so only a function with 256 MB or more loads them; the
 * .map file is in every bundle for reading a trace by hand.
 */
export function nodeOptions(memoryMb: number): string | undefined {
  return memoryMb >= 256 ? '--enable-source-maps' : undefined;
}

/** The package's prebuilt bundles: dist/assets/<name>/index.js beside dist/lib. */
export const PACKAGED_BUNDLES = path.resolve(__dirname, '..', 'assets');

/** This repository, when the construct runs from its sources. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** What the caller sets; the code, handler, runtime and architecture are set here. */
export type HandlerFunctionProps = Omit<
  lambda.FunctionProps,
  'code' | 'handler' | 'runtime' | 'architecture'
>;

/**
 * A Node.js 24 arm64 function running one of the handlers: the packaged bundle when there is
 * one, else bundled from this repository's sources.
 */
export function handlerFunction(
  scope: Construct,
  id: string,
  name: HandlerName,
  props: HandlerFunctionProps,
): lambda.Function {
  const common = {
    ...props,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
  };
  const bundle = path.join(PACKAGED_BUNDLES, name);
  if (fs.existsSync(path.join(bundle, 'index.js'))) {
    return new lambda.Function(scope, id, {
      ...common,
      code: lambda.Code.fromAsset(bundle),
      handler: 'index.handler',
    });
  }
  const entry = path.join(PROJECT_ROOT, 'lambda', `${name}.ts`);
  if (!fs.existsSync(entry)) {
    throw new Error(
      `vip-failover: the ${name} handler bundle ${path.join(bundle, 'index.js')} is missing; ` +
        'reinstall the package, or run `npm run build` in its repository',
    );
  }
  return new NodejsFunction(scope, id, {
    ...common,
    entry,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      minify: BUNDLING.minify,
      sourceMap: BUNDLING.sourceMap,
      target: BUNDLING.target,
      externalModules: [...BUNDLING.externalModules],
      mainFields: [...BUNDLING.mainFields],
    },
  });
}
