import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, DAY, exponentialGap, HOUR, humanPrompt, makeEvent, T0 } from './testing/traffic.ts';
import { createVolumePacingDetector } from './volume-pacing.ts';

function run(events: DetectionEvent[]) {
  const d = createVolumePacingDetector();
  const s = d.create();
  for (const e of events) d.observe(s, e);
  return { d, s, result: d.score(s, events[events.length - 1].at) };
}

/** Paced under any per-minute limit: one request every ~20 s, day and night, for three days. */
function pacedHarvester(seed: number, accountId = 'attacker'): DetectionEvent[] {
  const rng = createRng(seed);
  const out: DetectionEvent[] = [];
  for (let t = T0; t < T0 + 3 * DAY; t += 20_000 * (0.97 + 0.06 * rng.next())) {
    out.push(makeEvent({ accountId, at: t, promptText: 'x', embed: false }));
  }
  return out;
}

/** Three sessions a day between 08:00 and 22:00, Poisson clicks inside each. */
function chatUser(seed: number, days = 5): DetectionEvent[] {
  const rng = createRng(seed);
  const out: DetectionEvent[] = [];
  for (let d = 0; d < days; d++) {
    for (const start of [8.5, 13, 19.5]) {
      let t = T0 + d * DAY + (start + rng.next()) * HOUR;
      for (let k = 0; k < 5 + rng.int(10); k++) {
        out.push(makeEvent({ accountId: 'human', at: t, promptText: humanPrompt(rng), embed: false }));
        t += exponentialGap(rng, 90_000);
      }
    }
  }
  return out;
}

/** A legitimate nightly bulk job: 500 requests at a steady 7 s cadence from 02:00, five nights running. */
function nightlyBatch(seed: number): DetectionEvent[] {
  const rng = createRng(seed);
  const out: DetectionEvent[] = [];
  for (let d = 0; d < 5; d++) {
    for (let k = 0; k < 500; k++) {
      out.push(makeEvent({ accountId: 'batch', at: T0 + d * DAY + 2 * HOUR + k * 7_000 + rng.int(300), promptText: 'x', embed: false }));
    }
    out.push(makeEvent({ accountId: 'batch', at: T0 + d * DAY + 11 * HOUR, promptText: 'check job', embed: false }));
  }
  return out;
}

test('volume-pacing: a paced round-the-clock harvester scores high with reasons in numbers', () => {
  const { result } = run(pacedHarvester(1));
  assert.ok(result.score > 0.8, `score ${result.score}`);
  assert.match(result.reasons.join('\n'), /inter-arrival CV 0\.0\d/);
  assert.match(result.reasons.join('\n'), /no daily rhythm: 24\/24 hours/);
});

test('volume-pacing: a chat user with sessions and sleep scores low', () => {
  const { result } = run(chatUser(2));
  assert.ok(result.score < 0.15, `score ${result.score} ${result.reasons}`);
});

test('volume-pacing: hard negative — a routine nightly bulk job stays below the action range', () => {
  const { result } = run(nightlyBatch(3));
  assert.ok(result.score < 0.4, `score ${result.score} ${result.reasons} ${JSON.stringify(result.features)}`);
  assert.ok(result.features.regularity > 0.99, JSON.stringify(result.features));
});

test('volume-pacing: monotone — more of the harvest never lowers the score', () => {
  const d = createVolumePacingDetector();
  const s = d.create();
  let last = 0;
  const events = pacedHarvester(4);
  events.forEach((e, i) => {
    d.observe(s, e);
    if (i % 500 === 499) {
      const v = d.score(s, e.at).score;
      assert.ok(v >= last - 0.02, `score fell from ${last} to ${v} at ${i}`);
      last = v;
    }
  });
});

test('volume-pacing: merge sees a swarm whose members are each too sparse to judge', () => {
  const d = createVolumePacingDetector();
  const members = Array.from({ length: 20 }, (_, m) => {
    const s = d.create();
    // Each member sends every 20th tick of a shared clock: 12 requests an hour, evenly paced, around the clock.
    for (let t = T0 + m * 15_000; t < T0 + 3 * DAY; t += 300_000) d.observe(s, makeEvent({ accountId: `s${m}`, at: t, promptText: 'x', embed: false }));
    return s;
  });
  const cluster = d.score(d.merge(members), T0 + 3 * DAY);
  assert.ok(cluster.score > 0.8, `cluster ${cluster.score}`);
  assert.ok(cluster.features.total === members.reduce((a, s) => a + s.total, 0));
});

test('volume-pacing: rejects malformed events and stays bounded after 10,000 events', () => {
  const d = createVolumePacingDetector();
  const s = d.create();
  assert.throws(() => d.observe(s, { ...makeEvent({ at: T0, promptText: 'x' }), accountId: null }), MoatError);
  assert.throws(() => d.observe(s, { ...makeEvent({ at: Number.NaN, promptText: 'x' }) }), MoatError);
  const rng = createRng(9);
  for (let i = 0; i < 10_000; i++) d.observe(s, makeEvent({ at: T0 + i * 60_000 * rng.next(), promptText: 'x', embed: false }));
  assert.ok(approximateBytes(s) <= d.maxStateBytes, `${approximateBytes(s)} bytes`);
});
