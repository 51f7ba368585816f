/**
 * The package as an app outside this repository gets it: `npm pack` (which builds it), installed
 * offline from the npm cache into a scratch CDK app beside aws-cdk-lib and constructs, type-checked
 * against its declarations, and synthesized with two groups: one from the JSON config through
 * `VipFailover.fromInput`, one from typed props.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = path.resolve(__dirname, '..', '..');
const repoLock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, Raw>;
};
const versionOf = (name: string) =>
  (
    JSON.parse(
      fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as Raw
  ).version as string;

/**
 * Runs a command, its output kept for the failure message. At a lower CPU priority (nice 10):
 * packing, installing and type-checking are CPU-bound, and the integration files beside this one
 * in other jest workers probe with deadlines of a few hundred milliseconds.
 */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync('nice', ['-n', '10', command, ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, {
      cause: e,
    });
  }
}

/**
 * Where npm finds `name` for the package at `from`: in its own node_modules, then in each
 * enclosing one up to the top.
 */
function resolveIn(packages: Record<string, Raw>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/**
 * The registry's address of a package's tarball, which the repository's lock leaves out: with
 * it, npm takes the tarball from its cache without asking for the package's registry document.
 */
function tarballUrl(registry: string, at: string, version: string): string {
  const name = at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `${registry.replace(/\/?$/, '/')}${name}/-/${name.split('/').pop()}-${version}.tgz`;
}

/**
 * A lock file for the scratch app, made of this repository's entries for what it installs: npm
 * then installs from the tarballs in its cache alone (without a lock it would need each
 * package's registry document, which an offline cache may not hold).
 */
function scratchLock(registry: string, dependencies: Record<string, string>, ours: Raw): Raw {
  const packages: Record<string, Raw> = {};
  const pending = Object.keys(dependencies).filter((n) => n !== 'vip-failover');
  const requiredBy = (entry: Raw): string[] => [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.optionalDependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}).filter(
      (n) => !entry.peerDependenciesMeta?.[n]?.optional,
    ),
  ];
  const take = (at: string) => {
    if (packages[at]) return;
    for (const [key, entry] of Object.entries(repoLock.packages)) {
      if (key === at || key.startsWith(`${at}/node_modules/`)) {
        const { dev, devOptional, peer, ...rest } = entry; // eslint-disable-line @typescript-eslint/no-unused-vars
        packages[key] = rest.inBundle
          ? rest
          : { resolved: tarballUrl(registry, key, rest.version), ...rest };
      }
    }
    for (const name of requiredBy(repoLock.packages[at] ?? {})) {
      const found = resolveIn(repoLock.packages, at, name);
      if (found) take(found);
    }
  };
  for (const name of [...pending, ...requiredBy(ours)]) {
    const at = resolveIn(repoLock.packages, '', name);
    if (!at) throw new Error(`${name} is not in this repository's lock file`);
    take(at);
  }
  packages['node_modules/vip-failover'] = ours;
  return {
    name: 'scratch-app',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'scratch-app', dependencies }, ...packages },
  };
}

/** The scratch app: a stack holding two groups, and a type error it expects. */
const APP = `
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { VipFailover, type VipFailoverProps } from 'vip-failover';
import orders from './orders-db.json';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Databases', {
  env: { account: '123456789012', region: 'eu-west-1' },
});

VipFailover.fromInput(stack, 'OrdersDb', orders);

const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  vpcCidrBlock: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
});
const billing: VipFailoverProps = {
  name: 'billing-db',
  vpc,
  vip: '192.168.100.20/32',
  routeTableIds: ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002'],
  nodes: [
    { name: 'db-a', networkInterfaceId: 'eni-0a1b2c3d4e5f6001a', address: '10.0.1.20' },
    { name: 'db-b', networkInterfaceId: 'eni-0a1b2c3d4e5f6001b', address: '10.0.2.20' },
  ],
  probe: {
    type: 'mysql',
    port: 3306,
    user: 'vip_monitor',
    secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'billing-db-vip-monitor'),
  },
  monitoring: { dashboard: true },
};
new VipFailover(stack, 'BillingDb', billing);

// Proves the declarations are read: were they missing, this would not be an error.
// @ts-expect-error a port is a number
const wrong: VipFailoverProps['probe'] = { type: 'tcp', port: '3306' };
void wrong;

app.synth();
`;

