/**
 * `moat up` (what `npm start` runs): the built-in teachers in a model server on their own thread, the gateway in front
 * of them with SQLite under `dataDir`, the admin API, and a demo account whose key and a working curl line are printed.
 */
import { readdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConfigInput } from '../config/schema.ts';
import { loadConfig } from '../config/load.ts';
import { discoverBuiltinRoutes } from '../runtime/builtin-models.ts';
import { type DemoAccount, ensureDemoAccount } from '../runtime/demo-account.ts';
import type { RunningServices } from '../runtime/services.ts';
import { startModelServerInWorker } from '../serve/worker.ts';
import { type CliIO, defaultIO, ExitError } from './io.ts';
import { startOrExplain, waitForStopSignal } from './run-services.ts';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the built-in models behind the gateway (SQLite under .moat/) and print a demo key')
    .action(async () => {
      const { config: file, json } = program.opts<{ config?: string; json?: boolean }>();
      const io = defaultIO(json);
      const running = await startUp({ file, io });
      io.stdout.write(`${running.banner}\n`);
      io.stderr.write(`moat: ${await waitForStopSignal()} received, shutting down…\n`);
      await running.services.close();
    });
}

export interface UpOptions {
  file?: string;
  io: CliIO;
  /** Programmatic overrides (tests: ports 0, a temp dataDir, a models dir). */
  overrides?: ConfigInput;
}

export interface RunningUp {
  services: RunningServices;
  demo: DemoAccount & { created: boolean };
  /** What `moat up` prints: addresses, the demo key, a working curl line (JSON under --json). */
  banner: string;
}

export async function startUp(options: UpOptions): Promise<RunningUp> {
  const base = loadConfig({ file: options.file, overrides: options.overrides });
  options.io.stderr.write(`moat: loading the built-in models from ${base.serve.modelsDir}/ …\n`);
  let models: Awaited<ReturnType<typeof startModelServerInWorker>>;
  try {
    // The gateway builds every header it sends upstream, so clients cannot reach the internal ones.
    models = await startModelServerInWorker(base, { trustInternalHeaders: true, models: teachersIn(base.serve.modelsDir) });
  } catch (err) {
    throw new ExitError(1, (err as Error).message, { cause: err });
  }
  try {
    const routes = base.models.length > 0 ? null : await discoverBuiltinRoutes(models.url);
    const config = routes ? loadConfig({ file: options.file, overrides: { ...options.overrides, models: routes } }) : base;
    const services = await startOrExplain({ config, models });
    const demo = await ensureDemoAccount(services.stores, services.hasher, config.dataDir);
    return { services, demo, banner: banner(services, demo, options.io.json) };
  } catch (err) {
    await models.close();
    throw err;
  }
}

/**
 * `moat up` serves the teachers (`<family>-teacher` directories); the student baselines that may sit beside them
 * are for `moat serve --models` and distillation. Without teachers, everything found is served.
 */
function teachersIn(modelsDir: string): string[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync(modelsDir);
  } catch {
    return undefined; // the model server names the missing directory in its own error
  }
  const teachers = entries.filter((name) => name.endsWith('-teacher')).sort();
  return teachers.length > 0 ? teachers : undefined;
}

function banner(s: RunningServices, demo: RunningUp['demo'], json: boolean): string {
  const names = s.config.models.map((m) => m.name);
  const lm = s.config.models.find((m) => m.kinds.includes('chat'))?.name ?? names[0];
  const curl = [
    `curl ${s.gateway.url}/v1/chat/completions \\`,
    `  -H "Authorization: Bearer ${demo.key}" -H "Content-Type: application/json" \\`,
    `  -d '{"model":"${lm}","messages":[{"role":"user","content":"Call me Ishmael."}],"max_tokens":80}'`,
  ].join('\n');
  if (json) {
    return JSON.stringify({ gateway: `${s.gateway.url}/v1`, admin: `${s.admin.url}/admin/v1`, models: names, demoAccount: demo.accountId, demoKey: demo.key, curl });
  }
  return [
    'Moat is up.',
    `  gateway     ${s.gateway.url}/v1   models: ${names.join(', ')}`,
    `  admin API   ${s.admin.url}/admin/v1   (bearer token in ${s.config.dataDir}/secrets.json)`,
    `  metrics     ${s.gateway.url}/metrics`,
    `  demo key    ${demo.key}   (account ${demo.accountId}${demo.created ? ', created now' : ''}; kept in ${s.config.dataDir}/demo.json)`,
    '',
    'Try it:',
    curl,
    '',
    'Stop with Ctrl-C.',
  ].join('\n');
}
