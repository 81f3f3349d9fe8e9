/**
 * The master watermark secret: from the configuration, else `<dataDir>/watermark-secret.json` (mode 0600). Marking
 * processes (gateway, model server) create the file on first start so watermarks work with no setup; `moat verify`
 * passes `create: false` and refuses to run without it, since a fresh secret would verify nothing.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { WatermarkKeyError, WatermarkKeyring } from './keys.ts';

const SecretFileSchema = z.object({ secret: z.string().min(32) });

export function watermarkSecretFile(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'watermark-secret.json');
}

export function resolveWatermarkSecret(config: Pick<Config, 'dataDir' | 'watermark'>, options: { create: boolean }): string {
  if (config.watermark.secret) return config.watermark.secret;
  const file = watermarkSecretFile(config);
  if (existsSync(file)) {
    const parsed = SecretFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new WatermarkKeyError(`${file} is corrupt: restore it from a backup (outputs marked with it cannot be verified otherwise)`);
    return parsed.data.secret;
  }
  if (!options.create) {
    throw new WatermarkKeyError(`no watermark secret: set watermark.secret in the configuration or provide ${file} (the secret that marked the outputs)`);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': the gateway and the model server may start together; whoever is second reads the first one's secret.
    writeFileSync(file, JSON.stringify({ secret }, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveWatermarkSecret(config, { create: false });
    throw err;
  }
  chmodSync(file, 0o600);
  return secret;
}

/** The keyring of this configuration. */
export function watermarkKeyring(config: Pick<Config, 'dataDir' | 'watermark'>, options: { create: boolean }): WatermarkKeyring {
  const secret = resolveWatermarkSecret(config, options);
  return new WatermarkKeyring({ secret, currentVersion: config.watermark.keyVersion, retired: config.watermark.retired });
}
