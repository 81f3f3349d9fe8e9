import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { logHypergeometricUpperTail } from '../proxy-stats.ts';
import { ksUniform } from '../stats.ts';
import { canonicalInput, type DawnSelection, dawnRole, flipAnswer, keyedWrongLabel, teacherMargin } from './dawn.ts';
import { type DawnOutcome, scoreDawn } from './detect.ts';
import { FileDawnLedger } from './ledger.ts';

const keyOf = (name: string) => createHash('sha256').update(name).digest();
const unit = (label: string) => createHash('sha256').update(label).digest().readUInt32BE(0) / 2 ** 32;
const LABELS = ['ham', 'spam'];
const inputs = Array.from({ length: 20_000 }, (_, i) => `message number ${i} about offer ${i % 97}`);
const truths = new Map(inputs.map((x) => [x, unit(`truth/${x}`) < 0.3 ? 'spam' : 'ham']));
const truth = (x: string) => truths.get(x) ?? 'ham';
/** The teacher's margin per input: uniform on [0, 1), so the band [0.5, 0.999] holds 49.9% of the traffic. */
const margins = new Map(inputs.map((x) => [x, unit(`margin/${x}`)]));
const margin = (x: string) => margins.get(x) ?? 0;
const SELECTION: DawnSelection = { fraction: 0.005, controlFraction: 0.02, marginBand: { min: 0.5, max: 0.999 }, bandShare: 0.499 };
const FULL: DawnSelection = { fraction: 0.005, controlFraction: 0.02, marginBand: { min: 0, max: 1 }, bandShare: 1 };
/**
 * An independent model: its mistakes fixed per input and, like a real one, far likelier where the teacher's margin is
 * small (20% below 0.6, 2% above) — so errors and margin are correlated, which the band must not turn into evidence.
 */
const independentLabels = new Map(inputs.map((x) => [x, unit(`indep/${x}`) < (margin(x) < 0.6 ? 0.2 : 0.02) ? (truth(x) === 'spam' ? 'ham' : 'spam') : truth(x)]));
const independent = (x: string) => independentLabels.get(x) ?? 'ham';

function served(key: Buffer, x: string): { role: 'watermark' | 'control' | 'none'; label: string } {
  const role = dawnRole(key, x, margin(x), SELECTION);
  return { role, label: role === 'watermark' ? keyedWrongLabel(key, x, LABELS, truth(x)) : truth(x) };
}

/** What the account's answers would show a suspect: its watermark and control inputs and what was served. */
function outcomes(key: Buffer, suspect: (x: string) => string, pool = inputs): DawnOutcome[] {
  const out: DawnOutcome[] = [];
  for (const x of pool) {
    const s = served(key, x);
    if (s.role !== 'none') out.push({ role: s.role, served: s.label, suspect: suspect(x) });
  }
  return out;
}

