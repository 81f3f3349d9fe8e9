/**
 * Kernel fixes for tfjs-backend-wasm 4.22.
 * - `UnsortedSegmentSum` is missing; it is the backward pass of `gather` (embedding lookups), so without it every
 *   trainable embedding fails on wasm with "Kernel 'UnsortedSegmentSum' not registered".
 * - `BatchMatMul` with more than one batch runs a naive loop at ~1–2 GFLOP/s; only batch 1 goes through XNNPACK
 *   (~10–20 GFLOP/s). Attention is all batched products of small matrices, so we run them one batch at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let registered = false;

/**
 * Registers a plain-JS `UnsortedSegmentSum` for the wasm backend: out[s] = Σ x[i] over rows i with segmentIds[i] = s;
 * ids outside [0, numSegments) are dropped, as in TensorFlow. Idempotent.
 */
export function registerUnsortedSegmentSumWasm(): void {
  if (registered || tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) {
    registered = true;
    return;
  }
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const wasm = backend as BackendWasm;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const rowShape = x.shape.slice(1);
      const rowSize = tf.util.sizeFromShape(rowShape);
      const src = wasm.readSync(x.dataId) as Float32Array;
      const ids = wasm.readSync(segmentIds.dataId) as Int32Array;
      const out = wasm.makeOutput([numSegments, ...rowShape], x.dtype);
      const dst = wasm.typedArrayFromHeap(out) as Float32Array;
      dst.fill(0);
      for (let row = 0; row < ids.length; row++) {
        const seg = ids[row];
        if (seg < 0 || seg >= numSegments) continue;
        const from = row * rowSize;
        const to = seg * rowSize;
        for (let j = 0; j < rowSize; j++) dst[to + j] += src[from + j];
      }
      return out;
    },
  });
  registered = true;
}

let perBatchRegistered = false;
let perBatchEnabled = true;

/** Benchmarks only: route every BatchMatMul to the original wasm kernel (false) or per batch (true, the default). */
export function usePerBatchMatMul(on: boolean): void {
  perBatchEnabled = on;
}

/**
 * Replaces the wasm `BatchMatMul` kernel with one that runs an untransposed, equal-batch product as `batch` separate
 * batch-1 calls of the original kernel (XNNPACK), copying operands through the wasm heap. Transposed or broadcasting
 * products fall through to the original. Each call gets fresh input buffers: the original caches packed weights by
 * buffer id, so reusing one buffer with new contents would return stale results. Idempotent; call before the first
 * matMul.
 */
export function registerPerBatchMatMulWasm(): void {
  if (perBatchRegistered) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (original === undefined) throw new Error('tfjs-backend-wasm has no BatchMatMul kernel to wrap');
  const run = original.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const outer = a.shape.slice(0, -2);
      const batch = tf.util.sizeFromShape(outer);
      const sameBatch = tf.util.arraysEqual(outer, b.shape.slice(0, -2));
      if (!perBatchEnabled || transposeA || transposeB || batch <= 1 || !sameBatch || a.dtype !== 'float32') return run(args);
      const [m, k] = a.shape.slice(-2);
      const n = b.shape[b.shape.length - 1];
      const out = wasm.makeOutput([...outer, m, n], 'float32');
      for (let i = 0; i < batch; i++) {
        const ai = wasm.makeOutput([1, m, k], 'float32');
        const bi = wasm.makeOutput([1, k, n], 'float32');
        // Views are taken after every allocation: growing the wasm heap detaches earlier views.
        (wasm.typedArrayFromHeap(ai) as Float32Array).set((wasm.typedArrayFromHeap(a) as Float32Array).subarray(i * m * k, (i + 1) * m * k));
        (wasm.typedArrayFromHeap(bi) as Float32Array).set((wasm.typedArrayFromHeap(b) as Float32Array).subarray(i * k * n, (i + 1) * k * n));
        const oi = run({ ...args, inputs: { a: ai, b: bi } }) as tf.TensorInfo;
        (wasm.typedArrayFromHeap(out) as Float32Array).set(wasm.typedArrayFromHeap(oi) as Float32Array, i * m * n);
        for (const t of [ai, bi, oi]) wasm.disposeData(t.dataId);
      }
      return out;
    },
  });
  perBatchRegistered = true;
}
