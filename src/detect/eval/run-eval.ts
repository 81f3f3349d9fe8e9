/**
 * `moat detect eval`: starts Moat in-process with detection on (enforcing), drives a scenario through the real
 * gateway with the simulator, reads back what detection did through the admin API, and scores it.
 */
import type { ConfigInput } from '../../config/schema.ts';
import { runSimulation, type SimulationOptions, type SimulationResult } from '../../sim/run.ts';
import type { Scenario } from '../../sim/scenario.ts';
import type { RequestEvent } from '../bus.ts';
import type { ClusterView } from '../views.ts';
import { computeMetrics, type EvalMetrics } from './metrics.ts';
import { type AccountOutcome, collectOutcomes } from './outcomes.ts';
import { type EvalReport, writeEvalReport } from './report.ts';
import { EVAL_MODEL, startEvalStack } from './stack.ts';

export interface DetectEvalOptions {
  scenario: Scenario;
  /** Where eval.json, eval.md, roc.svg and campaigns.svg go (nothing written when absent). */
  outDir?: string;
  /** Detection settings over the evaluation defaults (enforcing; time buckets for compressed time). */
  detection?: ConfigInput['detection'];
  onProgress?: SimulationOptions['onProgress'];
  /** Sees every event the gateway publishes to detection (benches record the stream for offline replay). */
  onRequestEvent?: (event: RequestEvent) => void;
}

export interface DetectEvalResult {
  report: EvalReport;
  metrics: EvalMetrics;
  sim: SimulationResult;
  files: ReturnType<typeof writeEvalReport> | null;
}

/**
 * Linking's time buckets are narrowed for compressed time (a simulated minute passes in seconds), and its creation
 * evidence is off: the simulator creates every account within seconds of the others, which no real population does,
 * so "created close together" would say nothing here (the unit tests cover it). Everything else is detection's own
 * default, except that it enforces, because a shadow run cannot show queries served before a ban.
 */
export const EVAL_DETECTION: NonNullable<ConfigInput['detection']> = {
  enabled: true,
  shadow: false,
  linking: { bucketSeconds: 0.5, relinkIntervalSeconds: 2, creationWindowSeconds: 0 },
};

/** Time for the detection worker to drain its queue after the last request. */
const SETTLE_MS = 2000;

export async function runDetectEval(options: DetectEvalOptions): Promise<DetectEvalResult> {
  const { scenario } = options;
  const detection = { ...EVAL_DETECTION, ...options.detection, linking: { ...EVAL_DETECTION.linking, ...options.detection?.linking } };
  const stack = await startEvalStack({ detection, accountLimits: scenario.accountLimits });
  const unsubscribe = options.onRequestEvent ? stack.services.bus.subscribe(options.onRequestEvent) : null;
  try {
    const sim = await runSimulation({
      scenario,
      gatewayUrl: stack.gatewayUrl,
      admin: stack.admin,
      clientIpHeader: stack.config.gateway.clientIpHeader,
      model: EVAL_MODEL,
      defaultRequestsPerMinute: stack.config.limits.account.requestsPerMinute,
      onProgress: options.onProgress,
    });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const running = stack.services.detection !== null;
    const outcomes: Map<string, AccountOutcome> = running ? await collectOutcomes(stack.admin, sim.accounts.map((a) => a.id)) : new Map();
    const clusters: ClusterView[] = running ? (await stack.admin.detectClusters()).items : [];
    const metrics = computeMetrics(sim, scenario, outcomes, clusters);
    const { roc: _roc, ...rest } = metrics;
    const report: EvalReport = {
      scenario: scenario.name,
      seed: scenario.seed,
      startedAt: new Date(sim.startedAt).toISOString(),
      durationSeconds: sim.durationMs / 1000,
      requests: sim.ledger.records.length,
      detection: { shadow: stack.config.detection.shadow, thresholds: { ...stack.config.detection.thresholds } },
      metrics: rest,
    };
    const files = options.outDir ? writeEvalReport(options.outDir, report, metrics, sim) : null;
    return { report, metrics, sim, files };
  } finally {
    unsubscribe?.();
    await stack.close();
  }
}
