/**
 * `npm run bench -- watermark-probe-length --runs=DIR[,DIR...] [--lengths=25,40,50,64,75,100,150,200] [--null-keys=30]`:
 * how long a text probe's answer should be. Each DIR is a `bench watermark --work=DIR` directory (the harvest's
 * DONE.json names the leaking account; verify-<model>/answers-suspect.jsonl hold the answers the suspects gave).
 * Every answer set is cut to each length (its first N characters) and scored again with the reference-weighted test
 * under the leaker's key and under `--null-keys` random keys — no model is asked anything new, so the comparison is
 * on the very same answers. Longer answers are not better: a student learns the mark where it learnt to imitate,
 * right after a natural prompt (docs/watermark.md). Writes bench/results/watermark-probe-length.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { loadModel } from '../src/ml/registry.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import type { Probe } from '../src/watermark/verify/method.ts';
import { completionText, createTextVerifyMethod, textProbePrompts } from '../src/watermark/verify/text-method.ts';
import { MASTER } from './watermark.ts';

const DEFAULT_LENGTHS = [25, 40, 50, 64, 75, 100, 150, 200];
const log = (m: string) => process.stderr.write(`[probe-length] ${m}\n`);

interface AnswerLine {
  probeId: string;
  status: string;
  response?: unknown;
}

export async function runWatermarkProbeLengthBench(): Promise<unknown> {
  const runs = listFlag('runs');
  if (runs.length === 0) {
    log('needs --runs=DIR[,DIR...] (directories of `bench watermark --work=DIR`): skipped');
    return null;
  }
  const lengths = listFlag('lengths').map(Number);
  const cuts = lengths.length ? lengths : DEFAULT_LENGTHS;
  if (cuts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--lengths must be positive integers: ${cuts.join(',')}`);
  const nullKeys = Number(listFlag('null-keys')[0] ?? 30);
  await initEngine();
  const ring = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 });
  const prompts = textProbePrompts(ring.probeSeed(), 1000);
  const reference = await loadModel('models/lm-teacher');
  if (reference.family !== 'lm') throw new Error('models/lm-teacher is not a language model');
  const config = parseConfig({ dataDir: '/nonexistent-moat-bench', watermark: { secret: MASTER, text: { gamma: 0.25, contextWidth: 1 } } });
  const method = createTextVerifyMethod(config, { name: 'models/lm-teacher', model: reference.model });
  const nulls = Array.from({ length: nullKeys }, (_, j) => ring.resolveKey(ring.keyIdFor(`probe-length-null-${j}`)));
  const results = [];
  for (const dir of runs) {
    const marker = JSON.parse(readFileSync(join(dir, 'harvest', 'DONE.json'), 'utf8')) as { leakerAccountId: string; delta?: number | null; seed?: number };
    const leakerKey = ring.resolveKey(ring.keyIdFor(marker.leakerAccountId));
    for (const entry of readdirSync(dir).filter((e) => e.startsWith('verify-')).sort()) {
      const file = join(dir, entry, 'answers-suspect.jsonl');
      if (!existsSync(file)) continue;
      const answers = readAnswers(file, prompts);
      const longest = Math.max(...answers.map((a) => a.text.length));
      const rows = [];
      for (const cut of cuts.filter((c) => c <= longest)) {
        const scored = answers.map((a) => ({ probe: a.probe, observation: a.text.slice(0, cut) }));
        const r = method.score(scored, leakerKey);
        const nullZ = nulls.map((k) => method.score(scored, k).statistic);
        const mean = nullZ.reduce((s, z) => s + z, 0) / nullZ.length;
        const sd = Math.sqrt(nullZ.reduce((s, z) => s + (z - mean) ** 2, 0) / Math.max(1, nullZ.length - 1));
        rows.push({ chars: cut, z: round(r.statistic), pValue: r.pValue, nullKeyZMean: round(mean), nullKeyZSd: round(sd) });
      }
      const best = rows.reduce((a, b) => (b.z > a.z ? b : a), rows[0] ?? { chars: 0, z: 0 });
      log(`${dir} ${entry} (${answers.length} answers of ≤ ${longest} chars): ${rows.map((r) => `${r.chars}: z ${r.z}`).join(', ')}`);
      results.push({ run: dir, suspect: entry.slice('verify-'.length), harvestDelta: marker.delta ?? 0.5, harvestSeed: marker.seed ?? 1, answers: answers.length, longestAnswer: longest, strongestAt: best.chars, byLength: rows });
    }
  }
  const result = {
    bench: 'watermark-probe-length',
    command: `npm run bench -- watermark-probe-length --runs=${runs.join(',')}${lengths.length ? ` --lengths=${cuts.join(',')}` : ''} --null-keys=${nullKeys}`,
    test: method.description,
    nullKeys,
    results,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/watermark-probe-length.json', `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function readAnswers(file: string, prompts: readonly string[]): { probe: Probe; text: string }[] {
  const out: { probe: Probe; text: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line) as AnswerLine;
    const index = Number(a.probeId.replace(/^text-/, ''));
    if (a.status !== 'ok' || !Number.isInteger(index) || prompts[index] === undefined) continue;
    out.push({ probe: { id: a.probeId, path: '/completions', body: {}, meta: { prompt: prompts[index] } }, text: completionText(a.response) });
  }
  return out;
}

function listFlag(name: string): string[] {
  const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value ? value.split(',').filter(Boolean) : [];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) await runWatermarkProbeLengthBench();
