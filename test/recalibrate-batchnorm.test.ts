/**
 * Precise BatchNorm statistics: after recalibration over k batches the running statistics are the
 * average of the k batches' own statistics (each read from a train step with momentum 1, which
 * copies a batch's statistics into the running buffers), the weights and counters are untouched.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, presets, PyRandom } from '../src/index.js';
import { chooseSplit } from '../src/data/split.js';
import { initialWeights } from '../src/model/torch-init.js';
import { defaultTrainStepConfig, trainStep, zeroGradients } from '../src/model/train-step.js';
import type { Weights } from '../src/model/weights.js';
import { recalibrateBatchNorm } from '../src/train/recalibrate-batchnorm.js';
import { TrainingData } from '../src/train/training-batch.js';
import { tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let dataset: Dataset;

test.before(async () => {
  await tinyDataset(dir);
  dataset = await Dataset.open(join(dir, 'data'));
});

test.after(async () => {
  await dataset.close();
  cleanup();
});

const copy = (w: Weights): Weights => new Map([...w].map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
const values = (w: Weights, name: string) => Array.from(w.get(name)!.data as Float32Array);

test('running statistics become the exact average of the batches', async () => {
  const preset = presets.small;
  const refs = chooseSplit(dataset.chunkRefs(), 0).train.concat(chooseSplit(dataset.chunkRefs(), 0).validation);
  const options = { batches: 3, batchSize: 3, seed: 11, dropout: 0.5 };
  const start = initialWeights(preset, 4);
  const recalibrated = copy(start);
  await recalibrateBatchNorm(recalibrated, new TrainingData(dataset, preset), refs, preset, options);

  // The same batches and dropout masks, each step copying its batch statistics (momentum 1).
  const perBatch: Weights[] = [];
  const rng = new PyRandom(options.seed);
  const data = new TrainingData(dataset, preset);
  for (let k = 1; k <= options.batches; k++) {
    const batch = await data.batch(rng.shuffle([...refs]).slice(0, options.batchSize), rng);
    const w = copy(start);
    await trainStep(w, zeroGradients(preset), batch, preset, { ...defaultTrainStepConfig, lambda: 0, dropout: options.dropout, dropoutSeed: options.seed, dropoutStep: k, batchNormMomentum: 1 });
    perBatch.push(w);
  }
  for (const name of ['eeg.sequential.1.running_mean', 'eeg.sequential.7.running_var', 'eeg.projector1.1.running_mean', 'music.projector2.1.running_var']) {
    const got = values(recalibrated, name);
    const mean = got.map((_, i) => perBatch.reduce((s, w) => s + values(w, name)[i], 0) / perBatch.length);
    // float32 running averages of three values: a few ulp of the largest.
    got.forEach((v, i) => assert.ok(Math.abs(v - mean[i]) <= 1e-6 * Math.max(1, Math.abs(mean[i])), `${name}[${i}]: ${v} vs ${mean[i]}`));
    assert.not.equal(got, values(start, name), `${name} did not change`);
  }
  assert.equal(values(recalibrated, 'eeg.sequential.0.weight'), values(start, 'eeg.sequential.0.weight'));
  assert.is((recalibrated.get('eeg.sequential.1.num_batches_tracked')!.data as BigInt64Array)[0], 0n);
});

test.run();
