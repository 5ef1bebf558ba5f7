/**
 * The EEG branch of a trained PredANN model in eval mode as an ONNX model (opset 17, IR 8), so a
 * recognizer trained here can be served by onnxruntime or any other ONNX runtime:
 *
 *   eeg (N,128,729) → Unsqueeze → [Conv3×3 + BatchNorm + Relu] ×3 → AveragePool (runs of 27 samples) → Cast f64 → ReduceMean (N,c3)
 *     → projector I:  MatMul(Wᵀ) → BatchNorm → Relu → MatMul(Wᵀ) → logits (N,classes) → Softmax → probabilities
 *     → projector II: MatMul(Wᵀ) → BatchNorm → Relu → MatMul(Wᵀ) → embedding (N,embedding)
 *
 * Dropout is the identity in eval mode and is left out. The conv BatchNorms can be folded into the
 * conv weights (one op fewer per block). The input is the already preprocessed clip: the model file
 * carries the recipe in `metadata_props` because ONNX has no robust-scaler op and consumers must
 * reproduce it exactly.
 *
 * Precision: the trained projector BatchNorms have running variances near 1e-4, so they multiply
 * float32 rounding in the pooled feature and the first projector layer by ~100. A plain float32
 * graph (GlobalAveragePool, one float32 sum over 93,312 values: 1.4e-7 error in the feature) lands
 * 3-5e-4 from PyTorch's float64 logits and embedding. So the global mean is taken in two stages
 * (float32 means over runs of 27 samples, then float64) and the head, N×c3 values, runs in float64:
 * no measurable time (batch 48: 2.4 s either way), and on golden case d the folded export is within
 * 1.7e-5 (logits) and 1.3e-5 (embedding) of float64 PyTorch. Outputs are float32.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { sha256File } from '../io/file-hash.js';
import { clipPadSamples, clipSamples, eegChannels, eegSampleRate, paddedClipSamples, songs } from '../data/nmedt.js';
import { loadTrainedModel, type TrainedModel } from '../eval/trained-model.js';
import type { ModelPreset } from '../model/model-spec.js';
import type { Weights } from '../model/weights.js';
import { packageVersion } from '../version.js';
import { attribute, doubleTensor, elementType, encodeModel, floatTensor, floatValueInfo, int64Tensor, modelProto, node, type ModelProto, type NodeProto, type TensorProto } from './onnx-graph.js';

/** ONNX versions of the export: opset 17 with IR 8 loads in onnxruntime ≥ 1.12 and Python onnx ≥ 1.12. */
export const onnxOpset = 17;
export const onnxIrVersion = 8;
/** PyTorch's BatchNorm epsilon, the one the model was trained with. */
export const batchNormEpsilon = 1e-5;
/** The clamp of the preprocessing (official `clamp_value=20`). */
export const clipClamp = 20;

export interface EegExportOptions {
  /** Fold the three conv BatchNorms into the conv weights and biases. Default true. */
  foldBatchNorm?: boolean;
}

/** What the export records about where the weights came from. */
export interface EegExportSource {
  preset: ModelPreset;
  weights: Weights;
  /** The weights file read (recorded in the metadata). */
  path?: string;
  /** Its SHA-256, when known. */
  sha256?: string;
  /** The training run record (`run.json`), when the weights came from a run directory. */
  run?: Record<string, unknown>;
}

export interface EegOnnxModel {
  model: ModelProto;
  /** The encoded `.onnx` file. */
  bytes: Uint8Array;
  metadata: Record<string, string>;
  foldedBatchNorm: boolean;
}

const f32 = (weights: Weights, name: string): Float32Array => {
  const t = weights.get(name);
  if (!t || !(t.data instanceof Float32Array)) throw new RangeError(`Expected float32 tensor ${name} in the weights`);
  return t.data;
};

