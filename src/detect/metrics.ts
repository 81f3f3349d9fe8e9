/**
 * Prometheus metrics of the detection engine, registered in the gateway's registry so `/metrics` shows them next to
 * the request metrics: what was queued, shed and rejected, which detectors threw, the per-event scoring cost, and the
 * actions decided (shadow or applied).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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
    this.eventSeconds = new Histogram({
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
