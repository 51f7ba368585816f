/** Where the tools find the project's own files. */
import { resolve } from 'node:path';

/** The example failover group: the default config of the drill, the benchmarks and invoke. */
export const EXAMPLE_CONFIG = resolve(__dirname, '..', '..', 'config', 'example.json');

/** The project's root folder. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
