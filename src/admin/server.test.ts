import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PREFIX } from './server.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

describe('admin server: auth and protocol errors', () => {
  let t: TestAdmin;
  before(async () => {
    t = await startTestAdmin();
  });
  after(() => t.close());

  test('401 without a token, with a wrong token, and with a non-Bearer scheme', async () => {
    const missing = await t.call('GET', '/accounts', undefined, { authorization: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error?.code, 'unauthorized');
    assert.match(missing.body.error?.message ?? '', /missing admin token/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);

    const wrong = await t.call('GET', '/accounts', undefined, { authorization: 'Bearer moat_admin_wrong_token_000000000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error?.message, 'invalid admin token');

    const basic = await t.call('GET', '/accounts', undefined, { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` });
    assert.equal(basic.status, 401);
  });

  test('a refused token changes nothing', async () => {
    const res = await t.call('POST', '/accounts', { name: 'sneaky' }, { authorization: 'Bearer nope' });
    assert.equal(res.status, 401);
    const list = await t.call('GET', '/accounts');
    assert.deepEqual(list.body.items, []);
  });

  test('health needs no token', async () => {
    const res = await t.call('GET', '/health', undefined, { authorization: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true });
  });

  test('unknown route 404, wrong method 405 with Allow, in the OpenAI envelope', async () => {
    const missing = await t.call('GET', '/nothing-here');
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body.error ?? {}).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(missing.body.error?.code, 'not_found');

    const outside = await t.call('GET', '/../../v1/models');
    assert.equal(outside.status, 404);

    const wrongMethod = await t.call('DELETE', '/accounts');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.error?.code, 'method_not_allowed');
    assert.equal(wrongMethod.headers.get('allow'), 'GET, POST');
  });

  test('bad JSON 400 invalid_json; empty body 400; wrong shape 400 invalid_request with param', async () => {
    const bad = await t.call('POST', '/accounts', '{"name": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.code, 'invalid_json');

    const empty = await t.call('POST', '/accounts', '');
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error?.code, 'invalid_json');

    const shape = await t.call('POST', '/accounts', { name: 42 });
    assert.equal(shape.status, 400);
    assert.equal(shape.body.error?.code, 'invalid_request');
    assert.equal(shape.body.error?.param, 'name');
  });

  test('a body over 1 MiB gets 413 body_too_large', async () => {
    const huge = JSON.stringify({ name: 'x', metadata: { blob: 'y'.repeat(1024 * 1024) } });
    const res = await t.call('POST', '/accounts', huge);
    assert.equal(res.status, 413);
    assert.equal(res.body.error?.code, 'body_too_large');
  });

  test('a chunked body over 1 MiB is cut off with 413 too', async () => {
    const url = new URL(`${t.admin.url}${ADMIN_PREFIX}/accounts`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { authorization: 'Bearer moat_admin_test_token_0123456789', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      for (let i = 0; i < 5; i++) req.write(chunk);
      req.end();
    });
    assert.equal(status, 413);
  });

  test('x-moat-actor is validated and recorded; default actor is "admin"', async () => {
    const bad = await t.call('POST', '/accounts', { name: 'a' }, { 'x-moat-actor': 'robert; drop table' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.param, 'x-moat-actor');

    await t.call('POST', '/accounts', { name: 'by-alice' }, { 'x-moat-actor': 'alice@example.com' });
    await t.call('POST', '/accounts', { name: 'by-default' });
    const actions = await t.call('GET', '/admin-actions?action=account.create');
    const rows = actions.body.items as { actor: string; details: { name: string } }[];
    assert.deepEqual(
      rows.map((r) => [r.details.name, r.actor]),
      [
        ['by-default', 'admin'],
        ['by-alice', 'alice@example.com'],
      ],
    );
  });
});
