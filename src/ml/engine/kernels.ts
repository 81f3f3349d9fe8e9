/**
 * Kernels tfjs-backend-wasm 4.22 lacks. `UnsortedSegmentSum` is the backward pass of `gather` (embedding lookups):
 * without it every trainable embedding fails on wasm with "Kernel 'UnsortedSegmentSum' not registered".
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
