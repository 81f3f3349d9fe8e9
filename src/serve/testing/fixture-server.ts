/** Test helper: a model server on 127.0.0.1:0 over the fixture models, with an OpenAI SDK client pointed at it. */
import OpenAI from 'openai';
import { pino } from 'pino';
import { parseConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import type { BuiltinModel } from '../../ml/contracts.ts';
import { type ModelServerOptions, type RunningModelServer, startModelServer } from '../server.ts';
import { createBigramLm } from './bigram-lm.ts';
import { createHashedEmbedder } from './hashed-embedder.ts';
import { createKeywordClassifier } from './keyword-classifier.ts';

export interface FixtureServer extends RunningModelServer {
  client: OpenAI;
  models: readonly BuiltinModel[];
}

/**
 * The three fixture families under the names `test-lm`, `test-spam`, `test-embed`, plus `test-lm-slow`, the same
 * bigram with 2 ms of blocking work per context (stands in for real inference in timing tests).
 */
export function fixtureModels(): BuiltinModel[] {
  return [
    { family: 'lm', model: createBigramLm({ name: 'test-lm' }) },
    { family: 'lm', model: createBigramLm({ name: 'test-lm-slow', spinMicrosPerContext: 2000 }) },
    { family: 'classifier', model: createKeywordClassifier('test-spam') },
    { family: 'embedder', model: createHashedEmbedder('test-embed', 32) },
  ];
}

/** Starts a server (fixture models unless `options.models` is given) with small limits that tests can hit. */
export async function startFixtureServer(
  serve: NonNullable<ConfigInput['serve']> = {},
  options: Partial<Omit<ModelServerOptions, 'config'>> = {},
): Promise<FixtureServer> {
  const config = parseConfig({ serve: { host: '127.0.0.1', port: 0, maxTokens: 300, maxN: 4, maxInputChars: 2000, ...serve } });
  const models = options.models ?? fixtureModels();
  const running = await startModelServer({ config, logger: pino({ level: 'silent' }), ...options, models });
  const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
  return { ...running, client, models };
}
