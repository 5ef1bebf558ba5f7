/**
 * `predict` on a tiny synthetic set: the validation windows through onnxruntime-node (a checkpoint
 * exported in memory) and the native engine agree; sliding windows over an EEG Arrow file; the
 * output table's columns; clear errors for an engine that cannot run the given model.
 */
import { tableFromIPC } from 'apache-arrow';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initialWeights, presets, saveWeights } from '../src/index.js';
import { InputError } from '../src/errors.js';
import { predict } from '../src/serve/predict.js';
import { assertClose, assertRejects, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let data: string;
const weights = () => join(dir, 'small.safetensors');

test.before(async () => {
  data = await tinyDataset(dir);
  saveWeights(weights(), initialWeights(presets.small, 5), presets.small);
});

test.after(() => cleanup());

const logits = (path: string) => {
  const column = tableFromIPC(readFileSync(path)).getChild('logits')!;
  return Float32Array.from([...column].flatMap((row) => [...(row as Iterable<number>)]));
};

test('onnxruntime-node and the native engine give the same logits on the validation windows', async () => {
  const common = { model: weights(), data, windows: 'validation' as const, hop: 1 };
  const served = await predict({ ...common, engine: 'onnxruntime', out: join(dir, 'ort.arrow') });
  const native = await predict({ ...common, engine: 'native', out: join(dir, 'native.arrow') });
  assert.is(served.windows, 2 * 14); // two validation chunks
  assert.is(native.windows, served.windows);
  assert.ok(served.accuracy !== null && served.accuracy >= 0 && served.accuracy <= 1);
  // float32 through different kernels (folded BatchNorm, other summation orders): ~1e-6 of values ~1.
  assertClose(logits(served.out), logits(native.out), { atol: 1e-4, what: 'logits' });
  const table = tableFromIPC(readFileSync(served.out));
  assert.equal(table.schema.fields.map((f) => f.name), ['subject', 'song', 'chunk', 'window', 'start', 'logits', 'probabilities', 'embedding']);
  assert.is(JSON.parse(table.schema.metadata.get('predann.predict')!).engine, 'onnxruntime');
});

test('sliding windows over every recording of an EEG Arrow file', async () => {
  const r = await predict({ model: weights(), engine: 'native', eeg: join(data, 'eeg.arrow'), windows: 'sliding', hop: 2, out: join(dir, 'sliding.arrow') });
  assert.is(r.recordings, 2);
  const table = tableFromIPC(readFileSync(r.out));
  const starts = [...table.getChild('start')!] as number[];
  assert.is(starts[1] - starts[0], 250);
  assert.is(table.getChild('chunk')!.nullCount, table.numRows); // sliding windows belong to no chunk
});

test('an engine that cannot run the model is an error naming the file', async () => {
  const onnx = join(dir, 'not-a-model.onnx');
  writeFileSync(onnx, 'not onnx');
  await assertRejects(predict({ model: onnx, engine: 'native', data, windows: 'validation', hop: 1, out: join(dir, 'x.arrow') }), InputError, /not-a-model.onnx: the native engine needs a checkpoint/);
  await assertRejects(predict({ model: onnx, engine: 'onnxruntime', data, windows: 'validation', hop: 1, out: join(dir, 'x.arrow') }), InputError, /not-a-model.onnx: onnxruntime cannot load it/);
  await assertRejects(predict({ model: join(dir, 'missing'), engine: 'native', data, windows: 'validation', hop: 1, out: join(dir, 'x.arrow') }), InputError, /missing: no such model/);
});

test.run();
