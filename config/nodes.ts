/** Finding a node of a validated config by its name or by a route target. */
import type { FailoverConfig, NodeConfig } from './schema';

/** The node a route target (ENI or instance id) belongs to, if any. */
export function nodeByTarget(
  config: FailoverConfig,
  target: string | undefined,
): NodeConfig | undefined {
  if (!target) return undefined;
  return config.nodes.find((n) => n.networkInterfaceId === target || n.instanceId === target);
}

/** The node with this name, if any. */
export function nodeByName(config: FailoverConfig, name: string): NodeConfig | undefined {
  return config.nodes.find((n) => n.name === name);
}
