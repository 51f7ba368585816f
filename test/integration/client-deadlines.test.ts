/**
 * Every SDK client has deadlines: against an endpoint on loopback that accepts the connection
 * and never answers (a frozen proxy, a stuck VPC endpoint), each call fails in bounded time
 * instead of holding its caller, and the operators' CLI says so in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ENV, MOVER_AWS_STEP_MS, runtimeConfig } from '../../config';
import { checkerClients } from '../../lambda/checker-handler';
import { createMoverHandler, moverClients } from '../../lambda/mover-handler';
import { witnessClients } from '../../lambda/witness-handler';
import { moveVip } from '../../lambda/domain/mover/mover';
import { signRequest } from '../../lambda/domain/signing';
import { logger } from '../../lambda/domain/log';
import { loadGroup, CLI_REQUEST_MS } from '../../cli/group';
import { loopbackExample } from '../support/loopback-example';
import { runCli } from '../support/run-cli';

/** Longer than any client's deadlines with their retries, far shorter than a hang. */
const BOUND_MS = 30_000;

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
const dir = mkdtempSync(path.join(tmpdir(), 'vip-failover-deadlines-'));
const CONFIG = path.join(dir, 'orders-db.json');
const { raw, config } = loopbackExample(78);
writeFileSync(CONFIG, JSON.stringify(raw));

beforeAll(async () => {
  server = createServer((socket) => {
    // Accepts, reads whatever comes, and never answers.
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The environment the stack gives a function, aimed at the silent endpoint. */
const silentEnv = (): NodeJS.ProcessEnv => ({
  [ENV.config]: JSON.stringify(runtimeConfig(config, { windowMs: 0, overlapMs: 0 })),
  [ENV.moverFunction]: 'vip-failover-orders-db-mover',
  [ENV.topicArn]: 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db',
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
});

/** How a call ended, and when. */
async function timed(call: Promise<unknown>): Promise<{ error: string; ms: number }> {
  const started = Date.now();
  const hung = new Promise<string>((resolve) =>
    setTimeout(() => resolve('still waiting'), BOUND_MS).unref(),
  );
  const error = await Promise.race([
    call.then(
      () => 'answered',
      (e: Error) => e.name,
    ),
    hung,
  ]);
  return { error, ms: Date.now() - started };
}

interface SomeClients {
  readonly ec2?: EC2Client;
  readonly ssm?: SSMClient;
  readonly secrets?: SecretsManagerClient;
  readonly sns?: SNSClient;
}

/** One cheap call on each AWS client a function reads and writes with (not Lambda: see below). */
function calls(c: SomeClients): Record<string, Promise<unknown>> {
  const topic = 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db';
  return {
    ...(c.ec2 && {
      ec2: c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [...config.routeTableIds] })),
    }),
    ...(c.ssm && {
      ssm: c.ssm.send(new GetParameterCommand({ Name: config.recordParameterName })),
    }),
    ...(c.secrets && {
      secrets: c.secrets.send(new GetSecretValueCommand({ SecretId: 'vip-failover/x' })),
    }),
    ...(c.sns && { sns: c.sns.send(new PublishCommand({ TopicArn: topic, Message: 'm' })) }),
  };
}

describe('SDK clients against an endpoint that accepts and never answers', () => {
  it.concurrent.each([
    ['the Checker', () => checkerClients(silentEnv())],
    ['the Mover', () => moverClients(silentEnv())],
    ['the witness', () => witnessClients(silentEnv())],
    ['the CLI', () => loadGroup(CONFIG, { env: silentEnv() }, undefined)],
  ])("%s's clients each fail with TimeoutError in bounded time", async (_who, clientsOf) => {
    // Prepare: the Lambda clients are left out: a Lambda call may last a whole Mover run, so
    // its caller bounds it (the Checker's deadlines, hooks.ts, the CLI's move).
    const clients: SomeClients = clientsOf();

    // Act
    const ended = await Promise.all(
      Object.entries(calls(clients)).map(async ([name, call]) => ({
        name,
        ...(await timed(call)),
      })),
    );

    // Assess
    for (const e of ended) expect(e).toMatchObject({ name: e.name, error: 'TimeoutError' });
    expect(ended.length).toBeGreaterThan(0);
    for (const c of Object.values(clients))
      (c as { destroy?: () => void } | undefined)?.destroy?.();
  });
});

describe('the Mover against an endpoint that accepts and never answers', () => {
  it('fails its reads at their step deadline', async () => {
    // Prepare
    const clients = moverClients(silentEnv());
    const request = { target: 'db-b', reason: 'drill', by: 'alice' };

    // Act
    const ended = await timed(moveVip({ ...clients, logger }, config, request));

    // Assess
    expect(ended.error).toBe('AbortError');
    expect(ended.ms).toBeLessThan(MOVER_AWS_STEP_MS + 5000);
    Object.values(clients).forEach((c) => c.destroy());
  });

  it('answers a signed request well within mover.timeoutSeconds, its key and notification given up in time', async () => {
    // Prepare: the signing key's read and the notification go to the silent endpoint.
    const clients = moverClients(silentEnv());
    const handler = createMoverHandler(silentEnv(), clients);
    const request = signRequest(
      { target: 'db-b', reason: 'drill', by: 'alice' },
      { group: config.name, signer: 'operator', key: 'a key the Mover cannot read' },
      Date.now(),
    );

    // Act
    const started = Date.now();
    const result = await Promise.race([
      handler(request),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), BOUND_MS).unref()),
    ]);

    // Assess
    expect(result).toMatchObject({
      status: 'refused',
      detail: expect.stringMatching(new RegExp(`no answer within ${MOVER_AWS_STEP_MS} ms`)),
    });
    expect(Date.now() - started).toBeLessThan(config.mover.timeoutSeconds * 1000);
    Object.values(clients).forEach((c) => c.destroy());
  });
});

describe('vip-failover against an endpoint that accepts and never answers', () => {
  it('exits UNKNOWN in bounded time with one line naming the endpoint and the deadline', async () => {
    // Act
    const started = Date.now();
    const { code, stderr } = await runCli(['status', '--config', CONFIG], silentEnv());

    // Assess
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(code).toBe(3);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `vip-failover: ${endpoint} accepted the connection but did not answer within ${CLI_REQUEST_MS} ms; check AWS_ENDPOINT_URL, the network, or the region, and try again`,
    ]);
  });
});
