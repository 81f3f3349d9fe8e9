/** The SQLite audit batcher: when queued records reach the file, what happens while writes fail, and shutdown. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { auditRecord } from '../contract-support.test-helpers.ts';
import type { Stores } from '../interfaces.ts';
import type { AuditBatchOptions } from './audit.ts';
import { openSqliteStores } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-sqlite-audit-'));
const open: Stores[] = [];
const raws: Database.Database[] = [];
after(async () => {
  for (const s of open) await s.close();
  for (const r of raws) r.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

/** Stores with the given batching, plus a raw second connection that sees only what was committed. */
function setup(audit: AuditBatchOptions) {
  const path = join(dir, `audit-${n++}.db`);
  const stores = openSqliteStores(path, { audit });
  const raw = new Database(path);
  open.push(stores);
  raws.push(raw);
  const committed = () => raw.prepare('SELECT count(*) FROM request_audit').pluck().get() as number;
  return { stores, raw, committed };
}

describe('sqlite audit batching', () => {
  it('commits a partial batch after the flush interval, not before', async () => {
    const { stores, committed } = setup({ flushIntervalMs: 20, batchSize: 100 });
    for (let i = 0; i < 3; i++) stores.audit.append(auditRecord({ requestId: `r${i}` }));
    assert.equal(committed(), 0, 'append only queues');
    await sleep(80);
    assert.equal(committed(), 3);
  });

  it('commits at once when the queue reaches the batch size', () => {
    const { stores, committed } = setup({ flushIntervalMs: 60_000, batchSize: 4 });
    for (let i = 0; i < 3; i++) stores.audit.append(auditRecord({ requestId: `r${i}` }));
    assert.equal(committed(), 0);
    stores.audit.append(auditRecord({ requestId: 'r3' }));
    assert.equal(committed(), 4);
  });

  it('lets a reader see its own appends without an explicit flush', async () => {
    const { stores } = setup({ flushIntervalMs: 60_000 });
    stores.audit.append(auditRecord({ requestId: 'mine' }));
    assert.deepEqual((await stores.audit.query({ limit: 5 })).items.map((r) => r.requestId), ['mine']);
  });

  it('keeps records queued while writes fail, reports them, drops the oldest beyond maxQueued, and recovers', async () => {
    const reports: { queued: number; dropped: number }[] = [];
    const { stores, raw, committed } = setup({ flushIntervalMs: 10, batchSize: 100, maxQueued: 3, onError: (_err, ctx) => reports.push(ctx) });
    raw.exec("CREATE TRIGGER fail_audit BEFORE INSERT ON request_audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    stores.audit.append(auditRecord({ requestId: 'r0' }));
    stores.audit.append(auditRecord({ requestId: 'r1' }));
    await sleep(50);
    assert.deepEqual(reports, [{ queued: 2, dropped: 0 }], 'one background failure reported; the retry waits, no spinning');
    for (let i = 2; i < 5; i++) stores.audit.append(auditRecord({ requestId: `r${i}` }));
    await assert.rejects(stores.audit.flush(), /disk says no/);
    raw.exec('DROP TRIGGER fail_audit');
    await stores.audit.flush();
    assert.equal(committed(), 3);
    assert.deepEqual((await stores.audit.query({ limit: 10 })).items.map((r) => r.requestId), ['r4', 'r3', 'r2']);
  });

  it('flushes on close and drops (and reports) appends that arrive after it', async () => {
    const errors: string[] = [];
    const path = join(dir, 'closing.db');
    const stores = openSqliteStores(path, { audit: { flushIntervalMs: 60_000, onError: (err) => errors.push(String(err)) } });
    stores.audit.append(auditRecord({ requestId: 'last' }));
    await stores.close();
    stores.audit.append(auditRecord({ requestId: 'too-late' }));
    assert.match(errors.join(), /closed/);
    const raw = new Database(path, { readonly: true });
    assert.deepEqual(raw.prepare('SELECT request_id FROM request_audit').pluck().all(), ['last']);
    raw.close();
  });

  it('does not keep a process alive with a pending flush timer', () => {
    const script = `
      import { openSqliteStores } from ${JSON.stringify(join(import.meta.dirname, 'index.ts'))};
      const s = openSqliteStores(${JSON.stringify(join(dir, 'unref.db'))}, { audit: { flushIntervalMs: 60000 } });
      s.audit.append(${JSON.stringify(auditRecord({}))});
    `;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(Date.now() - started < 10_000);
  });
});
