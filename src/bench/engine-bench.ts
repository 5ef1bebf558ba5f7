/**
 * The engine on the paper preset: one training step at batch 8 (forward and backward of both
 * encoders, the three losses, Adam) and the EEG encoder's eval forward at batch 48, beside the
 * issue's reference figures on a 2-core machine of this kind (PyTorch 1.13 CPU, 2 threads) and
 * the measured fp32 FMA peak.
 */
import { presets } from '../model/model-spec.js';
import { initialWeights } from '../model/torch-init.js';
import { encoderForwardEval } from '../model/encoder.js';
import { adamState, adamStep, defaultTrainStepConfig, detachedTensors, trainStep, zeroGradients } from '../model/train-step.js';
import type { BenchOptions, BenchRow } from './bench-row.js';
import { bestOf } from './bench-row.js';
import { measuredPeakGflops } from './peak-bench.js';

const preset = presets.paper;
const EEG = { height: 128, width: 729 };
const AUDIO = { height: 1, width: 177147 };
const convFlops = (n: number, h: number, w: number, rows: number) => {
  const [c1, c2, c3] = preset.encoder.convChannels;
  return 2 * n * h * w * rows * 3 * (1 * c1 + c1 * c2 + c2 * c3); // rows: kernel rows that meet data (3, or 1 when H = 1)
};

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
  const train = await bestOf(2, async () => {
    zeroGradients(preset, grads);
    await trainStep(weights, grads, batch, preset, { ...defaultTrainStepConfig, dropoutStep: step++ });
    await adamStep(weights, grads, state, { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, frozen);
  });
  const trainFlops = 3 * (convFlops(nTrain, EEG.height, EEG.width, 3) + convFlops(nTrain, AUDIO.height, AUDIO.width, 1));
  rows.push({
    name: `train step, paper preset, batch ${nTrain} (warm; peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(1)} GiB vs PyTorch 6.8)`,
    seconds: train,
    throughput: `${(trainFlops / train / 1e9).toFixed(0)} GFLOP/s conv (${((100 * trainFlops) / train / 1e9 / peak).toFixed(0)}% of ${peak.toFixed(0)} peak)`,
    floorSeconds: trainFlops / (peak * 1e9),
    floorNote: 'conv FLOPs at the measured FMA peak',
    ...(nTrain === 8 ? { referenceSeconds: 15.1, referenceLabel: 'PyTorch 1.13 (79 GFLOP/s)' } : {}),
  });

  const nEval = opts.quick ? 4 : 48;
  const clips = noise(nEval * EEG.height * EEG.width);
  const evalTime = await bestOf(1, () => encoderForwardEval(weights, 'eeg', preset, clips, { batch: nEval, ...EEG }));
  const evalFlops = convFlops(nEval, EEG.height, EEG.width, 3);
  rows.push({
    name: `EEG encoder eval forward, batch ${nEval}`,
    seconds: evalTime,
    throughput: `${(evalFlops / evalTime / 1e9).toFixed(0)} GFLOP/s (${((100 * evalFlops) / evalTime / 1e9 / peak).toFixed(0)}% of peak)`,
    floorSeconds: evalFlops / (peak * 1e9),
    floorNote: 'conv FLOPs at the measured FMA peak',
    ...(nEval === 48 ? { referenceSeconds: 2.05, referenceLabel: 'onnxruntime-node 1.30 (PyTorch: 7.6 s)' } : {}),
  });
  return rows;
}
