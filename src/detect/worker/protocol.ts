/**
 * Messages between the gateway thread and the detection worker. Events go in batches; everything that touches the
 * stores (persisting assessments, applying actions, looking accounts up) comes back to the gateway thread, which owns
 * the stores and the ActiveActions map the request path reads. Views and drains are request/reply by `seq`.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { DetectionConfig } from '../../config/detection-schema.ts';
import type { ActionDecision } from '../actions.ts';
import type { RequestEvent } from '../bus.ts';
import type { ActionLevel, RiskAssessment } from '../types.ts';

export interface WorkerStartData {
  config: DetectionConfig;
  /** The gateway logger's level; the worker logs detector faults and rejected events to stdout at it. */
  logLevel: string;
}

export type ToWorker =
  | { type: 'events'; events: RequestEvent[] }
  | { type: 'view'; seq: number; accountId: string }
  | { type: 'clusters'; seq: number }
  | { type: 'drain'; seq: number }
  | { type: 'pardon'; accountId: string }
  | { type: 'level'; accountId: string; level: ActionLevel | null }
  | { type: 'lookup-result'; seq: number; account: { createdAt: number; name: string } | null }
  | { type: 'close'; seq: number };

export type FromWorker =
  | { type: 'ready'; detectors: string[]; perAccountBytes: number }
  | { type: 'failed'; message: string }
  | { type: 'persist'; items: RiskAssessment[] }
  | { type: 'decision'; decision: ActionDecision }
  | { type: 'forget'; accountId: string }
  | { type: 'lookup'; seq: number; accountId: string }
  | { type: 'reply'; seq: number; value: unknown }
  | { type: 'metrics'; metrics: MetricObjectWithValues<MetricValue<string>>[] };
