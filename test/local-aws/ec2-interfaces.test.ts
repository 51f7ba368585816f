import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { LocalAws } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { config, ENI_A, ENI_B, T1, useExampleWorld, VIP } from './fixture';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started));

const INSTANCE = 'i-0123456789abcdef0';
const OTHER_ENI = 'eni-0123456789abcdef1';

describe('ec2 network interfaces', () => {
  it("seeds each node's ENI attached to an instance in the group's VPC, its check off", async () => {
    // Act
    const out = await c.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'network-interface-id', Values: [ENI_A, ENI_B] }],
      }),
    );

    // Assess
    expect(out.NetworkInterfaces).toEqual(
      [ENI_A, ENI_B].map((id) =>
        expect.objectContaining({
          NetworkInterfaceId: id,
          VpcId: config.vpc.vpcId,
          Status: 'in-use',
          SourceDestCheck: false,
          Attachment: expect.objectContaining({
            InstanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
            DeviceIndex: 0,
            Status: 'attached',
          }),
        }),
      ),
    );
  });

  it('leaves a deleted ENI out of a filtered answer, and fails a call naming it by id', async () => {
    // Prepare
    aws.ec2.deleteNetworkInterface(ENI_B);

    // Act
    const out = await c.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'network-interface-id', Values: [ENI_A, ENI_B] }],
      }),
    );
    const err = await sdkError(
      c.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI_B] })),
    );

    // Assess
    expect(out.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual([ENI_A]);
    expect(err.name).toBe('InvalidNetworkInterfaceID.NotFound');
  });

  it('shows a detached ENI without attachment, and its routes blackhole', async () => {
    // Act
    aws.ec2.detachNetworkInterface(ENI_A);
    const [eni] =
      (await c.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI_A] })))
        .NetworkInterfaces ?? [];
    const tables = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    // Assess
    expect(eni).toMatchObject({ Status: 'available' });
    expect(eni?.Attachment).toBeUndefined();
    const route = tables.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP);
    expect(route?.State).toBe('blackhole');
  });

  it('turns the source/destination check on and off with ModifyNetworkInterfaceAttribute', async () => {
    // Act
    await c.ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: ENI_B,
        SourceDestCheck: { Value: true },
      }),
    );
    const out = await c.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'source-dest-check', Values: ['true'] }],
      }),
    );
    const err = await sdkError(
      c.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: 'eni-0000000000000dead',
          SourceDestCheck: { Value: false },
        }),
      ),
    );

    // Assess
    expect(out.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual([ENI_B]);
    expect(err.name).toBe('InvalidNetworkInterfaceID.NotFound');
  });

  it("describes an instance with its ENIs in device order, the primary's check as the instance's", async () => {
    // Prepare
    aws.ec2.registerInstance(INSTANCE, { vpcId: config.vpc.vpcId, sourceDestCheck: false });
    aws.ec2.registerNetworkInterface(OTHER_ENI, { vpcId: config.vpc.vpcId });
    aws.ec2.attachNetworkInterface(OTHER_ENI, INSTANCE);

    // Act
    const out = await c.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [INSTANCE] }] }),
    );

    // Assess
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      InstanceId: INSTANCE,
      VpcId: config.vpc.vpcId,
      SourceDestCheck: false,
      State: { Name: 'running' },
    });
    expect(
      instance?.NetworkInterfaces?.map((e) => [e.Attachment?.DeviceIndex, e.SourceDestCheck]),
    ).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(instance?.NetworkInterfaces?.[1]?.NetworkInterfaceId).toBe(OTHER_ENI);
  });

  it('shows a route to an instance with that instance and its primary ENI', async () => {
    // Prepare
    aws.ec2.registerInstance(INSTANCE, { vpcId: config.vpc.vpcId });
    aws.ec2.registerNetworkInterface(OTHER_ENI, { vpcId: config.vpc.vpcId });
    aws.ec2.attachNetworkInterface(OTHER_ENI, INSTANCE);
    aws.ec2.setRoute(T1, VIP, { instanceId: INSTANCE });

    // Act
    const out = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [T1] }));

    // Assess
    const route = out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === VIP);
    expect(route).toMatchObject({ InstanceId: INSTANCE, State: 'active' });
    expect(route?.NetworkInterfaceId).toBe(aws.ec2.instanceInterfaces(INSTANCE)?.[0]);
    expect(route?.NetworkInterfaceId).not.toBe(OTHER_ENI);
  });
});
