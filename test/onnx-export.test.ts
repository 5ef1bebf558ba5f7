/**
 * ONNX export of the EEG branch: the protobuf helpers (little-endian raw tensors, typed
 * attributes), BatchNorm folding, the graph's interface and metadata, the small preset run by
 * onnxruntime against the native engine, the `export` verb, and bad input (a checkpoint that is
 * not a model, an output in a missing directory) with nothing half-written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import * as exportVerb from '../src/cli/commands/export.js';
import { songs } from '../src/data/nmedt.js';
import { InputError } from '../src/errors.js';
import { writeSafetensors } from '../src/io/safetensors.js';
import { encoderForwardEval } from '../src/model/encoder.js';
import { presets } from '../src/model/model-spec.js';
import { initialWeights } from '../src/model/torch-init.js';
import { saveWeights, type Weights } from '../src/model/weights.js';
import { exportCheckpointToOnnx, exportEegModel, foldBatchNorm, poolWindow } from '../src/onnx/export-eeg-model.js';
import { decodeModel, floatTensor, int64Tensor } from '../src/onnx/onnx-graph.js';
import { packageVersion } from '../src/version.js';
import { assertClose, assertRejects, assertThrows, seededUniform, tempDir } from './helpers.js';

const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, executionMode: 'sequential' };

/** Small-preset weights whose BatchNorms are not the identity (random γ, β, μ, σ²), so folding is exercised. */
function smallWeights(seed: number): Weights {
  const weights = initialWeights(presets.small, seed);
  const rand = seededUniform(seed + 100);
  for (const [name, t] of weights) {
    const data = t.data as Float32Array;
    if (!(data instanceof Float32Array) || t.shape.length !== 1) continue;
    for (let i = 0; i < data.length; i++) {
      if (name.endsWith('running_var')) data[i] = 0.05 + rand();
      else if (name.endsWith('running_mean')) data[i] = 0.2 * (rand() - 0.5);
      else if (/\.(1|4|7)\.weight$/.test(name)) data[i] = 0.5 + rand();
      else if (/\.(1|4|7)\.bias$/.test(name)) data[i] = 0.2 * (rand() - 0.5);
    }
  }
  return weights;
}

/** A finished-looking small run directory: weights.safetensors and run.json. */
function smallRun(dir: string): { run: string; record: Record<string, unknown> } {
  const run = join(dir, 'run');
  mkdirSync(run);
  saveWeights(join(run, 'weights.safetensors'), smallWeights(7), presets.small);
  const record = { predann: packageVersion, preset: 'small', steps: 300, options: { seed: 7, lambda: 0.05 } };
  writeFileSync(join(run, 'run.json'), JSON.stringify(record));
  return { run, record };
}

function randomClips(n: number, seed: number): Float32Array {
  const rand = seededUniform(seed);
  const x = new Float32Array(n * 128 * 729);
  for (let i = 0; i < x.length; i++) x[i] = 4 * (rand() - 0.5);
  return x;
}

