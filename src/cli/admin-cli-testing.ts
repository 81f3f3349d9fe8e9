/**
 * Test support for the admin CLI commands: a real admin server (memory stores) plus a config file pointing at it,
 * and `run()` that parses a command line in-process with captured output, the way `moat` would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { TEST_ADMIN_TOKEN, type TestAdmin, startTestAdmin } from '../admin/testing.ts';
import { registerAdminCommands } from './admin-commands.ts';
import type { AdminCommandDeps } from './admin-session.ts';

export interface CliRun {
  stdout: string;
  stderr: string;
  /** What the command threw (ExitError, CommanderError…), if anything. */
  error: unknown;
}

export interface AdminCliHarness {
  t: TestAdmin;
  configFile: string;
  run(args: string[], deps?: AdminCommandDeps): Promise<CliRun>;
  /** `run` with `--json`, parsing stdout; throws if the command failed. */
  json<T>(args: string[]): Promise<T>;
  close(): Promise<void>;
}

export async function startAdminCli(): Promise<AdminCliHarness> {
  const t = await startTestAdmin();
  const dir = mkdtempSync(join(tmpdir(), 'moat-admin-cli-'));
  const port = Number(new URL(t.admin.url).port);
  const configFile = join(dir, 'moat.yaml');
  writeFileSync(configFile, stringify({ dataDir: dir, admin: { host: '127.0.0.1', port, token: TEST_ADMIN_TOKEN }, secret: 'cli-test-secret-cli-test-secret-cli-test' }));

  const run = async (args: string[], deps: AdminCommandDeps = {}): Promise<CliRun> => {
    const stdout = collect();
    const stderr = collect();
    const program = new Command('moat')
      .option('-c, --config <file>')
      .option('--json')
      .exitOverride()
      .configureOutput({ writeOut: (s) => stdout.stream.write(s), writeErr: (s) => stderr.stream.write(s) });
    registerAdminCommands(program, { streams: { stdout: stdout.stream, stderr: stderr.stream }, now: () => t.clock.now, ...deps });
    let error: unknown = null;
    try {
      await program.parseAsync(['node', 'moat', '--config', configFile, ...args]);
    } catch (err) {
      error = err;
    }
    return { stdout: stdout.text(), stderr: stderr.text(), error };
  };

  return {
    t,
    configFile,
    run,
    async json<T>(args: string[]) {
      const result = await run(['--json', ...args]);
      if (result.error) throw result.error;
      return JSON.parse(result.stdout) as T;
    },
    async close() {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Writable that keeps everything written to it, synchronously, so output is complete when a command returns. */
function collect(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
