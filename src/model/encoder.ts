/**
 * The encoder's forward pass through the native engine (native/model/encoder.h): one branch
 * (`eeg` or `music`) of a model, with its weights taken by state-dict name.
 */
import { native, withCallerStack } from '../native.js';
import { expectInteger, expectOneOf, received } from '../validate.js';
import { encoderTensors, type ModelPreset } from './model-spec.js';
import type { Weights } from './weights.js';

export type Branch = 'eeg' | 'music';

export interface EncoderOutput {
  /** (N, c3): the pooled feature. */
  feature: Float32Array;
  /** (N, classes): projector I. */
  logits: Float32Array;
  /** (N, embedding): projector II. */
  z: Float32Array;
}

/** The preset's encoder sizes as the binding takes them: [c1, c2, c3, hidden, classes, embedding]. */
export function encoderDims(preset: ModelPreset): number[] {
  const e = preset.encoder;
  return [...e.convChannels, e.hidden, e.classes, e.embedding];
}

/**
 * One branch's 35 state-dict tensors in state-dict order, as the binding takes them (dtypes are
 * checked by checkWeights and again natively).
 */
export function encoderTensorData(weights: Weights, branch: Branch, preset: ModelPreset): (Float32Array | BigInt64Array)[] {
  return encoderTensors(branch, preset.encoder).map((spec) => {
    const t = weights.get(spec.name);
    if (!t) throw new RangeError(`Expected tensor ${spec.name} in the weights`);
    return t.data as Float32Array | BigInt64Array;
  });
}

/**
 * Eval-mode forward (BatchNorm on running statistics, dropout off) of one branch on a batch of
 * already preprocessed inputs (N, H, W): EEG clips (N, 128, 729) or padded audio (N, 1, 177147).
 *
 * @example
 * const { logits } = await encoderForwardEval(weights, 'eeg', presets.paper, clips, { batch: 8, height: 128, width: 729 });
 */
export async function encoderForwardEval(
  weights: Weights,
  branch: Branch,
  preset: ModelPreset,
  input: Float32Array,
  shape: { batch: number; height: number; width: number },
): Promise<EncoderOutput> {
  expectOneOf('branch', branch, ['eeg', 'music'] as const);
  if (!(input instanceof Float32Array)) throw new TypeError(`Expected Float32Array for input but received ${received(input)}`);
  const batch = expectInteger('shape.batch', shape.batch, 1);
  const height = expectInteger('shape.height', shape.height, 1);
  const width = expectInteger('shape.width', shape.width, 1);
  const tensors = encoderTensorData(weights, branch, preset);
  return withCallerStack(new Error(), () => native.encoderForwardEval(tensors, input, batch, height, width, encoderDims(preset)));
}
