/**
 * The teacher as evaluation sees it: a saved model directory loaded in this process, or a model behind an
 * OpenAI-compatible URL (Moat's model server or gateway). Either way it can say how big it is, classify, embed and
 * be timed; harvested records already carry its text answers, so the LM side needs no live teacher.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import type { BuiltinModel } from '../../ml/contracts.ts';
import { loadModel } from '../../ml/registry.ts';
import { MoatError } from '../../http/errors.ts';
import { normaliseTeacherUrl } from '../harvest/session.ts';

export interface TeacherInfo {
  name: string;
  family: string;
  /** null when a remote teacher does not report it. */
  parameterCount: number | null;
  where: 'local' | 'remote';
}

export interface EvalTeacher {
  readonly info: TeacherInfo;
  /** Class probabilities per text, in the teacher's label order (`labels`). */
  classify(texts: readonly string[]): Promise<{ labels: string[]; rows: number[][] }>;
  embed(texts: readonly string[]): Promise<number[][]>;
  /** Wall time of one call that scores `texts` (classify / embed, or a one-token completion for an LM). */
  timeOne(text: string): Promise<number>;
}

export interface TeacherOptions {
  key?: string;
  /** Served name behind a URL; default: the only (or first) model of the needed family. */
  model?: string;
  family: 'lm' | 'classifier' | 'embedder';
}

/**
 * A teacher from a directory (a saved model) or an http(s) URL.
 *
 * @example const teacher = await openTeacher('models/classifier-teacher', { family: 'classifier' });
 */
export async function openTeacher(spec: string, options: TeacherOptions): Promise<EvalTeacher> {
  if (/^https?:\/\//.test(spec)) return remoteTeacher(normaliseTeacherUrl(spec), options);
  const isDir = await stat(spec).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new MoatError('invalid_request', `teacher '${spec}' is neither an http(s) URL nor a model directory`, { param: 'teacher' });
  return localTeacher(await loadModel(spec));
}

/** A teacher model already in memory. */
export function localTeacher(model: BuiltinModel): EvalTeacher {
  const info: TeacherInfo = { name: model.model.info.name, family: model.family, parameterCount: model.model.info.parameterCount, where: 'local' };
  const classify = async (texts: readonly string[]) => {
    if (model.family !== 'classifier') throw new MoatError('invalid_request', `teacher ${info.name} is a ${model.family} model, not a classifier`);
    return { labels: [...model.model.labels], rows: model.model.predict(texts) };
  };
  const embed = async (texts: readonly string[]) => {
    if (model.family !== 'embedder') throw new MoatError('invalid_request', `teacher ${info.name} is a ${model.family} model, not an embedder`);
    return model.model.embed(texts).map((v) => [...v]);
  };
  return {
    info,
    classify,
    embed,
    async timeOne(text) {
      const t0 = performance.now();
      if (model.family === 'classifier') model.model.predict([text]);
      else if (model.family === 'embedder') model.model.embed([text]);
      else model.model.nextLogits([model.model.tokenizer.encode(text)]);
      return performance.now() - t0;
    },
  };
}

const ModelListSchema = z.object({
  data: z.array(z.object({ id: z.string(), family: z.string().optional(), parameter_count: z.number().optional() })),
});
const ClassificationsSchema = z.object({ data: z.array(z.object({ index: z.number(), probabilities: z.record(z.string(), z.number()) })) });
const EmbeddingsSchema = z.object({ data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })) });

async function remoteTeacher(base: string, options: TeacherOptions): Promise<EvalTeacher> {
  const headers = { 'content-type': 'application/json', ...(options.key ? { authorization: `Bearer ${options.key}` } : {}) };
  const call = async (path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
    } catch (err) {
      throw new MoatError('upstream_error', `teacher ${base} is unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new MoatError('upstream_error', `teacher ${base}${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  };
  const list = ModelListSchema.safeParse(await call('/models'));
  const models = list.success ? list.data.data : [];
  const chosen = options.model ?? models.find((m) => m.family === options.family)?.id ?? models[0]?.id;
  if (chosen === undefined) throw new MoatError('invalid_request', `teacher ${base} lists no models; pass --model`, { param: 'model' });
  const listed = models.find((m) => m.id === chosen);
  const info: TeacherInfo = { name: chosen, family: listed?.family ?? options.family, parameterCount: listed?.parameter_count ?? null, where: 'remote' };
  const classify = async (texts: readonly string[]) => {
    const rows: number[][] = [];
    let labels: string[] = [];
    for (let i = 0; i < texts.length; i += 64) {
      const parsed = ClassificationsSchema.parse(await call('/classifications', { model: chosen, input: texts.slice(i, i + 64) }));
      for (const d of [...parsed.data].sort((a, b) => a.index - b.index)) {
        labels = Object.keys(d.probabilities);
        rows.push(labels.map((l) => d.probabilities[l]));
      }
    }
    return { labels, rows };
  };
  const embed = async (texts: readonly string[]) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += 64) {
      const parsed = EmbeddingsSchema.parse(await call('/embeddings', { model: chosen, input: texts.slice(i, i + 64), encoding_format: 'float' }));
      for (const d of [...parsed.data].sort((a, b) => a.index - b.index)) out.push(d.embedding);
    }
    return out;
  };
  return {
    info,
    classify,
    embed,
    async timeOne(text) {
      const t0 = performance.now();
      if (options.family === 'classifier') await classify([text]);
      else if (options.family === 'embedder') await embed([text]);
      else await call('/completions', { model: chosen, prompt: text, max_tokens: 1 });
      return performance.now() - t0;
    },
  };
}
