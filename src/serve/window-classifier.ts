/**
 * What `predann predict` and `predann embed` run windows through: preprocessed EEG clips
 * (N, 128, 729) in, logits, softmax probabilities and the projector-II embedding out. Two engines
 * behind one interface: onnxruntime-node on an exported model (the serving path, onnx-classifier.ts)
 * and the native engine's batched eval forward on a checkpoint (the reference it is checked against).
 */
import { softmaxRows } from '../eval/aggregate.js';
import type { TrainedModel } from '../eval/trained-model.js';
import { encoderForwardEval } from '../model/encoder.js';

export type InferenceEngine = 'onnxruntime' | 'native';
export const inferenceEngines: readonly InferenceEngine[] = ['onnxruntime', 'native'];

export interface WindowOutputs {
  /** (N, classes) */
  logits: Float32Array;
  /** (N, classes) */
  probabilities: Float32Array;
  /** (N, embedding) */
  embedding: Float32Array;
}

export interface WindowClassifier {
  readonly engine: InferenceEngine;
  readonly input: { height: number; width: number };
  readonly classes: number;
  readonly embedding: number;
  /** `clips` holds `batch` preprocessed clips, (batch, height, width). */
  classify(clips: Float32Array, batch: number): Promise<WindowOutputs>;
  close(): Promise<void>;
}

/** Row-wise softmax in float64, stored as float32. */
export function softmaxFloat32(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  softmaxRows(logits, classes).forEach((row, i) => out.set(row, i * classes));
  return out;
}

/**
 * The native engine on a checkpoint's EEG branch.
 *
 * @example
 * const classifier = nativeClassifier(loadTrainedModel('runs/small'));
 * const { probabilities } = await classifier.classify(clips, 48);
 */
export function nativeClassifier(model: TrainedModel): WindowClassifier {
  const { eeg, encoder } = model.preset;
  return {
    engine: 'native',
    input: { height: eeg.height, width: eeg.width },
    classes: encoder.classes,
    embedding: encoder.embedding,
    async classify(clips, batch) {
      const { logits, z } = await encoderForwardEval(model.weights, 'eeg', model.preset, clips, { batch, height: eeg.height, width: eeg.width });
      return { logits, probabilities: softmaxFloat32(logits, encoder.classes), embedding: z };
    },
    async close() {},
  };
}
