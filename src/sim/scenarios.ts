/**
 * Built-in scenarios, by name (`--scenario small|target` or a file). `small` runs in about a minute and shows every
 * persona and strategy; `target` is the target scale, shrunk where noted so it finishes on a small machine
 * (docs/simulator.md says what each number stands for).
 */
import { loadScenario, parseScenario, type Scenario, type ScenarioInput } from './scenario.ts';

const SMALL: ScenarioInput = {
  name: 'small',
  seed: 1,
  durationSeconds: 45,
  maxSeconds: 90,
  maxTokens: 8,
  nat: { groups: 2, accountsPerGroup: 10 },
  benign: [
    { persona: 'chat', accounts: 30 },
    { persona: 'developer', accounts: 10 },
    { persona: 'batch', accounts: 5, items: [40, 80] },
    { persona: 'researcher', accounts: 5, items: [30, 60] },
  ],
  attackers: [
    { strategy: 'bulk-harvest', queries: 2000, startSeconds: 10, concurrency: 4 },
    { strategy: 'paced', queries: 2000, startSeconds: 10 },
    { strategy: 'sybil-swarm', queries: 2000, startSeconds: 10, accounts: 12, ips: 12, subnets: 4, waveSeconds: 3 },
    { strategy: 'active-learning', queries: 2000, startSeconds: 10, concurrency: 2 },
    { strategy: 'logprob-probing', queries: 2000, startSeconds: 10, concurrency: 2 },
    { strategy: 'cot-elicitation', queries: 2000, startSeconds: 10, concurrency: 2 },
  ],
};

/**
 * The targets: ≥ 1,000 benign accounts (hard negatives included) and every attacker, including a 50-account
 * swarm over 50 IPs in 10 subnets, on a 20,000-query campaign. Benign volumes are per account as in `small`; the run
 * is capped at 7 minutes, so an attacker never stopped shows as not banned rather than running its whole campaign.
 */
const TARGET: ScenarioInput = {
  name: 'target',
  seed: 5,
  durationSeconds: 150,
  maxSeconds: 420,
  maxInFlight: 96,
  // Completions are not what detection looks at; short ones keep the in-process upstream from being the bottleneck.
  maxTokens: 2,
  nat: { groups: 5, accountsPerGroup: 40 },
  benign: [
    { persona: 'chat', accounts: 600 },
    { persona: 'developer', accounts: 200 },
    { persona: 'batch', accounts: 100, items: [60, 200] },
    { persona: 'researcher', accounts: 100, items: [40, 120] },
  ],
  attackers: [
    { strategy: 'bulk-harvest', queries: 20_000, startSeconds: 20, concurrency: 4 },
    { strategy: 'paced', queries: 20_000, startSeconds: 20 },
    { strategy: 'sybil-swarm', queries: 20_000, startSeconds: 20, accounts: 50, ips: 50, subnets: 10, waveSeconds: 4 },
    { strategy: 'active-learning', queries: 20_000, startSeconds: 20, concurrency: 2 },
    { strategy: 'logprob-probing', queries: 20_000, startSeconds: 20, concurrency: 2 },
    { strategy: 'cot-elicitation', queries: 20_000, startSeconds: 20, concurrency: 2 },
  ],
};

export const BUILTIN_SCENARIOS: Record<string, ScenarioInput> = { small: SMALL, target: TARGET };

/** A built-in name or a JSON/YAML file path; `seed` overrides the scenario's. */
export function resolveScenario(nameOrFile: string | undefined, seed?: number): Scenario {
  const builtin = BUILTIN_SCENARIOS[nameOrFile ?? 'small'];
  const scenario = builtin ? parseScenario(builtin, `built-in scenario ${nameOrFile ?? 'small'}`) : loadScenario(nameOrFile!);
  return seed === undefined ? scenario : { ...scenario, seed };
}