test('floatTensor and int64Tensor store little-endian raw bytes and check the element count', () => {
  const f = floatTensor('w', [2], [1.5, -2]);
  assert.equal(Array.from(f.rawData as Uint8Array), [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
  assert.equal(f.dims, [2]);
  const i = int64Tensor('axes', [1], [1]);
  assert.equal(Array.from(i.rawData as Uint8Array), [1, 0, 0, 0, 0, 0, 0, 0]);
  assertThrows(() => floatTensor('w', [2, 2], [1, 2, 3]), RangeError, 'Expected 4 elements for tensor w of shape [2, 2] but received 3');
});

test('foldBatchNorm: W·γ/√(σ²+ε) and (b − μ)·γ/√(σ²+ε) + β in float64, rounded once', () => {
  const weight = new Float32Array([0.1, -0.2, 0.3, 0.4]); // 2 output channels × 2 values
  const bias = new Float32Array([0.5, -1]);
  const bn = { gamma: new Float32Array([2, 0.7]), beta: new Float32Array([0.1, -0.3]), mean: new Float32Array([0.25, 1.5]), variance: new Float32Array([3, 1e-4]) };
  const out = foldBatchNorm(weight, bias, bn);
  const s = [0, 1].map((o) => bn.gamma[o] / Math.sqrt(bn.variance[o] + 1e-5));
  assert.equal(Array.from(out.weight), [0, 1, 2, 3].map((k) => Math.fround(weight[k] * s[k >> 1])));
  assert.equal(Array.from(out.bias), [0, 1].map((o) => Math.fround((bias[o] - bn.mean[o]) * s[o] + bn.beta[o])));
});

test('poolWindow: the largest divisor not above the square root', () => {
  assert.is(poolWindow(729), 27);
  assert.is(poolWindow(100), 10);
  assert.is(poolWindow(375), 15);
  assert.is(poolWindow(13), 1);
});

test('the graph: opset 17, IR 8, producer, dynamic batch input (N, 128, 729), three outputs; folding removes the conv BatchNorms', () => {
  const weights = smallWeights(1);
  for (const [fold, batchNorms] of [[true, 2], [false, 5]] as const) {
    const m = decodeModel(exportEegModel({ preset: presets.small, weights }, { foldBatchNorm: fold }).bytes);
    assert.is(m.irVersion, 8);
    assert.equal(m.opsetImport, [{ domain: '', version: 17 }]);
    assert.is(m.producerName, 'predann');
    assert.is(m.producerVersion, packageVersion);
    const dims = (v: any) => v.type.tensorType.shape.dim.map((d: any) => d.dimParam || d.dimValue);
    assert.equal(m.graph!.input!.map((v) => [v.name, dims(v)]), [['eeg', ['batch', 128, 729]]]);
    assert.equal(m.graph!.output!.map((v) => [v.name, dims(v)]), [['logits', ['batch', 10]], ['probabilities', ['batch', 10]], ['embedding', ['batch', 32]]]);
    const ops = m.graph!.node!.map((n) => n.opType);
    assert.is(ops.filter((o) => o === 'Conv').length, 3);
    assert.is(ops.filter((o) => o === 'BatchNormalization').length, batchNorms, `fold ${fold}`);
    assert.is(ops.filter((o) => o === 'Softmax').length, 1);
  }
});

test('metadata_props: input, preprocessing, sample rate, labels, outputs, run, source, folding', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { run, record } = smallRun(dir);
    const out = join(dir, 'model.onnx');
    await exportCheckpointToOnnx(run, out);
    const meta = Object.fromEntries(decodeModel(readFileSync(out)).metadataProps!.map((p) => [p.key, p.value!]));
    assert.match(meta['predann.input'], /float32 \(N, 128, 729\)/);
    const prep = JSON.parse(meta['predann.preprocessing']);
    assert.equal(prep.padding, { before: 177, after: 177, value: 0, paddedSamples: 729 });
    assert.equal(prep.clamp, [-20, 20]);
    assert.is(prep.clipSamples, 375);
    assert.match(prep.scaling, /median/);
    assert.is(meta['predann.sample_rate_hz'], '125');
    const labels = JSON.parse(meta['predann.labels']);
    assert.equal(labels.map((l: any) => [l.index, l.trigger, l.title]), songs.map((s) => [s.index, s.trigger, s.title]));
    assert.equal(Object.keys(JSON.parse(meta['predann.outputs'])), ['logits', 'probabilities', 'embedding']);
    assert.equal(JSON.parse(meta['predann.training_run']), record);
    const source = JSON.parse(meta['predann.source_weights']);
    assert.is(source.file, join(run, 'weights.safetensors'));
    assert.match(source.sha256, /^[0-9a-f]{64}$/);
    assert.match(meta['predann.batchnorm_folded'], /^true:/);
    assert.is(meta['predann.preset'], 'small');
  } finally {
    cleanup();
  }
});

