import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, requestHash } from './request-hash.ts';
import { classifyStatus, createBackoff, exhaustedWindowMs, parseResetValue, parseRetryAfter, serverRequestedWaitMs } from './retry-policy.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('retry policy', () => {
  it('classifies statuses: 429 waits, 401/403 retire the key, 408/409/5xx retry, other 4xx are final', () => {
    assert.deepEqual(
      [200, 204, 429, 401, 403, 408, 409, 500, 503, 400, 404, 413, 422].map(classifyStatus),
      ['ok', 'ok', 'rate_limited', 'key_rejected', 'key_rejected', 'retryable', 'retryable', 'retryable', 'retryable', 'fatal', 'fatal', 'fatal', 'fatal'],
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3', NOW), 3000);
    assert.equal(parseRetryAfter(' 1.5 ', NOW), 1500);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:07 GMT', NOW), 7000);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW), 0, 'a past date means now');
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
  });

  it('reads x-ratelimit-reset values: Go durations, seconds, Unix times, dates', () => {
    assert.equal(parseResetValue('1s', NOW), 1000);
    assert.equal(parseResetValue('6m0s', NOW), 360_000);
    assert.equal(parseResetValue('20ms', NOW), 20);
    assert.equal(parseResetValue('1h2m3.5s', NOW), 3_723_500);
    assert.equal(parseResetValue('12', NOW), 12_000);
    assert.equal(parseResetValue(String(NOW / 1000 + 30), NOW), 30_000);
    assert.equal(parseResetValue('2026-03-01T12:00:02Z', NOW), 2000);
    assert.equal(parseResetValue('1x', NOW), undefined);
  });

  it('prefers retry-after-ms, then Retry-After, then the reset of the exhausted limit', () => {
    assert.equal(serverRequestedWaitMs({ 'retry-after-ms': '250', 'retry-after': '9' }, NOW), 250);
    assert.equal(serverRequestedWaitMs({ 'retry-after': '2', 'x-ratelimit-reset-requests': '9s' }, NOW), 2000);
    const both = { 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '40s' };
    assert.equal(serverRequestedWaitMs({ ...both, 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '10' }, NOW), 2000);
    assert.equal(serverRequestedWaitMs({ ...both, 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-remaining-tokens': '0' }, NOW), 40_000);
    assert.equal(serverRequestedWaitMs(both, NOW), 40_000, 'unknown which limit: the longer reset');
    assert.equal(serverRequestedWaitMs({}, NOW), undefined);
    assert.equal(exhaustedWindowMs({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1.5s' }, NOW), 1500);
    assert.equal(exhaustedWindowMs({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1.5s' }, NOW), undefined);
  });

  it('backs off exponentially with seeded equal jitter, capped', () => {
    const a = createBackoff({ baseMs: 100, maxMs: 1000 }, 7);
    const b = createBackoff({ baseMs: 100, maxMs: 1000 }, 7);
    const waits = [1, 2, 3, 4, 5, 6].map((retry) => a(retry));
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((retry) => b(retry)), waits, 'same seed, same waits');
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    for (const [i, w] of waits.entries()) assert.ok(w >= ceilings[i] / 2 && w < ceilings[i], `retry ${i + 1}: ${w} not in [${ceilings[i] / 2}, ${ceilings[i]})`);
    const other = createBackoff({ baseMs: 100, maxMs: 1000 }, 8);
    assert.notDeepEqual([1, 2, 3, 4, 5, 6].map((retry) => other(retry)), waits);
  });
});

describe('request hash', () => {
  it('ignores key order and undefined fields, and changes with any parameter or the endpoint', () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
    const body = { model: 'm', prompt: 'hi', max_tokens: 8, logprobs: 3 };
    const h = requestHash('http://t/v1/completions', body);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(requestHash('http://t/v1/completions', { logprobs: 3, max_tokens: 8, prompt: 'hi', model: 'm' }), h);
    assert.notEqual(requestHash('http://t/v1/completions', { ...body, logprobs: 4 }), h);
    assert.notEqual(requestHash('http://u/v1/completions', body), h);
    assert.throws(() => canonicalJson({ x: Number.NaN }), /non-finite/);
  });
});
