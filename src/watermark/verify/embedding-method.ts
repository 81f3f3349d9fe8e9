/**
 * `--modality embedding`: the proxy's trigger-word embedding watermark. Probes are pairs built on held-out State of
 * the Union passages (a trigger copy and a benign copy, ../embedding/detect.ts), with the triggers of each key
 * version present among the keys, derived from the master. Scoring under a key needs only its directions, so
 * every account (and every calibration key) is scored on the same answers.
 */
import type { Config } from '../../config/schema.ts';
import { loadSotuSpeeches, splitSpeechesByYear, toPassages } from '../../ml/data/sotu.ts';
import { type EmbeddingObservation, embeddingProbes, scoreEmbedding } from '../embedding/detect.ts';
import { type EmbeddingMarkParams, embeddingTriggerKey, triggerSets } from '../embedding/marker.ts';
import { resolveWatermarkSecret } from '../secret.ts';
import { GarbageAnswer, type Probe, type ProbeSelection, type VerifyMethod } from './method.ts';

const BASE_WORDS = 24;

let bases: string[] | undefined;
function probeBases(): string[] {
  bases ??= splitSpeechesByYear(loadSotuSpeeches(), 0.2).test.flatMap((s) => toPassages(s.text, BASE_WORDS));
  return bases;
}

interface Observation extends EmbeddingObservation {
  version: number;
}

export function createEmbeddingVerifyMethod(config: Pick<Config, 'dataDir' | 'watermark'>): VerifyMethod<Observation> {
  const params: EmbeddingMarkParams = config.watermark.embedding;
  return {
    modality: 'embedding',
    description: `trigger-word embedding watermark (${params.triggers} triggers, ${params.directions} directions per account, m = ${params.maxTriggers}): per direction, cos(target, mean trigger-probe − mean benign-probe embedding) against its exact Student-t null (the target is uniform on the sphere for an unmarked suspect), Fisher-combined`,
    defaultProbes: 400,
    selectProbes({ probeSeed, keys, count, model }: ProbeSelection): Probe[] {
      const master = resolveWatermarkSecret(config, { create: false });
      const versions = [...new Set(keys.map((k) => k.version))].sort((a, b) => a - b);
      const pairsPerVersion = Math.max(1, Math.floor(count / 2 / versions.length));
      return versions.flatMap((version) => {
        const sets = triggerSets(embeddingTriggerKey(master, version), params);
        return embeddingProbes(probeSeed, sets, params, probeBases(), pairsPerVersion).map((p, i) => ({
          id: `embedding-v${version}-${i}`,
          path: '/embeddings',
          body: { model, input: p.text },
          meta: { kind: p.kind, direction: p.direction, version },
        }));
      });
    },
    parseAnswer(probe, response) {
      const data = (response as { data?: unknown } | null)?.data;
      const vector = Array.isArray(data) ? (data[0] as { embedding?: unknown } | undefined)?.embedding : undefined;
      if (!Array.isArray(vector) || vector.length < 2 || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new GarbageAnswer('answer has no numeric embedding');
      }
      const meta = probe.meta as { kind: 'trigger' | 'benign'; direction: number; version: number };
      return { kind: meta.kind, direction: meta.direction, version: meta.version, vector: vector as number[] };
    },
    score(answers, key) {
      const versions = answers.map((a) => a.observation.version);
      const version = versions.includes(key.version) ? key.version : (versions[0] ?? key.version);
      const s = scoreEmbedding(
        answers.filter((a) => a.observation.version === version).map((a) => a.observation),
        key.key,
        params,
      );
      return {
        statisticName: '−log10 p (Fisher over directions)',
        statistic: -s.log10PValue,
        pValue: s.pValue,
        scored: s.scored,
        details: {
          cosines: s.cosines.map((c) => c.toFixed(3)).join(' '),
          directionPValues: s.pValues.map((p) => p.toExponential(2)).join(' '),
          deltaCos: round(s.deltaCos),
          ksPValue: s.ksPValue,
          dimensions: s.dimensions,
          log10PValue: round(s.log10PValue),
        },
      };
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
