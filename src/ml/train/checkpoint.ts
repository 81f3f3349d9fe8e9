/**
 * Training checkpoints: everything needed to continue as if never stopped — parameters, optimiser moments and step,
 * RNG state, data cursor, early-stopping bookkeeping and the best weights so far. Stored with the engine's tensor
 * format as `checkpoint.json` + `checkpoint-<step>.bin`; the JSON is renamed into place last, so the newest complete
 * checkpoint always wins.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { loadTensors, ModelFileError, saveTensors } from '../engine/io.ts';

const EvalPointSchema = z.object({ step: z.number().int(), loss: z.number() });

export const CheckpointStateSchema = z.object({
  step: z.number().int().nonnegative(),
  optimizerStep: z.number().int().nonnegative(),
  rngState: z.number().int().nonnegative(),
  cursor: z.number().int().nonnegative(),
  bestEval: z.number().nullable(),
  bestStep: z.number().int().nullable(),
  evalsWithoutImprovement: z.number().int().nonnegative(),
  evals: z.array(EvalPointSchema),
});

export type CheckpointState = z.infer<typeof CheckpointStateSchema>;
export type EvalPoint = z.infer<typeof EvalPointSchema>;

const JSON_NAME = 'checkpoint.json';

/** Writes a checkpoint; tensors are named `param/…`, `m/…`, `v/…` (optimiser) and `best/…` by the caller. */
export async function saveCheckpoint(dir: string, state: CheckpointState, tensors: [string, tf.Tensor][]): Promise<void> {
  const bin = `checkpoint-${state.step}.bin`;
  await saveTensors(dir, { checkpoint: state }, tensors, { json: JSON_NAME, bin });
  for (const name of await readdir(dir)) {
    if (/^checkpoint-\d+\.bin$/.test(name) && name !== bin) await rm(join(dir, name), { force: true });
  }
}

/** The latest checkpoint in `dir`, or null if there is none. A damaged one throws `ModelFileError`. */
export async function loadCheckpoint(dir: string): Promise<{ state: CheckpointState; tensors: Map<string, tf.Tensor> } | null> {
  let loaded: Awaited<ReturnType<typeof loadTensors>>;
  try {
    loaded = await loadTensors(dir, { json: JSON_NAME });
  } catch (err) {
    if (err instanceof ModelFileError && err.file.endsWith(JSON_NAME) && /file not found/.test(err.message)) return null;
    throw err;
  }
  const parsed = CheckpointStateSchema.safeParse(loaded.meta.checkpoint);
  if (!parsed.success) throw new ModelFileError(join(dir, JSON_NAME), `bad checkpoint state: ${parsed.error.issues[0]?.message}`);
  return { state: parsed.data, tensors: loaded.tensors };
}

/** Sub-map of tensors under `prefix/`, with the prefix removed. */
export function withPrefix(tensors: ReadonlyMap<string, tf.Tensor>, prefix: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) if (name.startsWith(`${prefix}/`)) out.set(name.slice(prefix.length + 1), t);
  return out;
}
