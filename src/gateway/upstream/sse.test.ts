import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseSplitter } from './sse.ts';

describe('SseSplitter', () => {
  it('emits events as soon as their blank line arrives, across arbitrary chunk cuts', () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n: comment\n\ndata: [DONE]\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const s = new SseSplitter();
      const events = [...s.push(Buffer.from(text.slice(0, cut))), ...s.push(Buffer.from(text.slice(cut)))];
      assert.deepEqual(events.map((e) => e.data), ['{"a":1}', '{"b":2}', null, '[DONE]']);
      assert.equal(Buffer.concat(events.map((e) => e.raw)).toString(), text);
    }
  });

  it('handles CRLF framing and multi-line data', () => {
    const s = new SseSplitter();
    const events = s.push(Buffer.from('data: one\r\ndata: two\r\n\r\ndata: x'));
    assert.deepEqual(events.map((e) => e.data), ['one\ntwo']);
    assert.equal(s.rest().toString(), 'data: x');
  });
});
