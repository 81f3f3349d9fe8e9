/**
 * Prometheus metrics of the detection engine, registered in the gateway's registry so `/metrics` shows them next to
 * the request metrics: what was queued, shed and rejected, which detectors threw, the per-event scoring cost, and the
 * actions decided (shadow or applied).
 */
import { Counter, Gauge, Histogram, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

type HistogramExport = MetricObjectWithValues<MetricValue<string>>;
/** prom-client renders /metrics from this method, which its type declarations leave out. */
const baseExport = (Histogram.prototype as unknown as { getForPromString(this: Histogram<string>): Promise<HistogramExport> }).getForPromString;

/**
 * A histogram that can show another thread's copy of itself: in worker mode the engine observes into the worker's
 * registry, and the gateway's `/metrics` shows the worker's latest snapshot (buckets, sum, count) instead of its own
 * (empty) series. prom-client has no public way to set bucket counts, so the export is replaced, not the data.
 */
class MirroredHistogram extends Histogram<string> {
  #mirrored: HistogramExport['values'] | null = null;

  mirror(values: HistogramExport['values']): void {
    this.#mirrored = values;
  }

  async getForPromString(): Promise<HistogramExport> {
    const own = await baseExport.call(this);
    return this.#mirrored ? { ...own, values: this.#mirrored } : own;
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    if (!this.#mirrored) return super.get();
    return { ...(await baseExport.call(this)), values: this.#mirrored } as Awaited<ReturnType<Histogram<string>['get']>>;
  }
}

export class DetectionMetrics {
  readonly events;
  readonly rejected;
  readonly detectorErrors;
  readonly queueDepth;
  readonly eventSeconds;
  readonly actions;
  readonly accounts;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'moat_detection_events_total',
      help: 'Detection events by outcome: queued, shed (queue full), rejected (malformed or unknown account), scored',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.rejected = new Counter({ name: 'moat_detection_rejected_total', help: 'Detection events rejected, by reason', labelNames: ['reason'] as const, registers });
    this.detectorErrors = new Counter({
      name: 'moat_detection_detector_errors_total',
      help: 'Detector calls that threw (isolated; the request is unaffected), by detector and phase',
      labelNames: ['detector', 'phase'] as const,
      registers,
    });
    this.queueDepth = new Gauge({ name: 'moat_detection_queue_depth', help: 'Events waiting for the detection worker', registers });
    this.eventSeconds = new MirroredHistogram({
      name: 'moat_detection_event_seconds',
      help: 'Detection worker time per event (batch time / batch size: embedding, detectors, risk, linking)',
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005],
      registers,
    });
    this.actions = new Counter({
      name: 'moat_detection_actions_total',
      help: 'Detection actions decided, by level and whether they were applied or only logged (shadow)',
      labelNames: ['level', 'mode'] as const,
      registers,
    });
    this.accounts = new Gauge({ name: 'moat_detection_accounts', help: 'Accounts with detection state in memory', registers });
  }
}
