/**
 * `predann train`: the official training loop (digest §4.4) on a dataset directory. Each epoch
 * shuffles the training chunks, takes one random 3-s crop per chunk, and steps through batches of
 * 48 with the last partial batch dropped; Adam at a constant learning rate; validation accuracy on
 * the validation windows every `validateEvery` epochs. Writes a JSONL log and, at the end, the
 * weights (safetensors, PyTorch state-dict names) and a run record.
 *
 * A checkpoint (weights, BatchNorm buffers, Adam moments, generator state) is written atomically
 * after every `checkpointEvery` epochs; `resume` continues from it and ends with the same weights
 * as an uninterrupted run (same thread count).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { PyRandom } from '../data/py-random.js';
import { chooseSplit } from '../data/split.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ModelPreset } from '../model/model-spec.js';
import { initialWeights } from '../model/torch-init.js';
import { adamState, adamStep, defaultTrainStepConfig, detachedTensors, trainableNames, trainStep, zeroGradients, type TrainStepConfig } from '../model/train-step.js';
import { saveWeights, type Weights } from '../model/weights.js';
import { packageVersion } from '../version.js';
import { windowAccuracy, type WindowAccuracy } from './evaluate-windows.js';
import { TrainingData } from './training-batch.js';
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { rewindLog } from './training-log.js';
import { recalibrateBatchNorm } from './recalibrate-batchnorm.js';
import { TeacherTable } from './teacher-table.js';


export interface TrainOptions {
  out: string;
  preset: ModelPreset;
  epochs: number;
  batchSize: number;
  lr: number;
  lambda: number;
  temperature: number;
  detach: boolean;
  dropout: number;
  seed: number;
  validateEvery: number;
  /** Epochs between checkpoints (and always after the last). */
  checkpointEvery: number;
  /** Continue from the run directory's checkpoint. */
  resume: boolean;
  /**
   * Training batches over which BatchNorm's running statistics are recomputed at the current
   * weights before each validation and at the end (`recalibrate-batchnorm.ts`); 0: the paper's
   * exponential average, untouched.
   */
  bnRecalibration: number;
  /**
   * A frozen teacher table (teacher-table.ts) that replaces the jointly trained music CNN: the
   * InfoNCE target of each crop is the teacher's embedding over its 3 s, and the EEG projector II
   * outputs the table's dimension D. The music encoder stays in the weights, untrained.
   */
  teacher?: string;
  onStep?: (info: { epoch: number; step: number; stepsPerEpoch: number; total: number; lossEeg: number }) => void;
  onValidation?: (info: { epoch: number } & WindowAccuracy) => void;
}

export interface TrainResult {
  weights: Weights;
  steps: number;
  validation: ({ epoch: number } & WindowAccuracy)[];
}

/** The preset with projector II sized to a teacher's dimension (a derived preset, named as such). */
function withTeacherEmbedding(preset: ModelPreset, dimension: number): ModelPreset {
  if (dimension === preset.encoder.embedding) return preset;
  return { ...preset, name: `${preset.name}-embedding${dimension}`, exact: false, description: `${preset.description}; projector II outputs ${dimension} (a teacher table's dimension)`, encoder: { ...preset.encoder, embedding: dimension } };
}

function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + size <= items.length; i += size) out.push(items.slice(i, i + size)); // drop_last
  return out;
}

/**
 * @example
 * const result = await train(dataset, { ...defaultTrainOptions, out: 'runs/small', preset: presets.small, epochs: 24 });
 */