/** (rows, cols) row-major → (cols, rows): MatMul computes x·Wᵀ with PyTorch's (out, in) weight. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

/**
 * Folds an eval-mode BatchNorm into the preceding conv: W' = W·s, b' = (b − μ)·s + β with
 * s = γ/√(σ² + ε), all in float64 and rounded to float32 once.
 *
 * @example
 * const folded = foldBatchNorm(convWeight, convBias, { gamma, beta, mean: runningMean, variance: runningVar });
 */
export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array,
  bn: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array },
  epsilon = batchNormEpsilon,
): { weight: Float32Array; bias: Float32Array } {
  const channels = bias.length;
  const perChannel = weight.length / channels;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    const scale = bn.gamma[o] / Math.sqrt(bn.variance[o] + epsilon);
    for (let k = 0; k < perChannel; k++) w[o * perChannel + k] = weight[o * perChannel + k] * scale;
    b[o] = (bias[o] - bn.mean[o]) * scale + bn.beta[o];
  }
  return { weight: w, bias: b };
}

type Precision = 'float' | 'double';

/**
 * The largest divisor of `width` not above √width: short float32 sums, few float64 ones.
 *
 * @example
 * poolWindow(729); // 27
 */
export function poolWindow(width: number): number {
  for (let w = Math.floor(Math.sqrt(width)); w > 1; w--) if (width % w === 0) return w;
  return 1;
}

/** Accumulates nodes and initializers; initializers keep the state-dict names they come from. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  constructor(private readonly weights: Weights) {}

  /** An initializer, stored as float32 or (for the head) widened exactly to float64. */
  constant(name: string, dims: number[], values: Float32Array, precision: Precision = 'float'): string {
    this.initializers.push(precision === 'float' ? floatTensor(name, dims, values) : doubleTensor(name, dims, values));
    return name;
  }

  /** A state-dict tensor as an initializer under its own name. */
  stateTensor(name: string, dims: number[], precision: Precision = 'float'): string {
    return this.constant(name, dims, f32(this.weights, name), precision);
  }

  cast(input: string, output: string, to: Precision): string {
    this.nodes.push(node('Cast', [input], [output], [attribute.int('to', elementType[to])]));
    return output;
  }

  /**
   * The global mean in two stages: float32 means over short runs of `window` samples (AveragePool,
   * which onnxruntime runs in its blocked conv layout without reordering the large activation),
   * then the mean of those in float64 (equal-size runs, so the mean of means is the mean).
   */
  pool(input: string, output: string, width: number): string {
    const window = poolWindow(width);
    this.nodes.push(node('AveragePool', [input], ['pool.runs'], [attribute.ints('kernel_shape', [1, window]), attribute.ints('strides', [1, window])]));
    this.cast('pool.runs', 'pool.runs.f64', 'double');
    this.nodes.push(node('ReduceMean', ['pool.runs.f64'], [output], [attribute.ints('axes', [2, 3]), attribute.int('keepdims', 0)]));
    return output;
  }

  batchNorm(input: string, output: string, prefix: string, channels: number, precision: Precision = 'float'): string {
    const t = (field: string) => this.stateTensor(`${prefix}.${field}`, [channels], precision);
    const inputs = [input, t('weight'), t('bias'), t('running_mean'), t('running_var')];
    this.nodes.push(node('BatchNormalization', inputs, [output], [attribute.float('epsilon', batchNormEpsilon)]));
    return output;
  }

  convBlock(input: string, block: number, index: number, cin: number, cout: number, fold: boolean): string {
    const conv = `eeg.sequential.${index}`;
    const bn = `eeg.sequential.${index + 1}`;
    const dims = [cout, cin, 3, 3];
    let w: string;
    let b: string;
    if (fold) {
      const folded = foldBatchNorm(f32(this.weights, `${conv}.weight`), f32(this.weights, `${conv}.bias`), {
        gamma: f32(this.weights, `${bn}.weight`),
        beta: f32(this.weights, `${bn}.bias`),
        mean: f32(this.weights, `${bn}.running_mean`),
        variance: f32(this.weights, `${bn}.running_var`),
      });
      w = this.constant(`${conv}.weight+${bn}`, dims, folded.weight);
      b = this.constant(`${conv}.bias+${bn}`, [cout], folded.bias);
    } else {
      w = this.stateTensor(`${conv}.weight`, dims);
      b = this.stateTensor(`${conv}.bias`, [cout]);
    }
    const convOut = `conv${block}`;
    this.nodes.push(
      node('Conv', [input, w, b], [convOut], [attribute.ints('kernel_shape', [3, 3]), attribute.ints('pads', [1, 1, 1, 1]), attribute.ints('strides', [1, 1])]),
    );
    const normalised = fold ? convOut : this.batchNorm(convOut, `bn${block}`, bn, cout);
    this.nodes.push(node('Relu', [normalised], [`relu${block}`]));
    return `relu${block}`;
  }

  /** Linear(in→hidden, no bias) → BatchNorm1d → ReLU → Linear(hidden→out, no bias), in float64, cast to float32. */
  projector(input: string, index: 1 | 2, inFeatures: number, hidden: number, out: number, output: string): string {
    const p = `eeg.projector${index}`;
    const w0 = this.constant(`${p}.0.weight.T`, [inFeatures, hidden], transpose(f32(this.weights, `${p}.0.weight`), hidden, inFeatures), 'double');
    const w3 = this.constant(`${p}.3.weight.T`, [hidden, out], transpose(f32(this.weights, `${p}.3.weight`), out, hidden), 'double');
    const name = `projector${index}`;
    this.nodes.push(node('MatMul', [input, w0], [`${name}.linear0`]));
    this.batchNorm(`${name}.linear0`, `${name}.bn`, `${p}.1`, hidden, 'double');
    this.nodes.push(node('Relu', [`${name}.bn`], [`${name}.relu`]));
    this.nodes.push(node('MatMul', [`${name}.relu`, w3], [`${name}.f64`]));
    return this.cast(`${name}.f64`, output, 'float');
  }
}

