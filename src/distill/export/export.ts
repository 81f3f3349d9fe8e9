/**
 * Writes a harvest out as JSONL for other tools. The file appears only when complete (written beside it, then
 * renamed), and an export with nothing to write is an error rather than an empty file that a fine-tuning job would
 * accept and fail on later.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MoatError } from '../../http/errors.ts';
import type { HarvestReader } from '../harvest/reader.ts';
import type { Modality } from '../harvest/types.ts';
import { type ExportFormat, toChatLine, toPlainRecord } from './formats.ts';

export interface ExportOptions {
  format: ExportFormat;
  file: string;
  /** Which records; needed only when the store holds more than one modality. */
  modality?: Modality;
  /** Only this run's records. */
  runId?: string;
  /** Chat format: a system message for lines whose prompt has none. */
  system?: string;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  modality: Modality;
  written: number;
  /** Records that cannot be expressed in the format (chat: an empty answer). */
  skipped: number;
}

/** Exports the records of `reader`'s store matching `options` to `options.file`. */
export async function exportHarvest(reader: HarvestReader, options: ExportOptions): Promise<ExportResult> {
  const modality = chooseModality(reader, options);
  if (options.format === 'chat' && modality !== 'text') {
    throw new MoatError('invalid_request', `the chat format holds text records only; export ${modality} records with --format records`, { param: 'format' });
  }
  const file = resolve(options.file);
  const partial = `${file}.partial`;
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(partial, { encoding: 'utf8' });
  let written = 0;
  let skipped = 0;
  try {
    for (const stored of reader.records(modality, { runId: options.runId })) {
      const record = stored.record;
      const line = options.format === 'chat' ? (record.modality === 'text' ? toChatLine(record, options.system) : undefined) : toPlainRecord(record);
      if (line === undefined) {
        skipped++;
        continue;
      }
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
      written++;
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  if (written === 0) {
    await rm(partial, { force: true });
    throw new MoatError('not_found', `nothing to export: all ${skipped} ${modality} records have an empty answer, which the ${options.format} format cannot hold`);
  }
  await rename(partial, file);
  return { file, format: options.format, modality, written, skipped };
}

function chooseModality(reader: HarvestReader, options: ExportOptions): Modality {
  const present = reader.modalities({ runId: options.runId });
  const scope = options.runId ? `run ${options.runId}` : 'this harvest';
  if (options.modality) {
    if (!present.some((m) => m.modality === options.modality)) {
      throw new MoatError('not_found', `nothing to export: ${scope} has no ${options.modality} records${describe(present)}`);
    }
    return options.modality;
  }
  if (present.length === 0) throw new MoatError('not_found', `nothing to export: ${scope} has no harvested records yet (run \`moat distill harvest\` first)`);
  if (present.length > 1) {
    throw new MoatError('invalid_request', `${scope} holds ${present.map((m) => `${m.count} ${m.modality}`).join(' and ')} records; choose one with --modality`, { param: 'modality' });
  }
  return present[0].modality;
}

function describe(present: readonly { modality: Modality; count: number }[]): string {
  return present.length === 0 ? '' : ` (it has ${present.map((m) => `${m.count} ${m.modality}`).join(', ')})`;
}
