/**
 * What the models bench reads from disk without running a model: the model directories and their sizes, each
 * model's train-log.json (written by `moat train`), and the ML engine bench's results.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EngineSummary, Training } from './results.ts';

/** The families and sizes the built-in model issue asks for; anything not found is reported as missing. */
export const EXPECTED_MODELS = ['lm', 'classifier', 'embedder'].flatMap((f) => ['teacher', 'student-m', 'student-s'].map((s) => `${f}-${s}`));

/** Sub-directories of `modelsDir` holding a model.json, sorted by name. */
export function modelDirs(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(modelsDir, e.name, 'model.json')))
    .map((e) => e.name)
    .sort();
}

/** Bytes of every file under `path` (recursively), leaving out top-level names in `except`. */
export function bytesUnder(path: string, except: readonly string[] = []): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (except.includes(entry.name)) continue;
    const child = join(path, entry.name);
    total += entry.isDirectory() ? bytesUnder(child) : statSync(child).size;
  }
  return total;
}

export function fileBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

const optionalNumber = z.number().nullish().transform((v) => v ?? null);

const TrainLogSchema = z.object({
  command: z.string(),
  wallSeconds: z.number(),
  previousWallSeconds: optionalNumber,
  trainSeconds: optionalNumber,
  cpuSeconds: optionalNumber,
  itemsPerSecond: optionalNumber,
  stepsCompleted: optionalNumber,
  stoppedEarly: z.boolean().nullish().transform((v) => v ?? null),
  bestStep: optionalNumber,
  finishedAt: z.string().nullish().transform((v) => v ?? null),
  data: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The training facts of `dir`/train-log.json, or null when there is none. A resumed run reports the wall time of
 * the earlier sessions separately (`previousWallSeconds`); the card shows the sum, the whole cost of the model.
 */
export function readTrainLog(dir: string): Training | null {
  const path = join(dir, 'train-log.json');
  if (!existsSync(path)) return null;
  const parsed = TrainLogSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: not a train log: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const { previousWallSeconds, ...log } = parsed.data;
  return { ...log, wallSeconds: log.wallSeconds + (previousWallSeconds ?? 0) };
}

const EngineResultsSchema = z.object({
  date: z.string().optional(),
  machine: z.object({ loadAverage1mBefore: z.number().optional() }).optional(),
  matMul512: z.object({ wasm: z.object({ gflops: z.number() }) }).optional(),
  lmTeacherTraining: z
    .object({
      matMulFast: z.object({ tokensPerSecond: z.number() }).optional(),
      builtinGradient: z.object({ tokensPerSecond: z.number() }).optional(),
      stockTfjsWasm: z.object({ tokensPerSecond: z.number() }).optional(),
    })
    .optional(),
});

/** The numbers the card quotes from bench/results/ml-engine.json, or null when the file is absent or unreadable. */
export function readEngineSummary(path: string, source: string): EngineSummary | null {
  if (!existsSync(path)) return null;
  const parsed = EngineResultsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) return null;
  const e = parsed.data;
  const training = e.lmTeacherTraining;
  return {
    source,
    date: e.date ?? null,
    matMulGflops: e.matMul512?.wasm.gflops ?? null,
    trainingTokensPerSecond: {
      withFixes: training?.matMulFast?.tokensPerSecond ?? null,
      builtinGradient: training?.builtinGradient?.tokensPerSecond ?? null,
      stockTfjsWasm: training?.stockTfjsWasm?.tokensPerSecond ?? null,
    },
    loadAverage1m: e.machine?.loadAverage1mBefore ?? null,
  };
}

/**
 * Whether the files of `path` are as committed (`committed`), changed since (`modified`), not in git at all
 * (`untracked`), or `unknown` (no git). Models are retrained while the card is being made; this says which numbers
 * describe committed weights.
 */
export function gitState(path: string): 'committed' | 'modified' | 'untracked' | 'unknown' {
  try {
    const tracked = execFileSync('git', ['ls-files', '--', '.'], { cwd: path, encoding: 'utf8' }).trim();
    if (tracked === '') return 'untracked';
    const changed = execFileSync('git', ['status', '--porcelain', '--', '.'], { cwd: path, encoding: 'utf8' }).trim();
    return changed === '' ? 'committed' : 'modified';
  } catch {
    return 'unknown';
  }
}

/** The checked-out commit, or null outside git. */
export function headCommit(root: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
