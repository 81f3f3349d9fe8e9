/**
 * Secrets a fresh install needs (the API-key HMAC secret and the admin token) are generated once into
 * `<dataDir>/secrets.json` (mode 0600) unless the configuration supplies them, so `npm start` works with no setup
 * and restarts keep every issued key valid.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './load.ts';
import type { Config } from './schema.ts';

const SecretsFileSchema = z.object({ secret: z.string().min(32), adminToken: z.string().min(16) });

export interface Secrets {
  /** HMAC-SHA-256 key for API-key hashes. */
  secret: string;
  adminToken: string;
}

export function resolveSecrets(config: Config): Secrets {
  if (config.secret && config.admin.token) return { secret: config.secret, adminToken: config.admin.token };
  const file = join(config.dataDir, 'secrets.json');
  let stored: Secrets;
  if (existsSync(file)) {
    const parsed = SecretsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new ConfigError(`${file} is corrupt: ${parsed.error.issues[0]?.message}; delete it to regenerate (this invalidates issued keys)`);
    stored = parsed.data;
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    stored = { secret: randomBytes(32).toString('base64url'), adminToken: `moat_admin_${randomBytes(24).toString('base64url')}` };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { secret: config.secret ?? stored.secret, adminToken: config.admin.token ?? stored.adminToken };
}
