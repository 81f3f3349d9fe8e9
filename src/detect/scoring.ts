/**
 * Runs the detectors with isolation: every call into a detector is guarded, so one that throws costs only its own
 * contribution. A detector that throws a MoatError from `observe` is rejecting a malformed event (counted as a
 * rejection with its reason); anything else is a fault, counted in `moat_detection_detector_errors_total` and logged
 * (at most once a minute per detector, so a broken detector cannot flood the log). While a detector is failing for an
 * account its score is 0 when it fails open (the default) or 1 when configured to fail closed.
 */
import type { Logger } from 'pino';
import type { DetectionConfig } from '../config/detection-schema.ts';
import { MoatError } from '../http/errors.ts';
import type { AccountEntry } from './account-table.ts';
import type { DetectionMetrics } from './metrics.ts';
import type { ScoredDetector } from './risk.ts';
import type { DetectionEvent, Detector, DetectorScore } from './types.ts';

const LOG_EVERY_MS = 60_000;

export class ScoringRunner {
  readonly detectors: readonly Detector<unknown>[];
  readonly #settings: DetectionConfig['detectors'];
  readonly #metrics: DetectionMetrics;
  readonly #logger: Logger;
  readonly #lastLogged = new Map<string, number>();

  constructor(detectors: readonly Detector<unknown>[], settings: DetectionConfig['detectors'], metrics: DetectionMetrics, logger: Logger) {
    this.detectors = detectors.filter((d) => settings[d.name]?.enabled !== false);
    this.#settings = settings;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  freshStates(): unknown[] {
    return this.detectors.map((d) => d.create());
  }

  observe(entry: AccountEntry, event: DetectionEvent): void {
    for (let i = 0; i < this.detectors.length; i++) {
      const detector = this.detectors[i];
      try {
        detector.observe(entry.states[i], event);
      } catch (err) {
        if (err instanceof MoatError && err.code === 'invalid_request') {
          this.#metrics.rejected.inc({ reason: `detector:${detector.name}` });
          this.#logger.debug({ detector: detector.name, accountId: entry.id, requestId: event.requestId, reason: err.message }, 'detector rejected an event');
        } else {
          entry.failing[i] = true;
          this.#fault(detector.name, 'observe', err);
        }
      }
    }
  }

  /** Each detector's score for one account's states. */
  score(states: readonly unknown[], failing: boolean[], now: number): ScoredDetector[] {
    return this.detectors.map((detector, i) => {
      let result: DetectorScore;
      if (failing[i]) result = this.#fallback(detector.name);
      else {
        try {
          result = detector.score(states[i], now);
        } catch (err) {
          failing[i] = true;
          this.#fault(detector.name, 'score', err);
          result = this.#fallback(detector.name);
        }
      }
      return { detector: detector.name, weight: this.#settings[detector.name]?.weight ?? 1, result };
    });
  }

  /** Each detector's score for a cluster: its members' states merged. */
  scoreMerged(memberStates: readonly (readonly unknown[])[], now: number): ScoredDetector[] {
    return this.detectors.map((detector, i) => {
      let result: DetectorScore;
      try {
        result = detector.score(detector.merge(memberStates.map((s) => s[i])), now);
      } catch (err) {
        this.#fault(detector.name, 'merge', err);
        result = this.#fallback(detector.name);
      }
      return { detector: detector.name, weight: this.#settings[detector.name]?.weight ?? 1, result };
    });
  }

  /** A failing detector's score follows its `failOpen` setting; the next event retries it. */
  #fallback(name: Detector<unknown>['name']): DetectorScore {
    const failOpen = this.#settings[name]?.failOpen !== false;
    return failOpen
      ? { score: 0, reasons: [], features: { failed: 1 } }
      : { score: 1, reasons: [`detector ${name} is failing and configured to fail closed`], features: { failed: 1 } };
  }

  #fault(name: string, phase: string, err: unknown): void {
    this.#metrics.detectorErrors.inc({ detector: name, phase });
    const now = Date.now();
    if (now - (this.#lastLogged.get(name) ?? 0) < LOG_EVERY_MS) return;
    this.#lastLogged.set(name, now);
    this.#logger.error({ err, detector: name, phase }, 'detector threw; isolated (its contribution follows failOpen)');
  }
}
