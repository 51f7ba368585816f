/** The witness's handler, built from an environment: process.env in Lambda, any object elsewhere. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { ENV, loadRuntimeConfig } from '../config';
import { proberFor } from './domain/probe/probe';
import { zoneReader } from './domain/vantage';
import { parseWitnessRequest, witness, type WitnessAnswer } from './domain/witness';
import { awsClientSettings, invocationLoggers, sdkDeadlines } from './shared-handler';

/** The SDK clients the witness uses: only Secrets Manager, for the probe's password. */
export interface WitnessClients {
  readonly secrets: SecretsManagerClient;
}

export type WitnessHandler = (event: unknown, context?: Context) => Promise<WitnessAnswer>;

export function witnessClients(env: NodeJS.ProcessEnv): WitnessClients {
  const requestHandler = sdkDeadlines(2000, 5000);
  return { secrets: new SecretsManagerClient({ ...awsClientSettings(env), requestHandler }) };
}

/** Reads the config once (a broken deployment fails at start) and returns the handler. */
export function createWitnessHandler(
  env: NodeJS.ProcessEnv,
  clients: WitnessClients = witnessClients(env),
): WitnessHandler {
  const { config } = loadRuntimeConfig(env);
  const prober = proberFor(config.probe, clients.secrets, {
    sourceAddress: env[ENV.sourceAddress],
  });
  const loggerFor = invocationLoggers(env);
  const zoneNow = zoneReader(env);
  return async (event, context) => {
    const log = loggerFor(context);
    const request = parseWitnessRequest(event);
    const answer = await witness(config, prober, await zoneNow(), request);
    if (answer.zoneError) log.warn(`zone unknown: ${answer.zoneError}`, { event: 'witness-zone' });
    if (answer.probes) {
      const seen = Object.entries(answer.probes)
        .map(
          ([name, p]) => `${name} ${p.ok ? (p.eligible ? 'ok' : 'alive') : `dead (${p.failure})`}`,
        )
        .join(', ');
      log.info(`second opinion from ${answer.az ?? 'an unknown zone'}: ${seen}`, {
        event: 'witness-probe',
        answer,
      });
    }
    return answer;
  };
}
