/**
 * `npm run bench -- watermark-text`: what the KGW text mark costs honest users of the built-in LM (models/lm-teacher),
 * and how strong it is on the teacher's own output, for several δ in one run (δ = 0 is the unmarked baseline).
 *   - held-out quality: bits per character (and perplexity) on held-out Moby-Dick prose of the teacher's distribution
 *     with the green bias applied (the model a marked user gets), averaged over 4 account keys; relative cost vs δ = 0;
 *   - generation: 50 completions of 80 characters at T = 1 for δ ∈ {0, 0.5, 1, 2}, their mean log-likelihood under the *unmarked*
 *     teacher (oracle perplexity of what users receive) and the deduplicated detection z / p on those texts.
 * Target (issue 6): ≤ 1% relative cost. Writes bench/results/watermark-text.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadMobyDick } from '../src/ml/data/moby-dick.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import type { CharLm } from '../src/ml/models/lm/model.ts';
import { loadTrainableModel } from '../src/ml/registry.ts';
import { createRng } from '../src/serve/rng.ts';
import { logSoftmax, sampleNext } from '../src/serve/sampler.ts';
import { detectText } from '../src/watermark/text/detect.ts';
import { greenMask, kgwProcessor } from '../src/watermark/text/kgw.ts';

const DELTAS = [0, 0.25, 0.35, 0.5, 1, 1.5, 2];
const GAMMA = 0.25;
const KEYS = [0, 1, 2, 3].map((i) => createHash('sha256').update(`bench-text-account-${i}`).digest());
const WINDOWS = 120;
const GENERATION_DELTAS = [0, 0.35, 0.5, 1, 2];
const COMPLETIONS = 50;
const LENGTH = 80;
const round = (x: number, digits = 5) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Held-out bits/char of the marked distribution for every δ (one forward pass; the bias is added per key). */
function heldOutCost(model: CharLm, text: string) {
  const tokens = model.tokenizer.encode(text);
  const t = model.contextLength;
  const v = model.tokenizer.vocabSize;
  const texts = Array.from({ length: v }, (_, id) => model.tokenizer.tokenText(id));
  const total = Math.floor((tokens.length - 1) / t);
  const starts = Array.from({ length: WINDOWS }, (_, i) => Math.floor((i * total) / WINDOWS) * t);
  const nats = new Map<number, number>(DELTAS.map((d) => [d, 0]));
  let count = 0;
  for (let from = 0; from < starts.length; from += 24) {
    const chunk = starts.slice(from, from + 24);
    const ids = new Int32Array(chunk.length * t);
    chunk.forEach((s, b) => {
      for (let i = 0; i < t; i++) ids[b * t + i] = tokens[s + i];
    });
    const logits = tf.tidy(() => model.forward(tf.tensor2d(ids, [chunk.length, t], 'int32')).dataSync() as Float32Array);
    for (let row = 0; row < chunk.length * t; row++) {
      const b = Math.floor(row / t);
      const i = row % t;
      const target = tokens[chunk[b] + i + 1];
      const raw = logits.subarray(row * v, (row + 1) * v);
      for (const delta of DELTAS) {
        let sum = 0;
        for (const key of KEYS) {
          const biased = Float32Array.from(raw);
          if (delta > 0) {
            const mask = greenMask(key, [texts[ids[row]]], texts, GAMMA);
            for (let id = 0; id < v; id++) if (mask[id]) biased[id] += delta;
          }
          sum -= logSoftmax(biased)[target];
        }
        nats.set(delta, (nats.get(delta) ?? 0) + sum / KEYS.length);
      }
      count++;
    }
  }
  const base = (nats.get(0) ?? 0) / count / Math.LN2;
  return DELTAS.map((delta) => {
    const bpc = (nats.get(delta) ?? 0) / count / Math.LN2;
    return { delta, bitsPerChar: round(bpc), relativeCost: round((bpc - base) / base), perplexity: round(2 ** bpc, 4), perplexityRelativeCost: round(2 ** (bpc - base) - 1) };
  });
}

/** Completions at T = 1 with the mark of KEYS[0], their log-likelihood under the unmarked teacher, and detection. */
function generation(model: CharLm, prompts: string[], delta: number) {
  const processors = delta > 0 ? [kgwProcessor(KEYS[0], model.tokenizer, { gamma: GAMMA, delta, contextWidth: 1 })] : [];
  const rows = prompts.map((p) => model.tokenizer.encode(p));
  const starts = rows.map((r) => r.length);
  const rngs = prompts.map((_, i) => createRng(7, i));
  let plainNats = 0;
  for (let step = 0; step < LENGTH; step++) {
    const logits = model.nextLogits(rows);
    rows.forEach((tokens, i) => {
      const next = sampleNext(logits[i], { temperature: 1, topP: 1, logitBias: new Map(), processors, topLogprobs: 0 }, { tokens, step }, rngs[i]);
      plainNats -= logSoftmax(logits[i])[next.token];
      tokens.push(next.token);
    });
  }
  const texts = rows.map((r, i) => model.tokenizer.decode(r.slice(starts[i])));
  const score = detectText(texts, KEYS[0], { gamma: GAMMA, contextWidth: 1 });
  const bpc = plainNats / (rows.length * LENGTH) / Math.LN2;
  return { delta, oracleBitsPerChar: round(bpc), greenFraction: round(score.greenFraction), distinctPairs: score.scored, z: round(score.z, 2), log10P: round(score.log10PValue, 2), sample: texts[0].slice(0, 80) };
}

export async function runWatermarkTextBench(): Promise<unknown> {
  await initEngine();
  const model = (await loadTrainableModel('models/lm-teacher')) as unknown as CharLm;
  const { heldOut } = loadMobyDick();
  const started = performance.now();
  const quality = heldOutCost(model, heldOut);
  process.stderr.write(`held-out cost: ${JSON.stringify(quality)}\n`);
  const flat = heldOut.replace(/\s+/g, ' ');
  const prompts = Array.from({ length: COMPLETIONS }, (_, i) => flat.slice(i * 997, i * 997 + 40));
  const generations = [];
  for (const delta of GENERATION_DELTAS) {
    generations.push(generation(model, prompts, delta));
    process.stderr.write(`generation δ=${delta}: ${JSON.stringify(generations.at(-1))}\n`);
  }
  const base = generations[0].oracleBitsPerChar;
  for (const g of generations) Object.assign(g, { oracleRelativeCost: round((g.oracleBitsPerChar - base) / base), oraclePerplexityRelativeCost: round(2 ** (g.oracleBitsPerChar - base) - 1) });
  const withinTarget = quality.filter((q) => q.relativeCost <= 0.01).map((q) => q.delta);
  const withinTargetPerplexity = quality.filter((q) => q.perplexityRelativeCost <= 0.01).map((q) => q.delta);
  const result = {
    bench: 'watermark-text',
    command: 'npm run bench -- watermark-text',
    model: 'models/lm-teacher',
    gamma: GAMMA,
    contextWidth: 1,
    keys: KEYS.length,
    heldOutWindows: WINDOWS,
    heldOut: quality,
    generation: generations,
    /** Largest δ whose held-out cost is ≤ 1%, in bits per character and in perplexity. */
    largestDeltaWithin1PercentBpc: withinTarget.length ? Math.max(...withinTarget) : null,
    largestDeltaWithin1PercentPerplexity: withinTargetPerplexity.length ? Math.max(...withinTargetPerplexity) : null,
    seconds: round((performance.now() - started) / 1000, 1),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/watermark-text.json', `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runWatermarkTextBench();
