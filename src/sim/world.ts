/** The shared shapes of a simulation: accounts, actors, and what an actor's run may use. */
import type { Rng } from '../ml/engine/rng.ts';
import type { SimClient } from './client.ts';
import type { PromptPools } from './prompts.ts';
import type { Scenario } from './scenario.ts';

export type ActorKind = 'benign' | 'attacker';

/** An account as planned (name, addresses), then created through the admin API (id, key). */
export interface SimAccount {
  /** Index in the run's account list (the ledger's account number). */
  index: number;
  actor: number;
  name: string;
  /** Addresses the account sends from; a rotating swarm uses its pool instead. */
  ips: string[];
  id: string;
  key: string;
  createdAt: number;
}

export interface ActorContext {
  client: SimClient;
  pools: PromptPools;
  scenario: Scenario;
  rng: Rng;
  /** Resolves after `seconds` of wall time, or at once when the run is ending. */
  sleep(seconds: number): Promise<void>;
  /** True once the run's deadline passed (actors must return soon after). */
  ending(): boolean;
  /** Seconds since the run started. */
  elapsed(): number;
  /** The requests-per-minute limit the gateway enforces on simulated accounts (0 = unlimited). */
  requestsPerMinute(): number;
}

export interface SimActor {
  index: number;
  kind: ActorKind;
  /** Benign persona or attacker strategy. */
  persona: string;
  accounts: SimAccount[];
  run(ctx: ActorContext): Promise<void>;
}

/** What a persona or strategy module plans before accounts exist: names and addresses, plus the run. */
export interface ActorPlan {
  kind: ActorKind;
  persona: string;
  accounts: { name: string; ips: string[] }[];
  run(ctx: ActorContext, accounts: SimAccount[], actor: number): Promise<void>;
}
