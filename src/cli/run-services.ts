/**
 * What `moat up` and `moat gateway` share: start the services, print where they are, and run until SIGINT/SIGTERM,
 * then shut down gracefully (in-flight requests finish, audit rows are flushed) before the process exits.
 */
import type { Config } from '../config/schema.ts';
import { type RunningServices, type ServicesOptions, startServices } from '../runtime/services.ts';
import { type CliIO, ExitError } from './io.ts';

export async function runUntilStopped(options: ServicesOptions, io: CliIO, describe: (s: RunningServices) => Promise<string> | string): Promise<void> {
  let services: RunningServices;
  try {
    services = await startServices(options);
  } catch (err) {
    throw new ExitError(1, startFailure(err, options.config), { cause: err });
  }
  io.stdout.write(`${await describe(services)}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  io.stderr.write(`moat: ${signal} received, shutting down…\n`);
  await services.close();
}

function startFailure(err: unknown, config: Config): string {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return `a port is already in use (gateway ${config.gateway.port}, admin ${config.admin.port}, model server ${config.serve.port}); stop the other process or set other ports in the config file`;
  }
  return `could not start: ${(err as Error).message}`;
}
