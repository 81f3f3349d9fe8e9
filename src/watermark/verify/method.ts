/**
 * The contract between `moat verify` and one watermark's test. The framework (verify.ts) owns everything shared:
 * the secret and keys, sending probes to the suspect (rate limits, resumption, garbage counting), calibration on
 * independent keys and reference models, the per-account ranking and the report. A method only says which probes to
 * send, how to read an answer, and how to score a set of answers under one key.
 *
 * Methods are listed in registry.ts; a new modality adds one file and one line there.
 */
import type { ResolvedKey } from '../keys.ts';

/** One query to send to the suspect: an OpenAI-style route under its base URL and the JSON body. */
export interface Probe {
  /** Stable id (the resumption key): the same probe set always gets the same ids. */
  id: string;
  /** Path under the suspect's base URL, e.g. `/completions`, `/chat/completions`, `/embeddings`, `/classifications`. */
  path: string;
  body: Record<string, unknown>;
  /** What the method needs later to score the answer (e.g. the prompt text); JSON-serialisable. */
  meta?: Record<string, unknown>;
}

export interface ProbeSelection {
  /** Secret seed derived from the master (not from an account key), so every account is scored on the same answers. */
  probeSeed: Buffer;
  /** The keys being tested (one with `--key`, every account's with `--accounts all`). */
  keys: readonly ResolvedKey[];
  count: number;
  /** Model name to put in request bodies. */
  model: string;
}

/** Thrown by `parseAnswer` when the suspect's answer is not a usable response: counted as garbage in the report. */
export class GarbageAnswer extends Error {
  override readonly name = 'GarbageAnswer';
}

export interface ScoreResult {
  /** Name of the test statistic, e.g. `z` or `log10 binomial tail`. */
  statisticName: string;
  /** Larger means stronger evidence of the mark (the framework ranks keys and calibrates on this). */
  statistic: number;
  /** One-sided p-value under the method's textbook null. */
  pValue: number;
  /** How many units were scored (deduplicated tokens, embeddings, labels). */
  scored: number;
  /** Method-specific numbers for the report (green fraction, hits, γ …). */
  details: Record<string, number | string>;
}

export interface VerifyMethod<Observation = unknown> {
  /** The `--modality` value. */
  readonly modality: string;
  /** One line for the report: the method and the test it runs. */
  readonly description: string;
  /** Default `--probes`. */
  readonly defaultProbes: number;
  /** Chooses probes deterministically from the secret seed (and the keys, for per-account probe sets). */
  selectProbes(selection: ProbeSelection): Probe[];
  /** Reads the suspect's answer to one probe; throws GarbageAnswer when it is not usable. */
  parseAnswer(probe: Probe, response: unknown): Observation;
  /** Scores every usable answer under one key. Must be cheap enough to repeat for calibration keys and accounts. */
  score(answers: readonly { probe: Probe; observation: Observation }[], key: ResolvedKey): ScoreResult;
  /**
   * Optional confirmation stage for `--accounts all`, for methods whose probes belong to accounts (DAWN): the first
   * `1 − confirmationShare` of the budget ranks the accounts, the rest asks about more of the top-ranked key's own
   * inputs. The extra probes must be a fixed function of that key and the ledger, never of an answer: then the top
   * key's test on both stages is the test that key would have had anyway, and Bonferroni over the keys still holds.
   */
  readonly confirmationShare?: number;
  confirmationProbes?(selection: ProbeSelection, top: ResolvedKey, asked: readonly Probe[]): Probe[];
}
