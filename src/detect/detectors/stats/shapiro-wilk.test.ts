import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalCdf, normalQuantile } from './normal.ts';
import { shapiroWilk } from './shapiro-wilk.ts';

// Reference values from scipy 1.17.1 (scipy.stats.shapiro / norm.ppf / norm.cdf), printed by a one-off script.
test('normal quantile and CDF match scipy', () => {
  const ppf: [number, number][] = [
    [0.001, -3.090232306167813],
    [0.02, -2.053748910631823],
    [0.3, -0.5244005127080409],
    [0.5, 0],
    [0.9, 1.2815515655446004],
    [0.999, 3.090232306167813],
  ];
  for (const [p, z] of ppf) assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `ppf(${p})`);
  const cdf: [number, number][] = [
    [-3, 0.0013498980316300933],
    [-1, 0.15865525393145707],
    [0, 0.5],
    [0.5, 0.6914624612740131],
    [2.5, 0.9937903346742238],
  ];
  for (const [z, p] of cdf) assert.ok(Math.abs(normalCdf(z) - p) < 2e-7, `cdf(${z})`);
});

const formula = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, k) => f(k + 1));

test('Shapiro–Wilk W and p match scipy on small and large samples', () => {
  const cases: { name: string; x: number[]; w: number; p: number }[] = [
    { name: 'n=3', x: [1, 2, 4], w: 0.9642857142857142, p: 0.6368868450289689 },
    { name: 'n=5', x: [2.1, 3.4, 1.9, 5.6, 4.4], w: 0.9320849391953863, p: 0.6106559022604845 },
    {
      name: 'heights n=11',
      x: [148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236],
      w: 0.7888146948631716,
      p: 0.006703814061898823,
    },
    {
      name: 'normal scores n=60',
      x: formula(60, (i) => normalQuantile(((i * 0.6180339887) % 1) * 0.98 + 0.01)),
      w: 0.9944648404553958,
      p: 0.9951849197564355,
    },
    {
      name: 'exponential n=200',
      x: formula(200, (i) => -Math.log(1 - ((i * 0.7548776662 + 0.1) % 1))),
      w: 0.7149064388636259,
      p: 3.100529178418752e-18,
    },
    { name: 'uniform n=1000', x: formula(1000, (i) => (i * 0.6180339887) % 1), w: 0.9547687852464023, p: 5.28965918157511e-17 },
  ];
  for (const c of cases) {
    const r = shapiroWilk(c.x);
    assert.ok(Math.abs(r.w - c.w) < 2e-3, `${c.name}: W ${r.w} vs ${c.w}`);
    // Royston's p approximation differs from swilk's in the far tail; compare on a log scale there.
    if (c.p > 1e-3) assert.ok(Math.abs(r.p - c.p) < 0.02, `${c.name}: p ${r.p} vs ${c.p}`);
    else assert.ok(Math.abs(Math.log10(r.p) - Math.log10(c.p)) < 1.5, `${c.name}: p ${r.p} vs ${c.p}`);
  }
});

test('Shapiro–Wilk rejects sizes outside 3..5000 and constant samples', () => {
  assert.throws(() => shapiroWilk([1, 2]), RangeError);
  assert.throws(() => shapiroWilk(new Array(5001).fill(0).map((_, i) => i)), RangeError);
  assert.throws(() => shapiroWilk([3, 3, 3, 3]), RangeError);
});
