/**
 * `moat verify`: turns a suspicion into an evidence report. Chooses probes from the watermark secret, asks the
 * suspect (resumable, rate-limit aware), runs the modality's test under the key (or every account's key with
 * `--accounts all`), calibrates it on independent keys and reference models, and writes report.json + report.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { BuiltinModel } from '../ml/contracts.ts';
import { initEngine } from '../ml/engine/init.ts';
import { loadModel } from '../ml/registry.ts';
import { openStores } from '../store/index.ts';
import { WatermarkKeyError, type WatermarkKeyring } from '../watermark/keys.ts';
import { watermarkKeyring } from '../watermark/secret.ts';
import { SuspectUnreachable } from '../watermark/verify/prober.ts';
import { verifyMethodFor, verifyMethods } from '../watermark/verify/registry.ts';
import { writeReport } from '../watermark/verify/report.ts';
import { createTextVerifyMethod, DEFAULT_PROBE_TOKENS, type TextReference } from '../watermark/verify/text-method.ts';
import { fmt, runVerify, VerifyError } from '../watermark/verify/verify.ts';
import { type CliIO, defaultIO, ExitError, output } from './io.ts';

export interface VerifyArgs {
  suspect?: string;
  key?: string;
  modality?: string;
  model?: string;
  probes?: string;
  accounts?: string;
  out?: string;
  reference?: string[];
  suspectApiKey?: string;
  nullKeys?: string;
  alpha?: string;
  concurrency?: string;
  printKeyId?: string;
  referenceModel?: string;
  probeTokens?: string;
  suspectApiKeyFile?: string;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('test whether a suspect model API carries our watermark and write an evidence report (JSON + Markdown)')
    .option('--suspect <url>', "suspect's OpenAI-compatible base URL, including /v1")
    .option('--key <keyId>', 'watermark key id to test (wm.<version>.<fingerprint>.<account>; see --print-key-id)')
    .option('--modality <name>', 'text | lexical | embedding | classifier (the mark to test: text = KGW from a Moat model server, lexical = the proxy synonym mark)', 'text')
    .option('--model <name>', "model name sent to the suspect (default: the first of its /models)")
    .option('--probes <n>', 'probe queries to send (default: the method’s)')
    .option('--accounts <all>', "score every account's keys and rank them ('all')")
    .option('--out <dir>', 'run directory: answers (resumable), report.json, report.md', 'verify-out')
    .option('--reference <url...>', 'base URLs of models known to be independent, probed the same way for calibration')
    .option('--suspect-api-key <key>', 'bearer key for the suspect API (visible to other local users in ps; prefer --suspect-api-key-file)')
    .option('--suspect-api-key-file <path>', 'file holding the bearer key for the suspect API (first line)')
    .option('--null-keys <n>', 'independent random keys for calibration', '200')
    .option('--alpha <p>', 'significance level of the verdict', '0.001')
    .option('--concurrency <n>', 'probes in flight', '4')
    .option('--print-key-id <account>', "print an account's current key id and exit")
    .option(
      '--reference-model <dir>',
      "text: the unmarked model the mark was applied to, run over the suspect's answers so every position counts (default: <serve.modelsDir>/lm-teacher when present; 'none' for the key-only deduplicated test)",
    )
    .option('--probe-tokens <n>', `text: tokens each probe answer asks for (default ${DEFAULT_PROBE_TOKENS}; more tokens, more evidence per query)`)
    .action(async (args: VerifyArgs) => {
      const { config: file, json } = program.opts<{ config?: string; json?: boolean }>();
      process.exitCode = await verifyCommand(args, loadConfig({ file }), defaultIO(json));
    });
}

/** Runs the command; resolves with the exit code (0 complete, 3 incomplete but resumable). */
export async function verifyCommand(args: VerifyArgs, config: Config, io: CliIO): Promise<number> {
  let keyring: WatermarkKeyring;
  try {
    keyring = watermarkKeyring(config, { create: false });
  } catch (err) {
    throw new ExitError(2, `refusing to verify: ${(err as Error).message}`, { cause: err });
  }
  if (args.printKeyId) {
    output(io, { keyId: keyring.keyIdFor(args.printKeyId) }, keyring.keyIdFor(args.printKeyId));
    return 0;
  }
  const modality = args.modality ?? 'text';
  if (args.probeTokens !== undefined && modality !== 'text') throw new ExitError(2, `--probe-tokens applies to --modality text only, not '${modality}'`);
  const probeTokens = positive(args.probeTokens, DEFAULT_PROBE_TOKENS, '--probe-tokens');
  const method = modality === 'text' ? createTextVerifyMethod(config, await textReference(args.referenceModel, config), { probeTokens }) : verifyMethodFor(modality, config);
  if (!method) throw new ExitError(2, `--modality must be one of ${verifyMethods(config).map((m) => m.modality).join(', ')}, got '${modality}'`);
  if (!args.suspect) throw new ExitError(2, '--suspect <url> is required');
  const suspectUrl = parseUrl(args.suspect, '--suspect');
  if (args.accounts !== undefined && args.accounts !== 'all') throw new ExitError(2, `--accounts takes 'all', got '${args.accounts}'`);
  if (!args.key && !args.accounts) throw new ExitError(2, 'give --key <keyId> or --accounts all');
  const keyIds = args.accounts ? await everyAccountKeyId(config, keyring) : [args.key as string];
  const apiKey = suspectApiKey(args);
  const model = args.model ?? (await firstModel(suspectUrl, apiKey));
  try {
    const report = await runVerify({
      method,
      keyring,
      keyIds,
      rankAccounts: args.accounts === 'all',
      suspect: { url: suspectUrl, apiKey },
      model,
      probes: positive(args.probes, method.defaultProbes, '--probes'),
      references: (args.reference ?? []).map((url) => ({ url: parseUrl(url, '--reference'), apiKey })),
      outDir: args.out ?? 'verify-out',
      nullKeys: positive(args.nullKeys, 200, '--null-keys'),
      alpha: probability(args.alpha),
      prober: { concurrency: positive(args.concurrency, 4, '--concurrency') },
      onProgress: (target, done, total) => {
        if (!io.json && (done % 100 === 0 || done === total)) io.stderr.write(`moat: ${target}: ${done}/${total} probes\n`);
      },
    });
    const files = writeReport(args.out ?? 'verify-out', report);
    output(io, { ...report, files }, () =>
      [
        report.verdict,
        `  ${report.result.statisticName} = ${report.result.statistic.toFixed(2)}, p = ${fmt(report.result.pValue)} over ${report.result.scored} units; calibrated p = ${fmt(report.calibrated.calibratedPValue)}`,
        `  probes: ${report.probes.answered} usable, ${report.probes.garbage} garbage, ${report.probes.failed} without answer`,
        ...(report.accounts ? [`  strongest account: ${report.accounts[0].accountId} (of ${report.accounts.length} keys)`] : []),
        `  report: ${files.markdown} and ${files.json}`,
      ].join('\n'),
    );
    return report.complete ? 0 : 3;
  } catch (err) {
    if (err instanceof VerifyError || err instanceof SuspectUnreachable || err instanceof WatermarkKeyError) throw new ExitError(2, err.message, { cause: err });
    throw err;
  }
}

