/**
 * Test helper: a loopback model server holding the fixture models plus real `tiny` registry models (also saved to
 * disk, so a test can load "the teacher" as a student), and a one-call harvest from it into a directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../../ml/engine/init.ts';
import type { ModelFamilyName } from '../../../ml/engine/module.ts';
import { createModel, getFamily, saveModel } from '../../../ml/registry.ts';
import { fixtureModels, type FixtureServer, startFixtureServer } from '../../../serve/testing/fixture-server.ts';
import type { HarvestSummary } from '../../harvest/harvest.ts';
import { type HarvestSettings, openHarvestSession } from '../../harvest/session.ts';

export interface DistillFixture {
  server: FixtureServer;
  /** `${server.url}/v1` */
  url: string;
  dir: string;
  /** Saved directories of the served tiny models (`moat-lm-tiny` → dirs.lm). */
  dirs: Record<'lm' | 'classifier', string>;
  harvest(settings: Partial<HarvestSettings> & Pick<HarvestSettings, 'model' | 'modality' | 'source'>, out: string): Promise<HarvestSummary>;
  close(): Promise<void>;
}

/** Starts the server with fixture + tiny models (seed 1) and saves the tiny ones under a temp dir. */
export async function startDistillFixture(families: readonly ('lm' | 'classifier')[] = ['lm', 'classifier']): Promise<DistillFixture> {
  await initEngine();
  const dir = await mkdtemp(join(tmpdir(), 'moat-distill-'));
  const dirs = { lm: join(dir, 'lm-tiny'), classifier: join(dir, 'classifier-tiny') };
  const tiny = [];
  for (const family of families as ModelFamilyName[]) {
    const model = await createModel(family, 'tiny', 1, `moat-${family}-tiny`);
    await saveModel(model, dirs[family as 'lm' | 'classifier'], `moat-${family}-tiny`);
    tiny.push(getFamily(family).toBuiltin(model));
  }
  // Labelled SpamAssassin messages go to the teacher whole (up to 8000 characters), as to a real server.
  const server = await startFixtureServer({ maxInputChars: 8192 }, { models: [...fixtureModels(), ...tiny] });
  const url = `${server.url}/v1`;
  return {
    server,
    url,
    dir,
    dirs,
    async harvest(settings, out) {
      const session = await openHarvestSession({ teacher: url, keys: ['k1', 'k2'], out, maxTokens: 12, logprobs: 5, retry: { baseMs: 20, maxMs: 100 }, ...settings });
      try {
        return await session.harvester.run(session.items, { concurrency: 4 });
      } finally {
        await session.close();
      }
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
