/**
 * The KGW green-list watermark as a logits processor (the sampler's hook, see src/serve/logits-processors.ts): after
 * the previous `contextWidth` tokens, every green token's logit gets +δ. Positions with fewer than `contextWidth`
 * previous tokens (prompt included) are left alone, exactly as the detector skips them.
 *
 * The model server builds one selector from the configuration; it marks a request only when a trusted caller (the
 * gateway) named the account's key id in `x-moat-watermark-key` and that id resolves under this server's master.
 */
import type { Tokenizer } from '../../ml/contracts.ts';
import type { LogitsProcessor, SelectLogitsProcessors } from '../../serve/logits-processors.ts';
import type { WatermarkKeyring } from '../keys.ts';
import { BoundedCache, contextSeed, greenThreshold, isGreen, type TextMarkParams, tokenHash } from './green-list.ts';

export interface KgwParams extends TextMarkParams {
  /** Logit bias for green tokens. */
  delta: number;
}

const MASKS_PER_KEY = 4096;
const tokenTextsCache = new WeakMap<Tokenizer, string[]>();

function tokenTexts(tokenizer: Tokenizer): string[] {
  let texts = tokenTextsCache.get(tokenizer);
  if (!texts) {
    texts = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.tokenText(id));
    tokenTextsCache.set(tokenizer, texts);
  }
  return texts;
}

/** The green mask (1 = green) over a tokenizer's vocabulary after `context`. */
export function greenMask(key: Buffer, context: readonly string[], texts: readonly string[], gamma: number): Uint8Array {
  const seed = contextSeed(key, context);
  const threshold = greenThreshold(gamma);
  const mask = new Uint8Array(texts.length);
  for (let id = 0; id < texts.length; id++) mask[id] = isGreen(seed, tokenHash(texts[id]), threshold) ? 1 : 0;
  return mask;
}

/** A processor adding δ to the green logits of one key over one tokenizer's vocabulary. */
export function kgwProcessor(key: Buffer, tokenizer: Tokenizer, params: KgwParams): LogitsProcessor {
  const texts = tokenTexts(tokenizer);
  const masks = new BoundedCache<Uint8Array>(MASKS_PER_KEY);
  const width = params.contextWidth;
  return (ctx, logits) => {
    if (ctx.tokens.length < width || params.delta === 0) return;
    const context: string[] = [];
    for (let i = ctx.tokens.length - width; i < ctx.tokens.length; i++) context.push(texts[ctx.tokens[i]] ?? '');
    const mask = masks.get(context.join('\u0000'), () => greenMask(key, context, texts, params.gamma));
    const n = Math.min(mask.length, logits.length);
    for (let id = 0; id < n; id++) if (mask[id] === 1) logits[id] += params.delta;
  };
}

export interface KgwSelectorOptions {
  keyring: WatermarkKeyring;
  params: KgwParams;
  /** The served language model's tokenizer (the selector is only asked for generation routes). */
  tokenizerOf: (model: string) => Tokenizer;
  /** Told when a trusted caller sent a key id this server cannot resolve (another master): served unmarked. */
  onUnresolvedKey?: (keyId: string) => void;
}

const PROCESSORS_CACHED = 1024;

/** The model server's processor selection: KGW for requests carrying a resolvable key id, nothing otherwise. */
export function kgwSelector(options: KgwSelectorOptions): SelectLogitsProcessors {
  const processors = new BoundedCache<LogitsProcessor | null>(PROCESSORS_CACHED);
  return ({ model, requestKey }) => {
    if (!requestKey) return [];
    const processor = processors.get(`${model}\u0000${requestKey}`, () => {
      const resolved = options.keyring.tryResolveKey(requestKey);
      if (!resolved) {
        options.onUnresolvedKey?.(requestKey);
        return null;
      }
      return kgwProcessor(resolved.key, options.tokenizerOf(model), options.params);
    });
    return processor ? [processor] : [];
  };
}
