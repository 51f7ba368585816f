import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig } from '../support/aws-env';
import { RECORD } from './fixture';

const ROOT = path.join(__dirname, '../..');

describe('local-aws cli', () => {
  it('prints the endpoint URL as the first line of stdout and serves the seeded world with its Mover', async () => {
    // Prepare
    const cli = spawn(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['tools/local-aws/cli.ts', '--config', 'config/example.json', '--active', 'db-b', '--quiet'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = once(cli, 'exit');
    try {
      // Act
      const [first] = (await Promise.race([
        once(createInterface({ input: cli.stdout }), 'line'),
        exited.then(([code]) => {
          throw new Error(`the cli exited (${String(code)}) before printing a line`);
        }),
      ])) as [string];
      const ssm = new SSMClient(clientConfig({ endpoint: first, region: 'eu-west-1' }));
      const out = await ssm.send(new GetParameterCommand({ Name: RECORD }));
      ssm.destroy();
      const lambda = new LambdaClient(clientConfig({ endpoint: first, region: 'eu-west-1' }));
      const mover = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'vip-failover-orders-db-mover' }),
      );
      lambda.destroy();

      // Assess
      expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(out.Parameter?.Value).toBe('db-b');
      expect(mover.Environment?.Variables?.VIP_FAILOVER_CONFIG).toContain('"name":"orders-db"');
    } finally {
      cli.kill('SIGTERM');
      await exited;
    }
  });
});
