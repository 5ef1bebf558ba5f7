/**
 * The engine on the paper preset: one training step at batch 8 (forward and backward of both
 * encoders, the three losses, Adam) with its time split by layer from the step's own profile, and
 * the EEG encoder's eval forward at batch 48, beside the reference figures on a 2-core
 * machine of this kind (PyTorch 1.13 CPU, 2 threads) and the measured fp32 FMA peak.
 */
import { presets } from '../model/model-spec.js';
import { initialWeights } from '../model/torch-init.js';
import { encoderForwardEval } from '../model/encoder.js';
import { adamState, adamStep, defaultTrainStepConfig, detachedTensors, trainStep, zeroGradients, type TrainStepResult } from '../model/train-step.js';
import type { BenchOptions, BenchRow } from './bench-row.js';
import { bestOf } from './bench-row.js';
import { measuredPeakGflops } from './peak-bench.js';

const preset = presets.paper;
const EEG = { height: 128, width: 729 };
const AUDIO = { height: 1, width: 177147 };

/**
 * Useful FLOPs (multiply-adds × 2) of conv layer `layer` (0-based) forward for n images of h × w:
 * with h = 1 only the middle kernel row meets data.
 */
function layerFlops(layer: number, n: number, h: number, w: number): number {
  const channels = [1, ...preset.encoder.convChannels];
  return 2 * n * h * w * (h === 1 ? 3 : 9) * channels[layer] * channels[layer + 1];
}
const convFlops = (n: number, h: number, w: number) => [0, 1, 2].reduce((t, l) => t + layerFlops(l, n, h, w), 0);

const gflops = (flops: number, seconds: number, peak: number) =>
  `${(flops / seconds / 1e9).toFixed(0)} GFLOP/s (${((100 * flops) / seconds / 1e9 / peak).toFixed(0)}% of ${peak.toFixed(0)} peak)`;

/** One row per conv layer and direction of each encoder, and one for everything else, from a step's profile. */
function layerRows(profile: TrainStepResult['profile'], n: number, peak: number): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [branch, shape] of [['eeg', EEG], ['music', AUDIO]] as const) {
    const p = profile[branch];
    for (let layer = 0; layer < 3; layer++) {
      const forward = layerFlops(layer, n, shape.height, shape.width);
      const backward = layer === 0 ? forward : 2 * forward; // dW, and dX from the second layer on
      rows.push({ name: `  ${branch} conv${layer + 1} forward`, seconds: p.convForward[layer], throughput: gflops(forward, p.convForward[layer], peak) });
      rows.push({ name: `  ${branch} conv${layer + 1} backward${layer === 0 ? ' (dW only)' : ''}`, seconds: p.convBackward[layer], throughput: gflops(backward, p.convBackward[layer], peak) });
    }
    rows.push({ name: `  ${branch} BatchNorm, ReLU, dropout, pool, projectors forward`, seconds: p.otherForward, throughput: '' });
    rows.push({ name: `  ${branch} … backward (and recomputations)`, seconds: p.otherBackward, throughput: '' });
  }
  return rows;
}

function noise(n: number): Float32Array {
  let s = 1;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const peak = await measuredPeakGflops(opts.quick);
  const weights = initialWeights(preset, 0);
  const rows: BenchRow[] = [];

  const nTrain = opts.quick ? 2 : 8;
  const batch = {
    eeg: noise(nTrain * EEG.height * EEG.width), eegShape: [nTrain, EEG.height, EEG.width] as [number, number, number],
    music: noise(nTrain * AUDIO.width), musicShape: [nTrain, AUDIO.height, AUDIO.width] as [number, number, number],
    labels: Int32Array.from({ length: nTrain }, (_, i) => i % 10),
  };
  const grads = zeroGradients(preset);
  const state = adamState(preset);
  const frozen = detachedTensors(preset);
  let step = 0;
  let fastest: { seconds: number; result?: TrainStepResult } = { seconds: Infinity };
  const train = await bestOf(2, async () => {
    const t0 = performance.now();
    zeroGradients(preset, grads);
    const result = await trainStep(weights, grads, batch, preset, { ...defaultTrainStepConfig, dropoutStep: step++ });
    await adamStep(weights, grads, state, { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, frozen);
    const seconds = (performance.now() - t0) / 1000;
    if (seconds < fastest.seconds) fastest = { seconds, result };
  });
  // Forward, input gradient and weight gradient: 3× the forward FLOPs (the first layer has no input gradient; counted anyway, as the reference's figure does).
  const trainFlops = 3 * (convFlops(nTrain, EEG.height, EEG.width) + convFlops(nTrain, AUDIO.height, AUDIO.width));
  rows.push({
    name: `train step, paper preset, batch ${nTrain} (warm; peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(1)} GiB vs PyTorch 6.8)`,
    seconds: train,
    throughput: `${gflops(trainFlops, train, peak)} conv`,
    floorSeconds: trainFlops / (peak * 1e9),
    floorNote: 'conv FLOPs at the measured FMA peak',
    ...(nTrain === 8 ? { referenceSeconds: 15.1, referenceLabel: 'PyTorch 1.13 (79 GFLOP/s)' } : {}),
  });
  if (fastest.result) rows.push(...layerRows(fastest.result.profile, nTrain, peak));

  const nEval = opts.quick ? 4 : 48;
  const clips = noise(nEval * EEG.height * EEG.width);
  const evalTime = await bestOf(3, () => encoderForwardEval(weights, 'eeg', preset, clips, { batch: nEval, ...EEG }));
  const evalFlops = convFlops(nEval, EEG.height, EEG.width);
  rows.push({
    name: `EEG encoder eval forward, batch ${nEval} (predann eval's inner loop)`,
    seconds: evalTime,
    throughput: `${(nEval / evalTime).toFixed(1)} clips/s, ${gflops(evalFlops, evalTime, peak)}`,
    floorSeconds: evalFlops / (peak * 1e9),
    floorNote: 'conv FLOPs at the measured FMA peak',
    ...(nEval === 48 ? { referenceSeconds: 2.05, referenceLabel: 'onnxruntime-node 1.30 (PyTorch: 7.6 s)' } : {}),
  });
  return rows;
}
