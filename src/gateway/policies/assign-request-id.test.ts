import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRequestId } from './assign-request-id.ts';

describe('newRequestId', () => {
  it('is req_ and 32 lower-case hex digits, different every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, newRequestId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^req_[0-9a-f]{32}$/);
  });
});
