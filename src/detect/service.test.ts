/** startDetection over SQLite: actions survive a restart (reloaded into ActiveActions), but not into shadow mode. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../config/load.ts';
import { openSqliteStores } from '../store/sqlite/index.ts';
import { ActiveActions } from './active-actions.ts';
import { DetectionBus } from './bus.ts';
import { startDetection } from './service.ts';
import { probingFake, requestEvent } from './testing/engine-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-detect-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const probe = { n: null, logprobs: true, topLogprobs: 5, logitBias: true, maxTokens: 1, temperature: 0, stream: false };

async function start(path: string, shadow: boolean) {
  const stores = openSqliteStores(path);
  const bus = new DetectionBus();
  const actions = new ActiveActions();
  const config = parseConfig({ dataDir: dir, detection: { shadow, minEventsForAction: 3, detectors: { 'api-probing': { weight: 1 } } } }, 'test').detection;
  const detection = await startDetection({ config, stores, bus, actions, registry: new Registry(), logger: pino({ level: 'silent' }), detectors: [probingFake()] });
  return { stores, bus, actions, detection };
}

describe('startDetection', () => {
  test('an applied ban and its action survive a restart; shadow mode does not load them', async () => {
    const path = join(dir, 'moat.db');
    const first = await start(path, false);
    const account = await first.stores.accounts.create({ name: 'prober' }, { actor: 't', action: 'setup', target: '-', details: {} });
    for (let i = 0; i < 3; i++) first.bus.publish(requestEvent({ accountId: account.id, params: probe }));
    await first.detection.drain();
    assert.equal(first.actions.get(account.id)?.level, 'ban');
    const view = await first.detection.accountView(account.id, 5);
    assert.equal(view.current?.level, 'ban');
    await first.detection.close();
    await first.stores.close();

    const second = await start(path, false);
    assert.equal(second.actions.get(account.id)?.level, 'ban', 'reloaded from detection_actions');
    assert.ok(await second.stores.bans.activeBan(account.id, Date.now()));
    const history = await second.detection.accountView(account.id, 5);
    assert.equal(history.current?.level, 'ban', 'history survives too');
    assert.equal(history.events, 0);
    await second.detection.close();
    await second.stores.close();

    const shadow = await start(path, true);
    assert.equal(shadow.actions.size, 0);
    await shadow.detection.close();
    await shadow.stores.close();
  });
});
