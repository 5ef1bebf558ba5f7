/**
 * Golden case d: eval-mode forward of the trained checkpoint (EEG on the case-b clips, music on
 * two padded 3-s clips) against PyTorch's float64 run, within 1e-5 · max|golden_f64| per tensor
 * (the golden README's tolerance for a float32 implementation).
 */
import { join } from 'node:path';
import { test } from 'uvu';
import { presets } from '../src/model/model-spec.js';
import { loadWeights } from '../src/model/weights.js';
import { encoderForwardEval } from '../src/model/encoder.js';
import { assertClose, goldenDir, maxAbs, readGoldenSafetensors } from './helpers.js';

const weights = loadWeights(join(goldenDir, 'predann_2dcnn_trained_seed1.safetensors'), presets.paper);
const golden = readGoldenSafetensors('d_forward_eval.safetensors');

for (const [branch, prefix] of [['eeg', 'eeg'], ['music', 'audio']] as const) {
  test(`case d: ${branch} encoder, eval mode, matches PyTorch float64 within 1e-5·max`, async () => {
    const input = golden.get(`${prefix}_input`)!;
    const [batch, height, width] = input.shape;
    const out = await encoderForwardEval(weights, branch, presets.paper, input.data as Float32Array, { batch, height, width });
    for (const [name, actual] of [['feat', out.feature], ['logits', out.logits], ['z', out.z]] as const) {
      const expected = golden.get(`${prefix}_${name}_f64`)!.data as Float64Array;
      assertClose(actual, expected, { atol: 1e-5 * maxAbs(expected), what: `${prefix}_${name}` });
    }
  });
}

test.run();
