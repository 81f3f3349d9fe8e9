/**
 * A trained embedder network served through the `TextEmbedder` contract.
 */
import type { ModelInfo, TextEmbedder } from '../../contracts.ts';
import { splitWords } from '../../data/word-vocab.ts';
import { padIds } from '../word-layers/token-batch.ts';
import type { EmbedderNetwork } from './network.ts';

/** Texts per forward pass; bounds peak memory for long request batches. */
const CHUNK = 64;

/** Unit-norm embeddings of already encoded sequences, in order. */
export function embedSequences(network: EmbedderNetwork, sequences: readonly (readonly number[])[]): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < sequences.length; start += CHUNK) {
    out.push(...network.embedRows(padIds(sequences.slice(start, start + CHUNK), network.config.maxTokens)));
  }
  return out;
}

/**
 * Wraps `network` as a TextEmbedder under its served name.
 *
 * @example const [a, b] = asTextEmbedder(network).embed(['tax cuts', 'lower taxes']);
 */
export function asTextEmbedder(network: EmbedderNetwork): TextEmbedder {
  const info: ModelInfo = { name: network.name, family: 'embedder', size: network.size, parameterCount: network.params.count() };
  return {
    info,
    dimensions: network.config.dimensions,
    embed(texts: readonly string[]): Float32Array[] {
      return embedSequences(
        network,
        texts.map((t) => network.vocab.encode(t)),
      );
    },
    countTokens(text: string): number {
      return splitWords(text).length;
    },
  };
}
