/**
 * Attacker strategies. Single-account ones: bulk harvest (as fast as the gateway answers), the same paced under the
 * account's rate limit, active learning (each query the candidate farthest from everything asked so far),
 * logprob/logit_bias probing (logit extraction), chain-of-thought elicitation. Each stops when its campaign is served,
 * when it is banned (`patience` consecutive ban refusals), or when the run ends.
 */
import type { Rng } from '../../ml/engine/rng.ts';
import { datacenterAddress } from '../addresses.ts';
import type { ChatParams } from '../client.ts';
import { humanName } from '../names.ts';
import { cotPrompt, harvestPrompt, type PromptPools, pick } from '../prompts.ts';
import type { AttackerSpec } from '../scenario.ts';
import type { ActorContext, ActorPlan, SimAccount } from '../world.ts';
import { isStopped, send, user } from './shared.ts';

type SingleSpec = Exclude<AttackerSpec, { strategy: 'sybil-swarm' }>;

export function singleAttackerPlan(spec: SingleSpec, rng: Rng): ActorPlan {
  return {
    kind: 'attacker',
    persona: spec.strategy,
    accounts: [{ name: humanName(rng), ips: [datacenterAddress(rng)] }],
    run: (ctx, [account], actor) => campaign(ctx, spec, account!, actor),
  };
}

async function campaign(ctx: ActorContext, spec: SingleSpec, account: SimAccount, actor: number): Promise<void> {
  await ctx.sleep(spec.startSeconds);
  const next = requestMaker(spec, ctx);
  const limit = ctx.requestsPerMinute();
  // Unlimited accounts (0) leave nothing to pace under: the paced attacker then keeps to 60 a minute.
  const rps = spec.strategy === 'paced' ? (spec.limitShare * (limit > 0 ? limit : 60)) / 60 : spec.rps;
  const concurrency = spec.strategy === 'paced' ? 1 : spec.concurrency;
  let served = 0;
  // Requests in flight count against the campaign, so concurrent workers never overshoot it.
  let pending = 0;
  let refusedAsBanned = 0;
  let nextSendAt = ctx.elapsed();
  const worker = async () => {
    while (served + pending < spec.queries && refusedAsBanned < spec.patience && !ctx.ending()) {
      if (rps > 0) {
        // Jittered pacing: regular enough to stay under the limit, not so regular it is a metronome.
        const wait = nextSendAt - ctx.elapsed();
        nextSendAt = Math.max(nextSendAt, ctx.elapsed()) + (0.8 + 0.4 * ctx.rng.next()) / rps;
        if (wait > 0) await ctx.sleep(wait);
      }
      const { prompt, params } = next();
      pending++;
      const response = await send(ctx, actor, account, [user(prompt)], params, { retries: 0 });
      pending--;
      if (response.status >= 200 && response.status < 300) served++;
      if (isStopped(response)) refusedAsBanned++;
      else refusedAsBanned = 0;
      if (response.status === 429) await ctx.sleep(Math.min(5, response.retryAfter ?? 1));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function requestMaker(spec: SingleSpec, ctx: ActorContext): () => { prompt: string; params: ChatParams } {
  const { pools, rng } = ctx;
  const maxTokens = ctx.scenario.maxTokens;
  switch (spec.strategy) {
    case 'bulk-harvest':
    case 'paced':
      return () => ({ prompt: harvestPrompt(pools, rng), params: { maxTokens, temperature: 0.7 } });
    case 'cot-elicitation':
      return () => ({ prompt: cotPrompt(pools, rng), params: { maxTokens, temperature: 0.7 } });
    case 'active-learning': {
      const selector = new FarthestFirst();
      return () => ({ prompt: selector.pick(pools, rng), params: { maxTokens, temperature: 0.7 } });
    }
    case 'logprob-probing':
      return () => ({ prompt: pick(pools.prose, rng).slice(0, 80), params: probingParams(rng, maxTokens) });
  }
}

const TEMPERATURES = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5];

/** Logit extraction: full top-k logprobs, a bias pushed onto a few token ids, many samples, a temperature sweep. */
function probingParams(rng: Rng, maxTokens: number): ChatParams {
  const logitBias: Record<string, number> = {};
  for (let i = 0; i < 1 + rng.int(3); i++) logitBias[String(1 + rng.int(40))] = rng.next() < 0.5 ? 100 : -100;
  return { maxTokens: Math.min(maxTokens, 4), temperature: pick(TEMPERATURES, rng), n: 1 + rng.int(4), logprobs: true, topLogprobs: 20, logitBias };
}

const DIMS = 64;
const CANDIDATES = 24;
const MEMORY = 256;

/**
 * The active-learning attacker's own query selection: among a few random candidates, the one whose hashed
 * bag-of-words vector is farthest from every query already asked (greedy farthest-first coverage).
 */
class FarthestFirst {
  readonly #asked: Float32Array[] = [];

  pick(pools: PromptPools, rng: Rng): string {
    let best = '';
    let bestDistance = -1;
    let bestVector: Float32Array | null = null;
    for (let c = 0; c < CANDIDATES; c++) {
      const text = harvestPrompt(pools, rng);
      const vector = bagOfWords(text);
      let nearest = Number.POSITIVE_INFINITY;
      for (const seen of this.#asked) nearest = Math.min(nearest, 1 - dot(vector, seen));
      if (nearest > bestDistance) [best, bestDistance, bestVector] = [text, nearest, vector];
    }
    if (bestVector) {
      this.#asked.push(bestVector);
      if (this.#asked.length > MEMORY) this.#asked.shift();
    }
    return best;
  }
}

function bagOfWords(text: string): Float32Array {
  const vector = new Float32Array(DIMS);
  for (const word of text.toLowerCase().split(/\W+/)) {
    if (word.length < 3) continue;
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    vector[(h >>> 0) % DIMS]! += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  for (let i = 0; i < DIMS; i++) vector[i]! /= norm;
  return vector;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < DIMS; i++) sum += a[i]! * b[i]!;
  return sum;
}
