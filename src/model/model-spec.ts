/**
 * The PredANN model as data: the SampleCNN2D encoder of the paper (digest §4.2, golden README
 * "The model"), its presets, and every parameter and buffer by its PyTorch state-dict name.
 *
 *   x (B,H,W) → unsqueeze → conv3×3(1→c1)+BN+ReLU → conv3×3(c1→c2)+BN+ReLU → conv3×3(c2→c3)+BN+ReLU
 *     → dropout → global average pool (B,c3)
 *     → projector1: Linear(c3→hidden, no bias) → BN1d → ReLU → Linear(hidden→classes, no bias)  (logits)
 *     → projector2: Linear(c3→hidden, no bias) → BN1d → ReLU → Linear(hidden→embedding, no bias) (z)
 *
 * One encoder reads EEG (128 electrodes × 729 padded samples), a second one, identical in code,
 * reads the music (audio channels × 177,147 padded samples); names are prefixed `eeg.` / `music.`.
 */

export interface EncoderSpec {
  /** Output channels of the three convolutions (paper: 32, 64, 128). */
  convChannels: readonly [number, number, number];
  /** Width of both projectors' hidden layer (paper: 100). */
  hidden: number;
  /** Song classes (projector I output, 10). */
  classes: number;
  /** Embedding width (projector II output; the teacher's z, paper: 100). */
  embedding: number;
}

export interface InputSpec {
  /** Image height: EEG electrodes, or audio channels (1 = mono). */
  height: number;
  /** Image width after zero padding. */
  width: number;
}

export interface ModelPreset {
  name: string;
  /** What the preset is for; every preset but `paper` says how it differs from the paper. */
  description: string;
  /** True only for the paper's exact architecture and input sizes. */
  exact: boolean;
  encoder: EncoderSpec;
  eeg: InputSpec;
  music: InputSpec & {
    /** Audio decimation factor applied before padding (1 = 44.1 kHz as the paper). */
    decimation: number;
  };
}

const paperEncoder: EncoderSpec = { convChannels: [32, 64, 128], hidden: 100, classes: 10, embedding: 100 };

/** The presets. `paper` is exact; the others are smaller, for CPUs, and named as such. */
export const presets: Readonly<Record<'paper' | 'small', ModelPreset>> = Object.freeze({
  paper: {
    name: 'paper',
    description: 'PredANN as published: 32/64/128 channels, 100-d projectors, EEG 128×729, mono audio 1×177147 at 44.1 kHz',
    exact: true,
    encoder: paperEncoder,
    eeg: { height: 128, width: 729 },
    music: { height: 1, width: 177147, decimation: 1 },
  },
  small: {
    name: 'small',
    description:
      'CPU preset (not the paper): 8/16/32 channels, 32-d projectors, audio decimated ×9 to 4.9 kHz (3 s → 14,700 samples, padded to 3^9 = 19,683); EEG input as the paper',
    exact: false,
    encoder: { convChannels: [8, 16, 32], hidden: 32, classes: 10, embedding: 32 },
    eeg: { height: 128, width: 729 },
    music: { height: 1, width: 19683, decimation: 9 },
  },
});

export type TensorRole = 'parameter' | 'buffer';

export interface TensorSpec {
  /** PyTorch state-dict key, e.g. `eeg.sequential.0.weight`. */
  name: string;
  shape: number[];
  dtype: 'F32' | 'I64';
  role: TensorRole;
}

/** BatchNorm's five state-dict entries: affine parameters, then running statistics and counter. */
function batchNorm(prefix: string, channels: number): TensorSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [channels], dtype: 'F32', role: 'parameter' },
    { name: `${prefix}.bias`, shape: [channels], dtype: 'F32', role: 'parameter' },
    { name: `${prefix}.running_mean`, shape: [channels], dtype: 'F32', role: 'buffer' },
    { name: `${prefix}.running_var`, shape: [channels], dtype: 'F32', role: 'buffer' },
    { name: `${prefix}.num_batches_tracked`, shape: [], dtype: 'I64', role: 'buffer' },
  ];
}

/**
 * Every tensor of one encoder in state-dict order (`prefix` is `eeg` or `music`).
 *
 * @example
 * encoderTensors('eeg', presets.paper.encoder)[0]; // { name: 'eeg.sequential.0.weight', shape: [32, 1, 3, 3], … }
 */
export function encoderTensors(prefix: string, spec: EncoderSpec): TensorSpec[] {
  const [c1, c2, c3] = spec.convChannels;
  const conv = (index: number, cin: number, cout: number): TensorSpec[] => [
    { name: `${prefix}.sequential.${index}.weight`, shape: [cout, cin, 3, 3], dtype: 'F32', role: 'parameter' },
    { name: `${prefix}.sequential.${index}.bias`, shape: [cout], dtype: 'F32', role: 'parameter' },
  ];
  const projector = (index: 1 | 2, out: number): TensorSpec[] => [
    { name: `${prefix}.projector${index}.0.weight`, shape: [spec.hidden, c3], dtype: 'F32', role: 'parameter' },
    ...batchNorm(`${prefix}.projector${index}.1`, spec.hidden),
    { name: `${prefix}.projector${index}.3.weight`, shape: [out, spec.hidden], dtype: 'F32', role: 'parameter' },
  ];
  return [
    ...conv(0, 1, c1),
    ...batchNorm(`${prefix}.sequential.1`, c1),
    ...conv(3, c1, c2),
    ...batchNorm(`${prefix}.sequential.4`, c2),
    ...conv(6, c2, c3),
    ...batchNorm(`${prefix}.sequential.7`, c3),
    ...projector(1, spec.classes),
    ...projector(2, spec.embedding),
  ];
}

/** Both encoders' tensors: `eeg.*` then `music.*`. */
export function modelTensors(preset: ModelPreset): TensorSpec[] {
  return [...encoderTensors('eeg', preset.encoder), ...encoderTensors('music', preset.encoder)];
}

/** Number of trainable values of one encoder. */
export function encoderParameterCount(spec: EncoderSpec): number {
  return encoderTensors('x', spec)
    .filter((t) => t.role === 'parameter')
    .reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
