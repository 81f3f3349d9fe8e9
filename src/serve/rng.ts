/**
 * Seeded pseudo-random numbers for sampling. A request's `seed` must reproduce its output exactly, and each of its
 * `n` choices must draw from its own stream (else all choices of a seeded request would be identical).
 */
import { randomInt } from 'node:crypto';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator, PractRand-clean at 32 bits) seeded from `(seed, stream)`
 * through splitmix32, so nearby seeds and streams give unrelated sequences.
 */
export function createRng(seed: number, stream = 0): Rng {
  // A seed may be any safe integer (OpenAI's is int64); fold both 32-bit halves in so large seeds stay distinct.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let mix = (lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  const split = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 0x1_0000_0000;
  };
  for (let i = 0; i < 12; i++) next(); // discard the warm-up outputs, which are correlated with the seed
  return { next };
}

/** A fresh unpredictable seed for requests that give none. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 48 - 1);
}
