/** The evidence report of `moat verify`: its shape, and the JSON + Markdown files written from it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CalibratedResult, NullCalibration } from './calibration.ts';
import type { ScoreResult } from './method.ts';

export interface AnswerCounts {
  /** Usable answers. */
  answered: number;
  /** Answers that were not usable (not JSON, no completion, 4xx). */
  garbage: number;
  /** Probes with no answer after retries (asked again on resume). */
  failed: number;
  garbageExamples: string[];
}

export interface KeyScore extends ScoreResult {
  keyId: string;
  accountId: string;
  version: number;
}

export interface TargetReport {
  url: string;
  answers: AnswerCounts;
  /** The same test under the same key; null without usable answers. */
  result: ScoreResult | null;
}

export interface EvidenceReport {
  createdAt: string;
  method: { modality: string; description: string };
  suspect: { url: string; model: string };
  probes: { requested: number } & AnswerCounts;
  complete: boolean;
  key: { keyId: string; accountId: string; version: number };
  result: KeyScore;
  calibrated: CalibratedResult;
  calibration: { independentKeys: NullCalibration; referenceModels: TargetReport[] };
  /**
   * With a method's confirmation stage: how many more of the top key's own inputs were asked after the ranking, and
   * the top key's p on the ranking probes alone. `result` and the verdict use both stages.
   */
  confirmation: { probes: number; answered: number; rankingPValue: number } | null;
  accounts: (KeyScore & { rank: number })[] | null;
  /** With --accounts: the top account's p-values corrected for having picked the best of `keys` (the verdict's). */
  familywise: Familywise | null;
  alpha: number;
  verdict: string;
}

export interface Familywise {
  keys: number;
  method: 'Bonferroni';
  pValue: number;
  calibratedPValue: number;
}

export function writeReport(outDir: string, report: EvidenceReport): { json: string; markdown: string } {
  const json = join(outDir, 'report.json');
  const markdown = join(outDir, 'report.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}

const p = (x: number) => (x === 0 ? '< 1e-300' : x < 1e-3 ? x.toExponential(2) : x.toFixed(4));
const n = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

export function renderMarkdown(r: EvidenceReport): string {
  const c = r.calibration.independentKeys;
  const lines = [
    `# Watermark evidence report (${r.method.modality})`,
    '',
    `**Verdict:** ${r.verdict}`,
    '',
    `- Created: ${r.createdAt}`,
    `- Suspect: ${r.suspect.url} (model \`${r.suspect.model}\`)`,
    `- Key: \`${r.key.keyId}\` (account \`${r.key.accountId}\`, key version ${r.key.version})`,
    `- Method: ${r.method.description}`,
    '',
    '## Probes',
    '',
    `Chosen from the watermark secret: ${r.probes.requested}; usable answers ${r.probes.answered}, garbage ${r.probes.garbage}, no answer ${r.probes.failed}${r.complete ? '' : ' (incomplete: run again with the same --out to resume)'}.`,
    ...(r.probes.garbageExamples.length ? ['', 'Garbage examples:', ...r.probes.garbageExamples.map((g) => `- ${g}`)] : []),
    '',
    '## Test',
    '',
    '| statistic | value | p-value (textbook null) | scored units |',
    '|---|---|---|---|',
    `| ${r.result.statisticName} | ${n(r.result.statistic)} | ${p(r.result.pValue)} | ${r.result.scored} |`,
    '',
    ...Object.entries(r.result.details).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Calibration',
    '',
    `The same answers scored under ${c.keys} independent random keys (which marked nothing):`,
    '',
    `- null statistic: mean ${n(c.statistic.mean)}, sd ${n(c.statistic.sd)}, range ${n(c.statistic.min)} … ${n(c.statistic.max)}`,
    `- null p-values vs uniform: KS D = ${c.pValueUniformity.d.toFixed(3)}, p = ${p(c.pValueUniformity.pValue)}; share below 0.01: ${(c.falseAlarmRateAt001 * 100).toFixed(1)}%`,
    `- empirical p (rank among null keys): ${p(r.calibrated.empiricalPValue)}`,
    `- calibrated z = ${n(r.calibrated.calibratedZ)}, calibrated p = ${p(r.calibrated.calibratedPValue)}`,
    '',
  ];
  if (r.calibration.referenceModels.length > 0) {
    lines.push('Models known to be independent, probed the same way, scored under the same key:', '', '| model | usable answers | statistic | p-value |', '|---|---|---|---|');
    for (const ref of r.calibration.referenceModels) {
      lines.push(`| ${ref.url} | ${ref.answers.answered} | ${ref.result ? n(ref.result.statistic) : '-'} | ${ref.result ? p(ref.result.pValue) : '-'} |`);
    }
    lines.push('');
  }
  if (r.accounts) {
    lines.push('## Accounts ranked by the strength of their mark', '');
    if (r.familywise) {
      lines.push(
        `The top account is the best of ${r.familywise.keys} keys, so the verdict uses its p-values multiplied by ${r.familywise.keys} (${r.familywise.method}): p = ${p(r.familywise.pValue)}, calibrated p = ${p(r.familywise.calibratedPValue)}. The p-values below are each key's own.`,
        '',
      );
    }
    if (r.confirmation) {
      lines.push(
        `The ranking used the first ${r.probes.requested - r.confirmation.probes} probes. The top account was then asked about ${r.confirmation.probes} more of its own inputs (${r.confirmation.answered} answered), chosen from the ledger without looking at any answer; its p-value went from ${p(r.confirmation.rankingPValue)} on the ranking probes to ${p(r.result.pValue)} on both, and the verdict uses the latter.`,
        '',
      );
    }
    lines.push('| rank | account | key id | statistic | p-value (ranking probes) |', '|---|---|---|---|---|');
    for (const a of r.accounts.slice(0, 20)) lines.push(`| ${a.rank} | ${a.accountId} | \`${a.keyId}\` | ${n(a.statistic)} | ${p(a.pValue)} |`);
    if (r.accounts.length > 20) lines.push(`| … | ${r.accounts.length - 20} more in report.json | | | |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
