/**
 * The sybil swarm: N accounts over M proxy addresses in K subnets, each account staying small, driven by one
 * orchestrator that splits one campaign among them. The orchestrator dispatches work in waves (every live member sends
 * one request, then all wait), which is how such tooling batches work — and what synchronised-timing linking sees.
 */
import type { Rng } from '../../ml/engine/rng.ts';
import { proxyPool } from '../addresses.ts';
import { humanName, sequentialName } from '../names.ts';
import { harvestPrompt, swarmTemplate } from '../prompts.ts';
import type { AttackerSpec } from '../scenario.ts';
import type { ActorContext, ActorPlan, SimAccount } from '../world.ts';
import { isStopped, send, user } from './shared.ts';

type SwarmSpec = Extract<AttackerSpec, { strategy: 'sybil-swarm' }>;

export function swarmPlan(spec: SwarmSpec, rng: Rng): ActorPlan {
  const pool = proxyPool(rng, spec.ips, spec.subnets);
  const prefix = `worker${rng.int(100)}`;
  const accounts = Array.from({ length: spec.accounts }, (_, i) => ({
    name: spec.naming === 'sequential' ? sequentialName(prefix, i) : humanName(rng),
    ips: spec.rotateIps ? pool : [pool[i % pool.length]!],
  }));
  return { kind: 'attacker', persona: spec.strategy, accounts, run: (ctx, members, actor) => orchestrate(ctx, spec, members, actor) };
}

async function orchestrate(ctx: ActorContext, spec: SwarmSpec, members: SimAccount[], actor: number): Promise<void> {
  await ctx.sleep(spec.startSeconds);
  const template = swarmTemplate(ctx.rng);
  const refusals = new Map<number, number>(members.map((m) => [m.index, 0]));
  let served = 0;
  while (served < spec.queries && !ctx.ending()) {
    const live = members.filter((m) => refusals.get(m.index)! < spec.patience);
    if (live.length === 0) return;
    const wave = live.slice(0, spec.queries - served);
    await Promise.all(
      wave.map(async (member) => {
        // Members of a wave leave within a fraction of the wave period, not all in the same millisecond.
        await ctx.sleep(ctx.rng.next() * spec.waveSeconds * 0.2);
        const response = await send(ctx, actor, member, [user(template(harvestPrompt(ctx.pools, ctx.rng)))], { maxTokens: ctx.scenario.maxTokens, temperature: 0.7 }, { retries: 0 });
        if (response.status >= 200 && response.status < 300) served++;
        refusals.set(member.index, isStopped(response) ? refusals.get(member.index)! + 1 : 0);
      }),
    );
    await ctx.sleep(spec.waveSeconds * (0.8 + 0.4 * ctx.rng.next()));
  }
}
