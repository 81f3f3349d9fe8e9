/**
 * The `detection` section of the configuration: the detection engine (queue, batching, state bounds), the prompt
 * embedder, how detector scores combine into risk, and the graduated actions risk maps to. docs/detection.md explains
 * each knob; every default is here.
 *
 * Defaults: detection is **on** and **in shadow mode**. Scoring runs off the request path, so it costs requests nothing,
 * but acting (throttling, degrading, banning paying accounts) on a fresh install before an operator has looked at
 * `moat detect show` on their own traffic is not what a careful operator expects — the same reason WAFs ship in a
 * log-only mode. Set `detection.shadow: false` to enforce.
 */
import { z } from 'zod';
import { LinkingConfigSchema } from '../detect/linking/config.ts';
import { DETECTOR_NAMES } from '../detect/types.ts';

const unit = z.number().min(0).max(1);

/**
 * Default weights by how specific each signal is to distillation. Logit probing (logprobs with logit_bias, high n,
 * temperature sweeps) has no common benign use, so it alone may ban. Templating and scripted pacing are also what
 * legitimate bulk jobs look like, so each alone stays below the throttle threshold and needs corroboration (coverage,
 * PRADA, MMD) to act; see docs/detection.md for worked examples.
 */
export const DEFAULT_DETECTOR_WEIGHTS: Record<(typeof DETECTOR_NAMES)[number], number> = {
  'volume-pacing': 0.45,
  coverage: 0.85,
  prada: 0.25,
  mmd: 0.25,
  templating: 0.45,
  'api-probing': 1,
};

const detectorSettings = (name: (typeof DETECTOR_NAMES)[number]) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Weight in the noisy-OR (0 switches the detector's influence off but keeps it scoring for the admin view). */
      weight: unit.default(DEFAULT_DETECTOR_WEIGHTS[name]),
      /** A throwing detector counts as score 0 (true, fail open) or as score 1 (false, fail closed) until it recovers. */
      failOpen: z.boolean().default(true),
    })
    .prefault({});
export type DetectorSettings = z.output<ReturnType<typeof detectorSettings>>;

const detectorsShape = Object.fromEntries(DETECTOR_NAMES.map((name) => [name, detectorSettings(name)])) as {
  [K in (typeof DETECTOR_NAMES)[number]]: ReturnType<typeof detectorSettings>;
};

export const DetectionConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Decide, persist and log every action, but apply none. */
    shadow: z.boolean().default(true),
    /** Score on a worker thread, so the gateway's thread only hands events over (false: score on the gateway's thread). */
    worker: z.boolean().default(true),
    /** Events waiting for the worker; beyond this, new events are dropped (counted in moat_detection_shed_total). */
    queueCapacity: z.number().int().min(1).default(20_000),
    /** Events the worker takes per turn of the event loop. */
    batchSize: z.number().int().min(1).max(10_000).default(256),
    /** How long a partial batch waits for more events (0: run at once); trades a few ms of delay for fewer scorings. */
    lingerMs: z.number().int().min(0).max(1000).default(10),
    /**
     * Accounts whose state is kept; the least recently seen is evicted first. Each costs at most the sum of the
     * detectors' `maxStateBytes` (180 KB at the 256-dimension bound, ~90 KB with the default 96-dimension embedder),
     * so the default bounds detection state at ~0.45–0.9 GB; the start-up log states the ceiling.
     */
    maxAccounts: z.number().int().min(1).default(5_000),
    /** An account idle this long loses its detection state. */
    idleEvictSeconds: z.number().int().min(1).default(24 * 3600),
    /** No action before an account (or a cluster, summed over members) has this many events. */
    minEventsForAction: z.number().int().min(1).default(30),
    /** A cluster is re-scored at most this often. */
    clusterRescoreMs: z.number().int().min(0).default(5000),
    /** Assessments kept per account or cluster in the store's history. */
    historyPerSubject: z.number().int().min(1).default(200),
    embedder: z
      .strictObject({
        /**
         * `hashed`: character n-gram hashing + a seeded random projection, pure JS (µs per prompt). `model`: the built-in
         * embedder model in `modelDir` (sentence embeddings; a forward pass per batch, on the detection worker).
         * `none`: no embeddings (the embedding detectors then see nothing).
         */
        kind: z.enum(['hashed', 'model', 'none']).default('hashed'),
        /** For `model`: a directory holding an embedder (model.json + weights.bin), relative to the working directory. */
        modelDir: z.string().min(1).default('models/embedder-student-s'),
        /** For `hashed`: output dimensions (the model's own for `model`). */
        dims: z.number().int().min(8).max(256).default(96),
        seed: z.number().int().default(0x5eed),
      })
      .prefault({}),
    /** Risk at or above each threshold selects that level; below `throttle` the account is only observed. */
    thresholds: z
      .strictObject({ throttle: unit.default(0.6), degrade: unit.default(0.75), ban: unit.default(0.9) })
      .prefault({})
      .refine((t) => t.throttle <= t.degrade && t.degrade <= t.ban, 'thresholds must satisfy throttle <= degrade <= ban'),
    actions: z
      .strictObject({
        /** Throttled (and degraded) accounts get their limits multiplied by this. */
        throttleFactor: z.number().gt(0).max(1).default(0.25),
        /** Requests per minute imposed on a throttled account whose own limit is unlimited (0). */
        throttleUnlimitedRpm: z.number().int().min(1).default(60),
        degrade: z
          .strictObject({
            stripLogprobs: z.boolean().default(true),
            maxN: z.number().int().min(1).default(1),
            maxTokens: z.number().int().min(1).default(256),
            refuseLogitBiasWithLogprobs: z.boolean().default(true),
          })
          .prefault({}),
        /** Ban every account of a linked cluster when the cluster's risk reaches `ban`. */
        banCluster: z.boolean().default(true),
        /** Seconds a detector ban lasts; 0 = until an admin lifts it. */
        banSeconds: z.number().int().min(0).default(0),
      })
      .prefault({}),
    detectors: z.strictObject(detectorsShape).prefault({}),
    /** How accounts are linked into actors (src/detect/linking/config.ts). */
    linking: LinkingConfigSchema,
  })
  .prefault({});

export type DetectionConfig = z.infer<typeof DetectionConfigSchema>;
