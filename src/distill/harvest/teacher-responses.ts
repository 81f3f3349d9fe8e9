/**
 * Parses a teacher's 2xx body into a record, or says precisely why it cannot: not JSON, the wrong shape (the zod
 * path of the first problem), or values no real distribution has (a positive logprob, probabilities that do not sum
 * to 1, a non-finite embedding component). A malformed response is skipped, not trusted.
 */
import { z } from 'zod';
import type { TeacherRequest } from './teacher-requests.ts';
import type { HarvestRecord, TokenLogprob, TokenUsage } from './types.ts';

export type ParsedResponse = { ok: true; record: HarvestRecord; usage: TokenUsage } | { ok: false; reason: string; usage: TokenUsage };

const UsageSchema = z.object({ prompt_tokens: z.number().nonnegative().optional(), completion_tokens: z.number().nonnegative().optional() }).loose();
const Envelope = z.object({ usage: UsageSchema.nullish() }).loose();

const LegacyLogprobs = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
});
const CompletionsSchema = z.object({
  choices: z.array(z.object({ text: z.string(), finish_reason: z.string().nullish(), logprobs: LegacyLogprobs.nullish() })).min(1),
});

const ChatAlternative = z.object({ token: z.string(), logprob: z.number() });
const ChatSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ content: z.array(ChatAlternative.extend({ top_logprobs: z.array(ChatAlternative) })).nullable() }).nullish(),
      }),
    )
    .min(1),
});

const EmbeddingsSchema = z.object({ data: z.array(z.object({ embedding: z.array(z.number()).min(1) })).min(1) });
const ClassificationsSchema = z.object({
  data: z.array(z.object({ label: z.string(), probabilities: z.record(z.string(), z.number()) })).min(1),
});

/** Probabilities must sum to 1 within this (teachers round; 1e-3 is loose enough for float32 and 4-digit output). */
const SUM_TOLERANCE = 1e-3;
/** Logprobs above 0 (beyond float noise) are impossible. */
const LOGPROB_EPSILON = 1e-4;

/** Parses `body` (the raw 2xx text) as the answer to `request`. */
export function parseTeacherResponse(request: TeacherRequest, body: string): ParsedResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `response is not JSON: ${(err as Error).message}`, usage: NO_USAGE };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `response is not a JSON object`, usage: NO_USAGE };
  const usage = { promptTokens: envelope.data.usage?.prompt_tokens ?? 0, completionTokens: envelope.data.usage?.completion_tokens ?? 0 };
  const result = parseBody(request, json);
  return typeof result === 'string' ? { ok: false, reason: result, usage } : { ok: true, record: result, usage };
}

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0 };

function parseBody(request: TeacherRequest, json: unknown): HarvestRecord | string {
  const item = request.item;
  const prompt = 'text' in item ? item.text : null;
  const messages = 'messages' in item ? item.messages : null;
  switch (request.api) {
    case 'completions': {
      const r = shaped(CompletionsSchema, json);
      if (typeof r === 'string') return r;
      const [choice] = r.choices;
      const logprobs = choice.logprobs ? legacyTokens(choice.logprobs) : null;
      if (typeof logprobs === 'string') return logprobs;
      return textRecord(request, { prompt, messages, completion: choice.text, finishReason: choice.finish_reason ?? null, logprobs });
    }
    case 'chat': {
      const r = shaped(ChatSchema, json);
      if (typeof r === 'string') return r;
      const [choice] = r.choices;
      if (choice.message.content === null) return 'choices.0.message.content is null (no text answer)';
      const content = choice.logprobs?.content ?? null;
      const logprobs = content ? content.map((t) => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs })) : null;
      return textRecord(request, { prompt, messages, completion: choice.message.content, finishReason: choice.finish_reason ?? null, logprobs });
    }
    case 'embeddings': {
      const r = shaped(EmbeddingsSchema, json);
      if (typeof r === 'string') return r;
      const embedding = r.data[0].embedding;
      const bad = embedding.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) return `data.0.embedding.${bad} is not a finite number`;
      return { modality: 'embedding', input: prompt ?? '', embedding };
    }
    case 'classifications': {
      const r = shaped(ClassificationsSchema, json);
      if (typeof r === 'string') return r;
      const { label, probabilities } = r.data[0];
      const problem = probabilityProblem(probabilities, label);
      return problem ?? { modality: 'classifier', input: prompt ?? '', probabilities, label };
    }
  }
}

function textRecord(request: TeacherRequest, fields: Omit<Extract<HarvestRecord, { modality: 'text' }>, 'modality'>): HarvestRecord | string {
  const { logprobs } = fields;
  if (request.logprobs > 0) {
    if (logprobs === null) return `logprobs were requested (top ${request.logprobs}) but the response has none`;
    for (const [i, t] of logprobs.entries()) {
      if (!(t.logprob <= LOGPROB_EPSILON)) return `logprob of token ${i} is ${t.logprob}; a log-probability must be ≤ 0`;
      const badTop = t.top.find((a) => !(a.logprob <= LOGPROB_EPSILON));
      if (badTop) return `top logprob of '${badTop.token}' at token ${i} is ${badTop.logprob}; a log-probability must be ≤ 0`;
    }
  }
  return { modality: 'text', ...fields };
}

/** The legacy completions shape (parallel arrays) as one entry per token; a length mismatch is a reason. */
function legacyTokens(lp: z.infer<typeof LegacyLogprobs>): TokenLogprob[] | string {
  if (lp.token_logprobs.length !== lp.tokens.length) return `logprobs.tokens has ${lp.tokens.length} entries but token_logprobs has ${lp.token_logprobs.length}`;
  return lp.tokens.map((token, i) => ({
    token,
    // The first token of an echoed prompt has no logprob (null); treat as certain rather than drop the position.
    logprob: lp.token_logprobs[i] ?? 0,
    top: Object.entries(lp.top_logprobs?.[i] ?? {})
      .map(([alt, logprob]) => ({ token: alt, logprob }))
      .sort((a, b) => b.logprob - a.logprob),
  }));
}

function probabilityProblem(probabilities: Record<string, number>, label: string): string | undefined {
  const entries = Object.entries(probabilities);
  if (entries.length === 0) return 'data.0.probabilities is empty';
  const bad = entries.find(([, p]) => !(p >= 0 && p <= 1));
  if (bad) return `probability of '${bad[0]}' is ${bad[1]}; it must be in [0, 1]`;
  const sum = entries.reduce((s, [, p]) => s + p, 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) return `probabilities sum to ${sum.toFixed(6)}, not 1`;
  if (!(label in probabilities)) return `label '${label}' is not one of the classes (${Object.keys(probabilities).join(', ')})`;
  return undefined;
}

function shaped<S extends z.ZodType>(schema: S, json: unknown): z.output<S> | string {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.');
  return `${path || 'response'}: ${issue.message}`;
}
