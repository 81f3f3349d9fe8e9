/**
 * `npm run bench -- distill`: the distillation targets of issue 4, against the built-in teachers in models/ served by
 * the real model server on 127.0.0.1 (not the gateway):
 * - classifier: student-m (≤ 25% of the teacher) keeps ≥ 97% of the teacher's accuracy and agrees ≥ 95%;
 * - LM: student-m's perplexity on held-out teacher text within 10% of the teacher's, and better than the same
 *   student trained on raw corpus for the same budget;
 * - active selection reaches 90% agreement with ≤ 50% of the queries random selection needs.
 * Writes bench/results/distill.json and bench/results/distill-curve.svg.
 *
 * Flags: `--cls-queries=N` (classifier harvest, default 2000), `--cls-steps=N` (default 600), `--active-batch=N`
 * (default 25), `--active-max=N` (default 600), `--active-steps=N` (default 150), `--lm-prompts=N` (default 600),
 * `--lm-tokens=N` (default 64), `--lm-steps=N` (default 100), `--lm-lr=X` (default 3e-4), `--only=classifier,active,lm`
 * (the other sections of an existing results file are kept), `--work=DIR` (keep the harvests there, so a rerun
 * pays nothing twice; default a temp dir removed at the end).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { linePlotSvg } from '../src/distill/eval/svg-plot.ts';
import { readHarvestSplit } from '../src/distill/train/harvest-data.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { loadBuiltinModels } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { activeTarget } from './distill-bench/active.ts';
import { classifierTarget } from './distill-bench/classifier.ts';
import { flag, log, timed } from './distill-bench/common.ts';
import { lmTarget } from './distill-bench/lm.ts';

const here = dirname(fileURLToPath(import.meta.url));
const MODELS_DIR = join(here, '..', 'models');
const RESULTS = join(here, 'results', 'distill.json');
const CURVE = join(here, 'results', 'distill-curve.svg');

/** Runs the three targets and writes the results. */
export async function runDistillBench(): Promise<unknown> {
  await initEngine();
  const started = performance.now();
  const models = await loadBuiltinModels(MODELS_DIR, ['classifier-teacher', 'lm-teacher']);
  const classifier = models.find((m) => m.family === 'classifier');
  const lm = models.find((m) => m.family === 'lm');
  if (classifier === undefined || lm === undefined) throw new Error('models/classifier-teacher and models/lm-teacher are needed');
  const config = parseConfig({ serve: { host: '127.0.0.1', port: 0 } });
  const server = await startModelServer({ config, models, logger: pino({ level: 'silent' }) });
  const url = `${server.url}/v1`;
  const work = process.argv.find((a) => a.startsWith('--work='))?.slice('--work='.length);
  const dir = work ?? mkdtempSync(join(tmpdir(), 'moat-distill-bench-'));
  mkdirSync(dir, { recursive: true });
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? ['classifier', 'active', 'lm'];
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
  try {
    const section: Record<string, unknown> = {};
    // Each section records the command that produced it: with --only, sections of different runs share the file.
    const command = `npm run bench -- distill ${process.argv.slice(3).join(' ')}`.trim();
    if (only.includes('classifier') || only.includes('active')) {
      const cls = await timed(() => classifierTarget({ url, dir, teacherModel: classifier, queries: flag('cls-queries', 2000), size: 'student-m', steps: flag('cls-steps', 600) }));
      log(`classifier target: ${JSON.stringify(cls.value.met)} (${cls.seconds} s)`);
      if (only.includes('classifier')) section.classifier = { ...cls.value, wallSeconds: cls.seconds, command };
    }
    if (only.includes('active')) {
      const split = readHarvestSplit(join(dir, 'classifier-harvest'), 'classifier');
      rmSync(join(dir, 'classifier-active'), { recursive: true, force: true });
      const active = await timed(() =>
        activeTarget({ url, dir, split, size: 'student-m', batch: flag('active-batch', 25), maxQueries: flag('active-max', 600), steps: flag('active-steps', 150), explore: 0.2 }),
      );
      log(`active target: ratio ${active.value.ratio} (${active.seconds} s)`);
      section.active = { ...active.value, wallSeconds: active.seconds, command };
    }
    if (only.includes('lm')) {
      const lmResult = await timed(() =>
        lmTarget({ url, dir, modelsDir: MODELS_DIR, teacherParameters: lm.model.info.parameterCount, prompts: flag('lm-prompts', 600), maxTokens: flag('lm-tokens', 64), steps: flag('lm-steps', 100), lr: flag('lm-lr', 3e-4), size: 'student-m' }),
      );
      log(`lm target: ${JSON.stringify(lmResult.value.met)} (${lmResult.seconds} s)`);
      section.lm = { ...lmResult.value, wallSeconds: lmResult.seconds, command };
    }
    const results: Record<string, unknown> = {
      ...previous,
      bench: 'distill',
      command,
      machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] },
      ...section,
      embedder: 'not measured: the issue sets no embedder target',
      wallSeconds: Math.round((performance.now() - started) / 1000),
      finishedAt: new Date().toISOString(),
    };
    const active = results.active as { random: { queries: number; agreement: number }[]; active: { queries: number; agreement: number }[] } | undefined;
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    if (active !== undefined) writeFileSync(
      CURVE,
      linePlotSvg(
        [
          { name: 'random order', points: active.random.map((p) => ({ x: p.queries, y: p.agreement })) },
          { name: 'active (student margin, 20% explore)', points: active.active.map((p) => ({ x: p.queries, y: p.agreement })) },
        ],
        { title: 'Queries to fidelity: classifier-teacher → student-m', xLabel: 'teacher queries', yLabel: 'top-1 agreement (held-out)', yRange: [0.5, 1] },
      ),
    );
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return results;
  } finally {
    await server.close(1000);
    if (work === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