test('the export is deterministic: the same weights give the same bytes', () => {
  const weights = smallWeights(2);
  assert.equal(exportEegModel({ preset: presets.small, weights }).bytes, exportEegModel({ preset: presets.small, weights }).bytes);
});

test('small preset, folded and not: onnxruntime equals the native engine within 1e-4 on batches of 3 and 1', async () => {
  const weights = smallWeights(3);
  const clips = randomClips(3, 11);
  const engine = await encoderForwardEval(weights, 'eeg', presets.small, clips, { batch: 3, height: 128, width: 729 });
  for (const fold of [true, false]) {
    const session = await ort.InferenceSession.create(exportEegModel({ preset: presets.small, weights }, { foldBatchNorm: fold }).bytes, sessionOptions);
    const out = await session.run({ eeg: new ort.Tensor('float32', clips, [3, 128, 729]) });
    assert.equal(out.embedding.dims, [3, 32]);
    assertClose(out.logits.data as Float32Array, engine.logits, { atol: 1e-4, what: `fold ${fold} logits` });
    assertClose(out.embedding.data as Float32Array, engine.z, { atol: 1e-4, what: `fold ${fold} embedding` });
    const probabilities = out.probabilities.data as Float32Array;
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(probabilities.subarray(10 * r, 10 * r + 10).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    const one = await session.run({ eeg: new ort.Tensor('float32', clips.slice(0, 128 * 729), [1, 128, 729]) });
    assertClose(one.logits.data as Float32Array, engine.logits.subarray(0, 10), { atol: 1e-4, what: `fold ${fold} batch 1` });
    await session.release();
  }
});

test('the export verb: --json summary, --no-fold-batchnorm, the file onnxruntime loads', async () => {
  const { dir, cleanup } = tempDir();
  const write = process.stdout.write;
  let printed = '';
  try {
    const { run } = smallRun(dir);
    const out = join(dir, 'model.onnx');
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    await yargs(['export', '--checkpoint', run, '--out', out, '--no-fold-batchnorm', '--json', '--quiet']).option('json', { type: 'boolean', default: false })
      .option('quiet', { type: 'boolean', default: false })
      .command(exportVerb as any)
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
    process.stdout.write = write;
    const summary = JSON.parse(printed);
    assert.is(summary.preset, 'small');
    assert.is(summary.foldedBatchNorm, false);
    assert.is(summary.bytes, readFileSync(out).length);
    const session = await ort.InferenceSession.create(out, sessionOptions);
    assert.equal(session.outputNames, ['logits', 'probabilities', 'embedding']);
    await session.release();
  } finally {
    process.stdout.write = write;
    cleanup();
  }
});

test('a checkpoint that is not a model: the loader\'s InputError, nothing written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const weights = smallWeights(4);
    weights.delete('eeg.projector2.3.weight');
    const file = join(dir, 'broken.safetensors');
    writeSafetensors(file, weights, { preset: 'small' });
    const out = join(dir, 'model.onnx');
    await assertRejects(exportCheckpointToOnnx(file, out), InputError, /broken\.safetensors: eeg\.projector2\.3\.weight: missing/);
    await assertRejects(exportCheckpointToOnnx(join(dir, 'nope'), out), InputError, /no such run directory or weights file/);
    assert.equal(readdirSync(dir), ['broken.safetensors']);
  } finally {
    cleanup();
  }
});

test('an output in a missing directory, or a directory as output: a clear InputError, nothing written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { run } = smallRun(dir);
    await assertRejects(exportCheckpointToOnnx(run, join(dir, 'missing', 'model.onnx')), InputError, /output directory .*missing does not exist/);
    assert.not.ok(existsSync(join(dir, 'missing')));
    await assertRejects(exportCheckpointToOnnx(run, run), InputError, /is a directory; give a file name/);
    assert.equal(readdirSync(dir), ['run']);
    assert.equal(readdirSync(run).sort(), ['run.json', 'weights.safetensors']);
  } finally {
    cleanup();
  }
});

test.run();
