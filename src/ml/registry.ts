/**
 * Every built-in model family, and the one way to create, save and load their models. A saved model is a directory
 * with `model.json` (`{family, size, name, spec}` + tensor table) and `weights.bin`; loading dispatches on `family`.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { BuiltinModel } from './contracts.ts';
import { loadTensors, ModelFileError, saveTensors } from './engine/io.ts';
import { MODEL_SIZES, type ModelFamilyName, type ModelSize, type TrainableModel } from './engine/module.ts';
import type { AnyModelFamily } from './family.ts';
import { classifierFamily } from './models/classifier/family.ts';
import { embedderFamily } from './models/embedder/family.ts';
import { lmFamily } from './models/lm/family.ts';

/**
 * The registered families. To add one, implement `ModelFamily` (src/ml/family.ts) beside the model and list it here;
 * `moat train <family>`, `loadModel` and `loadBuiltinModels` then handle it with no other change.
 */
const FAMILIES: Partial<Record<ModelFamilyName, AnyModelFamily>> = {
  lm: lmFamily as AnyModelFamily,
  classifier: classifierFamily as AnyModelFamily,
  embedder: embedderFamily as AnyModelFamily,
};

const SavedMetaSchema = z.object({
  family: z.enum(['lm', 'classifier', 'embedder']),
  size: z.enum(MODEL_SIZES),
  name: z.string().min(1).optional(),
  spec: z.unknown(),
});

/** Families that can be created, trained and loaded. */
export function familyNames(): ModelFamilyName[] {
  return Object.keys(FAMILIES) as ModelFamilyName[];
}

/** The family definition, or an error listing the registered ones. */
export function getFamily(family: string): AnyModelFamily {
  const found = FAMILIES[family as ModelFamilyName];
  if (found === undefined) throw new Error(`unknown model family '${family}' (registered: ${familyNames().join(', ')})`);
  return found;
}

/** Default served name for a model saved in `dir`: `moat-` + the directory name (`models/lm-teacher` → `moat-lm-teacher`). */
export function servedNameFor(dir: string): string {
  return `moat-${basename(dir)}`;
}

/**
 * A freshly initialised model of `family` and `size`, deterministic in `seed`.
 *
 * @example
 * const lm = await createModel('lm', 'teacher', 1);
 */
export async function createModel(family: string, size: ModelSize, seed: number, name?: string): Promise<TrainableModel> {
  return getFamily(family).create(size, seed, name ?? `moat-${family}-${size}`);
}

/** Writes `model` to `dir` (created if needed) under the served `name` (default: from the directory). */
export async function saveModel(model: TrainableModel, dir: string, name = servedNameFor(dir)): Promise<void> {
  await saveTensors(dir, { family: model.family, size: model.size, name, spec: model.spec() }, model.params.entries());
}

/** Reads a model directory back as its trainable model (for further training, distillation or benchmarks). */
export async function loadTrainableModel(dir: string): Promise<TrainableModel> {
  const source = join(dir, 'model.json');
  const { meta, tensors } = await loadTensors(dir);
  try {
    const parsed = SavedMetaSchema.safeParse(meta);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ModelFileError(source, `not a Moat model: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    const { family, size, name, spec } = parsed.data;
    const definition = FAMILIES[family];
    if (definition === undefined) throw new ModelFileError(source, `model family '${family}' is not registered in this build`);
    return definition.restore({ size, name: name ?? servedNameFor(dir), spec, tensors, source });
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/** Reads a model directory as the contract the model server and detectors use. */
export async function loadModel(dir: string): Promise<BuiltinModel> {
  const model = await loadTrainableModel(dir);
  return getFamily(model.family).toBuiltin(model);
}

/**
 * Loads every model directory under `modelsDir` (sub-directories holding a model.json), or only those in `names`
 * (directory names such as `lm-teacher`, or served names such as `moat-lm-teacher`). A requested name that is not
 * there, or any model that fails to load, throws: a server should not start half-equipped.
 */
export async function loadBuiltinModels(modelsDir: string, names?: readonly string[]): Promise<BuiltinModel[]> {
  const dirs: string[] = [];
  for (const entry of (await readdir(modelsDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const dir = join(modelsDir, entry.name);
    if (await isFile(join(dir, 'model.json'))) dirs.push(dir);
  }
  const wanted = names === undefined ? dirs : names.map((n) => findModelDir(dirs, n, modelsDir));
  const models: BuiltinModel[] = [];
  for (const dir of wanted) models.push(await loadModel(dir));
  return models;
}

function findModelDir(dirs: readonly string[], name: string, modelsDir: string): string {
  const dir = dirs.find((d) => basename(d) === name || servedNameFor(d) === name);
  if (dir === undefined) {
    const available = dirs.map((d) => basename(d)).join(', ') || 'none';
    throw new Error(`no model '${name}' in ${modelsDir} (available: ${available})`);
  }
  return dir;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
