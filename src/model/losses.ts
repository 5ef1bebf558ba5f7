/**
 * PredANN's losses on their own, computed by the native addon: the official InfoNCE loss between
 * EEG and music embeddings (with the paper's stop-gradient on the music side) and the softmax
 * cross-entropy of the song classifiers. Each returns the loss and its gradients, so that they
 * can be checked against PyTorch (golden case f) or used in a training step of one's own.
 */
import { native, withCallerStack } from '../native.js';
import { expectFloat32Array, expectInteger, expectLength, expectNumber, expectObject, expectOneOf, received } from '../validate.js';

/**
 * `'fast'`: the optimised float32 kernels. `'reference'`: the plain float32 kernels that are the
 * tests' oracle (the InfoNCE reference literally builds the official (2B, 2B) similarity matrix).
 * Both agree to float32 rounding.
 */
export type LossEngine = 'fast' | 'reference';

export const lossEngines: readonly LossEngine[] = ['fast', 'reference'];

export interface InfoNceOptions {
  /** B, the number of (EEG, music) pairs: at least 2. PredANN: 48. */
  batch: number;
  /** D, the embedding size. PredANN: 100. */
  dim: number;
  /** τ > 0, dividing the cosine similarities. Default 0.5 (PredANN's). */
  temperature?: number;
  /** Stop-gradient on the music embedding, as in the paper: no `dMusic` is computed. Default true. */
  detach?: boolean;
  /** Default `'fast'`. */
  engine?: LossEngine;
}

export interface InfoNceResult {
  loss: number;
  /** (B, D): dloss/dzEeg. */
  dEeg: Float32Array;
  /** (B, D): dloss/dzMusic; only with `detach: false`. */
  dMusic?: Float32Array;
}

/**
 * The official PredANN loss (`PredANN_Loss` of JURIUENO11/PredANN): row i of `zEeg` and row i
 * of `zMusic` are a pair; every EEG row is classified among the B music rows and every music row
 * among the B EEG rows by cosine similarity / τ (torch ≥ 1.12's `CosineSimilarity`, eps 1e-8),
 * and the loss is the sum of the 2B cross-entropies divided by 2B. Inputs must not be modified
 * until the promise settles.
 *
 * @example
 * // zEeg and zMusic are (48, 100) Projector II outputs
 * const { loss, dEeg } = await infoNce(zEeg, zMusic, { batch: 48, dim: 100, temperature: 0.5 });
 */
export async function infoNce(zEeg: Float32Array, zMusic: Float32Array, options: InfoNceOptions): Promise<InfoNceResult> {
  expectFloat32Array('zEeg', zEeg);
  expectFloat32Array('zMusic', zMusic);
  expectObject('options', options);
  const batch = expectInteger('options.batch', options.batch, 2, 2 ** 20);
  const dim = expectInteger('options.dim', options.dim, 1, 2 ** 24);
  expectLength('zEeg', zEeg, batch * dim);
  expectLength('zMusic', zMusic, batch * dim);
  const temperature = expectNumber('options.temperature', options.temperature ?? 0.5);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`Expected finite number above 0 for options.temperature but received ${received(temperature)}`);
  }
  const detach = options.detach ?? true;
  if (typeof detach !== 'boolean') throw new TypeError(`Expected boolean for options.detach but received ${received(detach)}`);
  const engine = expectOneOf('options.engine', options.engine ?? 'fast', lossEngines);
  return withCallerStack(new Error(), () => native.infoNce(zEeg, zMusic, batch, dim, temperature, detach, engine));
}

export interface CrossEntropyOptions {
  /** N rows of logits. */
  batch: number;
  /** C classes per row. PredANN: 10 songs. */
  classes: number;
  /** Default `'fast'`. */
  engine?: LossEngine;
}

export interface CrossEntropyResult {
  /** The mean over the N rows. */
  loss: number;
  /** (N, C): dloss/dlogits = (softmax − onehot) / N. */
  dLogits: Float32Array;
}

/**
 * Softmax cross-entropy averaged over the rows, `torch.nn.functional.cross_entropy(logits, labels)`.
 * Labels must lie in [0, C).
 *
 * @example
 * const { loss, dLogits } = await crossEntropy(logits, new Int32Array([3, 0, 9]), { batch: 3, classes: 10 });
 */
export async function crossEntropy(logits: Float32Array, labels: Int32Array, options: CrossEntropyOptions): Promise<CrossEntropyResult> {
  expectFloat32Array('logits', logits);
  if (!(labels instanceof Int32Array)) throw new TypeError(`Expected Int32Array for labels but received ${received(labels)}`);
  expectObject('options', options);
  const batch = expectInteger('options.batch', options.batch, 1, 2 ** 24);
  const classes = expectInteger('options.classes', options.classes, 1, 2 ** 24);
  expectLength('logits', logits, batch * classes);
  expectLength('labels', labels, batch);
  for (let n = 0; n < batch; n++) expectInteger(`labels[${n}]`, labels[n], 0, classes - 1);
  const engine = expectOneOf('options.engine', options.engine ?? 'fast', lossEngines);
  return withCallerStack(new Error(), () => native.crossEntropy(logits, labels, batch, classes, engine));
}
