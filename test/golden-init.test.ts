/**
 * PyTorch's default initialisation, bit for bit (golden case a): `initialWeights(paper, 0)` is
 * `predann_2dcnn_init_seed0.safetensors`, and with seed 1 it reproduces the parts of the trained
 * checkpoint that never received a gradient (the music Projector II behind the stop-gradient, and
 * the music conv kernel rows 0 and 2 that only ever met zero padding).
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors } from '../src/io/safetensors.js';
import { presets } from '../src/model/model-spec.js';
import { TorchGenerator, initialWeights } from '../src/model/torch-init.js';
import { goldenDir } from './helpers.js';

const same = (a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

test('seed 0: every tensor equals predann_2dcnn_init_seed0.safetensors exactly', () => {
  const golden = readSafetensors(join(goldenDir, 'predann_2dcnn_init_seed0.safetensors')).tensors;
  const ours = initialWeights(presets.paper, 0);
  assert.equal([...ours.keys()].sort(), [...golden.keys()].sort());
  for (const [name, t] of golden) assert.ok(same(ours.get(name)!.data, t.data), `${name} differs`);
});

test('seed 1: the never-trained music Projector II and dead kernel rows of the trained checkpoint', () => {
  const trained = readSafetensors(join(goldenDir, 'predann_2dcnn_trained_seed1.safetensors')).tensors;
  const ours = initialWeights(presets.paper, 1);
  for (const name of ['music.projector2.0.weight', 'music.projector2.1.weight', 'music.projector2.1.bias', 'music.projector2.3.weight']) {
    assert.ok(same(ours.get(name)!.data, trained.get(name)!.data), `${name} differs`);
  }
  for (const conv of ['music.sequential.0.weight', 'music.sequential.3.weight', 'music.sequential.6.weight']) {
    const a = ours.get(conv)!.data as Float32Array;
    const b = trained.get(conv)!.data as Float32Array;
    for (let k = 0; k < a.length; k += 9) {
      for (const j of [0, 1, 2, 6, 7, 8]) assert.is(a[k + j], b[k + j], `${conv}[${k / 9}] row ${Math.floor(j / 3)}`);
    }
  }
});

test('the generator is MT19937 (init_genrand): the reference 10000th output for seed 5489', () => {
  // MT19937's published self-check: the 10000th output of the default seed 5489 is 4123659995.
  const gen = new TorchGenerator(5489);
  let y = 0;
  for (let i = 0; i < 10000; i++) y = gen.random();
  assert.is(y, 4123659995);
});

test.run();
