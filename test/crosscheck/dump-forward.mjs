// Writes what roundtrip_torch.py checks: a run's weights, random EEG inputs and predann's logits.
//   node test/crosscheck/dump-forward.mjs RUN_OR_WEIGHTS OUT_DIR
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encoderForwardEval, loadTrainedModel, writeSafetensors } from '../../dist/index.js';

const [source, out] = process.argv.slice(2);
const model = loadTrainedModel(source);
mkdirSync(out, { recursive: true });
copyFileSync(model.path, join(out, 'weights.safetensors'));
const { height, width } = model.preset.eeg;
let s = 7;
const eeg = Float32Array.from({ length: 4 * height * width }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 4 - 2);
const { logits } = await encoderForwardEval(model.weights, 'eeg', model.preset, eeg, { batch: 4, height, width });
writeSafetensors(join(out, 'inputs.safetensors'), new Map([
  ['eeg', { dtype: 'F32', shape: [4, height, width], data: eeg }],
  ['logits', { dtype: 'F32', shape: [4, model.preset.encoder.classes], data: logits }],
]));
console.log(`wrote ${out}/weights.safetensors and inputs.safetensors`);
