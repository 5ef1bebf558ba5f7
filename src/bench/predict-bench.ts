/**
 * Serving throughput of the paper model's EEG branch: one batch of 48 preprocessed clips through
 * onnxruntime-node (the exported model, BatchNorm folded, 2 intra-op threads on this machine) and
 * through the native engine, in windows per second, beside onnxruntime's reference figure for this
 * kind of machine (batch 48 in 2.05 s, 23 windows/s, 2 threads).
 */
import { availableParallelism } from 'node:os';
import { presets } from '../model/model-spec.js';
import { initialWeights } from '../model/torch-init.js';
import { exportEegModel } from '../onnx/export-eeg-model.js';
import { onnxClassifier } from '../serve/onnx-classifier.js';
import { nativeClassifier, type WindowClassifier } from '../serve/window-classifier.js';
import type { BenchOptions, BenchRow } from './bench-row.js';
import { bestOf } from './bench-row.js';

const preset = presets.paper;

function noise(n: number): Float32Array {
  let s = 11;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 4 - 2);
}

async function timeOf(classifier: WindowClassifier, clips: Float32Array, batch: number, repeats: number): Promise<number> {
  await classifier.classify(clips, batch); // onnxruntime's first two runs of a session allocate (7–13 s at batch 48)
  return bestOf(repeats, () => classifier.classify(clips, batch));
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const batch = opts.quick ? 8 : 48;
  const repeats = opts.quick ? 1 : 3;
  const weights = initialWeights(preset, 0);
  const model = { name: 'paper-init', path: '(seed-0 initialisation)', preset, weights };
  const clips = noise(batch * preset.eeg.height * preset.eeg.width);
  const served = await onnxClassifier(exportEegModel(model).bytes, { threads: availableParallelism() });
  try {
    const ort = await timeOf(served, clips, batch, repeats);
    const engine = await timeOf(nativeClassifier(model), clips, batch, repeats);
    const reference = batch === 48 ? { referenceSeconds: 2.05, referenceLabel: 'onnxruntime-node 1.30 reference (23 windows/s)' } : {};
    return [
      { name: `predict, paper model, batch ${batch}, onnxruntime-node (${availableParallelism()} threads)`, seconds: ort, throughput: `${(batch / ort).toFixed(1)} windows/s`, ...reference },
      { name: `predict, paper model, batch ${batch}, native engine`, seconds: engine, throughput: `${(batch / engine).toFixed(1)} windows/s`, ...reference },
    ];
  } finally {
    await served.close();
  }
}
