/** Learning-rate schedules: functions from the (0-based) step to a learning rate. */

export type LrSchedule = (step: number) => number;

export interface WarmupCosineOptions {
  peak: number;
  /** Steps of linear warm-up from peak/warmup to peak. */
  warmup: number;
  /** Step at which the cosine reaches `floor`; later steps stay at `floor`. */
  total: number;
  /** Final learning rate as a fraction of peak. Default 0.1. */
  floorRatio?: number;
}

/**
 * Linear warm-up, then cosine decay: lr(s) = floor + (peak − floor)·½(1 + cos(π·(s − w)/(total − w))).
 * Warm-up avoids Adam's large early steps while its second-moment estimate is still noisy.
 *
 * @example
 * const lr = warmupCosine({ peak: 3e-3, warmup: 50, total: 1000 });
 */
export function warmupCosine(options: WarmupCosineOptions): LrSchedule {
  const { peak, warmup, total } = options;
  const floor = peak * (options.floorRatio ?? 0.1);
  return (step) => {
    if (step < warmup) return (peak * (step + 1)) / warmup;
    if (step >= total) return floor;
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}
