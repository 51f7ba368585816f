/**
 * The operators' CLI against the deployed stack: `--group NAME` must find the group from what
 * the stack deployed (the Checker's environment), with no config file, and `status` must read it.
 */
import { findGroup } from '../../cli/group';
import { listGroups } from '../../cli/list';
import { status } from '../../cli/status';
import type { AwsTarget } from './world';

/** Finds the group as `vip-failover status --group NAME` and `list` do; returns the problems. */
export async function findWithCli(
  aws: AwsTarget,
  name: string,
  log: (line: string) => void,
): Promise<string[]> {
  const reach = {
    env: {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    },
    region: aws.region,
  };
  const problems: string[] = [];
  const listed = await listGroups(reach);
  log(`vip-failover list: ${listed.map((g) => g.group).join(', ') || '(none)'}`);
  if (!listed.some((g) => g.group === name))
    problems.push(`vip-failover list does not show the deployed group ${name}`);
  const group = await findGroup(name, reach, undefined);
  const report = await status(group, Date.now());
  log(`vip-failover status --group ${name}: ${report.verdict.line}`);
  if (group.config.name !== name)
    problems.push(`vip-failover --group ${name} found the group ${group.config.name}`);
  return problems;
}
