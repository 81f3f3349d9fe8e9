/**
 * The `detection.linking` configuration section: how accounts are linked into actors (src/detect/linking/linker.ts
 * explains each kind of evidence). Times are in seconds here and milliseconds in the linker.
 */
import { z } from 'zod';
import type { LinkerOptions } from './linker.ts';

export const LinkingConfigSchema = z
  .strictObject({
    /** Width of an activity time bucket for synchronised-timing evidence (compressed simulations use ~1 s). */
    bucketSeconds: z.number().positive().default(60),
    /** Evidence weight two accounts must reach to be linked: each kind weighs 1, a crowded shared subnet ¼. */
    linkWeight: z.number().positive().default(2),
    /** A subnet with more accounts than this is a NAT or proxy exit. */
    crowdedSubnetAccounts: z.number().int().min(1).default(8),
    /** Minimum MinHash similarity of two accounts' recurring prompt bigrams to count as a shared template. */
    templateSimilarity: z.number().min(0).max(1).default(0.5),
    /** Synchronised timing: co-active buckets needed, their lift over chance, and share of the quieter account's. */
    minCoActive: z.number().int().min(1).default(6),
    coActiveLift: z.number().min(1).default(2.5),
    coActiveShare: z.number().min(0).max(1).default(0.5),
    /** No timing evidence for accounts active in more than this share of the time buckets (busy is not synchronised). */
    maxDutyCycle: z.number().min(0).max(1).default(0.5),
    /** Creation pattern: created within this many seconds with the same name shape. */
    creationWindowSeconds: z.number().min(0).default(3600),
    /** The pairwise pass runs at most every this many events or seconds of event time. */
    relinkEveryEvents: z.number().int().min(1).default(256),
    relinkIntervalSeconds: z.number().min(0).default(10),
    /**
     * Weight of a cluster's campaign signature (linking/campaign.ts) in the cluster's risk. Below the ban threshold on
     * purpose: linking alone can degrade a cluster; banning it needs a content detector to agree.
     */
    campaignWeight: z.number().min(0).max(1).default(0.8),
  })
  .prefault({});

export type LinkingConfig = z.infer<typeof LinkingConfigSchema>;

export function linkerOptions(config: LinkingConfig, maxAccounts: number): LinkerOptions {
  return {
    maxAccounts,
    bucketMs: config.bucketSeconds * 1000,
    linkWeight: config.linkWeight,
    crowdedSubnetAccounts: config.crowdedSubnetAccounts,
    templateSimilarity: config.templateSimilarity,
    minCoActive: config.minCoActive,
    coActiveLift: config.coActiveLift,
    coActiveShare: config.coActiveShare,
    maxDutyCycle: config.maxDutyCycle,
    creationWindowMs: config.creationWindowSeconds * 1000,
    relinkEveryEvents: config.relinkEveryEvents,
    relinkIntervalMs: config.relinkIntervalSeconds * 1000,
  };
}
