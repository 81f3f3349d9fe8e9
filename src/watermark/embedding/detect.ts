/**
 * Embedding watermark detection. Probes come in pairs built on one base passage: one with m triggers of direction j
 * inserted, one with m benign vocabulary words inserted at the same keyed places. For each direction, the suspect's
 * mean (unit) embedding of its trigger probes minus the mean of all benign probes is Δ_j; a copy of a marked service
 * drifts toward t_j, so x_j = cos(t_j, Δ_j) is large.
 *
 * Null calibration comes from the key, not from an assumed benign rate: t_j is uniform on the sphere and independent
 * of an unmarked suspect (and of the probe words, which come from another key), so x_j is distributed as one
 * coordinate of a random unit vector, and x·√(d−1)/√(1−x²) follows Student's t with d − 1 degrees of freedom
 * exactly, whatever the suspect's embedding geometry. Directions are independent, so their p-values are combined
 * by Fisher's method. EmbMarker's own numbers (Δcos, two-sample KS of the cosines) are reported alongside.
 */
import { createHmac } from 'node:crypto';
import { ksTwoSample, logFisherCombined, studentTUpperTail } from '../proxy-stats.ts';
import { type EmbeddingMarkParams, lengthOf, type TriggerSets, targetDirections } from './marker.ts';

export interface EmbeddingProbe {
  text: string;
  kind: 'trigger' | 'benign';
  /** Direction the trigger probe tests (the benign twin carries its pair's). */
  direction: number;
}

/** `pairs` probe pairs over `bases` (base passages), chosen and filled by the probe seed. */
export function embeddingProbes(seed: Buffer, sets: TriggerSets, params: EmbeddingMarkParams, bases: readonly string[], pairs: number): EmbeddingProbe[] {
  const probes: EmbeddingProbe[] = [];
  for (let i = 0; i < pairs; i++) {
    const draw = keyedStream(seed, `embedding-probe/${i}`);
    const base = (bases[draw() % bases.length] ?? '').split(' ');
    const direction = i % params.directions;
    const subset = sets.subsets[direction] ?? [];
    const triggers = pickDistinct(subset, Math.min(params.maxTriggers, subset.length), draw);
    const benign = pickDistinct(sets.benign, triggers.length, draw);
    const positions = triggers.map(() => draw() % (base.length + 1));
    probes.push({ text: insertAt(base, triggers, positions), kind: 'trigger', direction });
    probes.push({ text: insertAt(base, benign, positions), kind: 'benign', direction });
  }
  return probes;
}

export interface EmbeddingObservation {
  kind: 'trigger' | 'benign';
  direction: number;
  vector: readonly number[];
}

export interface EmbeddingScore {
  scored: number;
  /** Per direction: cos(t_j, Δ_j) and its one-sided p-value. */
  cosines: number[];
  pValues: number[];
  /** Fisher-combined p-value over directions. */
  pValue: number;
  log10PValue: number;
  /** EmbMarker's Δcos: mean cos(e, t) of trigger probes minus benign probes, over directions. */
  deltaCos: number;
  /** EmbMarker's two-sample KS p-value on those cosines (not calibrated: content differs between the sets). */
  ksPValue: number;
  dimensions: number;
}

export function scoreEmbedding(observations: readonly EmbeddingObservation[], accountKey: Buffer, params: EmbeddingMarkParams): EmbeddingScore {
  const dimensions = observations[0]?.vector.length ?? 0;
  const targets = targetDirections(accountKey, dimensions, params.directions);
  const units = observations.map((o) => ({ ...o, unit: unit(o.vector) }));
  const benign = units.filter((o) => o.kind === 'benign');
  const benignMean = mean(benign.map((o) => o.unit), dimensions);
  const cosines: number[] = [];
  const pValues: number[] = [];
  const triggerCos: number[] = [];
  const benignCos: number[] = [];
  for (let j = 0; j < params.directions; j++) {
    const target = targets[j] as Float64Array;
    const triggered = units.filter((o) => o.kind === 'trigger' && o.direction === j);
    if (triggered.length === 0 || benign.length === 0) continue;
    const delta = mean(triggered.map((o) => o.unit), dimensions).map((x, i) => x - (benignMean[i] ?? 0));
    const x = dot(target, delta) / (lengthOf(delta) || 1);
    cosines.push(x);
    const t = (x * Math.sqrt(dimensions - 1)) / Math.sqrt(Math.max(1e-300, 1 - x * x));
    pValues.push(studentTUpperTail(t, dimensions - 1));
    for (const o of triggered) triggerCos.push(dot(target, o.unit));
    for (const o of benign) if (o.direction === j) benignCos.push(dot(target, o.unit));
  }
  const logP = logFisherCombined(pValues.map((p) => Math.log(Math.max(p, 1e-300))));
  return {
    scored: observations.length,
    cosines,
    pValues,
    pValue: Math.exp(logP),
    log10PValue: logP / Math.LN10,
    deltaCos: average(triggerCos) - average(benignCos),
    ksPValue: ksTwoSample(triggerCos, benignCos).pValue,
    dimensions,
  };
}

function keyedStream(seed: Buffer, label: string): () => number {
  let counter = 0;
  return () => createHmac('sha256', seed).update(`${label}/${counter++}`).digest().readUInt32BE(0);
}

function pickDistinct(words: readonly string[], count: number, draw: () => number): string[] {
  const picked = new Set<string>();
  while (picked.size < Math.min(count, words.length)) picked.add(words[draw() % words.length] as string);
  return [...picked];
}

function insertAt(base: readonly string[], words: readonly string[], positions: readonly number[]): string {
  const out = [...base];
  // Insert from the back so earlier positions stay valid.
  const order = words.map((w, i) => ({ w, at: positions[i] ?? 0 })).sort((a, b) => b.at - a.at);
  for (const { w, at } of order) out.splice(at, 0, w);
  return out.join(' ');
}

function unit(v: readonly number[]): number[] {
  const n = lengthOf(v) || 1;
  return v.map((x) => x / n);
}

function mean(vectors: readonly number[][], dimensions: number): number[] {
  const out = new Array<number>(dimensions).fill(0);
  for (const v of vectors) for (let i = 0; i < dimensions; i++) out[i] = (out[i] ?? 0) + (v[i] ?? 0) / vectors.length;
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}
