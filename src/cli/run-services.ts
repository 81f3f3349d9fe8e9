/**
 * What `moat up` and `moat gateway` share: start the services with start-up failures explained, and wait for
 * SIGINT/SIGTERM so the caller can shut down gracefully (in-flight requests finish, audit rows are flushed).
 */
import type { Config } from '../config/schema.ts';
import { type RunningServices, type ServicesOptions, startServices } from '../runtime/services.ts';
import { ExitError } from './io.ts';

/** Starts the services, turning start-up failures into an ExitError that says what to do. */
export async function startOrExplain(options: ServicesOptions): Promise<RunningServices> {
  try {
    return await startServices(options);
  } catch (err) {
    throw new ExitError(1, startFailure(err, options.config), { cause: err });
  }
}

export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

function startFailure(err: unknown, config: Config): string {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return `a port is already in use (gateway ${config.gateway.port}, admin ${config.admin.port}, model server ${config.serve.port}); stop the other process or set other ports in the config file`;
  }
  return `could not start: ${(err as Error).message}`;
}
