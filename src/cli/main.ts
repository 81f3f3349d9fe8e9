/**
 * The `moat` command. Each command lives in its own file and registers itself here; this is the only module that
 * calls `process.exit`.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerConfigCommand } from './config.ts';
import { registerDetectCommand } from './detect.ts';
import { registerDetectEvalCommand } from './detect-eval.ts';
import { registerDistillCommand } from './distill.ts';
import { registerGatewayCommand } from './gateway.ts';
import { hasExitCode } from './io.ts';
import { registerServeCommand } from './serve.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerTrainCommand } from './train.ts';
import { registerUpCommand } from './up.ts';
import { registerVerifyCommand } from './verify.ts';

/** Each command file exports one `register…` function; the order here is the order of `moat --help`. */
const COMMANDS: ((program: Command) => void)[] = [
  registerUpCommand,
  registerGatewayCommand,
  registerConfigCommand,
  registerAdminCommands,
  registerDetectCommand,
  registerDetectEvalCommand,
  registerSimulateCommand,
  registerTrainCommand,
  registerDistillCommand,
  registerServeCommand,
  registerVerifyCommand,
];

export function buildProgram(): Command {
  const program = new Command('moat')
    .description('Moat: distil models, defend model APIs against distillation, prove it, measure it.')
    .option('-c, --config <file>', 'YAML configuration file (default: $MOAT_CONFIG)')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}

function reportFailure(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (hasExitCode(err)) {
    process.stderr.write(`moat: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`moat: ${err.message}\n`);
    return 78; // EX_CONFIG
  }
  process.stderr.write(`moat: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
