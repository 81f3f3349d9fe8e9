/**
 * Runs a scenario against a running gateway: plans the actors, creates their accounts and keys through the admin
 * API, then lets every actor loose at once over loopback (client addresses in the forwarding header) until each is
 * done, stopped, or the scenario's deadline passes. Returns the ledger of every request with who sent it.
 */
import type { AdminClient } from '../admin/client.ts';
import { createRng, deriveSeed } from '../ml/engine/rng.ts';
import { SimClient } from './client.ts';
import { countOutcomes, Ledger, type OutcomeCounts } from './ledger.ts';
import { planActors } from './plan.ts';
import { loadPromptPools } from './prompts.ts';
import type { Scenario } from './scenario.ts';
import type { ActorContext, ActorKind, SimAccount, SimActor } from './world.ts';

export interface SimulationOptions {
  scenario: Scenario;
  /** e.g. `http://127.0.0.1:8080`. */
  gatewayUrl: string;
  admin: AdminClient;
  /** The gateway's `gateway.clientIpHeader` (it must trust this process's address in `gateway.trustedProxies`). */
  clientIpHeader?: string;
  /** Chat model to call when the scenario names none. */
  model?: string;
  /** The gateway's default per-account requests per minute, when the scenario sets no account limits. */
  defaultRequestsPerMinute?: number;
  onProgress?: (progress: { elapsedSeconds: number; requests: number; actorsDone: number; actors: number }) => void;
}

export interface ActorSummary {
  index: number;
  kind: ActorKind;
  persona: string;
  accounts: { id: string; name: string; ips: string[] }[];
  outcomes: OutcomeCounts;
}

export interface SimulationResult {
  scenario: string;
  seed: number;
  /** Epoch ms the traffic started (ledger times are relative to it). */
  startedAt: number;
  durationMs: number;
  actors: ActorSummary[];
  accounts: SimAccount[];
  ledger: Ledger;
}

const ACCOUNT_CREATION_CONCURRENCY = 16;

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const { scenario } = options;
  const pools = loadPromptPools(scenario.seed);
  const plans = planActors(scenario);
  const actors = await createAccounts(options, plans);
  const model = scenario.model ?? options.model ?? (await discoverModel(options.gatewayUrl, actors[0]?.accounts[0]?.key));
  const ledger = new Ledger();
  const client = new SimClient({ gatewayUrl: options.gatewayUrl, clientIpHeader: options.clientIpHeader ?? 'x-forwarded-for', model, maxInFlight: scenario.maxInFlight, ledger, timeoutMs: 60_000 });
  const deadlineMs = scenario.maxSeconds * 1000;
  const ending = () => ledger.now() >= deadlineMs;
  // Every simulated account gets the same limits (the scenario's, else the gateway's defaults); 0 = unlimited.
  const rpm = () => scenario.accountLimits?.requestsPerMinute ?? options.defaultRequestsPerMinute ?? 60;
  let done = 0;
  const ticker = setInterval(() => options.onProgress?.({ elapsedSeconds: ledger.now() / 1000, requests: ledger.records.length, actorsDone: done, actors: actors.length }), 2000);
  try {
    await Promise.all(
      actors.map(async (actor) => {
        const ctx: ActorContext = {
          client,
          pools,
          scenario,
          rng: createRng(deriveSeed(scenario.seed, `run:${actor.index}`)),
          sleep: (seconds) => sleepUntilDeadline(seconds, ledger, deadlineMs),
          ending,
          elapsed: () => ledger.now() / 1000,
          requestsPerMinute: rpm,
        };
        await actor.run(ctx);
        done++;
      }),
    );
  } finally {
    clearInterval(ticker);
    await client.close();
  }
  const byActor = new Map<number, typeof ledger.records>();
  for (const record of ledger.records) {
    const list = byActor.get(record.actor);
    if (list) list.push(record);
    else byActor.set(record.actor, [record]);
  }
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    startedAt: ledger.startedAt,
    durationMs: ledger.now(),
    actors: actors.map((a) => ({
      index: a.index,
      kind: a.kind,
      persona: a.persona,
      accounts: a.accounts.map((m) => ({ id: m.id, name: m.name, ips: m.ips.length > 4 ? [...m.ips.slice(0, 4), `… ${m.ips.length} in all`] : m.ips })),
      outcomes: countOutcomes(byActor.get(a.index) ?? []),
    })),
    accounts: actors.flatMap((a) => a.accounts),
    ledger,
  };
}

async function createAccounts(options: SimulationOptions, plans: ReturnType<typeof planActors>): Promise<SimActor[]> {
  const jobs: { actor: number; slot: number; name: string; ips: string[] }[] = [];
  for (const [actor, plan] of plans.entries()) for (const [slot, a] of plan.accounts.entries()) jobs.push({ actor, slot, ...a });
  const created: SimAccount[] = new Array(jobs.length);
  let next = 0;
  const limits = options.scenario.accountLimits;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      const { account, key } = await options.admin.createAccount({ name: job.name, ...(limits ? { limits } : {}), keyName: 'sim' });
      created[index] = { index, actor: job.actor, name: job.name, ips: job.ips, id: account.id, key: key.key, createdAt: account.createdAt };
    }
  };
  await Promise.all(Array.from({ length: ACCOUNT_CREATION_CONCURRENCY }, worker));
  return plans.map((plan, actor) => {
    const accounts = created.filter((a) => a.actor === actor);
    return { index: actor, kind: plan.kind, persona: plan.persona, accounts, run: (ctx: ActorContext) => plan.run(ctx, accounts, actor) };
  });
}

function sleepUntilDeadline(seconds: number, ledger: Ledger, deadlineMs: number): Promise<void> {
  const ms = Math.min(seconds * 1000, deadlineMs - ledger.now());
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first model the gateway lists whose name suggests a chat LM (the built-in one is `…lm…`), else the first. */
async function discoverModel(gatewayUrl: string, key: string | undefined): Promise<string> {
  if (!key) throw new Error('no accounts to discover the model with; set "model" in the scenario');
  const res = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { data?: { id: string }[] };
  const ids = (body.data ?? []).map((m) => m.id);
  const chosen = ids.find((id) => /lm|chat|gpt/i.test(id)) ?? ids[0];
  if (!chosen) throw new Error(`the gateway at ${gatewayUrl} lists no models; set "model" in the scenario`);
  return chosen;
}