describe('DAWN', () => {
  it('selects about the configured fractions overall, only inside the margin band, deterministically on canonical input', () => {
    const key = keyOf('k');
    const roles = inputs.map((x) => dawnRole(key, x, margin(x), SELECTION));
    const share = (role: string) => roles.filter((r) => r === role).length / inputs.length;
    assert.ok(share('watermark') > 0.003 && share('watermark') < 0.007, `watermark ${share('watermark')}`);
    assert.ok(share('control') > 0.016 && share('control') < 0.024, `control ${share('control')}`);
    assert.ok(inputs.every((x, i) => roles[i] === 'none' || (margin(x) >= 0.5 && margin(x) <= 0.999)));
    const x = inputs.find((_, i) => roles[i] === 'watermark') as string;
    assert.equal(dawnRole(key, `  ${x.replace(/ /g, '\n ')} `, margin(x), SELECTION), 'watermark');
    assert.equal(dawnRole(key, x, 0.9995, SELECTION), 'none', 'a near-certain answer is outside the band');
    assert.equal(canonicalInput(' a\t b '), 'a b');
    assert.equal(keyedWrongLabel(key, x, ['a', 'b', 'c'], 'a'), keyedWrongLabel(key, x, ['a', 'b', 'c'], 'a'));
  });

  it('an unknown margin (a record older than the band) is eligible only under the full band, which is classic DAWN', () => {
    const key = keyOf('k');
    assert.ok(inputs.every((x) => dawnRole(key, x, undefined, SELECTION) === 'none'));
    const classic = inputs.filter((x) => dawnRole(key, x, undefined, FULL) === 'watermark');
    assert.ok(classic.length > 60 && classic.length < 140, `${classic.length} of 20,000`);
    assert.ok(classic.every((x) => dawnRole(key, x, margin(x), FULL) === 'watermark'));
  });

  it('measures the margin as the top probability minus the runner-up, robust to garbage', () => {
    assert.ok(Math.abs(teacherMargin({ ham: 0.9, spam: 0.1 }) - 0.8) < 1e-12);
    assert.ok(Math.abs(teacherMargin({ a: 0.2, b: 0.5, c: 0.3 }) - 0.2) < 1e-12);
    assert.equal(teacherMargin({ only: 1 }), 1);
    assert.equal(teacherMargin({ a: 'x', b: 7, c: Number.NaN }), 1);
  });

  it('flips with consistent probabilities', () => {
    const flipped = flipAnswer({ label: 'ham', probabilities: { ham: 0.9, spam: 0.1 } }, 'spam');
    assert.deepEqual(flipped, { label: 'spam', probabilities: { ham: 0.1, spam: 0.9 } });
  });

  it('detects a student that learnt the flips, not an independent model', () => {
    const key = keyOf('account');
    const harvested = new Set(inputs.slice(0, 4000));
    // Memorises 80% of what it was trained on; elsewhere the independent model's behaviour.
    const student = (x: string) => (harvested.has(x) && unit(`mem/${x}`) < 0.8 ? served(key, x).label : independent(x));
    const marked = scoreDawn(outcomes(key, student, inputs.slice(0, 4000)));
    const clean = scoreDawn(outcomes(key, independent, inputs.slice(0, 4000)));
    assert.ok(marked.watermarkInputs >= 10, `${marked.watermarkInputs} watermark inputs`);
    assert.ok(marked.pValue < 1e-6, `student p = ${marked.pValue}`);
    assert.ok(clean.pValue > 0.01, `independent p = ${clean.pValue}`);
  });

  it('under the null, the randomised p-value is uniform (KS over 150 keys) and the reported one conservative, though errors cluster at small margins', () => {
    const randomised: number[] = [];
    let smallReported = 0;
    for (let i = 0; i < 150; i++) {
      const o = outcomes(keyOf(`null-${i}`), independent, inputs.slice(0, 3000));
      const s = scoreDawn(o);
      const total = o.length;
      const successes = s.hits + s.controlErrors;
      const above = Math.exp(logHypergeometricUpperTail(s.hits + 1, total, successes, s.watermarkInputs));
      randomised.push(above + unit(`u/${i}`) * (s.pValue - above));
      if (s.pValue < 0.05) smallReported++;
    }
    const ks = ksUniform(randomised);
    assert.ok(ks.pValue > 0.01, `KS p = ${ks.pValue}`);
    assert.ok(smallReported <= 150 * 0.05 + 6, `${smallReported} of 150 below 0.05`);
  });

  it('names the account among 10 whose answers trained the student', () => {
    const accounts = Array.from({ length: 10 }, (_, i) => keyOf(`acct-${i}`));
    const leaked = 7;
    const traffic = accounts.map((_, a) => inputs.slice(a * 2000, (a + 1) * 2000));
    const trained = new Set(traffic[leaked]);
    const student = (x: string) => (trained.has(x) && unit(`mem/${x}`) < 0.8 ? served(accounts[leaked] as Buffer, x).label : independent(x));
    const scores = accounts.map((k, a) => -scoreDawn(outcomes(k, student, traffic[a])).log10PValue);
    assert.equal(scores.indexOf(Math.max(...scores)), leaked);
  });

  it('the file ledger keeps one record per account, model and input and skips a torn line', () => {
    const ledger = new FileDawnLedger(join(mkdtempSync(join(tmpdir(), 'dawn-')), 'ledger.jsonl'));
    const entry = { keyId: 'wm.1.00000000.a', accountId: 'a', model: 'm', role: 'watermark' as const, input: 'x', served: 'spam', trueLabel: 'ham', labels: LABELS, margin: 0.93, at: 1 };
    ledger.record(entry);
    ledger.record(entry);
    ledger.record({ ...entry, accountId: 'b' });
    assert.equal(ledger.list().length, 2);
    assert.equal(ledger.list()[0]?.margin, 0.93);
    assert.deepEqual(ledger.list(['b']).map((e) => e.accountId), ['b']);
  });
});
