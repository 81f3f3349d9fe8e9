/**
 * Test helper: real tfjs models of the `tiny` size from the registry, freshly initialised (random weights are
 * enough for API behaviour). Served as `moat-lm-tiny`, `moat-classifier-tiny`, `moat-embedder-tiny`.
 */
import type { BuiltinModel } from '../../ml/contracts.ts';
import { initEngine } from '../../ml/engine/init.ts';
import { createModel, getFamily } from '../../ml/registry.ts';

export type TinyFamily = 'lm' | 'classifier' | 'embedder';

/** Creating the classifier and embedder reads their corpora (~2 s each); the LM takes ~0.2 s. */
export async function tinyModels(families: readonly TinyFamily[] = ['lm', 'classifier', 'embedder'], seed = 1): Promise<BuiltinModel[]> {
  await initEngine();
  const out: BuiltinModel[] = [];
  for (const family of families) {
    const model = await createModel(family, 'tiny', seed);
    out.push(getFamily(family).toBuiltin(model));
  }
  return out;
}

/** The language model among `models` (throws if absent), for tests that need its tokenizer. */
export function languageModelIn(models: readonly BuiltinModel[]) {
  const found = models.find((m) => m.family === 'lm');
  if (found?.family !== 'lm') throw new Error('no language model among the test models');
  return found.model;
}
