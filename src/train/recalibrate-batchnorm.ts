/**
 * Precise BatchNorm statistics (Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021): the
 * running mean and variance that eval mode uses, recomputed at the current weights as the exact
 * average over `batches` training batches, instead of PyTorch's exponential average over the last
 * ~10 steps, which were taken with older weights.
 *
 * Why it exists: PredANN's projectors normalise pooled features whose spread across a batch is
 * tiny next to how far one Adam step at lr 3e-3 moves them, so the exponential average lags the
 * weights by several batch standard deviations, and an eval-mode model can collapse onto one class
 * while the same weights in train mode classify well (seen on the synthetic set: 10 % → 20 % from
 * recalibration alone). Off by default: the paper's code evaluates the lagging statistics.
 */
import type { ChunkRef } from '../data/chunks.js';
import { PyRandom } from '../data/py-random.js';
import type { ModelPreset } from '../model/model-spec.js';
import { defaultTrainStepConfig, trainStep, zeroGradients } from '../model/train-step.js';
import type { Weights } from '../model/weights.js';
import type { TrainingData } from './training-batch.js';

export interface RecalibrationOptions {
  /** Training batches averaged. */
  batches: number;
  batchSize: number;
  /** Seed of the crops and the dropout masks (independent of the training generator). */
  seed: number;
  /** Dropout probability, as in training: the projectors' statistics see dropout's noise. */
  dropout: number;
}

/**
 * Replaces every BatchNorm's running statistics in `weights` by their average over train-mode
 * forwards of `options.batches` batches of random crops of `refs`; the weights are not changed,
 * nor is `num_batches_tracked`.
 *
 * @example
 * await recalibrateBatchNorm(weights, new TrainingData(dataset, presets.small), split.train, presets.small, { batches: 20, batchSize: 16, seed: 1, dropout: 0.5 });
 */
export async function recalibrateBatchNorm(weights: Weights, data: TrainingData, refs: readonly ChunkRef[], preset: ModelPreset, options: RecalibrationOptions): Promise<void> {
  const counters = [...weights].filter(([name]) => name.endsWith('num_batches_tracked')).map(([, t]) => t.data as BigInt64Array);
  const saved = counters.map((c) => c.slice());
  const rng = new PyRandom(options.seed);
  const scratch = zeroGradients(preset); // the step's gradients, discarded
  for (let k = 1; k <= options.batches; k++) {
    const batch = await data.batch(rng.shuffle([...refs]).slice(0, options.batchSize), rng);
    // Momentum 1/k: after batch k the running statistics are the mean of batches 1..k.
    await trainStep(weights, scratch, batch, preset, { ...defaultTrainStepConfig, lambda: 0, dropout: options.dropout, dropoutSeed: options.seed, dropoutStep: k, batchNormMomentum: 1 / k });
  }
  counters.forEach((c, i) => c.set(saved[i]));
}
