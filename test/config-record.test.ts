import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError, validateConfig } from '../config';
import { VipFailover } from '../lib/vip-failover';

type Raw = Record<string, unknown>;

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);
const env = { account: example.account as string, region: example.region as string };

/** The problems validateConfig reports for `input`, as printed. */
function problemsOf(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The warnings at synth of a group built from `input`. */
function synthWarnings(input: unknown): Annotations {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
    env,
  });
  VipFailover.fromInput(stack, 'Failover', input);
  return Annotations.fromStack(stack);
}

describe('recordParameterName', () => {
  it('names the record parameter', () => {
    // Prepare
    const input = { ...example, recordParameterName: '/ops/orders/active-node' };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/ops/orders/active-node');
  });

  it('keeps the default record parameter /vip-failover/<name>/active when left out', () => {
    // Prepare
    const input = { ...example };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/vip-failover/orders-db/active');
  });

  it('synthesizes no deprecation warning', () => {
    // Prepare
    const input = { ...example, recordParameterName: '/ops/orders/active-node' };

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasNoWarning('*', Match.stringLikeRegexp('deprecated'));
  });
});

describe('parameterName, the deprecated alias of recordParameterName', () => {
  it('still names the record parameter', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/orders/active-node' };

    // Act
    const config = validateConfig(input);

    // Assess
    expect(config.recordParameterName).toBe('/ops/orders/active-node');
  });

  it('prints a warning at synth naming the old key, the new key and its removal', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/orders/active-node' };

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasWarning(
      '/Test/Failover',
      Match.stringLikeRegexp(
        '^parameterName is deprecated and will be removed in a future release; rename it recordParameterName',
      ),
    );
  });

  it('deploys the record under the name the alias gives', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
      env,
    });

    // Act
    VipFailover.fromInput(stack, 'Failover', { ...example, parameterName: '/ops/orders/active' });

    // Assess
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))
      .flatMap((r) => (r.Properties.Policies ?? []) as { PolicyDocument: { Statement: [] } }[])
      .flatMap((p) => p.PolicyDocument.Statement as { Sid?: string }[])
      .filter((s) => s.Sid === 'WriteRecord');
    expect(JSON.stringify(statements)).toContain(':parameter/ops/orders/active"');
  });

  it('is accepted beside recordParameterName when both name the same parameter', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/a' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([]);
  });

  it('fails naming both keys when it names another parameter than recordParameterName', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/b' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'parameterName "/ops/a" differs from recordParameterName "/ops/b"; parameterName is the deprecated name of recordParameterName: keep recordParameterName alone',
    ]);
  });

  it('fails the synth naming both keys when they differ', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/a', recordParameterName: '/ops/b' };

    // Act
    const synth = () => synthWarnings(input);

    // Assess
    expect(synth).toThrow(/parameterName "\/ops\/a" differs from recordParameterName "\/ops\/b"/);
  });

  it('names the key the user wrote when its value is no parameter path', () => {
    // Prepare
    const input = { ...example, parameterName: 'active' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'parameterName "active" must be an SSM parameter path such as /vip-failover/orders-db/active',
    ]);
  });

  it('names the key the user wrote when another parameter repeats it', () => {
    // Prepare
    const input = { ...example, parameterName: '/ops/x', pauseParameterName: '/ops/x' };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^pauseParameterName "\/ops\/x" equals parameterName;/),
    ]);
  });
});
