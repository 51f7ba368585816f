import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { awsEnv, childEnv, LocalAws, type CallRecord } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { config, useExampleWorld } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

const run = promisify(execFile);

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('local-aws server', () => {
  it('listens on 127.0.0.1 only', async () => {
    // Prepare
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === 'IPv4')
      .map((i) => i?.address as string);

    // Act
    const loopback = await connects('127.0.0.1', aws.port);
    const others = await Promise.all(external.map((ip) => connects(ip, aws.port)));

    // Assess
    expect(aws.endpoint).toBe(`http://127.0.0.1:${aws.port}`);
    expect(loopback).toBe(true);
    expect(others.every((ok) => !ok)).toBe(true);
  });

  it('logs every call with service, action, params, status, error code and timestamps', async () => {
    // Prepare
    const seen: CallRecord[] = [];
    const off = aws.onCall((r) => seen.push(r));

    // Act
    await c.ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: [config.routeTableIds[0] as string] }),
    );
    await sdkError(c.ssm.send(new GetParameterCommand({ Name: '/missing' })));
    off();
    await c.ssm.send(new GetParameterCommand({ Name: config.recordParameterName }));

    // Assess
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      service: 'ec2',
      action: 'DescribeRouteTables',
      params: { 'RouteTableId.1': config.routeTableIds[0] },
      status: 200,
    });
    expect(seen[1]).toMatchObject({
      service: 'ssm',
      action: 'GetParameter',
      status: 400,
      errorCode: 'ParameterNotFound',
    });
    for (const r of seen) expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
    expect(aws.calls()).toHaveLength(3);
  });

  it('keeps secret values out of the call log', async () => {
    await c.secrets.send(
      new PutSecretValueCommand({
        SecretId: config.probe.mysql?.passwordSecretArn,
        SecretString: 'hunter2',
      }),
    );

    const [record] = aws.calls({ action: 'PutSecretValue' });

    expect(JSON.stringify(record)).not.toContain('hunter2');
    expect(record?.params['SecretString']).toBe('***');
  });

  it('serves a child process whose clients take no options, despite overrides in its parent', async () => {
    // Prepare
    const script = `
      const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');
      new SSMClient({})
        .send(new GetParameterCommand({ Name: ${JSON.stringify(config.recordParameterName)} }))
        .then((out) => console.log(out.Parameter.Value), (e) => console.log(e.name));
    `;
    const env = childEnv(aws.endpoint, aws.region, {
      ...process.env,
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:1',
      AWS_MAX_ATTEMPTS: '7',
    });

    // Act
    const { stdout } = await run(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '../..'),
      env,
    });

    // Assess
    expect(stdout.trim()).toBe('db-a');
  });

  it('builds a child environment without the variables that would override it', () => {
    const env = childEnv(aws.endpoint, 'eu-west-1', {
      PATH: '/bin',
      AWS_MAX_ATTEMPTS: '5',
      AWS_ENDPOINT_URL_EC2: 'http://x',
    });

    expect(env).toEqual({ PATH: '/bin', ...awsEnv(aws.endpoint, 'eu-west-1') });
  });

  it('stops idempotently and refuses connections afterwards', async () => {
    // Prepare
    const own = await LocalAws.start();

    // Act
    await Promise.all([own.stop(), own.stop()]);

    // Assess
    expect(await connects('127.0.0.1', own.port)).toBe(false);
  });
});
