/** Fixtures and assertions shared by the store contract suites (contract-*.test-helpers.ts). */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { MoatError } from '../http/errors.ts';
import type { NewApiKey, Stores } from './interfaces.ts';
import type { AdminAction, RequestAuditRecord } from './types.ts';

export type OpenStores = (options: { now: () => number }) => Stores | Promise<Stores>;

export const T0 = 1_700_000_000_000;
export const act = (action: string, target = '-', actor = 'alice'): AdminAction => ({ actor, action, target, details: { why: 'test', n: 1 } });

/** Rejects with a MoatError carrying `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MoatError, `expected a MoatError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export const keyFor = (accountId: string, id: string, prefix = `pfx_${id}`, createdAt = T0): NewApiKey => ({
  id,
  accountId,
  prefix,
  hash: `hash-of-${id}`,
  name: null,
  createdAt,
  expiresAt: null,
});

export const auditRecord = (over: Partial<RequestAuditRecord>): RequestAuditRecord => ({
  ts: T0,
  requestId: 'req_1',
  accountId: 'acct_a',
  keyId: 'key_a',
  clientIp: '203.0.113.1',
  subnet: '203.0.113.0/24',
  model: 'm1',
  route: 'chat',
  status: 200,
  tokensIn: 5,
  tokensOut: 7,
  latencyMs: 12.5,
  upstreamMs: 10.25,
  decision: 'allow',
  reason: null,
  promptHash: 'ph',
  completionHash: 'ch',
  promptText: 'prompt',
  completionText: 'completion',
  ...over,
});

/** Opens fresh stores whose clock reads `clock.now` (T0 unless given). */
export type FreshStores = (clock?: { now: number }) => Promise<Stores>;

/** A FreshStores that closes everything it opened when the suite ends. */
export function storeFactory(open: OpenStores): FreshStores {
  const opened: Stores[] = [];
  after(async () => {
    for (const stores of opened) await stores.close();
  });
  return async (clock = { now: T0 }) => {
    const stores = await open({ now: () => clock.now });
    opened.push(stores);
    return stores;
  };
}

/** Every admin action recorded so far, oldest first. */
export async function allAdminActions(stores: Stores): Promise<AdminAction[]> {
  const page = await stores.audit.adminActions({ limit: 1000 });
  return page.items.reverse().map(({ actor, action, target, details }) => ({ actor, action, target, details }));
}

