/**
 * What linking remembers about one account, bounded whatever the traffic: ≤ 8 subnets, ≤ 256 recurring-bigram
 * counters (halved every 64 prompts, so old habits fade; a 6 KB table, shingle-counts.ts), ≤ 256 active time buckets.
 * About 8 KB per account at the caps.
 */
import { ShingleCounts } from './shingle-counts.ts';
import { bandKeys, minHash, shingleBuffer } from './skeleton.ts';

const MAX_SUBNETS = 8;
const MAX_SHINGLES = 256;
const DECAY_EVERY = 64;
const MAX_BUCKETS = 256;
/** A bigram is part of the account's template when it recurs in this share of its recent prompts. */
const RECURRING_SHARE = 0.6;
const MIN_RECURRING_PROMPTS = 3;
/** Fewer recurring bigrams than this is a habit ("what is"), not a template. */
export const MIN_TEMPLATE_SHINGLES = 4;
const MAX_TEMPLATE_SHINGLES = 64;

export class AccountProfile {
  readonly subnets = new Map<string, number>();
  readonly #shingles = new ShingleCounts();
  #prompts = 0;
  /** Sorted, distinct activity bucket indices (oldest dropped first). */
  readonly buckets: number[] = [];
  firstSeen: number;
  lastSeen: number;
  events = 0;
  #signature: Uint32Array | null = null;
  #bands: string[] = [];
  #signatureSize = 0;
  #signatureDirty = false;

  constructor(at: number) {
    this.firstSeen = at;
    this.lastSeen = at;
  }

  /** Folds one event in; returns the activity bucket when it is new for this account (else null). */
  observe(at: number, subnet: string, promptText: string, bucketMs: number): number | null {
    this.events++;
    this.lastSeen = Math.max(this.lastSeen, at);
    this.firstSeen = Math.min(this.firstSeen, at);
    this.#noteSubnet(subnet);
    const bucket = Math.floor(at / bucketMs);
    const isNew = this.#noteBucket(bucket);
    if (promptText.length > 0) this.#notePrompt(promptText);
    return isNew ? bucket : null;
  }

  /** MinHash of the recurring bigrams and its LSH band keys, or null when the account has no template (yet). */
  templateSignature(): { signature: Uint32Array; size: number; bands: readonly string[] } | null {
    if (this.#signatureDirty) this.#recomputeSignature();
    return this.#signature ? { signature: this.#signature, size: this.#signatureSize, bands: this.#bands } : null;
  }

  #noteSubnet(subnet: string): void {
    const count = this.subnets.get(subnet);
    if (count !== undefined) {
      this.subnets.set(subnet, count + 1);
      return;
    }
    if (this.subnets.size >= MAX_SUBNETS) {
      let weakest: string | null = null;
      let weakestCount = Number.POSITIVE_INFINITY;
      for (const [key, value] of this.subnets) {
        if (value < weakestCount) [weakest, weakestCount] = [key, value];
      }
      if (weakest !== null) this.subnets.delete(weakest);
    }
    this.subnets.set(subnet, 1);
  }

  #noteBucket(bucket: number): boolean {
    const last = this.buckets.at(-1);
    if (last === bucket) return false;
    if (last !== undefined && bucket < last) {
      // Events arrive nearly in order; a late one goes in place so intersections stay linear.
      let i = this.buckets.length - 1;
      while (i >= 0 && this.buckets[i]! > bucket) i--;
      if (i >= 0 && this.buckets[i] === bucket) return false;
      this.buckets.splice(i + 1, 0, bucket);
    } else {
      this.buckets.push(bucket);
    }
    if (this.buckets.length > MAX_BUCKETS) this.buckets.shift();
    return true;
  }

  #notePrompt(text: string): void {
    this.#prompts++;
    const { hashes, length } = shingleBuffer(text);
    this.#shingles.addPrompt(hashes, length);
    if (this.#shingles.size > MAX_SHINGLES) this.#prune();
    if (this.#prompts >= 2 * DECAY_EVERY) this.#decay();
    // A template is stable: once an account has a few prompts, refreshing its signature every 8th prompt is enough.
    if (this.#prompts < 16 || this.#prompts % 8 === 0) this.#signatureDirty = true;
  }

  /** Lossy counting: drop the rarest counters until back under the cap (recurring ones have high counts). */
  #prune(): void {
    for (let floor = 1; this.#shingles.size > MAX_SHINGLES / 2; floor++) this.#shingles.dropAtOrBelow(floor);
  }

  #decay(): void {
    this.#prompts = Math.ceil(this.#prompts / 2);
    this.#shingles.halve();
  }

  #recomputeSignature(): void {
    this.#signatureDirty = false;
    this.#signature = null;
    this.#bands = [];
    this.#signatureSize = 0;
    if (this.#prompts < MIN_RECURRING_PROMPTS) return;
    const floor = Math.max(MIN_RECURRING_PROMPTS, Math.ceil(RECURRING_SHARE * this.#prompts));
    const recurring: number[] = [];
    this.#shingles.forEach((hash, count) => {
      if (count >= floor) recurring.push(hash);
    });
    if (recurring.length < MIN_TEMPLATE_SHINGLES) return;
    if (recurring.length > MAX_TEMPLATE_SHINGLES) {
      // Keep the most frequent; ties by hash so the choice is deterministic.
      recurring.sort((a, b) => this.#shingles.get(b) - this.#shingles.get(a) || a - b);
      recurring.length = MAX_TEMPLATE_SHINGLES;
    }
    this.#signature = minHash(recurring);
    this.#bands = bandKeys(this.#signature);
    this.#signatureSize = recurring.length;
  }
}