describe('the packed package in a CDK app of its own', () => {
  let dir: string;
  let appDir: string;
  let template: Template;
  let assets: Raw;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vip-failover-package-'));
    appDir = path.join(dir, 'app');
    fs.mkdirSync(appDir);

    const registry = run('npm', ['config', 'get', 'registry'], ROOT).trim();
    // prepack builds dist/ first.
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], ROOT).trim();
    const tgz = path.join(dir, tarball);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Raw;
    const dependencies = {
      'aws-cdk-lib': versionOf('aws-cdk-lib'),
      constructs: versionOf('constructs'),
      'vip-failover': `file:../${tarball}`,
    };
    const ours = {
      version: manifest.version,
      resolved: `file:../${tarball}`,
      integrity: `sha512-${createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')}`,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
    };
    fs.writeFileSync(
      path.join(appDir, 'package.json'),
      JSON.stringify({ name: 'scratch-app', private: true, dependencies }, null, 2),
    );
    fs.writeFileSync(
      path.join(appDir, 'package-lock.json'),
      JSON.stringify(scratchLock(registry, dependencies, ours), null, 2),
    );
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], appDir);

    fs.copyFileSync(path.join(ROOT, 'config', 'example.json'), path.join(appDir, 'orders-db.json'));
    fs.writeFileSync(path.join(appDir, 'app.ts'), APP);
    fs.writeFileSync(
      path.join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          resolveJsonModule: true,
          skipLibCheck: true,
          // aws-cdk-lib's declarations refer to Node's; the app itself uses none.
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')], appDir);
    run(process.execPath, ['app.js'], appDir);

    const out = path.join(appDir, 'cdk.out');
    template = Template.fromJSON(
      JSON.parse(fs.readFileSync(path.join(out, 'Databases.template.json'), 'utf8')) as Raw,
    );
    assets = JSON.parse(fs.readFileSync(path.join(out, 'Databases.assets.json'), 'utf8')) as Raw;
  }, 300_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs with aws-cdk-lib and constructs as its peers, without esbuild or sources', () => {
    const installed = path.join(appDir, 'node_modules');
    const files = run('find', ['.', '-type', 'f'], path.join(installed, 'vip-failover'))
      .split('\n')
      .filter((f) => f);

    expect(fs.existsSync(path.join(installed, 'esbuild'))).toBe(false);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        './dist/lib/index.js',
        './dist/lib/index.d.ts',
        './dist/assets/checker/index.js',
        './dist/assets/mover/index.js',
        './dist/assets/witness/index.js',
      ]),
    );
  });

  it("ships the operators' CLI as the package's bin, built, without tsx", () => {
    // The lock this test writes lists no bin links, so run the file package.json names.
    const pkg = path.join(appDir, 'node_modules', 'vip-failover');
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const bin = path.join(pkg, manifest.bin['vip-failover'] as string);

    const usage = run(process.execPath, [bin, '--help'], appDir);

    expect(usage).toMatch(/^usage: vip-failover COMMAND \[flags\]/);
    expect(fs.existsSync(path.join(appDir, 'node_modules', 'tsx'))).toBe(false);
  });

  it.each(['orders-db', 'billing-db'])(
    'deploys the Checker, Mover and witnesses of %s from the prebuilt bundles',
    (group) => {
      for (const [fn, entry] of [
        ['checker', 'checker'],
        ['mover', 'mover'],
        ['witness-a', 'witness'],
        ['witness-b', 'witness'],
      ]) {
        const [found] = Object.values(
          template.findResources('AWS::Lambda::Function', {
            Properties: { FunctionName: `vip-failover-${group}-${fn}` },
          }),
        );
        expect(found?.Properties).toMatchObject({
          Handler: 'index.handler',
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
        });
        const hash = (found?.Properties.Code.S3Key as string).replace(/\.zip$/, '');
        const bundle = path.join(appDir, 'cdk.out', assets.files[hash].source.path);
        const map = JSON.parse(fs.readFileSync(path.join(bundle, 'index.js.map'), 'utf8')) as Raw;
        expect(fs.readFileSync(path.join(bundle, 'index.js'), 'utf8')).toContain(
          'VIP_FAILOVER_CONFIG',
        );
        expect(map.sources).toContainEqual(
          expect.stringMatching(new RegExp(`lambda/${entry}\\.ts$`)),
        );
      }
    },
  );

  it('gives each group its own config, topic and alarms, and the group that asks a dashboard', () => {
    // A config naming a token is joined by CloudFormation; its parts hold the rest as text.
    const text = (v: unknown): string =>
      typeof v === 'string'
        ? v
        : ((v as Raw)['Fn::Join'][1] as unknown[])
            .map((p) => (typeof p === 'string' ? p : 'token'))
            .join('');
    const configs = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((f) => f.Properties.Environment?.Variables?.VIP_FAILOVER_CONFIG as unknown)
      .filter((v) => v !== undefined)
      .map((v) => (JSON.parse(text(v)) as Raw).config.name as string);

    // Each group's Checker, Mover and two witnesses.
    expect(configs.sort()).toEqual([
      ...Array<string>(4).fill('billing-db'),
      ...Array<string>(4).fill('orders-db'),
    ]);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'vip-failover-billing-db',
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('grants the typed group its secret by name, with the random suffix as a wildcard', () => {
    expect(JSON.stringify(template.toJSON())).toContain(':secret:billing-db-vip-monitor-??????');
  });
});
