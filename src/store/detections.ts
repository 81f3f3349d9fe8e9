/**
 * The detection store port: each account's and cluster's risk assessments over time (bounded history per subject),
 * and the detection action in force on each account, so the gateway reloads them after a restart. Setting or
 * clearing an action takes the `AdminAction` and writes it in the same transaction, like every admin change, so each
 * automatic throttle, degrade and ban has its audit row with its reasons.
 */
import { z } from 'zod';
import { ACTION_LEVELS, type ActiveAction, type RiskAssessment, SIGNAL_NAMES } from '../detect/types.ts';
import { MoatError } from '../http/errors.ts';
import type { AdminAction } from './types.ts';

export interface DetectionStore {
  /** Appends assessments in one transaction, then trims each subject's history to its newest `keep`. */
  appendAssessments(items: readonly RiskAssessment[], keep: number): Promise<void>;
  /** A subject's assessments, newest first. */
  history(subject: string, limit: number): Promise<RiskAssessment[]>;
  /** Sets the account's action (replacing any), or clears it with null; the audit row commits with it. */
  setAction(accountId: string, action: ActiveAction | null, audit: AdminAction): Promise<void>;
  /** Every action in force. */
  actions(): Promise<ActiveAction[]>;
  /**
   * An audit row on its own: a decision that changed nothing (detection in shadow mode), written so an operator can
   * review what would have happened (`detect.shadow.<level>`).
   */
  recordDecision(audit: AdminAction): Promise<void>;
}

const unit = z.number().min(0).max(1);

export const ContributionsSchema = z.array(z.object({ detector: z.enum(SIGNAL_NAMES), score: unit, weight: unit }));
export const ReasonsSchema = z.array(z.string());

export const ActiveActionSchema = z.object({
  accountId: z.string().min(1),
  level: z.enum(ACTION_LEVELS).exclude(['observe']),
  limitFactor: z.number().gt(0).max(1),
  degrade: z
    .object({ stripLogprobs: z.boolean(), maxN: z.number().int().min(1), maxTokens: z.number().int().min(1), refuseLogitBiasWithLogprobs: z.boolean() })
    .nullable(),
  reasons: z.array(z.string()),
  since: z.number(),
  clusterId: z.string().nullable(),
});

const RiskAssessmentSchema = z.object({
  subject: z.string().min(1).max(300),
  at: z.number(),
  risk: unit,
  contributions: ContributionsSchema,
  reasons: ReasonsSchema,
  level: z.enum(ACTION_LEVELS),
});

/** Write-side checks shared by the adapters. */
export function checkAssessment(a: RiskAssessment): RiskAssessment {
  return check(RiskAssessmentSchema, a, 'risk assessment') as RiskAssessment;
}

export function checkAction(a: ActiveAction): ActiveAction {
  return check(ActiveActionSchema, a, 'detection action') as ActiveAction;
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new MoatError('invalid_request', `invalid ${what}: ${issue?.path.join('.') || 'value'} ${issue?.message ?? ''}`.trim());
}
