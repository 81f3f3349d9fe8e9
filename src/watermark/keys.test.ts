import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { deriveAccountKey, WatermarkKeyError, WatermarkKeyring } from './keys.ts';
import { resolveWatermarkSecret, watermarkKeyring } from './secret.ts';

const MASTER = 'm'.repeat(40);

test('per-account keys differ between accounts and versions, and are stable', () => {
  const a1 = deriveAccountKey(MASTER, 'acct_a', 1);
  assert.equal(a1.length, 32);
  assert.deepEqual(a1, deriveAccountKey(MASTER, 'acct_a', 1));
  assert.notDeepEqual(a1, deriveAccountKey(MASTER, 'acct_b', 1));
  assert.notDeepEqual(a1, deriveAccountKey(MASTER, 'acct_a', 2));
  assert.notDeepEqual(a1, deriveAccountKey('n'.repeat(40), 'acct_a', 1));
});

test('key ids round-trip to the same key and encode the version', () => {
  const ring = new WatermarkKeyring({ secret: MASTER, currentVersion: 3 });
  const keyId = ring.keyIdFor('acct_X-y_z');
  assert.match(keyId, /^wm\.3\.[0-9a-f]{8}\.acct_X-y_z$/);
  const resolved = ring.resolveKey(keyId);
  assert.equal(resolved.accountId, 'acct_X-y_z');
  assert.equal(resolved.version, 3);
  assert.deepEqual(resolved.key, deriveAccountKey(MASTER, 'acct_X-y_z', 3));
});

test('rotation: ids issued under an earlier version (even with a replaced master) still resolve', () => {
  const oldRing = new WatermarkKeyring({ secret: 'o'.repeat(40), currentVersion: 1 });
  const oldId = oldRing.keyIdFor('acct_a');
  const rotated = new WatermarkKeyring({ secret: MASTER, currentVersion: 2, retired: [{ version: 1, secret: 'o'.repeat(40) }] });
  assert.deepEqual(rotated.resolveKey(oldId).key, oldRing.resolveKey(oldId).key);
  assert.notEqual(rotated.keyIdFor('acct_a'), oldId);
  // Bumping the version without replacing the master also keeps old ids valid.
  const bumped = new WatermarkKeyring({ secret: MASTER, currentVersion: 5 });
  const v1 = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 }).keyIdFor('acct_a');
  assert.deepEqual(bumped.resolveKey(v1).key, deriveAccountKey(MASTER, 'acct_a', 1));
});

test('a wrong master, a future version or a malformed id is refused', () => {
  const ring = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 });
  const other = new WatermarkKeyring({ secret: 'w'.repeat(40), currentVersion: 2 });
  assert.throws(() => ring.resolveKey(new WatermarkKeyring({ secret: 'w'.repeat(40), currentVersion: 1 }).keyIdFor('acct_a')), /fingerprint mismatch/);
  assert.throws(() => ring.resolveKey(other.keyIdFor('acct_a')), /newer/);
  assert.throws(() => ring.resolveKey('acct_a'), WatermarkKeyError);
  assert.throws(() => ring.keyIdFor('acct a'), WatermarkKeyError);
  assert.equal(ring.tryResolveKey('garbage'), undefined);
});

test('the master comes from config or a generated 0600 file; verify (create: false) refuses without one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-wm-'));
  const config = parseConfig({ dataDir: dir });
  assert.throws(() => resolveWatermarkSecret(config, { create: false }), /no watermark secret/);
  const created = resolveWatermarkSecret(config, { create: true });
  assert.ok(created.length >= 32);
  assert.equal(statSync(join(dir, 'watermark-secret.json')).mode & 0o777, 0o600);
  assert.equal(resolveWatermarkSecret(config, { create: false }), created);
  assert.equal(JSON.parse(readFileSync(join(dir, 'watermark-secret.json'), 'utf8')).secret, created);
  const configured = parseConfig({ dataDir: dir, watermark: { secret: MASTER, keyVersion: 2 } });
  assert.equal(watermarkKeyring(configured, { create: false }).currentVersion, 2);
  assert.equal(resolveWatermarkSecret(configured, { create: false }), MASTER);
});

test('config validates the watermark section', () => {
  const config = parseConfig({});
  assert.equal(config.watermark.text.gamma, 0.25);
  assert.equal(config.watermark.text.contextWidth, 1);
  assert.equal(config.watermark.classifier.fraction, 0.005);
  assert.throws(() => parseConfig({ watermark: { classifier: { fraction: 0.06 } } }), /fraction/);
  assert.equal(parseConfig({ watermark: { classifier: { fraction: 0.01 } } }).watermark.classifier.fraction, 0.01);
  assert.throws(() => parseConfig({ watermark: { secret: 'short' } }), /secret/);
  assert.throws(() => parseConfig({ watermark: { keyVersion: 2, retired: [{ version: 2, secret: MASTER }] } }), /current keyVersion/);
});
