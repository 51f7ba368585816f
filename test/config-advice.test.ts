import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { VipFailover } from '../lib/vip-failover';

type Raw = Record<string, unknown>;

const example: Raw = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'config', 'example.json'), 'utf8'),
);
const env = { account: example.account as string, region: example.region as string };

/** The warnings at synth of a group built from `input`. */
function synthWarnings(input: unknown): Annotations {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
    env,
  });
  VipFailover.fromInput(stack, 'Failover', input);
  return Annotations.fromStack(stack);
}

/** The example group probed with `probe` instead of its own probe. */
const probedWith = (probe: Raw): Raw => ({ ...example, probe });

const MAX_CONNECT_ERRORS = Match.stringLikeRegexp('max_connect_errors');

describe('a tcp probe of a MySQL port', () => {
  it.each([3306, 33060])(
    'warns at synth that port %d counts toward max_connect_errors, with both fixes',
    (port) => {
      // Prepare
      const input = probedWith({ type: 'tcp', port, timeoutMs: 1000 });

      // Act
      const warnings = synthWarnings(input);

      // Assess
      warnings.hasWarning(
        '/Test/Failover',
        Match.stringLikeRegexp(
          `^probe\\.port ${port} is a MySQL port probed with type "tcp": .*max_connect_errors.*; set probe\\.type "mysql" .*, or raise max_connect_errors`,
        ),
      );
    },
  );

  it('is not warned of on another port', () => {
    // Prepare
    const input = probedWith({ type: 'tcp', port: 5432, timeoutMs: 1000 });

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasNoWarning('*', MAX_CONNECT_ERRORS);
  });

  it('is not warned of when the probe logs in (type "mysql")', () => {
    // Prepare
    const input = { ...example };

    // Act
    const warnings = synthWarnings(input);

    // Assess
    warnings.hasNoWarning('*', MAX_CONNECT_ERRORS);
  });
});
