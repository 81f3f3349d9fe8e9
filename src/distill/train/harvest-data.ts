/**
 * Reads a harvest directory as the train and held-out records of one student family. The split is the harvest
 * reader's deterministic split by request hash, so `train` and `eval` always agree on which records were held out.
 */
import type { ModelFamilyName } from '../../ml/engine/module.ts';
import { MoatError } from '../../http/errors.ts';
import { openHarvestStore } from '../harvest/store.ts';
import { splitKey } from '../harvest/reader.ts';
import type { ClassifierRecord, EmbeddingRecord, TextRecord } from '../harvest/types.ts';
import { MODALITY_OF, type RecordsFor } from './distill.ts';

/** Share of a harvest's records (by request hash) that training never sees and evaluation uses. */
export const HELD_OUT_FRACTION = 0.2;

export interface HarvestSplit {
  train: RecordsFor;
  heldOut: RecordsFor;
}

export interface HarvestFilter {
  runId?: string;
  model?: string;
  /** Keep only the first N training records in harvest order (the queries-to-fidelity curve uses prefixes). */
  maxTrain?: number;
}

/**
 * Train and held-out records of `family`'s modality in the harvest at `dir`; refuses a missing or empty harvest.
 *
 * @example const { train, heldOut } = readHarvestSplit('runs/spam', 'classifier');
 */
export function readHarvestSplit(dir: string, family: ModelFamilyName, filter: HarvestFilter = {}): HarvestSplit {
  const store = openHarvestStore(dir, { mustExist: true });
  try {
    const modality = MODALITY_OF[family];
    const read = (part: 'train' | 'held-out') => {
      const rows = [...store.reader.records(modality, { runId: filter.runId, model: filter.model, split: { part, fraction: HELD_OUT_FRACTION } })];
      // Harvest order depends on which concurrent request finished first; ordering by input (then request hash)
      // makes a seeded training run on the same harvest repeat exactly, wherever the teacher was served from.
      rows.sort((a, b) => compareText(splitKey(a.record), splitKey(b.record)) || compareText(a.hash, b.hash));
      return rows.map((r) => r.record);
    };
    let train = read('train');
    const heldOut = read('held-out');
    if (filter.maxTrain !== undefined) train = train.slice(0, filter.maxTrain);
    if (train.length === 0) {
      const found = store.reader.modalities().map((m) => `${m.modality}: ${m.count}`).join(', ') || 'none';
      throw new MoatError('invalid_request', `the harvest in ${dir} has no ${modality} records to train a ${family} student on (records by modality: ${found})`);
    }
    return { train: asRecords(family, train), heldOut: asRecords(family, heldOut) };
  } finally {
    store.close();
  }
}

function asRecords(family: ModelFamilyName, records: unknown[]): RecordsFor {
  switch (family) {
    case 'classifier':
      return { family, records: records as ClassifierRecord[] };
    case 'lm':
      return { family, records: records as TextRecord[] };
    case 'embedder':
      return { family, records: records as EmbeddingRecord[] };
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