export async function train(dataset: Dataset, options: TrainOptions): Promise<TrainResult> {
  mkdirSync(options.out, { recursive: true });
  const log = join(options.out, 'log.jsonl');
  const record = (entry: object) => appendFileSync(log, JSON.stringify(entry) + '\n');
  const split = chooseSplit(dataset.chunkRefs(), options.seed);
  const teacher = options.teacher ? TeacherTable.read(options.teacher, [...new Set(split.train.map((r) => r.song))]) : undefined;
  const preset = teacher ? withTeacherEmbedding(options.preset, teacher.dimension) : options.preset;
  const stepsPerEpoch = Math.floor(split.train.length / options.batchSize);
  if (stepsPerEpoch === 0) throw new RangeError(`Expected at least ${options.batchSize} training chunks for one batch but the split has ${split.train.length}`);

  const grads = zeroGradients(preset);
  const adam = adamState(preset);
  // The teacher's run never computes the music encoder's gradients: PyTorch would skip them all.
  const frozen = teacher ? new Set(trainableNames(preset).filter((n) => n.startsWith('music.'))) : options.detach ? detachedTensors(preset) : new Set<string>();
  const rng = new PyRandom(options.seed);
  let weights = initialWeights(preset, options.seed);
  let firstEpoch = 1;
  let step = 0;
  const validation: TrainResult['validation'] = [];
  if (options.resume && hasCheckpoint(options.out)) {
    const restored = readCheckpoint(options.out, preset, adam, rng);
    weights = restored.weights;
    firstEpoch = restored.state.epoch + 1;
    step = restored.state.step;
    validation.push(...(rewindLog(log, restored.state) as unknown as TrainResult['validation']));
  }
  const data = new TrainingData(dataset, preset, teacher);
  const config: TrainStepConfig = { ...defaultTrainStepConfig, lambda: options.lambda, temperature: options.temperature, detach: options.detach, dropout: options.dropout, dropoutSeed: options.seed };
  record({ event: firstEpoch > 1 ? 'resume' : 'start', epoch: firstEpoch, predann: packageVersion, preset: preset.name, split: split.kind, train: split.train.length, validation: split.validation.length, options: { ...options, preset: preset.name, onStep: undefined, onValidation: undefined } });

  for (let epoch = firstEpoch; epoch <= options.epochs; epoch++) {
    const order = [...split.train];
    rng.shuffle(order);
    for (const refs of batchesOf(order, options.batchSize)) {
      const batch = await data.batch(refs, rng);
      zeroGradients(preset, grads);
      const r = await trainStep(weights, grads, batch, preset, { ...config, dropoutStep: step });
      await adamStep(weights, grads, adam, { lr: options.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, frozen);
      step++;
      record({ event: 'step', epoch, step, lossEeg: r.lossEeg, lossMusic: r.lossMusic, lossPredann: r.lossPredann, total: r.total });
      options.onStep?.({ epoch, step, stepsPerEpoch, total: r.total, lossEeg: r.lossEeg });
    }
    if (epoch % options.validateEvery === 0 || epoch === options.epochs) {
      if (options.bnRecalibration > 0) {
        const recalibration = { batches: options.bnRecalibration, batchSize: options.batchSize, seed: options.seed * 1_000_003 + epoch, dropout: options.dropout };
        await recalibrateBatchNorm(weights, data, split.train, preset, recalibration);
      }
      const acc = await windowAccuracy(dataset, split.validation, weights, preset, { crop: 'center' });
      validation.push({ epoch, ...acc });
      record({ event: 'validation', epoch, step, ...acc });
      options.onValidation?.({ epoch, ...acc });
    }
    if (epoch % options.checkpointEvery === 0 || epoch === options.epochs) {
      await writeCheckpoint(options.out, preset, weights, adam, rng, { epoch, step });
      record({ event: 'checkpoint', epoch, step });
    }
  }
  saveWeights(join(options.out, 'weights.safetensors'), weights, preset, { step: String(step), seed: String(options.seed) });
  writeFileAtomic(join(options.out, 'run.json'), JSON.stringify({ predann: packageVersion, preset: preset.name, steps: step, split: split.kind, options: { ...options, preset: preset.name }, validation }, null, 2) + '\n');
  return { weights, steps: step, validation };
}
