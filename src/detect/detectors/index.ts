/**
 * The built-in detectors, one module each behind the `Detector` contract (src/detect/types.ts). The detection core
 * calls `createDetectors(options)` once and keeps one state per detector per account (and per cluster via `merge`).
 * Options are per detector, keyed by name; anything omitted takes the detector's documented defaults. Detector
 * objects also hold small population-level state (e.g. the population's hourly-rate prior), so create one set per
 * detection engine and feed it every account's events.
 */
import { DETECTOR_NAMES, type Detector, type DetectorName } from '../types.ts';
import { createApiProbingDetector } from './api-probing.ts';
import { type CoverageOptions, createCoverageDetector } from './coverage.ts';
import { createMmdDetector, type MmdOptions } from './mmd.ts';
import { createPradaDetector, type PradaOptions } from './prada.ts';
import { createTemplatingDetector } from './templating.ts';
import { createVolumePacingDetector, type VolumePacingOptions } from './volume-pacing.ts';

export interface DetectorOptions {
  /** Only these detectors (default: all of DETECTOR_NAMES). */
  only?: readonly DetectorName[];
  volumePacing?: VolumePacingOptions;
  coverage?: CoverageOptions;
  prada?: PradaOptions;
  /** Pass `reference` (embeddings of `benignReferencePrompts()`) for a fixed reference; omitted: population reservoir. */
  mmd?: MmdOptions;
}

export { benignReferencePrompts } from './mmd-reference.ts';

/** Every built-in detector, in DETECTOR_NAMES order (filtered by `options.only`; unselected ones are not built). */
export function createDetectors(options: DetectorOptions = {}): Detector<unknown>[] {
  const factories: Record<DetectorName, () => Detector<unknown>> = {
    'volume-pacing': () => opaque(createVolumePacingDetector(options.volumePacing)),
    coverage: () => opaque(createCoverageDetector(options.coverage)),
    prada: () => opaque(createPradaDetector(options.prada)),
    mmd: () => opaque(createMmdDetector(options.mmd)),
    templating: () => opaque(createTemplatingDetector()),
    'api-probing': () => opaque(createApiProbingDetector()),
  };
  return DETECTOR_NAMES.filter((name) => !options.only || options.only.includes(name)).map((name) => factories[name]());
}

/** The engine stores each detector's states opaquely and only ever hands a state back to the detector that made it. */
function opaque<S>(detector: Detector<S>): Detector<unknown> {
  return detector as unknown as Detector<unknown>;
}
