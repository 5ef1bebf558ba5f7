/**
 * Golden case d through ONNX: the trained checkpoint's EEG branch exported (BatchNorm folded and
 * not folded), run by onnxruntime-node on CPU, against the native engine (within 1e-4 absolute,
 * issue 6) and against PyTorch's float64 logits and embedding (within 1e-5·max|golden_f64|, the
 * golden README's tolerance for a float32 implementation). The same file also runs batches of 1
 * and 5 (dynamic batch).
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTrainedModel } from '../src/eval/trained-model.js';
import { encoderForwardEval } from '../src/model/encoder.js';
import { exportEegModel } from '../src/onnx/export-eeg-model.js';
import { assertClose, goldenDir, maxAbs, readGoldenSafetensors } from './helpers.js';

const model = loadTrainedModel(join(goldenDir, 'predann_2dcnn_trained_seed1.safetensors'));
const golden = readGoldenSafetensors('d_forward_eval.safetensors');
const input = golden.get('eeg_input')!;
const [batch, height, width] = input.shape;
const clips = input.data as Float32Array;
const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, executionMode: 'sequential' };
/** Issue 6: onnxruntime and the native engine agree within this, absolute. */
const engineTolerance = 1e-4;

async function runOnnx(session: ort.InferenceSession, data: Float32Array, n: number) {
  const out = await session.run({ eeg: new ort.Tensor('float32', data, [n, height, width]) });
  return { logits: out.logits.data as Float32Array, probabilities: out.probabilities.data as Float32Array, embedding: out.embedding.data as Float32Array };
}

function softmaxRows(logits: Float32Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (out[r * classes + k] = v / s));
  }
  return out;
}

const enginePromise = encoderForwardEval(model.weights, 'eeg', model.preset, clips, { batch, height, width });

for (const fold of [true, false]) {
  const label = fold ? 'folded' : 'unfolded';

  test(`case d, BatchNorm ${label}: onnxruntime equals the engine within 1e-4 and PyTorch float64 within 1e-5·max`, async () => {
    const session = await ort.InferenceSession.create(exportEegModel(model, { foldBatchNorm: fold }).bytes, sessionOptions);
    const onnx = await runOnnx(session, clips, batch);
    const engine = await enginePromise;
    assertClose(onnx.logits, engine.logits, { atol: engineTolerance, what: `${label} logits vs engine` });
    assertClose(onnx.embedding, engine.z, { atol: engineTolerance, what: `${label} embedding vs engine` });
    for (const [name, actual] of [['logits', onnx.logits], ['z', onnx.embedding]] as const) {
      const expected = golden.get(`eeg_${name}_f64`)!.data as Float64Array;
      assertClose(actual, expected, { atol: 1e-5 * maxAbs(expected), what: `${label} ${name} vs golden` });
    }
    assertClose(onnx.probabilities, softmaxRows(onnx.logits, 10), { atol: 1e-6, what: `${label} probabilities` });
    await session.release();
  });

  test(`case d, BatchNorm ${label}: one file runs batches of 1 and 5 (dynamic batch)`, async () => {
    const session = await ort.InferenceSession.create(exportEegModel(model, { foldBatchNorm: fold }).bytes, sessionOptions);
    const full = await runOnnx(session, clips, batch);
    const per = height * width;
    for (const [first, n] of [[2, 1], [3, 5]] as const) {
      const part = await runOnnx(session, clips.slice(first * per, (first + n) * per), n);
      assert.is(part.logits.length, n * 10);
      assertClose(part.logits, full.logits.subarray(first * 10, (first + n) * 10), { atol: engineTolerance, what: `batch ${n} logits` });
      assertClose(part.embedding, full.embedding.subarray(first * 100, (first + n) * 100), { atol: engineTolerance, what: `batch ${n} embedding` });
    }
    await session.release();
  });
}

test.run();
