import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStoreContract } from './contract.test-helpers.ts';
import { openSqliteStores } from './sqlite/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-store-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite', ({ now }) => openSqliteStores(join(dir, `contract-${n++}.db`), { now }));
