/**
 * A small SVG line-chart writer (no dependency): one or more series of (x, y) points on linear axes with ticks,
 * labels and a legend. Enough for the queries-to-fidelity curve.
 */

export interface PlotSeries {
  name: string;
  points: readonly { x: number; y: number }[];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Fixed y range (e.g. [0, 1] for agreement); default: the data's range with a margin. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/**
 * The chart as an SVG document.
 *
 * @example writeFileSync('curve.svg', linePlotSvg([{ name: 'random', points }], { title: 'Fidelity', xLabel: 'queries', yLabel: 'agreement' }));
 */
export function linePlotSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const m = { left: 64, right: 24, top: 40, bottom: 56 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const [x0, x1] = span(xs.length ? Math.min(0, ...xs) : 0, xs.length ? Math.max(...xs) : 1);
  const [y0, y1] = options.yRange ?? span(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
  ];
  for (const t of ticks(x0, x1)) {
    out.push(`<line x1="${f(px(t))}" y1="${m.top}" x2="${f(px(t))}" y2="${height - m.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${f(px(t))}" y="${height - m.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${m.left}" y1="${f(py(t))}" x2="${width - m.right}" y2="${f(py(t))}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${width / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3.5" fill="${colour}"><title>${escapeXml(`${s.name}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`);
    const ly = m.top + 16 + i * 16;
    out.push(`<line x1="${m.left + 12}" y1="${ly - 4}" x2="${m.left + 32}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${m.left + 38}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A non-empty range: equal ends are widened so the scale never divides by zero. */
function span(lo: number, hi: number): [number, number] {
  if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** About five "nice" ticks (1, 2 or 5 × 10ⁿ apart) inside [lo, hi]. */
export function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1000 ? `${Math.round(x)}` : `${Number(x.toPrecision(3))}`;
}

function f(x: number): string {
  return x.toFixed(1);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
