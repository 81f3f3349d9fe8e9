/**
 * The one-shot run's summary: the same rows for the terminal table and the Markdown report.
 */
import type { LmFidelity } from '../eval/fidelity.ts';
import type { RunReport } from './run-job.ts';

/** [label, value] rows summarising harvest, training and evaluation. */
export function summaryRows(r: RunReport): [string, string][] {
  const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
  const e = r.eval;
  const rows: [string, string][] = [
    ['teacher', `${e.teacher.name} (${e.teacher.parameterCount?.toLocaleString('en') ?? '?'} parameters)`],
    ['student', `${e.student.size}, ${e.student.parameterCount.toLocaleString('en')} parameters (${pct(e.parameterRatio)} of the teacher)`],
    ['harvest', `${r.harvest.status}: ${r.harvest.paidQueries} paid queries, ${r.harvest.cacheHits} cache hits, ${r.harvest.wallSeconds.toFixed(1)} s`],
    ['training', `${r.train.settings.loss}, ${r.train.stepsCompleted} steps on ${r.train.trainExamples} records, ${r.train.trainSeconds} s`],
    ['held-out records', String(e.heldOutRecords)],
    [e.family === 'lm' ? 'next-token agreement' : e.family === 'embedder' ? 'neighbour agreement' : 'top-1 agreement', pct(e.agreement)],
  ];
  if (e.family === 'lm') {
    const f = e.fidelity as LmFidelity;
    rows.push(['KL(teacher‖student), top-k', f.klTopK.toFixed(4)]);
  }
  if (e.quality) rows.push([`quality kept (${e.quality.metric})`, `${pct(e.quality.kept)} (student ${e.quality.student.toFixed(3)}, teacher ${e.quality.teacher.toFixed(3)})`]);
  rows.push(['speed-up', `${e.latency.speedUp.toFixed(1)}× (${e.latency.studentMs.toFixed(2)} ms vs ${e.latency.teacherMs.toFixed(2)} ms, teacher ${e.latency.teacherWhere})`]);
  if (r.curve) rows.push(['queries → agreement', r.curve.map((p) => `${p.queries}: ${pct(p.agreement)}`).join(', ')]);
  rows.push(['wall time', `${r.wallSeconds} s`]);
  return rows;
}

/** report.md: the summary as a Markdown table, the curve, and where the files are. */
export function reportMarkdown(r: RunReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `# Distillation report: ${r.eval.teacher.name} → ${r.eval.student.size}`,
    '',
    `Teacher ${r.spec.teacher}, model ${r.spec.model}, ${r.spec.family}, budget ${r.spec.budget} queries, ${r.spec.keys} key(s), seed ${r.spec.seed ?? 1}.`,
    '',
    '| | |',
    '|---|---|',
    ...summaryRows(r).map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`),
    '',
  ];
  if (r.curve) lines.push('![queries to fidelity](curve.svg)', '');
  lines.push(`Files: ${r.files.map((f) => `\`${f}\``).join(', ')}.`, '');
  return `${lines.join('\n')}\n`;
}
