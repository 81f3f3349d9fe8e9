/**
 * Saving named tensors without tfjs-node: one JSON file (caller's metadata + a table of tensor specs) and one binary
 * file of raw little-endian values, so a round trip is bit-exact. Reading checks everything it can and throws a
 * `ModelFileError` naming the file and what is wrong, never a bare parse error.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

export const TENSOR_FORMAT = 'moat-tensors/1';

export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
  }
}

const TensorSpecSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
  offset: z.number().int().nonnegative(),
});

const TensorFileSchema = z.object({
  format: z.literal(TENSOR_FORMAT),
  meta: z.record(z.string(), z.unknown()),
  weightsFile: z.string().min(1),
  weightsBytes: z.number().int().nonnegative(),
  tensors: z.array(TensorSpecSchema),
});

export interface TensorFileNames {
  /** Default `model.json`. */
  json?: string;
  /** Default `weights.bin`. */
  bin?: string;
}

export interface LoadedTensors {
  meta: Record<string, unknown>;
  tensors: Map<string, tf.Tensor>;
}

/**
 * Writes `meta` and `tensors` into `dir`. Each file is written to a temporary name and renamed, and the JSON goes last,
 * so a crash mid-save leaves the previous JSON pointing at a complete weights file (or no JSON at all).
 *
 * @example
 * await saveTensors('models/lm-teacher', { family: 'lm' }, params.entries());
 */
export async function saveTensors(
  dir: string,
  meta: Record<string, unknown>,
  tensors: Iterable<[string, tf.Tensor]>,
  names: TensorFileNames = {},
): Promise<void> {
  const jsonName = names.json ?? 'model.json';
  const binName = names.bin ?? 'weights.bin';
  const specs: z.infer<typeof TensorSpecSchema>[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`cannot save tensor '${name}' of dtype ${t.dtype}`);
    const data = (await t.data()) as Float32Array | Int32Array;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    specs.push({ name, shape: [...t.shape], dtype: t.dtype, offset });
    chunks.push(Buffer.from(bytes));
    offset += bytes.byteLength;
  }
  const file = { format: TENSOR_FORMAT, meta, weightsFile: binName, weightsBytes: offset, tensors: specs };
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, binName), Buffer.concat(chunks));
  await writeAtomically(join(dir, jsonName), `${JSON.stringify(file, null, 1)}\n`);
}

/** Reads what `saveTensors` wrote. Throws `ModelFileError` for a missing file, bad JSON, or a size mismatch. */
export async function loadTensors(dir: string, names: TensorFileNames = {}): Promise<LoadedTensors> {
  const jsonPath = join(dir, names.json ?? 'model.json');
  const parsed = TensorFileSchema.safeParse(parseJson(jsonPath, await readOrThrow(jsonPath)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFileError(jsonPath, `not a ${TENSOR_FORMAT} file: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const file = parsed.data;
  const binPath = join(dir, basename(file.weightsFile));
  const bin = await readOrThrow(binPath);
  if (bin.byteLength !== file.weightsBytes) {
    throw new ModelFileError(binPath, `size mismatch: ${jsonPath} says ${file.weightsBytes} bytes, the file has ${bin.byteLength}`);
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const spec of file.tensors) {
    const count = tf.util.sizeFromShape(spec.shape);
    const end = spec.offset + count * 4;
    if (end > bin.byteLength) {
      throw new ModelFileError(binPath, `tensor '${spec.name}' needs bytes ${spec.offset}–${end}, the file has ${bin.byteLength}`);
    }
    // Copy into a fresh, aligned buffer: Node's pooled Buffers may start at an offset that is not a multiple of 4.
    const raw = new Uint8Array(bin.subarray(spec.offset, end)).buffer;
    const values = spec.dtype === 'float32' ? new Float32Array(raw) : new Int32Array(raw);
    tensors.set(spec.name, tf.tensor(values, spec.shape, spec.dtype));
  }
  return { meta: file.meta, tensors };
}

async function readOrThrow(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`;
    throw new ModelFileError(path, problem, { cause: err });
  }
}

function parseJson(path: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ModelFileError(path, `bad JSON (${(err as Error).message})`, { cause: err });
  }
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
