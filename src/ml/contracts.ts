/**
 * What the rest of Moat (model server, distillation, detection, watermarking) may rely on from a built-in model.
 * Implementations live in src/ml/models/; nothing outside src/ml/ touches tfjs tensors.
 */

/** Maps text to token ids and back. For the character LM, one token per character. */
export interface Tokenizer {
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The text of one token id (for logprobs); throws RangeError for an unknown id. */
  tokenText(id: number): string;
}

export interface ModelInfo {
  /** Served name, e.g. `moat-lm`. */
  name: string;
  family: 'lm' | 'classifier' | 'embedder';
  size: 'teacher' | 'student-s' | 'student-m' | 'tiny';
  parameterCount: number;
}

/** A causal language model: next-token logits for a batch of contexts. */
export interface LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: Tokenizer;
  /** Longest context the model sees; longer contexts are cut from the left by the caller or the model. */
  readonly contextLength: number;
  /** Raw next-token logits (length `tokenizer.vocabSize`) for each context; synchronous CPU work. */
  nextLogits(contexts: readonly (readonly number[])[]): Float32Array[];
  /**
   * Optional fast path for scoring whole texts: logits after every prefix of each row (rows ≤ contextLength tokens,
   * right-padded to the longest), flat [rows · longest · vocabSize]; entry (b, t) predicts token t + 1 of row b.
   */
  positionLogits?(rows: readonly (readonly number[])[]): { logits: Float32Array; time: number };
}

export interface TextClassifier {
  readonly info: ModelInfo;
  readonly labels: readonly string[];
  /** Calibrated class probabilities, one row per text, summing to 1. */
  predict(texts: readonly string[]): number[][];
  /** Input tokens as the model counts them (for `usage`). */
  countTokens(text: string): number;
}

export interface TextEmbedder {
  readonly info: ModelInfo;
  readonly dimensions: number;
  /** L2-normalised sentence embeddings, one per text. */
  embed(texts: readonly string[]): Float32Array[];
  countTokens(text: string): number;
}

export type BuiltinModel =
  | { family: 'lm'; model: LanguageModel }
  | { family: 'classifier'; model: TextClassifier }
  | { family: 'embedder'; model: TextEmbedder };
