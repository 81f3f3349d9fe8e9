/** `moat serve`: the OpenAI-compatible model server for the built-in models (docs/model-server.md). */
import type { Command } from 'commander';
import { destination, pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import { loadServedModels } from '../serve/load-models.ts';
import { startModelServer } from '../serve/server.ts';
import { type CliIO, defaultIO, ExitError, output, parseCount } from './io.ts';

export interface ServeCommandOptions {
  configFile?: string;
  /** Served model names; default every built-in model in `serve.modelsDir`. */
  models?: string[];
  port?: number;
  host?: string;
  trustInternalHeaders?: boolean;
  io: CliIO;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

/** Loads the weights, serves until stopped, then shuts down gracefully. */
export async function serveCommand(options: ServeCommandOptions): Promise<void> {
  const serve = { ...(options.port === undefined ? {} : { port: options.port }), ...(options.host ? { host: options.host } : {}) };
  const config = loadConfig({ file: options.configFile, overrides: { serve } });
  let models: Awaited<ReturnType<typeof loadServedModels>>;
  try {
    models = await loadServedModels(config, options.models);
  } catch (err) {
    throw new ExitError(1, `${(err as Error).message} (weights are read from serve.modelsDir = ${config.serve.modelsDir})`, { cause: err });
  }
  const logger = pino({ level: options.io.json ? 'silent' : config.log.level }, destination(2));
  let running: Awaited<ReturnType<typeof startModelServer>>;
  try {
    running = await startModelServer({ config, models, logger, trustInternalHeaders: options.trustInternalHeaders ?? false });
  } catch (err) {
    const inUse = (err as { code?: string }).code === 'EADDRINUSE';
    const reason = inUse ? `port ${config.serve.port} is already in use; pick another with --port` : (err as Error).message;
    throw new ExitError(1, `could not start the model server: ${reason}`, { cause: err });
  }
  const names = models.map((m) => m.model.info.name);
  output(options.io, { url: `${running.url}/v1`, models: names }, `model server  ${running.url}/v1  (models: ${names.join(', ')})`);
  await (options.until ?? stopSignal());
  options.io.stderr.write('moat: shutting down the model server…\n');
  await running.close();
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the built-in models over an OpenAI-compatible API (completions, chat, embeddings, classifications)')
    .option('--models <names>', 'comma-separated model names to serve (default: all found in serve.modelsDir)')
    .option('--port <n>', 'port to listen on (default: serve.port)')
    .option('--host <host>', 'address to bind (default: serve.host)')
    .option('--trust-internal-headers', 'honour x-moat-watermark-key (only when nothing but the gateway can reach this server)')
    .action(async (opts: { models?: string; port?: string; host?: string; trustInternalHeaders?: boolean }) => {
      const { config: configFile, json } = program.opts<{ config?: string; json?: boolean }>();
      await serveCommand({
        configFile,
        models: opts.models ? opts.models.split(',').map((m) => m.trim()).filter(Boolean) : undefined,
        port: opts.port === undefined ? undefined : parseCount('--port', opts.port),
        host: opts.host,
        trustInternalHeaders: opts.trustInternalHeaders,
        io: defaultIO(json),
      });
    });
}
