/**
 * The contract between detection's parts: the event a detector sees, the detector interface, and the risk and
 * action vocabulary the engine, the gateway and the admin API share. Detectors are pure state machines (no I/O, no
 * clocks: time comes from the event), so each can be tested on crafted traffic and replayed deterministically.
 */
import type { RequestEvent } from './bus.ts';

/** A gateway request event after the detection worker enriched it (off the request path). */
export interface DetectionEvent extends RequestEvent {
  /** Unit-length embedding of `promptText` by the configured embedder; null when the prompt is empty or no embedder. */
  embedding: Float32Array | null;
  /** Whether this event continues an earlier conversation of the account (chat with assistant turns). */
  followUp: boolean;
  /**
   * How many other accounts sent this exact prompt earlier (the engine's population-wide PromptPopularity, capped at
   * 8; absent = unknown, treated as 0). Prompts many accounts send verbatim are public material (isPublicPrompt).
   */
  sharedBy?: number;
}

/** What one detector says about one account (or a cluster's merged traffic) right now. */
export interface DetectorScore {
  /** 0 = nothing suspicious, 1 = certain; monotone in the evidence. */
  score: number;
  /** Short human reasons, most important first, e.g. "inter-arrival CV 0.03 over 200 requests (scripted)". */
  reasons: string[];
  /** The numbers behind the score, for the admin view and tuning. */
  features: Record<string, number>;
}

export const DETECTOR_NAMES = ['volume-pacing', 'coverage', 'prada', 'mmd', 'templating', 'api-probing'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];
/** What can contribute to a risk: the detectors, and for a linked cluster its campaign signature (linking/campaign.ts). */
export const SIGNAL_NAMES = [...DETECTOR_NAMES, 'campaign'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/**
 * One detector. State is per account (and per cluster for the cluster view), bounded: `maxStateBytes` is the
 * documented ceiling whatever the traffic. `observe` must be O(window) or better; its measured median cost is in
 * docs/detection.md.
 */
export interface Detector<S> {
  readonly name: DetectorName;
  readonly maxStateBytes: number;
  create(): S;
  /** Folds one event into the state (mutating it). Malformed events are rejected by throwing a MoatError. */
  observe(state: S, event: DetectionEvent): void;
  score(state: S, now: number): DetectorScore;
  /** Combines member states for a cluster-level score (e.g. union of recent prompts). */
  merge(states: readonly S[]): S;
}

/** Graduated responses, in order of severity. */
export const ACTION_LEVELS = ['observe', 'throttle', 'degrade', 'ban'] as const;
export type ActionLevel = (typeof ACTION_LEVELS)[number];

export interface RiskAssessment {
  /** `account:<id>` or `cluster:<id>`. */
  subject: string;
  at: number;
  risk: number;
  /** Each detector's score and weight in the combined risk. */
  contributions: { detector: SignalName; score: number; weight: number }[];
  /** The top reasons in words, strongest first. */
  reasons: string[];
  level: ActionLevel;
}

/** What the gateway applies to an account's next requests (read on the hot path from an in-memory map). */
export interface ActiveAction {
  accountId: string;
  level: Exclude<ActionLevel, 'observe'>;
  /** Throttle: multiply the account's limits by this factor (0 < f ≤ 1). */
  limitFactor: number;
  /** Degrade: strip logprobs/top_logprobs, cap n and max_tokens, refuse logit_bias together with logprobs. */
  degrade: { stripLogprobs: boolean; maxN: number; maxTokens: number; refuseLogitBiasWithLogprobs: boolean } | null;
  reasons: string[];
  since: number;
  /** When set, the cluster whose risk caused it. */
  clusterId: string | null;
}
