/**
 * Benign personas. Chat users hold multi-turn conversations; developers re-run their few test prompts in bursts; batch
 * customers push a legitimate bulk job through their own template as fast as their limits allow; researchers run a
 * public evaluation suite with logprobs. The last two are the hard negatives: high volume, scripted, templated.
 */
import type { ChatMessage } from '../client.ts';
import { batchJob, between, chatFollowUp, chatOpener, developerPrompts, pick } from '../prompts.ts';
import type { BenignPersonaSpec } from '../scenario.ts';
import type { ActorContext, ActorPlan, SimAccount } from '../world.ts';
import { isStopped, send, user } from './shared.ts';

/** One actor (one account) of the persona; `name` and `ips` were chosen by the planner. */
export function benignPlan(spec: BenignPersonaSpec, name: string, ips: string[]): ActorPlan {
  return {
    kind: 'benign',
    persona: spec.persona,
    accounts: [{ name, ips }],
    run: (ctx, [account], actor) => runPersona(ctx, spec, account!, actor),
  };
}

function runPersona(ctx: ActorContext, spec: BenignPersonaSpec, account: SimAccount, actor: number): Promise<void> {
  switch (spec.persona) {
    case 'chat':
      return RUNS.chat(ctx, spec, account, actor);
    case 'developer':
      return RUNS.developer(ctx, spec, account, actor);
    case 'batch':
      return RUNS.batch(ctx, spec, account, actor);
    case 'researcher':
      return RUNS.researcher(ctx, spec, account, actor);
  }
}

type Run<P extends BenignPersonaSpec['persona']> = (ctx: ActorContext, spec: Extract<BenignPersonaSpec, { persona: P }>, account: SimAccount, actor: number) => Promise<void>;

const RUNS: { [P in BenignPersonaSpec['persona']]: Run<P> } = {
  async chat(ctx, spec, account, actor) {
    const sessions = between(ctx.rng, spec.sessions, true);
    for (const start of startTimes(ctx, sessions)) {
      await ctx.sleep(start - ctx.elapsed());
      const messages: ChatMessage[] = [];
      const turns = between(ctx.rng, spec.turns, true);
      for (let turn = 0; turn < turns && !ctx.ending(); turn++) {
        messages.push(user(turn === 0 ? chatOpener(ctx.pools, ctx.rng) : chatFollowUp(ctx.rng)));
        const response = await send(ctx, actor, account, messages, { maxTokens: ctx.scenario.maxTokens, temperature: 0.7 });
        if (isStopped(response)) return;
        messages.push({ role: 'assistant', content: response.content || '…' });
        await ctx.sleep(between(ctx.rng, spec.thinkSeconds));
      }
    }
  },

  async developer(ctx, spec, account, actor) {
    const prompts = developerPrompts(ctx.pools, ctx.rng, between(ctx.rng, spec.prompts, true));
    for (const start of startTimes(ctx, between(ctx.rng, spec.bursts, true))) {
      await ctx.sleep(start - ctx.elapsed());
      const runs = between(ctx.rng, spec.runsPerBurst, true);
      for (let run = 0; run < runs && !ctx.ending(); run++) {
        const logprobs = ctx.rng.next() < spec.logprobsShare;
        const response = await send(ctx, actor, account, [user(pick(prompts, ctx.rng))], {
          maxTokens: ctx.scenario.maxTokens,
          temperature: run % 2 === 0 ? 0 : 0.7,
          logprobs: logprobs || undefined,
          topLogprobs: logprobs ? 3 : undefined,
        });
        if (isStopped(response)) return;
        await ctx.sleep(between(ctx.rng, spec.thinkSeconds));
      }
    }
  },

  async batch(ctx, spec, account, actor) {
    const items = batchJob(ctx.pools, ctx.rng, between(ctx.rng, spec.items, true));
    await ctx.sleep(ctx.rng.next() * ctx.scenario.durationSeconds * 0.5);
    await drain(ctx, items, spec.concurrency, async (prompt) => {
      const response = await send(ctx, actor, account, [user(prompt)], { maxTokens: ctx.scenario.maxTokens, temperature: 0 }, { retries: 10 });
      return !isStopped(response);
    });
  },

  async researcher(ctx, spec, account, actor) {
    const count = Math.min(ctx.pools.evalSuite.length, between(ctx.rng, spec.items, true));
    const items = ctx.pools.evalSuite.slice(0, count);
    await ctx.sleep(ctx.rng.next() * ctx.scenario.durationSeconds * 0.5);
    await drain(ctx, items, spec.concurrency, async (prompt) => {
      const response = await send(
        ctx,
        actor,
        account,
        [user(prompt)],
        { maxTokens: 1, temperature: 0, logprobs: spec.logprobs || undefined, topLogprobs: spec.logprobs ? 4 : undefined },
        { retries: 10 },
      );
      return !isStopped(response);
    });
  },
};

/** Sorted session start times (seconds since the run began) spread over the scenario's duration. */
function startTimes(ctx: ActorContext, count: number): number[] {
  return Array.from({ length: count }, () => ctx.rng.next() * ctx.scenario.durationSeconds).sort((a, b) => a - b);
}

/** Works through `items` with `concurrency` workers; a worker's `false` (account stopped) ends the job. */
export async function drain(ctx: ActorContext, items: readonly string[], concurrency: number, work: (item: string) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && !ctx.ending() && next < items.length) {
      const item = items[next++]!;
      if (!(await work(item))) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
