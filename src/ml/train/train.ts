/**
 * The training loop shared by every model family: Adam with global-norm clipping, periodic held-out evaluation with
 * early stopping, checkpoints and resume. Logging, progress bars and metrics are callbacks; time comes from an injected
 * clock and randomness from a seeded RNG, so a run is reproducible and testable.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchSource, Trainable } from '../engine/module.ts';
import { createRng, deriveSeed } from '../engine/rng.ts';
import { Adam, type AdamOptions } from './adam.ts';
import { type CheckpointState, type EvalPoint, loadCheckpoint, saveCheckpoint, withPrefix } from './checkpoint.ts';
import { computeGradients } from './gradients.ts';
import type { LrSchedule } from './schedule.ts';

export interface StepInfo {
  /** 1-based number of the step just taken. */
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Items (e.g. tokens) per second of training time since this run (re)started, evaluation excluded. */
  itemsPerSecond: number;
}

export interface EvalInfo {
  step: number;
  loss: number;
  improved: boolean;
  bestLoss: number;
  evalsWithoutImprovement: number;
}

export interface TrainCallbacks {
  /** After any checkpoint is restored, before the first step. */
  onStart?(info: { startStep: number; steps: number }): void;
  onStep?(info: StepInfo): void;
  onEval?(info: EvalInfo): void;
  onCheckpoint?(info: { step: number; dir: string }): void;
}

export interface TrainOptions<B> {
  model: Trainable<B>;
  batches: BatchSource<B>;
  /** Total steps; a resumed run continues up to this number. */
  steps: number;
  lr: number | LrSchedule;
  seed: number;
  /** Global gradient-norm clip. Default 1. */
  clipNorm?: number;
  adam?: AdamOptions;
  /** Held-out loss (lower is better), run every `evalEvery` steps and after the last step. */
  evaluate?: () => number | Promise<number>;
  /** Default 0: evaluate only after the last step. */
  evalEvery?: number;
  /** Stop after `patience` evaluations in a row without improving the best loss by more than `minDelta`. */
  earlyStop?: { patience: number; minDelta?: number };
  /** With an `evaluate`, put the best-evaluated weights back at the end. Default true. */
  restoreBest?: boolean;
  checkpointDir?: string;
  /** Default 0: checkpoint only at the end (if `checkpointDir` is set). */
  checkpointEvery?: number;
  /** Continue from the checkpoint in `checkpointDir` if there is one. */
  resume?: boolean;
  callbacks?: TrainCallbacks;
  /** Milliseconds; default `performance.now`. */
  clock?: () => number;
}

export interface TrainResult {
  /** Step the run started from (0, or the checkpoint's step when resumed). */
  startStep: number;
  /** Steps completed in total, counting those before a resume. */
  steps: number;
  lastLoss: number;
  bestEvalLoss: number | null;
  bestStep: number | null;
  evals: EvalPoint[];
  stoppedEarly: boolean;
  /** Training time of this run in ms, evaluation and checkpoints excluded. */
  trainMs: number;
  itemsPerSecond: number;
}

/**
 * Trains `model` in place and returns a summary.
 *
 * @example
 * const result = await train({ model, batches, steps: 1000, lr: 3e-3, seed: 1, evaluate, evalEvery: 100,
 *   earlyStop: { patience: 3 }, checkpointDir: '.moat/checkpoints/lm', checkpointEvery: 200, resume: true });
 */
