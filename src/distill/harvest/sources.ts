/**
 * Where prompts come from, as named on the command line: `file:PATH`, `corpus:moby-dick|sotu|spam`, `synthetic`.
 * Every source is deterministic for a given seed, so a rerun regenerates the same items and resumes from the cache.
 * Active selection (the student's uncertainty picks the next queries) is a library interface in
 * active-selector.ts: it needs a student, which the training side supplies.
 */
import { resolve } from 'node:path';
import { MoatError } from '../../http/errors.ts';
import { CORPORA, type CorpusName, corpusPrompts } from './corpus-source.ts';
import { loadPromptFile } from './file-source.ts';
import { syntheticPrompts } from './synthetic-source.ts';
import type { Modality, PromptItem } from './types.ts';

export type SourceSpec = { kind: 'file'; path: string } | { kind: 'corpus'; corpus: CorpusName } | { kind: 'synthetic' };

/** Parses `file:PATH`, `corpus:NAME` or `synthetic`; anything else is `invalid_request` listing the choices. */
export function parseSourceSpec(text: string): SourceSpec {
  const spec = text.trim();
  if (spec === 'synthetic') return { kind: 'synthetic' };
  if (spec.startsWith('file:') && spec.length > 'file:'.length) return { kind: 'file', path: spec.slice('file:'.length) };
  if (spec.startsWith('corpus:')) {
    const name = spec.slice('corpus:'.length);
    if ((CORPORA as readonly string[]).includes(name)) return { kind: 'corpus', corpus: name as CorpusName };
    throw new MoatError('invalid_request', `unknown corpus '${name}': choose one of ${CORPORA.join(', ')}`, { param: 'source' });
  }
  throw new MoatError('invalid_request', `unknown source '${text}': use file:PATH, ${CORPORA.map((c) => `corpus:${c}`).join(', ')} or synthetic`, { param: 'source' });
}

export interface LoadedSource {
  items: PromptItem[];
  /** What identifies the source in a run's spec (a file by absolute path, so appending lines continues the run). */
  identity: Record<string, unknown>;
}

export interface SourceOptions {
  modality: Modality;
  /** How many prompts to take (corpus and synthetic: how many to make; file: the first N, all when absent). */
  count?: number;
  seed: number;
}

/** Default number of prompts drawn from a corpus or made synthetically. */
export const DEFAULT_SOURCE_COUNT = 100;

/** Loads the items of `spec`. */
export async function loadSource(spec: SourceSpec, options: SourceOptions): Promise<LoadedSource> {
  const count = options.count ?? DEFAULT_SOURCE_COUNT;
  switch (spec.kind) {
    case 'file': {
      const path = resolve(spec.path);
      const items = await loadPromptFile(path, options.modality);
      return { items: options.count === undefined ? items : items.slice(0, options.count), identity: { file: path, count: options.count ?? null } };
    }
    case 'corpus':
      return { items: corpusPrompts(spec.corpus, { count, seed: options.seed }), identity: { corpus: spec.corpus, count, seed: options.seed } };
    case 'synthetic':
      return { items: syntheticPrompts(options.modality, count, options.seed), identity: { synthetic: options.modality, count, seed: options.seed } };
  }
}
