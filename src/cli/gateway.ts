/** `moat gateway --config FILE`: the gateway and admin API in front of the upstreams the config names. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { defaultIO, ExitError, output } from './io.ts';
import { startOrExplain, waitForStopSignal } from './run-services.ts';

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
      const io = defaultIO(json);
      const s = await startOrExplain({ config });
      const where = { gateway: `${s.gateway.url}/v1`, admin: `${s.admin.url}/admin/v1`, metrics: `${s.gateway.url}/metrics`, models: config.models.map((m) => m.name) };
      output(io, where, `gateway    ${where.gateway}  (models: ${where.models.join(', ')})\nadmin API  ${where.admin}\nmetrics    ${where.metrics}`);
      io.stderr.write(`moat: ${await waitForStopSignal()} received, shutting down…\n`);
      await s.close();
    });
}