/** The suspect's bearer key: from the flag, or from a file so it stays out of the process list. */
function suspectApiKey(args: VerifyArgs): string | undefined {
  if (args.suspectApiKeyFile === undefined) return args.suspectApiKey;
  if (args.suspectApiKey !== undefined) throw new ExitError(2, 'give --suspect-api-key or --suspect-api-key-file, not both');
  let text: string;
  try {
    text = readFileSync(args.suspectApiKeyFile, 'utf8');
  } catch (err) {
    throw new ExitError(2, `--suspect-api-key-file ${args.suspectApiKeyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const key = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (key === '' || /\s/.test(key)) throw new ExitError(2, `--suspect-api-key-file ${args.suspectApiKeyFile}: the first line must hold the key (no spaces)`);
  return key;
}

/** The reference model for the text test: the flag's directory, the built-in teacher by default, or none. */
async function textReference(flag: string | undefined, config: Config): Promise<TextReference | undefined> {
  if (flag === 'none') return undefined;
  const dir = flag ?? join(config.serve.modelsDir, 'lm-teacher');
  if (flag === undefined && !existsSync(join(dir, 'model.json'))) return undefined;
  let loaded: BuiltinModel;
  try {
    await initEngine();
    loaded = await loadModel(dir);
  } catch (err) {
    throw new ExitError(2, `--reference-model ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (loaded.family !== 'lm') throw new ExitError(2, `--reference-model ${dir} is a ${loaded.family} model; the text test needs a language model`);
  return { name: dir, model: loaded.model };
}

/** Every account's key id under every key version (outputs from before a rotation carry older versions). */
async function everyAccountKeyId(config: Config, keyring: WatermarkKeyring): Promise<string[]> {
  const stores = openStores(config);
  try {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.accounts.list({ limit: 500, cursor });
      for (const account of page.items) for (const version of keyring.versions()) ids.push(keyring.keyIdFor(account.id, version));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (ids.length === 0) throw new ExitError(2, '--accounts all: there are no accounts in the store');
    return ids;
  } finally {
    await stores.close();
  }
}

async function firstModel(baseUrl: string, apiKey: string | undefined): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const id = body.data?.[0]?.id;
    if (typeof id === 'string') return id;
  } catch {
    // fall through to the explanation below
  }
  throw new ExitError(2, `could not list the suspect's models at ${baseUrl}/models; pass --model`);
}

function parseUrl(value: string, flag: string): string {
  try {
    return new URL(value).toString().replace(/\/$/, '');
  } catch {
    throw new ExitError(2, `${flag} must be a URL such as http://host:8080/v1, got '${value}'`);
  }
}

function probability(value: string | undefined): number {
  const alpha = Number(value ?? 0.001);
  if (!(alpha > 0 && alpha < 1)) throw new ExitError(2, `--alpha must be between 0 and 1, got '${value}'`);
  return alpha;
}

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ExitError(2, `${flag} must be a positive integer, got '${value}'`);
  return n;
}