/** The `metadata_props` of an export: how to prepare the input and read the outputs. */
export function eegExportMetadata(source: EegExportSource, foldedBatchNorm: boolean): Record<string, string> {
  const { preset } = source;
  const { height, width } = preset.eeg;
  const json = (v: unknown) => JSON.stringify(v);
  return {
    'predann.version': packageVersion,
    'predann.preset': preset.name,
    'predann.input': `eeg: float32 (N, ${height}, ${width}), N clips of ${height} EEG channels (E1–E${eegChannels}, NMED-T order) × ${width} samples at ${eegSampleRate} Hz, already preprocessed (see predann.preprocessing)`,
    'predann.preprocessing': json({
      clipSamples,
      sampleRateHz: eegSampleRate,
      scaling: 'per clip and channel: (x − median) / (q75 − q25) over the clip\'s samples, in float64, rounded to float32 once (sklearn RobustScaler defaults, quantile range 25–75, numpy linear percentiles; an IQR below 10·eps(float64) counts as 1)',
      clamp: [-clipClamp, clipClamp],
      padding: { before: clipPadSamples, after: width - clipSamples - clipPadSamples, value: 0, paddedSamples: paddedClipSamples },
      order: 'scale, clamp, then zero-pad (pads are exact zeros)',
    }),
    'predann.sample_rate_hz': String(eegSampleRate),
    'predann.labels': json(songs.map((s) => ({ index: s.index, trigger: s.trigger, title: s.title, artist: s.artist }))),
    'predann.outputs': json({
      logits: `float32 (N, ${preset.encoder.classes}): projector I, class scores in label order (predann.labels)`,
      probabilities: `float32 (N, ${preset.encoder.classes}): softmax of logits over axis 1`,
      embedding: `float32 (N, ${preset.encoder.embedding}): projector II, the EEG embedding z^E aligned with the music teacher`,
    }),
    'predann.training_run': source.run ? json(source.run) : 'none (weights file without run.json)',
    'predann.source_weights': json({ file: source.path ?? null, sha256: source.sha256 ?? null }),
    'predann.batchnorm_folded': foldedBatchNorm
      ? 'true: the three conv BatchNorms are folded into the conv weights and biases (float64, rounded once); the projector BatchNorms are BatchNormalization nodes'
      : 'false: every BatchNorm is a BatchNormalization node with the running statistics',
  };
}

