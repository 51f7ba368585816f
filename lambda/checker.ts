// The Lambda entry: the factory applied once per container to the function's environment.
import { createCheckerHandler } from './checker-handler';

export const handler = createCheckerHandler(process.env);
