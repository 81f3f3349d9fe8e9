/**
 * The demo account `moat up` creates on first start. Its key is kept in `<dataDir>/demo.json` (mode 0600) so every
 * start can print a working key and curl line; it is a local-development convenience — delete the file and ban the
 * account before exposing the gateway to anyone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ApiKeyHasher } from '../keys/api-key.ts';
import type { Stores } from '../store/interfaces.ts';

const DemoFileSchema = z.object({ accountId: z.string(), keyId: z.string(), key: z.string() });
export type DemoAccount = z.infer<typeof DemoFileSchema>;

const ACTION = (action: string, target: string) => ({ actor: 'moat up', action, target, details: { reason: 'demo account for the quickstart' } });

export async function ensureDemoAccount(stores: Stores, hasher: ApiKeyHasher, dataDir: string): Promise<DemoAccount & { created: boolean }> {
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) {
    const parsed = DemoFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success && (await stillWorks(stores, hasher, parsed.data))) return { ...parsed.data, created: false };
  }
  const account = await stores.accounts.create({ name: 'demo', metadata: { purpose: 'quickstart' } }, ACTION('accounts.create', 'demo'));
  const issued = hasher.issue();
  const keyId = `key_${randomBytes(8).toString('hex')}`;
  await stores.keys.create(
    { id: keyId, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: 'demo', createdAt: Date.now(), expiresAt: null },
    ACTION('keys.create', account.id),
  );
  const demo = { accountId: account.id, keyId, key: issued.key };
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return { ...demo, created: true };
}

async function stillWorks(stores: Stores, hasher: ApiKeyHasher, demo: DemoAccount): Promise<boolean> {
  const key = await stores.keys.get(demo.keyId);
  if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= Date.now())) return false;
  return hasher.match(demo.key, [key.hash]) === 0 && (await stores.accounts.get(demo.accountId)) !== null;
}
