/** DetectionStore contract: bounded assessment history per subject, and actions set and cleared with their audit rows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActiveAction, RiskAssessment } from '../detect/types.ts';
import { act, allAdminActions, type FreshStores, rejectsWith, T0 } from './contract-support.test-helpers.ts';

const assessment = (subject: string, at: number, risk: number): RiskAssessment => ({
  subject,
  at,
  risk,
  contributions: [{ detector: 'api-probing', score: risk, weight: 1 }],
  reasons: [`risk ${risk}`],
  level: risk >= 0.9 ? 'ban' : 'observe',
});

const throttle: ActiveAction = {
  accountId: 'acct_a',
  level: 'throttle',
  limitFactor: 0.25,
  degrade: null,
  reasons: ['coverage (0.60): novel prompts'],
  since: T0,
  clusterId: null,
};

export function detectionContract(fresh: FreshStores): void {
  test('detections: history is newest first and trimmed per subject', async () => {
    const stores = await fresh();
    await stores.detections.appendAssessments([1, 2, 3, 4].map((i) => assessment('account:a', T0 + i, i / 10)), 3);
    await stores.detections.appendAssessments([assessment('cluster:c1', T0, 0.95)], 3);
    const history = await stores.detections.history('account:a', 10);
    assert.deepEqual(history.map((a) => a.at), [T0 + 4, T0 + 3, T0 + 2]);
    assert.deepEqual(history[0], assessment('account:a', T0 + 4, 0.4));
    assert.equal((await stores.detections.history('cluster:c1', 10))[0].level, 'ban');
    assert.deepEqual(await stores.detections.history('account:none', 10), []);
  });

  test('detections: an invalid assessment is refused and nothing is written', async () => {
    const stores = await fresh();
    await rejectsWith(stores.detections.appendAssessments([assessment('account:a', T0, 0.1), { ...assessment('account:a', T0, 0.1), risk: 2 }], 5), 'invalid_request', /risk/);
    assert.deepEqual(await stores.detections.history('account:a', 10), []);
  });

  test('detections: actions are set, replaced and cleared, each with its audit row', async () => {
    const stores = await fresh();
    await stores.detections.setAction('acct_a', throttle, act('detect.throttle', 'acct_a', 'detector'));
    await stores.detections.setAction('acct_a', { ...throttle, level: 'degrade' }, act('detect.degrade', 'acct_a', 'detector'));
    assert.deepEqual(await stores.detections.actions(), [{ ...throttle, level: 'degrade' }]);
    await stores.detections.setAction('acct_a', null, act('detect.clear', 'acct_a'));
    assert.deepEqual(await stores.detections.actions(), []);
    const audit = await allAdminActions(stores);
    assert.deepEqual(audit.map((a) => `${a.actor}:${a.action}`), ['detector:detect.throttle', 'detector:detect.degrade', 'alice:detect.clear']);
  });

  test('detections: a shadow decision is an audit row on its own, and sets no action', async () => {
    const stores = await fresh();
    await stores.detections.recordDecision(act('detect.shadow.ban', 'acct_b', 'detector'));
    assert.deepEqual(await stores.detections.actions(), []);
    const audit = await allAdminActions(stores);
    assert.deepEqual(audit.map((a) => `${a.actor}:${a.action}:${a.target}`), ['detector:detect.shadow.ban:acct_b']);
    await rejectsWith(stores.detections.recordDecision({ ...act('detect.shadow.ban', 'acct_b', 'detector'), actor: '' }), 'invalid_request', /actor/);
  });
}
