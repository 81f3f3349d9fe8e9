/** The detection routes' refusals: detection not running, unknown accounts, bad input, nothing to clear. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DetectionGateway, startDetectionGateway } from '../detect/testing/detection-gateway.ts';
import { startTestAdmin, type TestAdmin } from './testing.ts';

describe('admin detection routes', () => {
  let off: TestAdmin;
  let g: DetectionGateway;
  before(async () => {
    off = await startTestAdmin();
    g = await startDetectionGateway({ detection: { shadow: true } });
  });
  after(async () => {
    await off.close();
    await g.close();
  });

  test('without detection in the process every route answers 409 saying why', async () => {
    for (const [method, path] of [['GET', '/detect/accounts/acct_x'], ['GET', '/detect/clusters'], ['DELETE', '/detect/accounts/acct_x/action']] as const) {
      const res = await off.call(method, path);
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.match(res.body.error?.message ?? '', /detection is not running.*detection\.enabled/);
    }
  });

  test('unknown account → 404; bad query → 400; nothing to clear → 409; wrong method → 405', async () => {
    await assert.rejects(g.admin.detectAccount('acct_missing'), (err: Error & { status?: number }) => err.status === 404);
    await assert.rejects(g.admin.detectAccount('acct_missing', { history: -1 }), (err: Error & { status?: number }) => err.status === 400);
    const { accountId } = await g.createAccount();
    const view = await g.admin.detectAccount(accountId);
    assert.deepEqual({ current: view.current, events: view.events, action: view.action, shadow: view.shadow }, { current: null, events: 0, action: null, shadow: true });
    await assert.rejects(g.admin.clearDetectionAction(accountId), (err: Error & { status?: number }) => err.status === 409);
    const res = await fetch(`${g.adminUrl}/admin/v1/detect/clusters`, { method: 'POST', headers: { authorization: `Bearer ${g.adminToken}` } });
    assert.equal(res.status, 405);
  });
});
