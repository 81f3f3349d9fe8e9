/**
 * The one sampling module. For each next token:
 *
 *   raw logits → + logit_bias → logits processors (in order) → [report logprobs] → ÷ temperature → top_p → draw
 *
 * Reported logprobs (the sampled token's and the top alternatives') are the log-softmax of the logits *after*
 * logit_bias and the processors and *before* temperature and top_p: the model's distribution as the API shapes it,
 * independent of how it was then sampled (the same choice vLLM makes for "processed logprobs"). So a +100 bias
 * shows up as a logprob near 0, and a watermark's green-list shift is visible to a careful client.
 */
import type { LogitsProcessor, LogitsProcessorContext } from './logits-processors.ts';
import type { Rng } from './rng.ts';

/** OpenAI caps `top_logprobs` at 20. */
export const MAX_TOP_LOGPROBS = 20;
/** A token with probability exactly 0 (a -Infinity logit) is reported with this logprob, since JSON has no -Infinity. */
export const LOGPROB_FLOOR = -9999;

export interface SamplingParams {
  /** 0 means greedy (argmax, lowest id on ties). */
  temperature: number;
  /** Nucleus mass in (0, 1]; the most likely token is always kept. */
  topP: number;
  /** Token id → bias added to its logit, in [-100, 100]. */
  logitBias: ReadonlyMap<number, number>;
  processors: readonly LogitsProcessor[];
  /** How many alternatives to report per token, 0–20. */
  topLogprobs: number;
}

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export interface SampledToken extends TokenLogprob {
  /** Most likely tokens first; `topLogprobs` entries. */
  top: TokenLogprob[];
}

/** Chooses the next token from one row of raw logits. Does not modify `rawLogits`. */
export function sampleNext(rawLogits: Float32Array, params: SamplingParams, ctx: LogitsProcessorContext, rng: Rng): SampledToken {
  const logits = Float32Array.from(rawLogits);
  for (const [token, bias] of params.logitBias) if (token < logits.length) logits[token] += bias;
  for (const process of params.processors) process(ctx, logits);

  const logprobs = logSoftmax(logits);
  const token = params.temperature === 0 ? argmax(logits) : draw(logits, params, rng);
  return { token, logprob: reported(logprobs[token]), top: topK(logprobs, params.topLogprobs) };
}

/** log pᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m) with m = max x, which keeps every exp ≤ 1 (no overflow). */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) if (x > max) max = x;
  if (!Number.isFinite(max)) throw new RangeError(`cannot sample: the largest logit is ${max} (every token banned, or NaN)`);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - logZ;
  return out;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Softmax at temperature T, cut to the smallest most-likely set whose mass reaches top_p, then one draw. */
function draw(logits: Float32Array, params: SamplingParams, rng: Rng): number {
  const scaled = logSoftmax(logits.map((x) => x / params.temperature));
  // Without a nucleus cut the order does not matter, so skip the O(V log V) sort.
  const order = params.topP >= 1 ? Array.from(scaled.keys()) : Array.from(scaled.keys()).sort((a, b) => scaled[b] - scaled[a] || a - b);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || params.topP >= 1 || mass < params.topP)) {
    mass += Math.exp(scaled[order[kept]]);
    kept++;
  }
  // Draw within the kept set, renormalised: u ∈ [0, mass).
  const u = rng.next() * mass;
  let acc = 0;
  for (let i = 0; i < kept; i++) {
    acc += Math.exp(scaled[order[i]]);
    if (u < acc) return order[i];
  }
  return order[kept - 1]; // u landed in the rounding gap at the top of the range
}

function topK(logprobs: Float64Array, k: number): TokenLogprob[] {
  if (k <= 0) return [];
  const best: TokenLogprob[] = [];
  for (let token = 0; token < logprobs.length; token++) {
    const logprob = logprobs[token];
    if (best.length === k && logprob <= best[k - 1].logprob) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].logprob < logprob) at--;
    best.splice(at, 0, { token, logprob });
    if (best.length > k) best.pop();
  }
  return best.map((e) => ({ token: e.token, logprob: reported(e.logprob) }));
}

function reported(logprob: number): number {
  return logprob === Number.NEGATIVE_INFINITY ? LOGPROB_FLOOR : Math.min(0, logprob);
}
