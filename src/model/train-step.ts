/**
 * One PredANN training step through the native engine (native/model/train_step.h) and the Adam
 * update (kernels/adam.h), on weights held by state-dict name. The step's gradients accumulate
 * into `grads`, so a caller zeroes them (`zeroGradients`) once per step.
 */
import { native, withCallerStack } from '../native.js';
import { encoderTensors, type ModelPreset } from './model-spec.js';
import { encoderDims, encoderTensorData } from './encoder.js';
import type { Weights } from './weights.js';

export interface TrainStepConfig {
  /** Weight of the EEG cross-entropy, w_r (1). */
  weightEeg: number;
  /** Weight of the music cross-entropy, w_c (1). */
  weightMusic: number;
  /** λ of the PredANN (InfoNCE) loss: 0.05 in the paper, 0 for the baseline. */
  lambda: number;
  /** τ of the InfoNCE (0.5). */
  temperature: number;
  /** Stop-gradient on the music embedding (the paper's choice). */
  detach: boolean;
  /** Dropout probability after the last conv block (0.5 in the official code). */
  dropout: number;
  /** Dropout stream: masks are a pure function of (seed, step, element). */
  dropoutSeed: number;
  dropoutStep: number;
  /** How BatchNorm's running statistics follow each batch's: 0.1 (PyTorch) unless given; 1/k on the k-th of k batches averages them exactly. */
  batchNormMomentum?: number;
}

export const defaultTrainStepConfig: TrainStepConfig = {
  weightEeg: 1,
  weightMusic: 1,
  lambda: 0.05,
  temperature: 0.5,
  detach: true,
  dropout: 0.5,
  dropoutSeed: 0,
  dropoutStep: 0,
};

export interface TrainBatch {
  /** (N, 128, 729) preprocessed EEG clips. */
  eeg: Float32Array;
  eegShape: [number, number, number];
  /** (N, C_audio, W) padded audio clips. */
  music: Float32Array;
  musicShape: [number, number, number];
  /** (N) labels 0..classes−1. */
  labels: Int32Array;
  /**
   * (N, embedding): frozen teacher embeddings (`predann train --teacher`) that replace the music
   * encoder: it is not run, its loss is 0, and the InfoNCE target is the teacher. `music` is ignored.
   */
  teacher?: Float32Array;
}

export interface TrainStepResult {
  lossEeg: number;
  lossMusic: number;
  lossPredann: number;
  /** float32 total as PyTorch evaluates it: λ·L_P + w_r·L_E + w_c·L_M. */
  total: number;
  logitsEeg: Float32Array;
  zEeg: Float32Array;
  logitsMusic: Float32Array;
  zMusic: Float32Array;
  /** Where the step's time went, per encoder. */
  profile: { eeg: EncoderStepProfile; music: EncoderStepProfile };
}

/** Seconds spent in one encoder during a training step. */
export interface EncoderStepProfile {
  /** Each conv layer's forward. */
  convForward: [number, number, number];
  /** Each conv layer's backward (input and weight gradients). */
  convBackward: [number, number, number];
  /** BatchNorm, ReLU, dropout, pooling, the projectors and the recomputations, forward and backward. */
  otherForward: number;
  otherBackward: number;
}

export type Gradients = Map<string, Float32Array>;

/** Names of the trainable tensors of a preset (both encoders, state-dict order). */
export function trainableNames(preset: ModelPreset): string[] {
  return (['eeg', 'music'] as const).flatMap((b) => encoderTensors(b, preset.encoder).filter((t) => t.role === 'parameter').map((t) => t.name));
}

/** Zeroed gradient buffers for every trainable tensor (reuse them: call again to clear). */
export function zeroGradients(preset: ModelPreset, grads: Gradients = new Map()): Gradients {
  for (const spec of [...encoderTensors('eeg', preset.encoder), ...encoderTensors('music', preset.encoder)]) {
    if (spec.role !== 'parameter') continue;
    const g = grads.get(spec.name);
    if (g) g.fill(0);
    else grads.set(spec.name, new Float32Array(spec.shape.reduce((a, b) => a * b, 1)));
  }
  return grads;
}

const branchGrads = (grads: Gradients, branch: 'eeg' | 'music', preset: ModelPreset) =>
  encoderTensors(branch, preset.encoder)
    .filter((s) => s.role === 'parameter')
    .map((s) => grads.get(s.name)!);

/**
 * Forward and backward of both encoders on one batch; BatchNorm running statistics in `weights`
 * are updated, gradients added to `grads`.
 *
 * @example
 * const grads = zeroGradients(presets.paper);
 * const r = await trainStep(weights, grads, batch, presets.paper, { ...defaultTrainStepConfig, dropout: 0 });
 */
export async function trainStep(weights: Weights, grads: Gradients, batch: TrainBatch, preset: ModelPreset, config: TrainStepConfig): Promise<TrainStepResult> {
  return withCallerStack(new Error(), () =>
    native.trainStep(
      encoderTensorData(weights, 'eeg', preset),
      encoderTensorData(weights, 'music', preset),
      branchGrads(grads, 'eeg', preset),
      branchGrads(grads, 'music', preset),
      batch.eeg,
      batch.eegShape,
      batch.music,
      batch.musicShape,
      batch.labels,
      encoderDims(preset),
      config,
      batch.teacher,
    ),
  );
}

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export interface AdamState {
  /** Steps taken so far (the next step is step + 1). */
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/** Fresh Adam state for a preset's trainable tensors. */
export function adamState(preset: ModelPreset): AdamState {
  const m = zeroGradients(preset);
  const v = zeroGradients(preset);
  return { step: 0, m, v };
}

/**
 * torch.optim.Adam's step on every trainable tensor except `frozen` ones (PyTorch skips a
 * parameter whose .grad is None: the detached music Projector II).
 */
export async function adamStep(weights: Weights, grads: Gradients, state: AdamState, options: AdamOptions, frozen: ReadonlySet<string> = new Set()): Promise<void> {
  const names = [...grads.keys()].filter((n) => !frozen.has(n));
  state.step += 1;
  await withCallerStack(new Error(), () =>
    native.adamStep(
      names.map((n) => weights.get(n)!.data as Float32Array),
      names.map((n) => grads.get(n)!),
      names.map((n) => state.m.get(n)!),
      names.map((n) => state.v.get(n)!),
      state.step,
      options.lr,
      options.beta1,
      options.beta2,
      options.eps,
    ),
  );
}

/** The music Projector II tensors, which receive no gradient under the stop-gradient. */
export function detachedTensors(preset: ModelPreset): Set<string> {
  return new Set(trainableNames(preset).filter((n) => n.startsWith('music.projector2.')));
}
