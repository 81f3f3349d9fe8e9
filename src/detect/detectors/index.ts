/**
 * The built-in detectors, one module each behind the `Detector` contract (src/detect/types.ts). The detection core
 * calls `createDetectors(options)` once and keeps one state per detector per account (and per cluster via `merge`).
 * Options are per detector, keyed by name; anything omitted takes the detector's documented defaults. Detector
 * objects also hold small population-level state (e.g. the population's hourly-rate prior), so create one set per
 * detection engine and feed it every account's events.
 */
import type { Detector, DetectorName } from '../types.ts';
import { createApiProbingDetector } from './api-probing.ts';
import { type CoverageOptions, createCoverageDetector } from './coverage.ts';
import { createPradaDetector, type PradaOptions } from './prada.ts';
import { createTemplatingDetector } from './templating.ts';
import { createVolumePacingDetector, type VolumePacingOptions } from './volume-pacing.ts';

export interface DetectorOptions {
  /** Only these detectors (default: all of DETECTOR_NAMES). */
  only?: readonly DetectorName[];
  volumePacing?: VolumePacingOptions;
  coverage?: CoverageOptions;
  prada?: PradaOptions;
}

/** Every built-in detector, in DETECTOR_NAMES order (filtered by `options.only`). */
export function createDetectors(options: DetectorOptions = {}): Detector<unknown>[] {
  const all = [
    createVolumePacingDetector(options.volumePacing),
    createCoverageDetector(options.coverage),
    createPradaDetector(options.prada),
    createTemplatingDetector(),
    createApiProbingDetector(),
  ] as unknown as Detector<unknown>[];
  return options.only ? all.filter((d) => options.only?.includes(d.name)) : all;
}
