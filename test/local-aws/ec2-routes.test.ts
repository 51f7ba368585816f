import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  type ReplaceRouteCommandInput,
} from '@aws-sdk/client-ec2';
import { routeNodes, routeTargets, type LocalAws } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { config, ENI_A, ENI_B, T1, T2, T3, useExampleWorld, VIP } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

/** ReplaceRoute of T1's VIP route to db-b's ENI, with `input` changing any member. */
const replaceT1 = (input: Partial<ReplaceRouteCommandInput> = {}) =>
  c.ec2.send(
    new ReplaceRouteCommand({
      RouteTableId: T1,
      DestinationCidrBlock: VIP,
      NetworkInterfaceId: ENI_B,
      ...input,
    }),
  );

describe('ec2 routes', () => {
  it('replaces the VIP route target', async () => {
    // Act
    const out = await replaceT1();

    // Assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(routeTargets(aws, config)).toEqual({ [T1]: ENI_B, [T2]: ENI_A, [T3]: ENI_A });
    expect(routeNodes(aws, config)).toEqual({ [T1]: 'db-b', [T2]: 'db-a', [T3]: 'db-a' });
  });

  it('answers ReplaceRoute on a missing route with InvalidParameterValue, as AWS does', async () => {
    // Prepare
    aws.deleteRoute(T1, VIP);

    // Act
    const err = await sdkError(replaceT1());

    // Assess
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe(
      `There is no route defined for '${VIP}' in the route table. Use CreateRoute instead.`,
    );
  });

  it('rejects an unknown ENI with InvalidNetworkInterfaceID.NotFound and changes nothing', async () => {
    const err = await sdkError(replaceT1({ NetworkInterfaceId: 'eni-00000000deadbeef0' }));

    expect(err.name).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(routeTargets(aws, config)[T1]).toBe(ENI_A);
  });

  it('rejects an unknown instance with InvalidInstanceID.NotFound', async () => {
    const err = await sdkError(
      replaceT1({ NetworkInterfaceId: undefined, InstanceId: 'i-00000000deadbeef0' }),
    );

    expect(err.name).toBe('InvalidInstanceID.NotFound');
  });

  it('rejects an unknown route table on a mutating call', async () => {
    const err = await sdkError(replaceT1({ RouteTableId: 'rtb-0000000000000dead' }));

    expect(err.name).toBe('InvalidRouteTableID.NotFound');
  });

  it('shows both the instance and its ENI for an instance route', async () => {
    // Prepare
    aws.ec2.registerInstance('i-0123456789abcdef0');

    // Act
    await replaceT1({ NetworkInterfaceId: undefined, InstanceId: 'i-0123456789abcdef0' });
    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    // Assess
    const route = out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP);
    expect(route).toMatchObject({
      InstanceId: 'i-0123456789abcdef0',
      InstanceOwnerId: '123456789012',
      State: 'active',
    });
    expect(route?.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
  });

  it('refuses an instance route when the instance has several ENIs', async () => {
    // Prepare
    aws.ec2.registerInstance('i-0123456789abcdef1', {
      networkInterfaceIds: ['eni-11111111', 'eni-22222222'],
    });

    // Act
    const err = await sdkError(
      replaceT1({ NetworkInterfaceId: undefined, InstanceId: 'i-0123456789abcdef1' }),
    );

    // Assess
    expect(err.name).toBe('InvalidInstanceID');
    expect(err.message).toMatch(/multiple interfaces/);
  });

  it('fails CreateRoute with RouteAlreadyExists when the route exists', async () => {
    const err = await sdkError(
      c.ec2.send(
        new CreateRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: VIP,
          NetworkInterfaceId: ENI_B,
        }),
      ),
    );

    expect(err.name).toBe('RouteAlreadyExists');
  });

  it('creates a route after DeleteRoute removed it', async () => {
    // Act
    await c.ec2.send(new DeleteRouteCommand({ RouteTableId: T2, DestinationCidrBlock: VIP }));
    const afterDelete = routeTargets(aws, config)[T2];
    await c.ec2.send(
      new CreateRouteCommand({
        RouteTableId: T2,
        DestinationCidrBlock: VIP,
        NetworkInterfaceId: ENI_B,
      }),
    );

    // Assess
    expect(afterDelete).toBeUndefined();
    expect(aws.ec2.route(T2, VIP)).toMatchObject({
      networkInterfaceId: ENI_B,
      origin: 'CreateRoute',
      state: 'active',
    });
  });

  it('answers DeleteRoute on a missing route with InvalidRoute.NotFound', async () => {
    aws.deleteRoute(T1, VIP);

    const err = await sdkError(
      c.ec2.send(new DeleteRouteCommand({ RouteTableId: T1, DestinationCidrBlock: VIP })),
    );

    expect(err.name).toBe('InvalidRoute.NotFound');
  });

  it('refuses to delete the local route', async () => {
    const err = await sdkError(
      c.ec2.send(
        new DeleteRouteCommand({ RouteTableId: T1, DestinationCidrBlock: config.vpc.cidr }),
      ),
    );

    expect(err.name).toBe('InvalidParameterValue');
  });

  it('requires exactly one target', async () => {
    const none = await sdkError(
      c.ec2.send(new CreateRouteCommand({ RouteTableId: T1, DestinationCidrBlock: '10.9.0.0/16' })),
    );
    const two = await sdkError(
      c.ec2.send(
        new CreateRouteCommand({
          RouteTableId: T1,
          DestinationCidrBlock: '10.9.0.0/16',
          NetworkInterfaceId: ENI_B,
          InstanceId: 'i-0123456789abcdef0',
        }),
      ),
    );

    expect(none.name).toBe('MissingParameter');
    expect(two.name).toBe('InvalidParameterCombination');
  });

  it('answers DryRun with DryRunOperation and applies nothing', async () => {
    const err = await sdkError(replaceT1({ DryRun: true }));

    expect(err.name).toBe('DryRunOperation');
    expect(routeTargets(aws, config)[T1]).toBe(ENI_A);
  });

  it('shows a route to a deleted ENI as blackhole', async () => {
    aws.ec2.deleteNetworkInterface(ENI_A);

    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    expect(out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP)?.State).toBe(
      'blackhole',
    );
  });

  it('points a route at a foreign target through the helper', async () => {
    aws.pointRoute(T2, 'eni-0fffffffffffffff0', VIP);

    expect(routeTargets(aws, config)[T2]).toBe('eni-0fffffffffffffff0');
    expect(routeNodes(aws, config)[T2]).toBeUndefined();
  });
});
