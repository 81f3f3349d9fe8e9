/** `moat gateway --config FILE`: the gateway and admin API in front of the upstreams the config names. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { defaultIO, ExitError } from './io.ts';
import { runUntilStopped } from './run-services.ts';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run the gateway and admin API in front of the upstream models named in the config')
    .action(async () => {
      const { config: file, json } = program.opts<{ config?: string; json?: boolean }>();
      const config = loadConfig({ file });
      if (config.models.length === 0) {
        throw new ExitError(2, 'the config names no models: add a `models:` list (see docs/configuration.md), or run `moat up` for the built-in ones');
      }
      await runUntilStopped({ config }, defaultIO(json), (s) =>
        [
          `gateway    ${s.gateway.url}/v1  (models: ${config.models.map((m) => m.name).join(', ')})`,
          `admin API  ${s.admin.url}/admin/v1`,
          `metrics    ${s.gateway.url}/metrics`,
        ].join('\n'),
      );
    });
}