export async function train<B>(opts: TrainOptions<B>): Promise<TrainResult> {
  const { model, batches, steps } = opts;
  const clock = opts.clock ?? (() => performance.now());
  const lrAt = typeof opts.lr === 'number' ? () => opts.lr as number : opts.lr;
  const clipNorm = opts.clipNorm ?? 1;
  const evalEvery = opts.evalEvery ?? 0;
  const checkpointEvery = opts.checkpointEvery ?? 0;
  const adam = new Adam(model.params, opts.adam);
  let rng = createRng(deriveSeed(opts.seed, 'train'));
  let state: CheckpointState = {
    step: 0,
    optimizerStep: 0,
    rngState: rng.state(),
    cursor: batches.cursor(),
    bestEval: null,
    bestStep: null,
    evalsWithoutImprovement: 0,
    evals: [],
  };
  let best: Map<string, tf.Tensor> | null = null;

  if (opts.resume && opts.checkpointDir !== undefined) {
    const ckpt = await loadCheckpoint(opts.checkpointDir);
    if (ckpt !== null) {
      const source = `${opts.checkpointDir}/checkpoint.json`;
      model.params.assign(withPrefix(ckpt.tensors, 'param'), source);
      adam.loadState(ckpt.state.optimizerStep, ckpt.tensors, source);
      const saved = withPrefix(ckpt.tensors, 'best');
      if (saved.size > 0) best = new Map([...saved].map(([name, t]) => [name, tf.clone(t)]));
      tf.dispose([...ckpt.tensors.values()]);
      state = ckpt.state;
      rng = createRng(0, state.rngState);
      batches.seek(state.cursor);
    }
  }

  const startStep = state.step;
  let trainMs = 0;
  let lastLoss = Number.NaN;
  let stoppedEarly = false;
  const patience = opts.earlyStop?.patience ?? Number.POSITIVE_INFINITY;
  const minDelta = opts.earlyStop?.minDelta ?? 0;

  const checkpoint = async (): Promise<void> => {
    if (opts.checkpointDir === undefined) return;
    state = { ...state, optimizerStep: adam.step, rngState: rng.state(), cursor: batches.cursor() };
    const tensors: [string, tf.Tensor][] = [
      ...model.params.entries().map(([n, v]): [string, tf.Tensor] => [`param/${n}`, v]),
      ...adam.stateTensors(),
      ...[...(best ?? [])].map(([n, t]): [string, tf.Tensor] => [`best/${n}`, t]),
    ];
    await saveCheckpoint(opts.checkpointDir, state, tensors);
    opts.callbacks?.onCheckpoint?.({ step: state.step, dir: opts.checkpointDir });
  };

  const evaluate = async (): Promise<void> => {
    if (opts.evaluate === undefined) return;
    const loss = await opts.evaluate();
    const improved = state.bestEval === null || loss < state.bestEval - minDelta;
    if (improved) {
      if (best !== null) tf.dispose([...best.values()]);
      best = model.params.snapshot();
    }
    state = {
      ...state,
      bestEval: improved ? loss : state.bestEval,
      bestStep: improved ? state.step : state.bestStep,
      evalsWithoutImprovement: improved ? 0 : state.evalsWithoutImprovement + 1,
      evals: [...state.evals, { step: state.step, loss }],
    };
    opts.callbacks?.onEval?.({
      step: state.step,
      loss,
      improved,
      bestLoss: state.bestEval as number,
      evalsWithoutImprovement: state.evalsWithoutImprovement,
    });
  };

  opts.callbacks?.onStart?.({ startStep, steps });
  try {
    while (state.step < steps) {
      const t0 = clock();
      const lr = lrAt(state.step);
      const batch = batches.next();
      const { loss, norm, grads } = computeGradients(model, batch, rng, clipNorm);
      adam.apply(grads, lr);
      tf.dispose([...grads.values()]);
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${state.step + 1}; lower the learning rate`);
      state = { ...state, step: state.step + 1 };
      lastLoss = loss;
      trainMs += clock() - t0;
      const itemsPerSecond = (batches.itemsPerBatch * (state.step - startStep)) / Math.max(trainMs / 1000, 1e-9);
      opts.callbacks?.onStep?.({ step: state.step, loss, lr, gradNorm: norm, itemsPerSecond });

      const last = state.step === steps;
      if ((evalEvery > 0 && state.step % evalEvery === 0) || last) await evaluate();
      stoppedEarly = state.evalsWithoutImprovement >= patience;
      if ((checkpointEvery > 0 && state.step % checkpointEvery === 0) || last || stoppedEarly) await checkpoint();
      if (stoppedEarly) break;
    }
    const restore = (opts.restoreBest ?? true) && best !== null;
    if (restore && best !== null) model.params.assign(best, 'best weights');
    return {
      startStep,
      steps: state.step,
      lastLoss,
      bestEvalLoss: state.bestEval,
      bestStep: state.bestStep,
      evals: state.evals,
      stoppedEarly,
      trainMs,
      itemsPerSecond: (batches.itemsPerBatch * (state.step - startStep)) / Math.max(trainMs / 1000, 1e-9),
    };
  } finally {
    adam.dispose();
    if (best !== null) tf.dispose([...(best as Map<string, tf.Tensor>).values()]);
  }
}
