/** What every persona's loop shares: sending one chat request as an account and reacting to refusals. */
import type { ChatMessage, ChatParams, SimResponse } from '../client.ts';
import type { ActorContext, SimAccount } from '../world.ts';

/** Refusals that end an account's traffic: it is banned or cut off by detection. */
export function isStopped(response: SimResponse): boolean {
  return response.code === 'account_banned' || response.code === 'account_suspended' || response.code === 'detection_restricted';
}

export function addressOf(ctx: ActorContext, account: SimAccount): string {
  return account.ips.length === 1 ? account.ips[0]! : account.ips[ctx.rng.int(account.ips.length)]!;
}

/**
 * Sends once, backing off and retrying on 429 (as an SDK would) up to `retries` times. Returns the last response.
 */
export async function send(
  ctx: ActorContext,
  actor: number,
  account: SimAccount,
  messages: ChatMessage[],
  params: ChatParams,
  options: { retries?: number; ip?: string } = {},
): Promise<SimResponse> {
  const retries = options.retries ?? 3;
  let response: SimResponse;
  for (let attempt = 0; ; attempt++) {
    const ip = options.ip ?? addressOf(ctx, account);
    response = await ctx.client.chat({ actor, account: account.index, key: account.key, ip }, messages, params);
    if (response.status !== 429 || attempt >= retries || ctx.ending()) return response;
    await ctx.sleep(Math.min(5, response.retryAfter ?? 0.5 + ctx.rng.next()));
  }
}

export const user = (content: string): ChatMessage => ({ role: 'user', content });
