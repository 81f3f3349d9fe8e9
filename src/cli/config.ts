/** `moat config check`: validates a configuration file and prints the effective configuration, secrets masked. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { defaultIO, output } from './io.ts';

const mask = (value: string | undefined) => (value ? `${value.slice(0, 4)}…(${value.length} chars)` : undefined);

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('work with the configuration file');
  config
    .command('check')
    .description('validate the configuration (from --config or MOAT_CONFIG) and print it with every default filled in')
    .action(() => {
      const { config: file, json } = program.opts<{ config?: string; json?: boolean }>();
      const loaded = loadConfig({ file });
      const shown = {
        ...loaded,
        secret: mask(loaded.secret),
        admin: { ...loaded.admin, token: mask(loaded.admin.token) },
        models: loaded.models.map((m) => ({ ...m, apiKey: mask(m.apiKey) })),
      };
      output(defaultIO(json), shown, `configuration ${file ?? '(defaults)'} is valid:\n${JSON.stringify(shown, null, 2)}`);
    });
}
