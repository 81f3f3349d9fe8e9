/**
 * The one configuration schema. It is also the type (`Config`), and every default lives here with its unit in
 * the name or a comment. `loadConfig()` (load.ts) parses a YAML file plus a few environment overrides through it
 * once, at start-up; nothing else reads `process.env`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DetectionConfigSchema } from './detection-schema.ts';
import { WatermarkSchema } from './watermark-schema.ts';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

/** `10.0.0.0/8`, `2001:db8::/32` or a bare address (treated as /32 or /128). */
export const cidr = z.string().refine((value) => {
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || isIP(addr) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(addr) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}, 'must be an IPv4/IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32');

/** A limit of 0 means "no limit" everywhere, so a YAML file can switch one off explicitly. */
const limitValue = z.number().int().min(0);

export const LimitSetSchema = z.strictObject({
  requestsPerMinute: limitValue.default(0),
  tokensPerMinute: limitValue.default(0),
  requestsPerDay: limitValue.default(0),
  concurrentRequests: limitValue.default(0),
});
export type LimitSet = z.infer<typeof LimitSetSchema>;

export const ModelKindSchema = z.enum(['chat', 'completion', 'embedding', 'classification']);
export type ModelKind = z.infer<typeof ModelKindSchema>;

/** How the gateway counts prompt tokens for reservations: in the upstream's own units where it can. */
export const TokenizerSchema = z.enum(['o200k_base', 'cl100k_base', 'chars']);

export const ModelRouteSchema = z.strictObject({
  /** Name clients send as `model`. */
  name: z.string().min(1).max(128),
  /** Routes the model answers; a request on another route gets 404. */
  kinds: z.array(ModelKindSchema).min(1),
  /** OpenAI-compatible base URL including `/v1`, e.g. `http://127.0.0.1:8090/v1`. */
  baseUrl: z.url(),
  /** Upstream API key; sent upstream, never exposed to clients or logs. */
  apiKey: z.string().optional(),
  /** Model name sent upstream (defaults to `name`). */
  upstreamModel: z.string().optional(),
  tokenizer: TokenizerSchema.default('o200k_base'),
  /** Completion-token reservation when a request gives no `max_tokens`. */
  defaultMaxTokens: z.number().int().positive().default(1024),
  timeoutMs: z.number().int().positive().default(60_000),
  /** A Moat model server that honours internal headers (the watermark key id); set for discovered built-in models. */
  internal: z.boolean().default(false),
});
export type ModelRoute = z.infer<typeof ModelRouteSchema>;

export const ConfigSchema = z.strictObject({
  /** Directory for SQLite files and generated secrets. */
  dataDir: z.string().min(1).default('.moat'),
  gateway: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(8080),
      maxBodyBytes: z.number().int().positive().default(1024 * 1024), // 1 MiB
      /** Peers whose forwarding header is believed; everyone else's is ignored. */
      trustedProxies: z.array(cidr).default([]),
      clientIpHeader: z.string().toLowerCase().default('x-forwarded-for'),
      /** How many addresses of a client share a "subnet" for subnet limits. */
      subnetPrefixV4: z.number().int().min(1).max(32).default(24),
      subnetPrefixV6: z.number().int().min(1).max(128).default(64),
      /** Seconds a rotated key keeps working. */
      keyRotationGraceSeconds: z.number().int().min(0).default(24 * 3600),
      /** How long key, account and ban lookups are cached; bounds how late a ban or revocation can apply. 0 = off. */
      lookupCacheMs: z.number().int().min(0).max(1000).default(250),
    })
    .prefault({}),
  admin: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(8081),
      /** Bearer token for the admin API; generated into dataDir when absent. */
      token: z.string().min(16).optional(),
    })
    .prefault({}),
  storage: z
    .strictObject({
      driver: z.enum(['sqlite', 'memory']).default('sqlite'),
      /** SQLite file, relative to dataDir unless absolute. */
      sqlitePath: z.string().default('moat.db'),
    })
    .prefault({}),
  /** HMAC secret for API-key hashes; generated into dataDir when absent. Changing it invalidates every key. */
  secret: z.string().min(32).optional(),
  limits: z
    .strictObject({
      /** Defaults for accounts created without their own limits. */
      account: LimitSetSchema.prefault({ requestsPerMinute: 600, tokensPerMinute: 200_000, concurrentRequests: 32 }),
      ip: LimitSetSchema.prefault({}),
      subnet: LimitSetSchema.prefault({}),
      /** What a limit check does when its store fails: refuse (exact) or let the request through (available). */
      onStoreError: z.enum(['deny', 'allow']).default('deny'),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Store prompt and completion text next to their hashes (detection and provenance need it). */
      storeText: z.enum(['off', 'full']).default('off'),
      /** Days to keep stored text; 0 keeps it forever. Hashes and metadata are always kept. */
      textRetentionDays: z.number().int().min(0).default(30),
    })
    .prefault({}),
  models: z.array(ModelRouteSchema).default([]),
  serve: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(8090),
      /** Directory holding the built-in models' weights. */
      modelsDir: z.string().default('models'),
      maxN: z.number().int().positive().default(8),
      maxTokens: z.number().int().positive().default(512),
      maxInputChars: z.number().int().positive().default(8192),
      /** Requests waiting for the generator beyond this many get 429. */
      maxQueue: z.number().int().positive().default(256),
    })
    .prefault({}),
  watermark: WatermarkSchema,
  detection: DetectionConfigSchema,
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

/** The validated, defaulted configuration every module receives. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a YAML file may contain (every field optional where a default exists). */
export type ConfigInput = z.input<typeof ConfigSchema>;
