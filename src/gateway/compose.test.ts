import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { compose } from './compose.ts';
import { createContext, type Policy } from './context.ts';

function ctx() {
  const req = new IncomingMessage(new Socket());
  return createContext(req, new ServerResponse(req));
}

describe('compose', () => {
  it('runs request-side work in order and response-side work in reverse', async () => {
    const log: string[] = [];
    const tag = (name: string): Policy =>
      async function tagged(_c, next) {
        log.push(`>${name}`);
        await next();
        log.push(`<${name}`);
      };
    await compose([tag('a'), tag('b'), tag('c')])(ctx());
    assert.deepEqual(log, ['>a', '>b', '>c', '<c', '<b', '<a']);
  });

  it('refuses a policy that calls next() twice', async () => {
    const twice: Policy = async function twice(_c, next) {
      await next();
      await next();
    };
    await assert.rejects(compose([twice])(ctx()), /called next\(\) twice/);
  });

  it('turns a synchronous throw into a rejection of the chain', async () => {
    const outer: Policy = async function outer(_c, next) {
      await assert.rejects(next(), /thrown synchronously/);
    };
    const throws: Policy = function throws() {
      throw new Error('thrown synchronously');
    };
    await compose([outer, throws])(ctx());
  });

  it('refuses a non-function at build time', () => {
    assert.throws(() => compose([null as unknown as Policy]), /policy function/);
  });
});
