/**
 * A trained classifier network served through the `TextClassifier` contract: accepts plain text or a raw e-mail,
 * returns temperature-calibrated probabilities.
 */
import type { ModelInfo, TextClassifier } from '../../contracts.ts';
import { emailToDocument, looksLikeEmail } from '../../data/email/email-document.ts';
import { splitWords } from '../../data/word-vocab.ts';
import { padIds } from '../word-layers/token-batch.ts';
import { logitRows, softmaxWithTemperature } from './calibration.ts';
import type { ClassifierNetwork } from './network.ts';

/** Texts per forward pass; bounds peak memory for long request batches. */
const CHUNK = 64;

/** The text the network reads: a raw message goes through the e-mail allow-list (no routing or X-Spam headers). */
export function classifierInput(text: string): string {
  return looksLikeEmail(text) ? emailToDocument(text).text : text;
}

/** Raw logits, row-major [texts, labels], for texts already turned into classifier input. */
export function classifierLogits(network: ClassifierNetwork, inputs: readonly string[]): Float32Array {
  return sequenceLogits(
    network,
    inputs.map((t) => network.vocab.encode(t)),
  );
}

/** Raw logits, row-major [rows, labels], for already encoded token sequences. */
export function sequenceLogits(network: ClassifierNetwork, sequences: readonly (readonly number[])[]): Float32Array {
  const classes = network.config.labels.length;
  const out = new Float32Array(sequences.length * classes);
  for (let start = 0; start < sequences.length; start += CHUNK) {
    const chunk = sequences.slice(start, start + CHUNK);
    out.set(network.predictLogits(padIds(chunk, network.config.maxTokens)), start * classes);
  }
  return out;
}

/**
 * Wraps `network` (trained and calibrated) as a TextClassifier under its served name.
 *
 * @example const spam = asTextClassifier(network); spam.predict(['WIN $$$ now'])[0] // e.g. [0.03, 0.97]
 */
export function asTextClassifier(network: ClassifierNetwork): TextClassifier {
  const info: ModelInfo = { name: network.name, family: 'classifier', size: network.size, parameterCount: network.params.count() };
  const labels = network.config.labels;
  return {
    info,
    labels,
    predict(texts: readonly string[]): number[][] {
      const logits = classifierLogits(network, texts.map(classifierInput));
      return logitRows(logits, labels.length).map((row) => softmaxWithTemperature(row, network.temperature));
    },
    countTokens(text: string): number {
      return splitWords(classifierInput(text)).length;
    },
  };
}
