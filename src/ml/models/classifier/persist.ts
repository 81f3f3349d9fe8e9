/**
 * Saving and restoring classifiers in the engine's tensor format: `model.json` holds `{family, size, spec}` (config,
 * vocabulary, temperature) and `weights.bin` the parameters by name.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { WordVocab } from '../../data/word-vocab.ts';
import { loadTensors, ModelFileError, saveTensors } from '../../engine/io.ts';
import { MODEL_SIZES, type ModelSize } from '../../engine/module.ts';
import { ClassifierConfigSchema } from './config.ts';
import { ClassifierNetwork } from './network.ts';

const ClassifierSpecSchema = z.object({
  config: ClassifierConfigSchema,
  vocabulary: z.object({ words: z.array(z.string()) }),
  temperature: z.number().positive(),
});

const ClassifierMetaSchema = z.object({
  family: z.literal('classifier'),
  size: z.enum(MODEL_SIZES),
  spec: z.unknown(),
});

/**
 * Rebuilds a classifier (with untrained weights) from what `network.spec()` returned; throws a ZodError naming the
 * bad field otherwise. The caller assigns the saved parameters.
 */
export function restoreClassifier(size: ModelSize, spec: unknown): ClassifierNetwork {
  const parsed = ClassifierSpecSchema.parse(spec);
  const network = new ClassifierNetwork(size, parsed.config, WordVocab.fromSpec(parsed.vocabulary), 0);
  network.temperature = parsed.temperature;
  return network;
}

/** Writes `network` to `dir` (created if needed). */
export async function saveClassifier(dir: string, network: ClassifierNetwork): Promise<void> {
  await saveTensors(dir, { family: 'classifier', size: network.size, spec: network.spec() }, network.params.entries());
}

/** Reads a classifier saved by `saveClassifier`; a malformed directory throws `ModelFileError` naming the file. */
export async function loadClassifier(dir: string): Promise<ClassifierNetwork> {
  const source = join(dir, 'model.json');
  const { meta, tensors } = await loadTensors(dir);
  try {
    const parsedMeta = ClassifierMetaSchema.safeParse(meta);
    if (!parsedMeta.success) throw new ModelFileError(source, 'not a classifier model (family/size missing or wrong)');
    let network: ClassifierNetwork;
    try {
      network = restoreClassifier(parsedMeta.data.size, parsedMeta.data.spec);
    } catch (err) {
      throw new ModelFileError(source, `bad classifier spec: ${(err as Error).message}`, { cause: err });
    }
    network.params.assign(tensors, source);
    return network;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
