// The Lambda entry: the factory applied once per container to the function's environment.
import { createMoverHandler } from './mover-handler';

export const handler = createMoverHandler(process.env);
