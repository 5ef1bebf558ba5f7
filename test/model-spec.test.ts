import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { encoderParameterCount, modelTensors, presets } from '../src/model/model-spec.js';
import { checkWeights, loadWeights, saveWeights } from '../src/model/weights.js';
import { assertThrows, goldenDir, tempDir } from './helpers.js';

const golden = (name: string) => join(goldenDir, name);

test('the paper preset names and shapes every tensor exactly as the official state dict', () => {
  for (const file of ['predann_2dcnn_trained_seed1.safetensors', 'predann_2dcnn_init_seed0.safetensors']) {
    const { tensors } = readSafetensors(golden(file));
    const spec = modelTensors(presets.paper);
    assert.equal(spec.map((s) => s.name).sort(), [...tensors.keys()].sort(), file);
    for (const s of spec) {
      assert.equal(tensors.get(s.name)!.shape, s.shape, s.name);
      assert.is(tensors.get(s.name)!.dtype, s.dtype, s.name);
    }
  }
});

test('parameter count: the spec agrees with the trainable tensors of the golden file', () => {
  const { tensors } = readSafetensors(golden('predann_2dcnn_trained_seed1.safetensors'));
  const trainable = [...tensors.entries()].filter(([n]) => n.startsWith('eeg.') && !/running_|num_batches/.test(n));
  assert.is(encoderParameterCount(presets.paper.encoder), trainable.reduce((s, [, t]) => s + t.data.length, 0));
});

test('loadWeights checks the preset; saveWeights writes state-dict order and round-trips', () => {
  const weights = loadWeights(golden('predann_2dcnn_trained_seed1.safetensors'), presets.paper);
  assertThrows(() => loadWeights(golden('predann_2dcnn_trained_seed1.safetensors'), presets.small), InputError, /eeg\.sequential\.0\.weight: has shape \[32, 1, 3, 3\], expected \[8, 1, 3, 3\] for the small preset/);
  const { dir, cleanup } = tempDir();
  try {
    saveWeights(join(dir, 'w.safetensors'), weights, presets.paper, { run: 'test' });
    const back = readSafetensors(join(dir, 'w.safetensors'));
    assert.equal(back.metadata, { preset: 'paper', preset_spec: JSON.stringify(presets.paper), run: 'test' });
    assert.equal([...back.tensors.keys()], modelTensors(presets.paper).map((s) => s.name));
  } finally {
    cleanup();
  }
});

test('missing, mistyped and extra tensors are named', () => {
  const weights = loadWeights(golden('predann_2dcnn_init_seed0.safetensors'), presets.paper);
  const missing = new Map(weights);
  missing.delete('music.projector2.3.weight');
  assertThrows(() => checkWeights(missing, presets.paper, 'w.st'), InputError, /w\.st: music\.projector2\.3\.weight: missing/);
  const extra = new Map(weights).set('eeg.fc.weight', weights.get('eeg.projector1.3.weight')!);
  assertThrows(() => checkWeights(extra, presets.paper, 'w.st'), InputError, 'w.st: eeg.fc.weight: is not a tensor of the paper preset');
  const retyped = new Map(weights).set('eeg.sequential.1.num_batches_tracked', { dtype: 'F32', shape: [], data: new Float32Array(1) });
  assertThrows(() => checkWeights(retyped, presets.paper, 'w.st'), InputError, 'w.st: eeg.sequential.1.num_batches_tracked: is F32, expected I64');
});

test.run();
