/**
 * Test helper: a fixture model server (tiny real models) behind a teacher shim, a temp directory, and a one-call
 * way to open a harvest session over a prompt file with fast retry settings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FixtureServer, startFixtureServer } from '../../../serve/testing/fixture-server.ts';
import { type HarvestSession, type HarvestSettings, openHarvestSession } from '../session.ts';
import { type ShimOptions, startTeacherShim, type TeacherShim } from './teacher-shim.ts';

export interface Harness {
  server: FixtureServer;
  shim: TeacherShim;
  dir: string;
  /** Writes `lines` to a fresh prompt file in the temp dir and returns its path. */
  promptFile(lines: readonly string[], name?: string): Promise<string>;
  /** A session on the shim; defaults: model test-lm, text, 2 keys, 8 tokens, top-3 logprobs, fast retries. */
  open(overrides: Partial<HarvestSettings> & { source: HarvestSettings['source'] }): Promise<HarvestSession>;
  close(): Promise<void>;
}

let fileCounter = 0;

/** Starts the model server and the shim; `close()` stops both and removes the temp dir. */
export async function startHarness(shimOptions: ShimOptions = {}): Promise<Harness> {
  const server = await startFixtureServer();
  const shim = await startTeacherShim(server.url, shimOptions);
  const dir = await mkdtemp(join(tmpdir(), 'moat-harvest-'));
  return {
    server,
    shim,
    dir,
    async promptFile(lines, name) {
      const path = join(dir, name ?? `prompts-${++fileCounter}.txt`);
      await writeFile(path, `${lines.join('\n')}\n`);
      return path;
    },
    open: (overrides) =>
      openHarvestSession({
        teacher: shim.url,
        keys: ['key-a', 'key-b'],
        model: 'test-lm',
        modality: 'text',
        out: join(dir, 'out'),
        maxTokens: 8,
        logprobs: 3,
        retry: { baseMs: 20, maxMs: 100 },
        ...overrides,
      }),
    async close() {
      await shim.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `n` distinct prompts. */
export function prompts(n: number, prefix = 'Call me'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}.`);
}
