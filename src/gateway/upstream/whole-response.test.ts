import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { requestWhole } from './whole-response.ts';

describe('requestWhole', () => {
  let server: Server;
  let pool: Pool;
  let origin: string;

  before(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        if (req.url === '/chunks') {
          res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' });
          res.write('{"echo":');
          setTimeout(() => res.end(`${JSON.stringify(Buffer.concat(parts).toString())}}`), 5);
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 3000).unref();
        } else {
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pool = new Pool(origin);
  });

  after(async () => {
    await pool.close();
    server.closeAllConnections();
    server.close();
  });

  it('collects a body sent in several chunks, with its status and content type', async () => {
    const r = await requestWhole(pool, { path: '/chunks', method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('hi') });
    assert.equal(r.statusCode, 201);
    assert.equal(r.contentType, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(r.body.toString()), { echo: 'hi' });
  });

  it('reports no content type and an empty body when there is none', async () => {
    const r = await requestWhole(pool, { path: '/empty', method: 'POST', body: Buffer.alloc(0) });
    assert.equal(r.statusCode, 204);
    assert.equal(r.contentType, undefined);
    assert.equal(r.body.length, 0);
  });

  it("rejects with undici's own error codes (timeout, refused)", async () => {
    await assert.rejects(requestWhole(pool, { path: '/slow', method: 'POST', body: Buffer.alloc(0), headersTimeout: 100 }), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const closed = new Pool('http://127.0.0.1:1');
    await assert.rejects(requestWhole(closed, { path: '/', method: 'POST', body: Buffer.alloc(0) }), { code: 'ECONNREFUSED' });
    await closed.close();
  });
});
