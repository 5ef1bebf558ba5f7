// Golden case f: the official PredANN InfoNCE loss (B = 48, D = 100, stop-gradient on the music
// side) at τ = 0.5 and 0.1, value and gradient w.r.t. z_eeg, for both engines, with the README's
// float32 tolerances: loss relative 1e-6, gradient 1e-5 · max|grad|. The losses of case e's
// training step (batch 4: two cross-entropies and the InfoNCE on the step's own outputs) check
// crossEntropy and a second batch size. Every expected value comes from the golden files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crossEntropy, infoNce, type LossEngine } from '../src/model/losses.js';
import { assertClose, maxAbs, readGoldenJson, readGoldenSafetensors } from './helpers.js';

const golden = readGoldenSafetensors('f_infonce.safetensors');
const manifest = readGoldenJson('manifest.json').cases;
const caseF = manifest.f_infonce;
const zEeg = golden.get('z_eeg')!.data as Float32Array;
const zMusic = golden.get('z_music')!.data as Float32Array;
const [batch, dim] = golden.get('z_eeg')!.shape;
const engines: LossEngine[] = ['fast', 'reference'];

/** Asserts that the promise rejects with an instance of `cls` whose message is `message`. */
async function assertRejects(promise: Promise<unknown>, cls: new (...args: any[]) => Error, message: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, cls, `expected ${cls.name}, got ${String(err)}`);
    assert.is((err as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${cls.name}: ${message}`);
}

/** |actual − expected| ≤ rtol · |expected| for one number, naming what it is. */
function assertRelative(actual: number, expected: number, rtol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected), `${what}: ${actual} vs ${expected} (rtol ${rtol})`);
}

test('case f: the golden shapes and settings', () => {
  assert.equal([batch, dim], [caseF.batch_size, caseF.dim]);
  assert.equal(golden.get('z_music')!.shape, [batch, dim]);
  assert.is(caseF.detach_music, true);
});

for (const tag of ['tau0p5', 'tau0p1']) {
  const expected = caseF.results[tag];
  const gradF64 = golden.get(`grad_z_eeg_${tag}_f64`)!.data as Float64Array;
  const gradF32 = golden.get(`grad_z_eeg_${tag}`)!.data as Float32Array;
  for (const engine of engines) {
    test(`case f, τ = ${expected.temperature}, ${engine}: loss and dz_eeg match PyTorch`, async () => {
      const result = await infoNce(zEeg, zMusic, { batch, dim, temperature: expected.temperature, detach: true, engine });
      assert.is(result.dMusic, undefined, 'no music gradient with the stop-gradient');
      assertRelative(result.loss, expected.loss_f64, 1e-6, 'loss vs float64');
      assertRelative(result.loss, expected.loss, 1e-6, 'loss vs PyTorch float32');
      const atol = 1e-5 * maxAbs(gradF64);
      assertClose(result.dEeg, gradF64, { atol, what: 'dEeg vs float64' });
      assertClose(result.dEeg, gradF32, { atol, what: 'dEeg vs PyTorch float32' });
    });
  }
  test(`case f, τ = ${expected.temperature}: without detach, the same loss and dz_eeg, and a music gradient`, async () => {
    const temperature = expected.temperature;
    const detached = await infoNce(zEeg, zMusic, { batch, dim, temperature });
    const both = await infoNce(zEeg, zMusic, { batch, dim, temperature, detach: false });
    assert.is(both.loss, detached.loss);
    assertClose(both.dEeg, detached.dEeg, { what: 'dEeg with and without detach' });
    assert.ok(both.dMusic instanceof Float32Array && both.dMusic.length === batch * dim);
    assert.ok(maxAbs(both.dMusic) > 0);
    const reference = await infoNce(zEeg, zMusic, { batch, dim, temperature, detach: false, engine: 'reference' });
    assertClose(both.dMusic, reference.dMusic!, { atol: 1e-5 * maxAbs(reference.dMusic!), what: 'dMusic fast vs reference' });
  });
}

// Case e (short-audio file): the step's forward outputs and the losses PyTorch computed from them.
const stepGolden = readGoldenSafetensors('e_train_step_short_audio.safetensors');
const step = manifest.e_train_step_short_audio;
const stepLabels = Int32Array.from(stepGolden.get('labels')!.data as BigInt64Array, Number);
const stepBatch = stepLabels.length;

for (const engine of engines) {
  test(`case e losses, ${engine}: crossEntropy on the step's logits and infoNce on its embeddings`, async () => {
    for (const [branch, key] of [['eeg', 'L_clsE'], ['music', 'L_clsM']] as const) {
      const logits = stepGolden.get(`fwd.y_${branch}`)!.data as Float32Array;
      const { loss, dLogits } = await crossEntropy(logits, stepLabels, { batch: stepBatch, classes: 10, engine });
      assertRelative(loss, step.losses_f32[key], 1e-6, `${key} vs PyTorch float32`);
      assert.is(dLogits.length, stepBatch * 10);
      // Each row of (softmax − onehot)/N sums to 0.
      for (let n = 0; n < stepBatch; n++) {
        const rowSum = dLogits.subarray(n * 10, n * 10 + 10).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(rowSum) < 1e-7, `${key} dLogits row ${n} sums to ${rowSum}`);
      }
    }
    const z = (branch: string) => stepGolden.get(`fwd.z_${branch}`)!.data as Float32Array;
    const { loss } = await infoNce(z('eeg'), z('music'), { batch: stepBatch, dim: 100, temperature: 0.5, engine });
    assertRelative(loss, step.losses_f32.L_PredANN, 1e-6, 'L_PredANN vs PyTorch float32');
  });
}

test('infoNce and crossEntropy reject bad calls with the standard messages', async () => {
  const z = new Float32Array(8);
  await assertRejects(infoNce(z, z, { batch: 1, dim: 8 }), RangeError, 'Expected integer between 2 and 1048576 for options.batch but received 1 of type number');
  await assertRejects(infoNce(z, z, { batch: 2, dim: 3 }), RangeError, 'Expected 6 elements for zEeg but received 8');
  await assertRejects(infoNce(z, z, { batch: 2, dim: 4, temperature: 0 }), RangeError, 'Expected finite number above 0 for options.temperature but received 0 of type number');
  await assertRejects(infoNce(z, new Float64Array(8) as any, { batch: 2, dim: 4 }), TypeError, 'Expected Float32Array for zMusic but received a value of type Float64Array');
  await assertRejects(infoNce(z, z, { batch: 2, dim: 4, engine: 'cuda' as any }), RangeError, 'Expected one of fast, reference for options.engine but received "cuda" of type string');
  const logits = new Float32Array(6);
  await assertRejects(crossEntropy(logits, new Int32Array([0, 3]), { batch: 2, classes: 3 }), RangeError, 'Expected integer between 0 and 2 for labels[1] but received 3 of type number');
  await assertRejects(crossEntropy(logits, [0, 1] as any, { batch: 2, classes: 3 }), TypeError, 'Expected Int32Array for labels but received a value of type object');
});

test.run();
