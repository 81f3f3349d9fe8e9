/**
 * `moat detect eval`: runs a simulated mix of benign users and attackers through an in-process gateway with detection
 * enforcing, and reports per attacker strategy and per benign persona (src/detect/eval). Writes eval.json, eval.md,
 * roc.svg and campaigns.svg under --out.
 */
import type { Command } from 'commander';
import { describeEval } from '../detect/eval/report.ts';
import { runDetectEval } from '../detect/eval/run-eval.ts';
import { resolveScenario } from '../sim/scenarios.ts';
import { detectCommandGroup } from './detect.ts';
import { defaultIO, output, parseCount } from './io.ts';

export function registerDetectEvalCommand(program: Command): void {
  detectCommandGroup(program)
    .command('eval')
    .description('evaluate detection on simulated traffic through an in-process gateway (per-strategy detection, benign false positives, ROC AUC)')
    .option('--scenario <name|file>', 'built-in scenario (small, target) or a JSON/YAML scenario file', 'small')
    .option('--seed <n>', "override the scenario's seed")
    .option('--out <dir>', 'where to write eval.json, eval.md, roc.svg, campaigns.svg', '.moat/detect-eval')
    .option('--shadow', 'run detection in shadow mode (decisions only: no served-before-ban numbers)')
    .action(async (flags: { scenario: string; seed?: string; out: string; shadow?: boolean }) => {
      const io = defaultIO(program.opts<{ json?: boolean }>().json);
      const scenario = resolveScenario(flags.scenario, flags.seed === undefined ? undefined : parseCount('--seed', flags.seed));
      io.stderr.write(`moat: evaluating detection on scenario ${scenario.name} (seed ${scenario.seed}), up to ${scenario.maxSeconds} s of traffic…\n`);
      const result = await runDetectEval({
        scenario,
        outDir: flags.out,
        detection: flags.shadow ? { shadow: true } : undefined,
        onProgress: (p) => io.stderr.write(`moat: ${p.elapsedSeconds.toFixed(0)} s, ${p.requests} requests, ${p.actorsDone}/${p.actors} actors done\n`),
      });
      output(io, result.report, () => `${describeEval(result.report)}\n\nwritten: ${Object.values(result.files ?? {}).join(', ')}`);
    });
}
