/**
 * The built-in teachers as gateway routes: what `moat up` puts behind the gateway when the configuration names no
 * models of its own. The model server reports each model's family on `GET /v1/models`; the family decides which
 * routes the gateway opens for it.
 */
import { request } from 'undici';
import { z } from 'zod';
import type { Config, ConfigInput, ModelKind } from '../config/schema.ts';

const KINDS_BY_FAMILY: Record<'lm' | 'classifier' | 'embedder', ModelKind[]> = {
  lm: ['chat', 'completion'],
  classifier: ['classification'],
  embedder: ['embedding'],
};

const ServedModelsSchema = z.object({
  data: z.array(z.object({ id: z.string(), family: z.enum(['lm', 'classifier', 'embedder']) })),
});

/**
 * Gateway routes for every model the server at `serveUrl` serves. Prompt tokens are reserved in characters: the
 * built-in models count characters (LM) or words (classifier, embedder), so characters never undercount.
 */
export async function discoverBuiltinRoutes(serveUrl: string): Promise<NonNullable<ConfigInput['models']>> {
  const response = await request(`${serveUrl}/v1/models`);
  const served = ServedModelsSchema.parse(await response.body.json());
  return served.data.map((m) => ({
    name: m.id,
    kinds: KINDS_BY_FAMILY[m.family],
    baseUrl: `${serveUrl}/v1`,
    tokenizer: 'chars' as const,
    defaultMaxTokens: 256,
    internal: true,
  }));
}

export function serveUrlOf(config: Config): string {
  const host = config.serve.host.includes(':') ? `[${config.serve.host}]` : config.serve.host;
  return `http://${host}:${config.serve.port}`;
}
