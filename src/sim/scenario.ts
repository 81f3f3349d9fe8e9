/**
 * A simulation scenario: who sends traffic, how much and how fast. Validated with zod; read from JSON or YAML.
 *
 * Time is real (requests go through the real gateway and detection timestamps them with the gateway's clock), but
 * compressed: every duration here is in wall-clock seconds of the run, so a "day" of a chat user's traffic happens
 * in a minute or two. Ratios between personas are kept; absolute rates are higher than in life, which is why the
 * evaluation's per-account limits are set for the compressed scale (docs/simulator.md).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const range = z.tuple([z.number().min(0), z.number().min(0)]).refine(([lo, hi]) => lo <= hi, 'range must be [min, max] with min <= max');
const count = z.number().int().min(0);

const ChatPersona = z.strictObject({
  persona: z.literal('chat'),
  accounts: count,
  /** Conversations per account, spread over the run. */
  sessions: range.default([1, 3]),
  /** User turns per conversation (each later turn carries the history). */
  turns: range.default([2, 6]),
  thinkSeconds: range.default([1, 6]),
});

const DeveloperPersona = z.strictObject({
  persona: z.literal('developer'),
  accounts: count,
  /** A developer's own handful of test prompts, re-run in bursts. */
  prompts: range.default([2, 6]),
  bursts: range.default([2, 5]),
  runsPerBurst: range.default([3, 10]),
  thinkSeconds: range.default([0.2, 2]),
  /** Share of requests asking for logprobs (debugging a parser, say). */
  logprobsShare: z.number().min(0).max(1).default(0.2),
});

const BatchPersona = z.strictObject({
  persona: z.literal('batch'),
  accounts: count,
  /** Items in the customer's bulk job (one request each), over its own narrow domain and template. */
  items: range.default([150, 400]),
  concurrency: z.number().int().min(1).default(4),
});

const ResearcherPersona = z.strictObject({
  persona: z.literal('researcher'),
  accounts: count,
  /** Items of the public evaluation suite run (the same suite for every researcher). */
  items: range.default([100, 300]),
  concurrency: z.number().int().min(1).default(2),
  /** Multiple-choice scoring reads the answer letters' logprobs. */
  logprobs: z.boolean().default(true),
});

export const BenignPersonaSchema = z.discriminatedUnion('persona', [ChatPersona, DeveloperPersona, BatchPersona, ResearcherPersona]);
export type BenignPersonaSpec = z.infer<typeof BenignPersonaSchema>;
export const BENIGN_PERSONAS = ['chat', 'developer', 'batch', 'researcher'] as const;
export type BenignPersona = (typeof BENIGN_PERSONAS)[number];

const attackerBase = {
  /** Queries in the campaign (served ones count; refused ones are retried up to the attacker's patience). */
  queries: z.number().int().min(1).default(2000),
  /** Seconds after the start of the run the campaign begins. */
  startSeconds: z.number().min(0).default(5),
  /** Requests in flight at once. */
  concurrency: z.number().int().min(1).default(4),
  /** Requests per second the attacker aims for (0 = as fast as the gateway answers). */
  rps: z.number().min(0).default(0),
  /** The attacker gives up after this many consecutive refusals as banned (it is then "stopped"). */
  patience: z.number().int().min(1).default(5),
};

const SingleAttacker = z.strictObject({
  strategy: z.enum(['bulk-harvest', 'paced', 'active-learning', 'logprob-probing', 'cot-elicitation']),
  ...attackerBase,
  /** `paced`: share of the account's requests-per-minute limit it stays under (read through the admin API). */
  limitShare: z.number().gt(0).max(1).default(0.8),
});

const SwarmAttacker = z.strictObject({
  strategy: z.literal('sybil-swarm'),
  ...attackerBase,
  accounts: z.number().int().min(2).default(50),
  ips: z.number().int().min(1).default(50),
  subnets: z.number().int().min(1).default(10),
  /** Each request leaves from a random IP of the pool (a rotating proxy) instead of the account's own. */
  rotateIps: z.boolean().default(false),
  /** The orchestrator dispatches work in waves: every member sends one request, then all wait. */
  waveSeconds: z.number().min(0).default(2),
  /** `sequential` names (worker-0001…) or human-looking ones (harder: no creation-pattern evidence). */
  naming: z.enum(['human', 'sequential']).default('human'),
});

export const AttackerSchema = z.discriminatedUnion('strategy', [SingleAttacker, SwarmAttacker]);
export type AttackerSpec = z.infer<typeof AttackerSchema>;
export type AttackerStrategy = AttackerSpec['strategy'];
export const ATTACKER_STRATEGIES = ['bulk-harvest', 'paced', 'sybil-swarm', 'active-learning', 'logprob-probing', 'cot-elicitation'] as const;

export const ScenarioSchema = z.strictObject({
  name: z.string().default('scenario'),
  seed: z.number().int().default(1),
  /** Benign sessions start uniformly over this many seconds. */
  durationSeconds: z.number().positive().default(60),
  /** The run ends at this point whatever is still going (attackers not stopped count as not banned). */
  maxSeconds: z.number().positive().default(600),
  /** Requests in flight across all simulated clients. */
  maxInFlight: z.number().int().min(1).default(64),
  /** Chat model to call (default: the first chat model the gateway lists). */
  model: z.string().optional(),
  maxTokens: z.number().int().min(1).default(16),
  /** Benign accounts that share a NAT (a company or campus): this many groups of this many accounts. */
  nat: z.strictObject({ groups: count.default(3), accountsPerGroup: count.default(30) }).prefault({}),
  /** Limits given to every simulated account (the compressed-time scale); omitted = the gateway's defaults. */
  accountLimits: z
    .strictObject({
      requestsPerMinute: count.optional(),
      tokensPerMinute: count.optional(),
      requestsPerDay: count.optional(),
      concurrentRequests: count.optional(),
    })
    .optional(),
  benign: z.array(BenignPersonaSchema).default([]),
  attackers: z.array(AttackerSchema).default([]),
});
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** A scenario that cannot be used, with the sysexits code the CLI exits with (64 usage, 65 data, 66 no input). */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly exitCode: 64 | 65 | 66,
    message: string,
  ) {
    super(message);
  }
}

export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw new ScenarioError(64, `${source} is not a valid scenario:\n${issues}`);
}

/** Reads a scenario from a `.json` file, or YAML otherwise (JSON is YAML, so either parses). */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(66, `cannot read scenario ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(65, `scenario ${file} does not parse: ${(err as Error).message}`);
  }
  return parseScenario(doc ?? {}, file);
}
