/**
 * Prometheus metrics for the data plane. Gateway-added latency is measured separately from upstream time, which is
 * what an operator needs to tell "Moat is slow" from "the model is slow".
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DawnTally } from '../watermark/classifier/classifications-response.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'moat_requests_total',
    help: 'Data-plane requests by route, status and decision',
    labelNames: ['route', 'status', 'decision'] as const,
    registers: [this.registry],
  });
  readonly gatewayLatency = new Histogram({
    name: 'moat_gateway_added_seconds',
    help: 'Time spent in the gateway itself (total minus upstream)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1],
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'moat_upstream_seconds',
    help: 'Time waiting for and streaming from the upstream',
    labelNames: ['model'] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly limitRejections = new Counter({
    name: 'moat_limit_rejections_total',
    help: 'Requests refused by a limit, by scope and dimension',
    labelNames: ['scope', 'dimension'] as const,
    registers: [this.registry],
  });
  readonly bannedRequests = new Counter({
    name: 'moat_banned_requests_total',
    help: 'Requests refused because their account is banned',
    registers: [this.registry],
  });
  readonly activeStreams = new Gauge({ name: 'moat_active_streams', help: 'SSE streams being relayed', registers: [this.registry] });
  readonly limitStoreErrors = new Counter({ name: 'moat_limit_store_errors_total', help: 'Limit store failures', registers: [this.registry] });
  /** DAWN's realised shares: flipped / all and in band / all, against `fraction` and `bandShare` in the config. */
  readonly dawnInputs = new Counter({
    name: 'moat_watermark_dawn_inputs_total',
    help: 'Classification answers seen by DAWN, by model and selection (watermark, control, in_band_other, out_of_band)',
    labelNames: ['model', 'selection'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'moat_' });
  }

  countDawn(model: string, tally: DawnTally): void {
    const add = (selection: string, n: number) => {
      if (n > 0) this.dawnInputs.inc({ model, selection }, n);
    };
    add('watermark', tally.watermark);
    add('control', tally.control);
    add('in_band_other', tally.inBandOther);
    add('out_of_band', tally.outOfBand);
  }
}
