/**
 * The `watermark` section of the configuration (issue 6). The master secret follows the API-key secret's pattern:
 * given here, or generated once into `<dataDir>/watermark-secret.json` by the processes that mark outputs (never by
 * `moat verify`, which refuses to run without the secret that marked the outputs). Per-account keys are derived from
 * the master and a key version; bumping `keyVersion` rotates every account's key, and `retired` keeps the masters of
 * earlier versions whose secret itself was replaced, so outputs marked under any listed version still verify.
 */
import { z } from 'zod';

const masterSecret = z.string().min(32);

export const RetiredWatermarkSecretSchema = z.strictObject({
  version: z.number().int().min(1),
  secret: masterSecret,
});

export const WatermarkSchema = z
  .strictObject({
    /** Master watermark secret (≥ 32 chars); generated into dataDir when absent. Losing it makes old marks unverifiable. */
    secret: masterSecret.optional(),
    /** Version of the keys new outputs are marked with; encoded in every key id. */
    keyVersion: z.number().int().min(1).max(9999).default(1),
    /** Masters of earlier key versions whose secret was replaced (versions without an entry use `secret`). */
    retired: z.array(RetiredWatermarkSecretSchema).default([]),
    /** KGW green-list mark applied by the built-in model server's sampler. */
    text: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Fraction of the vocabulary that is green at each step. */
        gamma: z.number().gt(0).lt(1).default(0.25),
        /**
         * Logit bias added to green tokens. 0.35 costs the built-in LM +0.80% perplexity (+0.49% bits per character)
         * and still names a student of 2,000 marked answers at p = 3e-8 with the reference-weighted test and
         * 50-token probes (docs/watermark.md); 0.5 is stronger but costs +1.6% perplexity.
         */
        delta: z.number().min(0).max(20).default(0.35),
        /** How many previous tokens seed the green list. */
        contextWidth: z.number().int().min(1).max(8).default(1),
      })
      .prefault({}),
    /** Keyed synonym substitution applied by the gateway to upstream text responses. */
    lexical: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Served models not to rewrite because their upstream marks its own text (built-in `internal` models are skipped when `text` is on). */
        exceptModels: z.array(z.string()).default([]),
      })
      .prefault({}),
    /** Trigger-word embedding mark applied by the gateway to upstream embeddings. */
    embedding: z
      .strictObject({
        enabled: z.boolean().default(false),
        /**
         * Trigger words (keyed by the master, shared by every account so one probe set tests them all). 8 touch ~5%
         * of passages; EmbMarker's 20 touched 13% and cost ~1.1% recall@5 (bench watermark-proxy --only=quality).
         */
        triggers: z.number().int().min(4).max(200).default(8),
        /** Target directions per account, each with its own trigger subset (WARDEN); keep ≥ 4 triggers per subset. */
        directions: z.number().int().min(1).max(16).default(2),
        /** Distinct triggers of a subset that give a direction its full weight (EmbMarker's m). */
        maxTriggers: z.number().int().min(1).max(16).default(4),
      })
      .prefault({}),
    /** DAWN: a keyed fraction of classifier queries get a keyed wrong label. */
    classifier: z
      .strictObject({
        enabled: z.boolean().default(false),
        /**
         * Share of inputs answered with the keyed wrong label. DAWN recommends ≤ 0.5%, the default. More flips give
         * stronger evidence against a copy that memorises them (median p ~1e-9 at 0.5%, ~4e-13 at 1%: bench
         * watermark-proxy --only=dawn --dawn-fraction=0.01) at an accuracy cost of about the share itself, so up to 5%
         * is accepted; they do not help against a copy that smooths label noise away.
         */
        fraction: z.number().gt(0).max(0.05).default(0.005),
        /**
         * Share of inputs kept, answered truthfully, as controls for verification (independent keyed hash). Controls
         * are what the suspect's hits are compared with: 2% left ~50 per 2,000-query harvest and p stuck near 1e-6
         * (bench watermark-proxy --only=dawn), 10% gives ~200. The cost is ledger space, not answer quality.
         */
        controlFraction: z.number().min(0).max(0.1).default(0.1),
        /**
         * Teacher margins (top probability minus the runner-up's) eligible for either role. A distilled copy memorised
         * 97% of the flips it trained on below margin 0.99 but 62% at ≥ 0.999, and its disagreements with the teacher
         * (the controls' errors) sit at small margins (bench watermark-dawn-margin). {min: 0, max: 1} is classic DAWN.
         */
        marginBand: z
          .strictObject({ min: z.number().min(0).max(1).default(0.9), max: z.number().min(0).max(1).default(0.999) })
          .refine((b) => b.min < b.max, 'marginBand.min must be below marginBand.max')
          .prefault({}),
        /**
         * The share of traffic expected in the band (0.46–0.49 for the built-in classifier-teacher on SpamAssassin).
         * Inside the band inputs are selected at fraction / bandShare, so the flipped share overall stays near
         * `fraction` only if this matches the traffic; the gateway counts both (moat_watermark_dawn_inputs_total).
         */
        bandShare: z.number().gt(0).max(1).default(0.48),
      })
      .refine((c) => c.fraction + c.controlFraction <= c.bandShare, {
        message: 'watermark.classifier: fraction + controlFraction must not exceed bandShare (they are selection rates inside the band once divided by it)',
      })
      .prefault({}),
  })
  .refine((w) => new Set(w.retired.map((r) => r.version)).size === w.retired.length, 'watermark.retired lists a version twice')
  .refine((w) => w.retired.every((r) => r.version !== w.keyVersion), 'watermark.retired must not hold the current keyVersion')
  .prefault({});

export type WatermarkConfig = z.infer<typeof WatermarkSchema>;
