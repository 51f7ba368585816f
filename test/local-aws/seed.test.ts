import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import example from '../../config/example.json';
import { validateConfig } from '../../config';
import {
  DEFAULT_PROBE_PASSWORD,
  routeNodes,
  routeTargets,
  seedFromFile,
  seedWorld,
  type LocalAws,
} from '../../tools/local-aws';
import type { LocalClients } from '../support/aws-env';
import { config, ENI_A, RECORD, T1, T2, T3, useExampleWorld, VIP } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

describe('seedWorld', () => {
  it('points every configured table at the active node and names it in the record', () => {
    expect(aws.ec2.routeTableIds()).toEqual([T1, T2, T3]);
    expect(routeNodes(aws, config)).toEqual({ [T1]: 'db-a', [T2]: 'db-a', [T3]: 'db-a' });
    expect(aws.parameter(RECORD)).toMatchObject({ value: 'db-a', version: 1 });
  });

  it('seeds the pause flag as "false" unless paused', async () => {
    // Act
    const running = await c.ssm.send(new GetParameterCommand({ Name: config.pauseParameterName }));
    seedWorld(aws, config, { active: 'db-a', paused: true });
    const paused = await c.ssm.send(new GetParameterCommand({ Name: config.pauseParameterName }));

    // Assess
    expect(running.Parameter?.Value).toBe('false');
    expect(paused.Parameter?.Value).toBe('true');
    expect(paused.Parameter?.Version).toBe(1);
  });

  it('seeds the probe secret as JSON with a dummy password when no secret string is given', async () => {
    const arn = config.probe.mysql?.passwordSecretArn as string;

    const out = await c.secrets.send(new GetSecretValueCommand({ SecretId: arn }));

    expect(JSON.parse(out.SecretString ?? '{}')).toEqual({
      username: 'vip_monitor',
      password: DEFAULT_PROBE_PASSWORD,
    });
  });

  it('starts every object again from version 1 when seeded again', () => {
    // Prepare
    aws.putParameter(RECORD, 'db-b');
    aws.pointRoute(T2, config.nodes[1]?.networkInterfaceId as string, VIP);

    // Act
    seedWorld(aws, config, { active: 'db-a' });

    // Assess
    expect(aws.parameterHistory(RECORD).map((v) => [v.version, v.value])).toEqual([[1, 'db-a']]);
    expect(routeNodes(aws, config)[T2]).toBe('db-a');
  });

  it('refuses an active node the config does not have, naming the nodes it has', () => {
    expect(() => seedWorld(aws, config, { active: 'db-z' })).toThrow(
      /active node "db-z" is not in the config; nodes are db-a, db-b/,
    );
  });
});

describe('routeTargets and routeNodes', () => {
  const byInstance = validateConfig({
    ...example,
    nodes: [
      { name: 'db-a', instanceId: 'i-0a1b2c3d4e5f6000a', address: '10.0.1.10' },
      { name: 'db-b', instanceId: 'i-0a1b2c3d4e5f6000b', address: '10.0.2.10' },
    ],
  });

  it('name an instance node by its instance, though its route also shows an ENI', () => {
    // Act
    seedWorld(aws, byInstance, { active: 'db-b' });

    // Assess
    expect(aws.ec2.route(T1, VIP)?.networkInterfaceId).toMatch(/^eni-/);
    expect(routeTargets(aws, byInstance)[T1]).toBe('i-0a1b2c3d4e5f6000b');
    expect(routeNodes(aws, byInstance)[T1]).toBe('db-b');
  });

  it('show a foreign target by its own id and no node', () => {
    aws.pointRoute(T2, 'eni-0fffffffffffffff0', VIP);

    expect(routeTargets(aws, config)).toEqual({
      [T1]: ENI_A,
      [T2]: 'eni-0fffffffffffffff0',
      [T3]: ENI_A,
    });
    expect(routeNodes(aws, config)[T2]).toBeUndefined();
  });

  it('show a missing route as undefined', () => {
    aws.deleteRoute(T3, VIP);

    expect(routeTargets(aws, config)[T3]).toBeUndefined();
    expect(routeNodes(aws, config)[T3]).toBeUndefined();
  });
});

describe('seedFromFile', () => {
  it('seeds the first node when no active node is given, and names the group', () => {
    // Prepare
    aws.reset();

    // Act
    const seeded = seedFromFile(aws, path.join(__dirname, '../../config/example.json'), {});

    // Assess
    expect(seeded).toEqual({ group: 'orders-db', active: 'db-a' });
    expect(aws.parameter(RECORD)?.value).toBe('db-a');
  });
});

describe('the endpoint', () => {
  it('leaves the failover config to seed.ts: no other module of it imports the config', () => {
    // Prepare
    const dir = path.join(__dirname, '../../tools/local-aws');
    const importsConfig = /from '(?:\.\.\/)+(?:lib\/)?config(?:\/[\w-]+)?'/;

    // Act
    const importers = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => importsConfig.test(readFileSync(path.join(dir, f), 'utf8')));

    // Assess
    expect(importers).toEqual(['seed.ts']);
  });
});
