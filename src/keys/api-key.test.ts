import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiKeyHasher } from './api-key.ts';

const reference = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

describe('ApiKeyHasher', () => {
  it('computes exactly HMAC-SHA-256 for short, block-sized, long and non-ASCII secrets and messages', () => {
    const secrets = ['s', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), 'long-secret-'.repeat(20), 'sécret-ключ-🔑'];
    const near = (n: number) => ['a'.repeat(n), `${'b'.repeat(n - 1)}é`, `${'c'.repeat(n - 2)}🔑`];
    const texts = ['', 'moat_abcdefghij_0123456789abcdefghijABCDEFGHIJ-_', 'päß 🔑', ...near(250), ...near(252), ...near(253), ...near(256), ...near(257), 'w'.repeat(5000)];
    for (const secret of secrets) {
      const hasher = new ApiKeyHasher(secret);
      for (const text of texts) assert.equal(hasher.hash(text), reference(secret, text), `secret ${secret.length} chars, text ${text.length} chars`);
    }
  });

  it('gives the same digest for a text after a longer one (no leftovers in the reused buffers)', () => {
    const hasher = new ApiKeyHasher('secret');
    hasher.hash('a much longer text that fills more of the scratch buffer');
    assert.equal(hasher.hash('short'), reference('secret', 'short'));
  });

  it('issues keys that verify, and matches only the right hash', () => {
    const hasher = new ApiKeyHasher('secret');
    const a = hasher.issue();
    const b = hasher.issue();
    assert.equal(ApiKeyHasher.prefixOf(a.key), a.prefix);
    assert.equal(hasher.match(a.key, [b.hash, a.hash]), 1);
    assert.equal(hasher.match(b.key, [b.hash, a.hash]), 0);
    assert.equal(hasher.match(a.key, [b.hash]), -1);
    assert.equal(hasher.match(a.key, []), -1);
    assert.equal(new ApiKeyHasher('other secret').match(a.key, [a.hash]), -1);
  });
});
