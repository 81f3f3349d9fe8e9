/**
 * The built-in teachers as gateway routes: what `moat up` puts behind the gateway when the configuration names no
 * models of its own. Names match the model server's (`moat serve`), which loads them from `serve.modelsDir`.
 */
import type { Config, ConfigInput } from '../config/schema.ts';

export const BUILTIN_MODEL_ROUTES = [
  { name: 'moat-lm', kinds: ['chat', 'completion'], tokenizer: 'chars', defaultMaxTokens: 256 },
  { name: 'moat-classifier', kinds: ['classification'], tokenizer: 'chars' },
  { name: 'moat-embedder', kinds: ['embedding'], tokenizer: 'chars' },
] as const;

/** Routes for the built-in model server listening at `serveUrl` (e.g. `http://127.0.0.1:8090`). */
export function builtinRoutes(serveUrl: string): NonNullable<ConfigInput['models']> {
  return BUILTIN_MODEL_ROUTES.map((r) => ({ ...r, kinds: [...r.kinds], baseUrl: `${serveUrl}/v1` }));
}

export function serveUrlOf(config: Config): string {
  const host = config.serve.host.includes(':') ? `[${config.serve.host}]` : config.serve.host;
  return `http://${host}:${config.serve.port}`;
}
