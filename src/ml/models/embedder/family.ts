/**
 * The `embedder` family: sentence embedders trained contrastively on State of the Union passages (teacher and
 * students from scratch), as the registry and `moat train embedder` see them.
 */
import { z } from 'zod';
import { WordVocab } from '../../data/word-vocab.ts';
import { ModelFileError } from '../../engine/io.ts';
import { deriveSeed } from '../../engine/rng.ts';
import type { ModelFamily } from '../../family.ts';
import { EMBEDDER_SIZES, EmbedderConfigSchema } from './config.ts';
import { EmbedderNetwork, type PairBatch } from './network.ts';
import { type EmbedderData, sotuEmbedderData } from './sotu-corpus.ts';
import { asTextEmbedder } from './text-embedder.ts';
import { embedderTrainingPlan } from './training-plan.ts';

const EmbedderSpecSchema = z.object({
  config: EmbedderConfigSchema,
  vocabulary: z.object({ words: z.array(z.string()) }),
  infoNceTemperature: z.number().positive(),
});

let sotu: EmbedderData | undefined;

/** The SOTU passage corpus, cut once per process (~1 s). */
export function sotuData(): EmbedderData {
  sotu ??= sotuEmbedderData();
  return sotu;
}

/**
 * An embedder family reading its data from `loadData` (default: SOTU passages). Tests pass a tiny corpus.
 *
 * @example const family = createEmbedderFamily(() => toyData);
 */
export function createEmbedderFamily(loadData: () => EmbedderData = sotuData): ModelFamily<EmbedderNetwork, PairBatch> {
  return {
    family: 'embedder',

    async create(size, seed, name) {
      const config = EMBEDDER_SIZES[size];
      const vocab = WordVocab.build(
        loadData().train.flatMap((s) => s.passages),
        { size: config.vocabSize },
      );
      return new EmbedderNetwork(size, config, vocab, deriveSeed(seed, 'embedder-init'), name);
    },

    restore({ size, name, spec, tensors, source }) {
      const parsed = EmbedderSpecSchema.safeParse(spec);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ModelFileError(source, `bad embedder spec: ${issue?.path.join('.')}: ${issue?.message}`);
      }
      let network: EmbedderNetwork;
      try {
        const { config, vocabulary, infoNceTemperature } = parsed.data;
        network = new EmbedderNetwork(size, config, WordVocab.fromSpec(vocabulary), 0, name, infoNceTemperature);
      } catch (err) {
        throw new ModelFileError(source, `bad embedder spec: ${(err as Error).message}`, { cause: err });
      }
      try {
        network.params.assign(tensors, source);
      } catch (err) {
        network.dispose();
        throw err;
      }
      return network;
    },

    async prepareTraining(network, seed) {
      return embedderTrainingPlan(network, loadData(), seed);
    },

    toBuiltin: (network) => ({ family: 'embedder', model: asTextEmbedder(network) }),
  };
}

export const embedderFamily = createEmbedderFamily();
