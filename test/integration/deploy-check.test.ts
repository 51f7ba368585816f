/**
 * The deploy check's own parts that stand between moto and the deployed code: the shim that
 * serves Lambda Invoke by running a function's code (and passes everything else on unchanged),
 * the runtime stand-in that runs it, and what the check hands moto's CloudFormation in its place.
 * moto itself is exercised by `npm run deploy-check`, not here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { createRequest } from '../../tools/deploy-check/custom-resources';
import { FunctionContainer } from '../../tools/deploy-check/function-container';
import type { ResolveContext } from '../../tools/deploy-check/intrinsics';
import { Shim } from '../../tools/deploy-check/shim';
import { templateForMoto } from '../../tools/deploy-check/stand-ins';
import type { Template } from '../../tools/deploy-check/synth';

const HANDLER = `
const https = require('node:https');
exports.handler = async (event, context) => {
  if (event.fail) throw new TypeError('asked to fail');
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.respondTo) {
    await new Promise((resolve, reject) => {
      const req = https.request({ hostname: '127.0.0.1', path: event.respondTo, method: 'PUT' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"Status":"SUCCESS"}');
    });
  }
  return { echo: event, variable: process.env.DEPLOYED_VARIABLE, remainingMs: context.getRemainingTimeInMillis() };
};
`;

interface Seen {
  readonly method?: string;
  readonly url?: string;
  readonly body: string;
}

/** A stand-in for moto: records what reaches it and answers 200. */
async function startUpstream(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('from upstream');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe('the shim in front of moto', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let container: FunctionContainer;
  let shim: Shim;
  let lambda: LambdaClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-check-test-'));
    await writeFile(join(dir, 'index.js'), HANDLER);
    upstream = await startUpstream();
    shim = await Shim.start(`http://127.0.0.1:${upstream.port}`, {
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    container = await FunctionContainer.start({
      name: 'mover',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mover',
      codeDir: dir,
      env: { _HANDLER: 'index.handler', DEPLOYED_VARIABLE: 'as deployed', PATH: process.env.PATH },
      timeoutSeconds: 10,
      onLog: () => undefined,
      loopbackHttpsPort: upstream.port,
    });
    shim.serve({
      name: 'mover',
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:mover',
      container,
      reservedConcurrency: 1,
    });
    lambda = new LambdaClient({
      endpoint: shim.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    lambda.destroy();
    container.stop();
    await shim.close();
    await new Promise((resolve) => upstream.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const invoke = async (event: unknown, functionName = 'mover') => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    return {
      ...out,
      result: JSON.parse(new TextDecoder().decode(out.Payload)) as Record<string, unknown>,
    };
  };

  it("answers Invoke with the handler's result, run with the function's environment", async () => {
    const out = await invoke({ target: 'db-b' });

    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.result).toMatchObject({ echo: { target: 'db-b' }, variable: 'as deployed' });
    expect(out.result.remainingMs).toBeGreaterThan(0);
  });

  it('accepts the function ARN as Invoke does', async () => {
    const out = await invoke({ n: 1 }, 'arn:aws:lambda:eu-west-1:123456789012:function:mover');

    expect(out.result).toMatchObject({ echo: { n: 1 } });
  });

  it('reports a thrown error as an Unhandled function error with its type and message', async () => {
    const out = await invoke({ fail: true });

    expect(out.FunctionError).toBe('Unhandled');
    expect(out.result).toMatchObject({ errorType: 'TypeError', errorMessage: 'asked to fail' });
  });

  it('throttles beyond the reserved concurrency as Lambda does', async () => {
    const slow = invoke({ sleepMs: 2000 });
    while (container.busy === 0) await new Promise((r) => setImmediate(r));

    await expect(invoke({})).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(slow).resolves.toMatchObject({ StatusCode: 200 });
  });

  it('passes every other request on to moto unchanged', async () => {
    const res = await fetch(`${shim.endpoint}/some/path?x=1`, { method: 'POST', body: 'payload' });

    expect(await res.text()).toBe('from upstream');
    expect(upstream.seen).toContainEqual({
      method: 'POST',
      url: '/some/path?x=1',
      body: 'payload',
    });
  });

  it("sends the handler's https requests to 127.0.0.1 as http to the named port", async () => {
    await invoke({ respondTo: '/cloudformation_eu-west-1/elsewhere' });

    expect(upstream.seen).toContainEqual({
      method: 'PUT',
      url: '/cloudformation_eu-west-1/elsewhere',
      body: '{"Status":"SUCCESS"}',
    });
  });
});

describe('FunctionContainer', () => {
  it('fails its init phase with the error the handler module throws at load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-check-test-'));
    try {
      await writeFile(join(dir, 'index.js'), "throw new Error('VIP_FAILOVER_CONFIG is missing');");

      await expect(
        FunctionContainer.start({
          name: 'checker',
          functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checker',
          codeDir: dir,
          env: { _HANDLER: 'index.handler' },
          timeoutSeconds: 5,
          onLog: () => undefined,
        }),
      ).rejects.toThrow(/checker failed its init phase: Error: VIP_FAILOVER_CONFIG is missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const ctx = (template: Template): ResolveContext => ({
  region: 'eu-west-1',
  account: '123456789012',
  stackName: 'VipFailover-orders-db',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/VipFailover-orders-db/1',
  physical: { Provider: 'provider-fn' },
  template,
});

describe('createRequest', () => {
  it('resolves the ServiceToken to the function ARN and passes scalars as strings, as CloudFormation does', () => {
    const template: Template = {
      Resources: {
        Provider: { Type: 'AWS::Lambda::Function' },
        Record: {
          Type: 'Custom::VipFailoverParameter',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] },
            InstallLatestAwsSdk: false,
            ServiceTimeout: 300,
            Create: { 'Fn::Join': ['', ['{"region":"', { Ref: 'AWS::Region' }, '"}']] },
          },
        },
      },
    };

    const { event, serviceToken } = createRequest('Record', ctx(template), 'http://127.0.0.1:1/r');

    expect(serviceToken).toBe('arn:aws:lambda:eu-west-1:123456789012:function:provider-fn');
    expect(event).toMatchObject({
      RequestType: 'Create',
      LogicalResourceId: 'Record',
      ResourceType: 'Custom::VipFailoverParameter',
      ResponseURL: 'http://127.0.0.1:1/r',
      ResourceProperties: {
        InstallLatestAwsSdk: 'false',
        ServiceTimeout: '300',
        Create: '{"region":"eu-west-1"}',
      },
    });
  });
});

describe('templateForMoto', () => {
  const alarm = (name?: string) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: name ? { AlarmName: name } : {},
  });

  it("replaces an alarm's Fn::GetAtt Arn by the ARN CloudFormation would return and leaves the rest", () => {
    const template: Template = {
      Resources: {
        Alarm: alarm('vip-failover-orders-db-checker-errors'),
        Dashboard: {
          Type: 'AWS::CloudWatch::Dashboard',
          Properties: {
            DashboardBody: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': ['Alarm', 'Arn'] }, { Ref: 'Topic' }]],
            },
          },
        },
        Topic: { Type: 'AWS::SNS::Topic' },
      },
    };

    const out = templateForMoto(template, { region: 'eu-west-1', account: '123456789012' });

    expect(out.template.Resources.Dashboard?.Properties?.DashboardBody).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vip-failover-orders-db-checker-errors',
          { Ref: 'Topic' },
        ],
      ],
    });
    expect(out.substitutions).toHaveLength(1);
    expect(template.Resources.Dashboard?.Properties?.DashboardBody).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['Alarm', 'Arn'] }, { Ref: 'Topic' }]],
    });
  });

  it('refuses an alarm whose ARN cannot be known before it exists', () => {
    const template: Template = {
      Resources: {
        Alarm: alarm(),
        Output: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Value: { 'Fn::GetAtt': ['Alarm', 'Arn'] } },
        },
      },
    };

    expect(() =>
      templateForMoto(template, { region: 'eu-west-1', account: '123456789012' }),
    ).toThrow(/Fn::GetAtt Arn of Alarm \(AWS::CloudWatch::Alarm\).*give it a fixed name/);
  });
});
