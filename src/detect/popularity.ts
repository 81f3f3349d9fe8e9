/**
 * Prompt popularity across the whole population: how many distinct accounts sent this exact prompt before. A prompt
 * many accounts send verbatim is public material — a published evaluation suite, a shared example, a common
 * follow-up — and its answer teaches a distiller nothing it could not get once; so detectors count such prompts like
 * repeats (no novelty, not part of a sweep), and a researcher running a public benchmark is not mistaken for a
 * harvester. Prompts are matched exactly (hash of the text), never by meaning: a harvester cannot make its own new
 * prompts "popular" without sending each through several accounts, and the linker sees those accounts together.
 *
 * Bounded: at most `capacity` prompts (default 65,536), each with up to 8 account fingerprints; the oldest prompt is
 * forgotten first (Map insertion order). About 120 B per prompt, ~8 MB at the default. Cost per event: one hash of
 * the prompt (≤ 4,096 chars) and one Map lookup.
 */
import { promptHash } from './detectors/prompt-hash.ts';

/** Account fingerprints kept per prompt: enough to say "many", which is all the detectors ask. */
const ACCOUNTS_PER_PROMPT = 8;
const HASH_CHARS = 4096;

export class PromptPopularity {
  readonly #seen = new Map<number, number[]>();
  readonly #capacity: number;

  constructor(capacity = 65_536) {
    this.#capacity = capacity;
  }

  /** Notes that `accountId` sent `prompt`; returns how many other accounts sent it earlier (capped at 8). */
  observe(accountId: string, prompt: string): number {
    if (prompt.length === 0) return 0;
    // The account first: the prompt's hash is then the one promptHash memoises for the detectors that follow.
    const account = promptHash(accountId);
    const key = promptHash(prompt, HASH_CHARS);
    const accounts = this.#seen.get(key);
    if (!accounts) {
      if (this.#seen.size >= this.#capacity) this.#seen.delete(this.#seen.keys().next().value as number);
      this.#seen.set(key, [account]);
      return 0;
    }
    const others = accounts.includes(account) ? accounts.length - 1 : accounts.length;
    if (!accounts.includes(account) && accounts.length < ACCOUNTS_PER_PROMPT) accounts.push(account);
    return others;
  }

  get size(): number {
    return this.#seen.size;
  }
}

/** Sent verbatim by at least this many other accounts: public material, not a distiller's own new query. */
export const PUBLIC_PROMPT_ACCOUNTS = 3;

/** Whether the engine found the event's prompt sent verbatim by many other accounts (see PromptPopularity). */
export function isPublicPrompt(event: { sharedBy?: number }): boolean {
  return (event.sharedBy ?? 0) >= PUBLIC_PROMPT_ACCOUNTS;
}
