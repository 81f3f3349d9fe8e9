/**
 * Engine start-up: one tfjs backend per thread. `wasm` (SIMD, single-threaded) for real work; `cpu` (pure JS,
 * 15–40× slower) only for tests that compare against tfjs's reference gradients.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerPerBatchMatMulWasm, registerUnsortedSegmentSumWasm } from './kernels.ts';

export type EngineBackend = 'wasm' | 'cpu';

export interface EngineOptions {
  /** Default `wasm`. */
  backend?: EngineBackend;
}

/**
 * Makes `backend` the active tfjs backend, registering the missing wasm kernels first. Idempotent and cheap to call
 * again; calling it with another backend switches (tensors created before move lazily on first read).
 *
 * @example
 * await initEngine();                    // wasm, for training and serving
 * await initEngine({ backend: 'cpu' });  // reference backend in tests
 */
export async function initEngine(options: EngineOptions = {}): Promise<void> {
  const backend = options.backend ?? 'wasm';
  registerUnsortedSegmentSumWasm();
  registerPerBatchMatMulWasm();
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  }
  await tf.ready();
}
