// The Lambda entry: the factory applied once per container to the function's environment.
import { createWitnessHandler } from './witness-handler';

export const handler = createWitnessHandler(process.env);
