/**
 * The built-in detectors, one module each behind the `Detector` contract (src/detect/types.ts). The detection core
 * calls `createDetectors(options)` once and keeps one state per detector per account (and per cluster via `merge`).
 * Options are per detector, keyed by name; anything omitted takes the detector's documented defaults.
 */
import type { Detector, DetectorName } from '../types.ts';

export interface DetectorOptions {
  /** Only these detectors (default: all of DETECTOR_NAMES). */
  only?: readonly DetectorName[];
}

/** Every built-in detector, in DETECTOR_NAMES order (filtered by `options.only`). */
export function createDetectors(options: DetectorOptions = {}): Detector<unknown>[] {
  const all: Detector<unknown>[] = [];
  return options.only ? all.filter((d) => options.only?.includes(d.name)) : all;
}
