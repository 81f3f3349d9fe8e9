/**
 * Composition root of a harvest: from validated settings (the CLI's flags, or `distill run`'s) to a ready
 * Harvester — the store in the output directory, the prompt items, the key pool, the transport and the run id.
 */
import { MoatError } from '../../http/errors.ts';
import type { RetryOptions } from './client.ts';
import { Harvester } from './harvest.ts';
import { TeacherTransport } from './http-transport.ts';
import { KeyPool, type PooledKey } from './key-pool.ts';
import { shortHash } from './request-hash.ts';
import { loadSource, type SourceSpec } from './sources.ts';
import { type HarvestStore, openHarvestStore } from './store.ts';
import type { TeacherParams, TextApi } from './teacher-requests.ts';
import type { Modality, PromptItem } from './types.ts';

/** Defaults of every harvest setting (the CLI shows them in --help). */
export const HARVEST_DEFAULTS = {
  out: '.moat/distill',
  concurrency: 4,
  logprobs: 5,
  maxTokens: 64,
  temperature: 1,
  seed: 1,
  timeoutMs: 60_000,
  textApi: 'auto',
} as const;

export interface HarvestSettings {
  teacher: string;
  keys: readonly string[];
  model: string;
  modality: Modality;
  source: SourceSpec;
  /** Prompts to take from the source (see SourceOptions.count). */
  count?: number;
  out?: string;
  /** Explicit run id; by default derived from what the run asks for. */
  runId?: string;
  textApi?: TextApi | 'auto';
  logprobs?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  concurrency?: number;
  perKeyRpm?: number;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  onKeyRetired?: (key: PooledKey, reason: string) => void;
  onKeyBackoff?: (key: PooledKey, waitMs: number) => void;
}

export interface HarvestSession {
  harvester: Harvester;
  store: HarvestStore;
  items: PromptItem[];
  runId: string;
  params: TeacherParams;
  close(): Promise<void>;
}

/**
 * Validates the teacher URL, loads the source, opens the store and wires the harvester. The run id is
 * `<modality>-<12 hex>` of the spec (teacher, model, modality, generation parameters, source), so the same command
 * always names the same run; concurrency, keys, budget and pacing are not part of it and may change between
 * invocations.
 */
export async function openHarvestSession(settings: HarvestSettings): Promise<HarvestSession> {
  const params: TeacherParams = {
    teacher: normaliseTeacherUrl(settings.teacher),
    model: settings.model,
    modality: settings.modality,
    textApi: settings.textApi ?? HARVEST_DEFAULTS.textApi,
    logprobs: settings.logprobs ?? HARVEST_DEFAULTS.logprobs,
    maxTokens: settings.maxTokens ?? HARVEST_DEFAULTS.maxTokens,
    temperature: settings.temperature ?? HARVEST_DEFAULTS.temperature,
    seed: settings.seed ?? HARVEST_DEFAULTS.seed,
  };
  if (params.model.trim() === '') throw new MoatError('invalid_request', 'the teacher model name is empty', { param: 'model' });
  const keys = new KeyPool(settings.keys, { rpmPerKey: settings.perKeyRpm, onRetire: settings.onKeyRetired, onBackoff: settings.onKeyBackoff });
  const source = await loadSource(settings.source, { modality: params.modality, count: settings.count, seed: params.seed });
  if (source.items.length === 0) throw new MoatError('invalid_request', 'the source gave no prompts', { param: 'source' });
  const textParams = params.modality === 'text' ? { textApi: params.textApi, logprobs: params.logprobs, maxTokens: params.maxTokens, temperature: params.temperature } : {};
  const spec = { teacher: params.teacher, model: params.model, modality: params.modality, ...textParams, seed: params.seed, source: source.identity };
  const runId = settings.runId ?? `${params.modality}-${shortHash(spec)}`;
  const store = openHarvestStore(settings.out ?? HARVEST_DEFAULTS.out);
  const concurrency = settings.concurrency ?? HARVEST_DEFAULTS.concurrency;
  const transport = new TeacherTransport(params.teacher, { connections: concurrency, timeoutMs: settings.timeoutMs ?? HARVEST_DEFAULTS.timeoutMs });
  const harvester = new Harvester({ store, transport, keys, params, runId, spec, retry: settings.retry, seed: params.seed });
  return {
    harvester,
    store,
    items: source.items,
    runId,
    params,
    close: async () => {
      await transport.close();
      store.close();
    },
  };
}

/**
 * An http(s) base URL without a trailing slash, query or fragment. A bare origin (`http://host:8090`) gets `/v1`,
 * the path every OpenAI-compatible server (and the `openai` SDK's baseURL) uses.
 */
export function normaliseTeacherUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MoatError('invalid_request', `teacher URL '${text}' is not a URL; use e.g. http://127.0.0.1:8090/v1`, { param: 'teacher' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MoatError('invalid_request', `teacher URL must be http or https, got ${url.protocol}`, { param: 'teacher' });
  }
  if (url.search || url.hash) throw new MoatError('invalid_request', 'teacher URL must not have a query or fragment', { param: 'teacher' });
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? '/v1' : path}`;
}
