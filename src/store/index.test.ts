/** openStores(): the driver choice and where the SQLite file goes. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { act } from './contract-support.test-helpers.ts';
import { openStores, StoreOpenError, sqlitePath } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-open-stores-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openStores', () => {
  it('opens SQLite by default, relative to dataDir, creating the directory', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const config = parseConfig({ dataDir }, 'test');
    assert.equal(sqlitePath(config), join(dataDir, 'moat.db'));
    const stores = openStores(config);
    await stores.accounts.create({ name: 'x' }, act('account.create'));
    await stores.close();
    assert.ok(existsSync(join(dataDir, 'moat.db')));
    const again = openStores(config);
    assert.equal((await again.accounts.list({ limit: 5 })).items.length, 1, 'the same file is reopened');
    await again.close();
  });

  it('uses an absolute sqlitePath as given', async () => {
    const file = join(dir, 'elsewhere', 'abs.db');
    const config = parseConfig({ dataDir: join(dir, 'unused'), storage: { sqlitePath: file } }, 'test');
    assert.equal(sqlitePath(config), file);
    await openStores(config).close();
    assert.ok(existsSync(file));
    assert.ok(!existsSync(join(dir, 'unused')));
  });

  it('opens memory stores for storage.driver memory without touching the disk', async () => {
    const dataDir = join(dir, 'never-created');
    const stores = openStores(parseConfig({ dataDir, storage: { driver: 'memory' } }, 'test'));
    await stores.accounts.create({ name: 'x' }, act('account.create'));
    assert.equal((await stores.accounts.list({ limit: 5 })).items.length, 1);
    await stores.close();
    assert.ok(!existsSync(dataDir));
  });

  it('names the path when the data directory cannot be created', () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'x');
    const config = parseConfig({ dataDir: join(blocker, 'data') }, 'test');
    assert.throws(() => openStores(config), (err: unknown) => err instanceof StoreOpenError && err.message.includes(join(blocker, 'data', 'moat.db')));
  });
});
