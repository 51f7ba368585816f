/**
 * Jest's way to start a LocalCluster: the handlers are loaded in an isolated module registry,
 * so each cluster's handlers read that cluster's environment, as a fresh Lambda container would.
 */
import {
  LocalCluster,
  type ClusterOptions,
  type Handlers,
  type LoadHandlers,
} from '../../tools/drill/cluster';

export const isolatedHandlers: LoadHandlers = () => {
  let handlers: Handlers | undefined;
  jest.isolateModules(() => {
    handlers = {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      checker: require('../../lambda/checker') as Handlers['checker'],
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mover: require('../../lambda/mover') as Handlers['mover'],
    };
  });
  return handlers as Handlers;
};

/** Starts a cluster whose handlers are isolated from every other cluster's. */
export function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  return LocalCluster.start({ ...options, loadHandlers: isolatedHandlers });
}