/**
 * Builds the ONNX model of the EEG branch (eval mode) of a trained model.
 *
 * @example
 * const model = loadTrainedModel('runs/paper');
 * const { bytes } = exportEegModel(model, { foldBatchNorm: true });
 * writeFileSync('model.onnx', bytes);
 */
export function exportEegModel(source: EegExportSource, options: EegExportOptions = {}): EegOnnxModel {
  const fold = options.foldBatchNorm ?? true;
  const { preset, weights } = source;
  const { convChannels: [c1, c2, c3], hidden, classes, embedding } = preset.encoder;
  const g = new GraphBuilder(weights);
  g.initializers.push(int64Tensor('unsqueeze.axes', [1], [1]));
  g.nodes.push(node('Unsqueeze', ['eeg', 'unsqueeze.axes'], ['image']));
  let x = g.convBlock('image', 1, 0, 1, c1, fold);
  x = g.convBlock(x, 2, 3, c1, c2, fold);
  x = g.convBlock(x, 3, 6, c2, c3, fold);
  g.pool(x, 'feature', preset.eeg.width);
  g.projector('feature', 1, c3, hidden, classes, 'logits');
  g.nodes.push(node('Softmax', ['logits'], ['probabilities'], [attribute.int('axis', 1)]));
  g.projector('feature', 2, c3, hidden, embedding, 'embedding');
  const metadata = eegExportMetadata(source, fold);
  const model = modelProto({
    graphName: `predann_eeg_${preset.name}`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [floatValueInfo('eeg', ['batch', preset.eeg.height, preset.eeg.width], 'preprocessed EEG clips (see metadata predann.preprocessing)')],
    outputs: [
      floatValueInfo('logits', ['batch', classes], 'projector I: song class scores'),
      floatValueInfo('probabilities', ['batch', classes], 'softmax(logits, axis 1)'),
      floatValueInfo('embedding', ['batch', embedding], 'projector II: EEG embedding'),
    ],
    opset: onnxOpset,
    irVersion: onnxIrVersion,
    producerName: 'predann',
    producerVersion: packageVersion,
    docString: `PredANN EEG branch (${preset.name} preset), eval mode: song identification from 3 s of ${preset.eeg.height}-channel EEG`,
    metadata,
  });
  return { model, bytes: encodeModel(model), metadata, foldedBatchNorm: fold };
}

export interface ExportSummary {
  out: string;
  preset: string;
  bytes: number;
  foldedBatchNorm: boolean;
  weights: string;
  seconds: number;
}

/** Checks that `out` can be written: its directory exists and it is not itself a directory. */
function checkOutputPath(out: string): void {
  const dir = dirname(resolve(out));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(out, undefined, `output directory ${dir} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new InputError(out, undefined, 'is a directory; give a file name such as model.onnx');
}

/**
 * Reads a run directory or weights file and writes its EEG branch to `out` as ONNX, atomically.
 *
 * @example
 * await exportCheckpointToOnnx('runs/paper', 'model.onnx'); // { out, preset: 'paper', bytes: 525…, foldedBatchNorm: true, … }
 */
export async function exportCheckpointToOnnx(checkpoint: string, out: string, options: EegExportOptions = {}): Promise<ExportSummary> {
  checkOutputPath(out);
  const start = performance.now();
  const model: TrainedModel = loadTrainedModel(checkpoint);
  const sha256 = await sha256File(model.path);
  const { bytes, foldedBatchNorm } = exportEegModel({ ...model, sha256 }, options);
  writeFileAtomic(out, bytes);
  const seconds = (performance.now() - start) / 1000;
  return { out, preset: model.preset.name, bytes: bytes.length, foldedBatchNorm, weights: model.path, seconds };
}
