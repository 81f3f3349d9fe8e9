/** The admin-API command groups (`accounts`, `keys`, `ip`, `audit`), registered together so main.ts lists one entry. */
import type { Command } from 'commander';
import { registerAccountsCommand } from './accounts.ts';
import type { AdminCommandDeps } from './admin-session.ts';
import { registerAuditCommand } from './audit.ts';
import { registerIpCommand } from './ip.ts';
import { registerKeysCommand } from './keys.ts';

/** Registers every command that talks to the admin API. */
export function registerAdminCommands(program: Command, deps: AdminCommandDeps = {}): void {
  registerAccountsCommand(program, deps);
  registerKeysCommand(program, deps);
  registerIpCommand(program, deps);
  registerAuditCommand(program, deps);
}
