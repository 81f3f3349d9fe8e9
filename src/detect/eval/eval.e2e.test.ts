import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseScenario } from '../../sim/scenario.ts';
import { runDetectEval } from './run-eval.ts';

test('detect eval end to end: a logit-probing attacker is banned early through the real gateway; benign users are not', async () => {
  const out = mkdtempSync(join(tmpdir(), 'moat-eval-test-'));
  try {
    const scenario = parseScenario({
      name: 'e2e',
      seed: 3,
      durationSeconds: 6,
      maxSeconds: 25,
      maxTokens: 4,
      nat: { groups: 1, accountsPerGroup: 4 },
      benign: [
        { persona: 'chat', accounts: 8, sessions: [1, 2], turns: [2, 4], thinkSeconds: [0.2, 1] },
        { persona: 'developer', accounts: 2, bursts: [1, 2], runsPerBurst: [3, 5], thinkSeconds: [0.05, 0.2] },
      ],
      attackers: [{ strategy: 'logprob-probing', queries: 1000, startSeconds: 1, concurrency: 2 }],
    });
    const result = await runDetectEval({ scenario, outDir: out });
    const [probe] = result.metrics.attackers;
    assert.equal(probe!.strategy, 'logprob-probing');
    assert.ok(probe!.detected, 'detected');
    assert.ok(probe!.banned, 'banned');
    assert.ok(probe!.servedBeforeBan! < 100, `banned after ${probe!.servedBeforeBan} served (< 10% of 1000)`);
    assert.equal(result.metrics.benignTotal.banned, 0);
    assert.equal(result.metrics.benign.length, 2);
    const written = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
    assert.equal(written.metrics.attackers[0].strategy, 'logprob-probing');
    assert.match(readFileSync(join(out, 'roc.svg'), 'utf8'), /^<svg/);
    assert.match(readFileSync(join(out, 'campaigns.svg'), 'utf8'), /logprob-probing/);
    assert.match(readFileSync(join(out, 'eval.md'), 'utf8'), /## Attackers/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
