/**
 * Golden case e: one full PredANN training step from the seed-0 weights (dropout 0, BatchNorm
 * in train mode, λ = 0.05, τ = 0.5, stop-gradient, Adam lr 3e-3), for both the short-audio and
 * the full-length variant, checked as the golden README recommends for float32 code:
 * forward and losses within 1e-5 relative of the float64 run; gradients within 1e-4·max (projector
 * tensors) or 5 × PyTorch's own float32 noise (conv and BatchNorm tensors), conv biases (true
 * gradient 0) only |g| ≤ 0.1, music kernel rows 0 and 2 exactly 0; Adam's update exact against our
 * own gradient; parameters after the step within 2e-7 where the gradient is robust; BatchNorm
 * buffers within 1e-5·max. Every expected value and noise level comes from the golden files.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { presets } from '../src/model/model-spec.js';
import { loadWeights } from '../src/model/weights.js';
import { adamState, adamStep, defaultTrainStepConfig, detachedTensors, trainStep, trainableNames, zeroGradients } from '../src/model/train-step.js';
import { assertClose, goldenDir, maxAbs, readGoldenJson, readGoldenSafetensors } from './helpers.js';

const preset = presets.paper;
const manifest = readGoldenJson('manifest.json');
const conf = { ...defaultTrainStepConfig, dropout: 0 }; // the golden step disables dropout to be deterministic
const adam = { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
/** Spacing of float32 values near x > 0. */
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 23);

for (const [file, caseName] of [
  ['e_train_step_short_audio.safetensors', 'e_train_step_short_audio'],
  ['e_train_step.safetensors', 'e_train_step'],
] as const) {
  test(`case e (${caseName}): losses, forward, gradients, Adam step, buffers`, async () => {
    const g = readGoldenSafetensors(file);
    const meta = manifest.cases[caseName];
    const weights = loadWeights(join(goldenDir, 'predann_2dcnn_init_seed0.safetensors'), preset);
    const before = new Map([...weights].map(([k, t]) => [k, (t.data as Float32Array).slice()]));
    const eeg = g.get('eeg_input')!;
    const music = g.get('audio_input')!;
    const labels = Int32Array.from(g.get('labels')!.data as BigInt64Array, Number);
    const grads = zeroGradients(preset);
    const r = await trainStep(weights, grads, {
      eeg: eeg.data as Float32Array, eegShape: eeg.shape as [number, number, number],
      music: music.data as Float32Array, musicShape: music.shape as [number, number, number], labels,
    }, preset, conf);

    // 1. losses and forward outputs
    const l64 = meta.losses_f64;
    for (const [ours, ref] of [[r.lossEeg, l64.L_clsE], [r.lossMusic, l64.L_clsM], [r.lossPredann, l64.L_PredANN], [r.total, l64.total]]) {
      assert.ok(Math.abs(ours - ref) <= 1e-5 * Math.abs(ref), `loss ${ours} vs ${ref}`);
    }
    for (const [name, ours] of [['y_eeg', r.logitsEeg], ['z_eeg', r.zEeg], ['y_music', r.logitsMusic], ['z_music', r.zMusic]] as const) {
      const ref = g.get(`fwd_f64.${name}`)!.data as Float64Array;
      assertClose(ours, ref, { atol: 1e-5 * maxAbs(ref), what: `fwd.${name}` });
    }

    // 2. gradients
    const frozen = detachedTensors(preset);
    for (const name of trainableNames(preset)) {
      const ours = grads.get(name)!;
      if (frozen.has(name)) {
        assert.ok(ours.every((v) => v === 0), `${name} must get no gradient`);
        assert.not.ok(g.has(`grad_f64.${name}`));
        continue;
      }
      const ref = g.get(`grad_f64.${name}`)!.data as Float64Array;
      if (/sequential\.[036]\.bias$/.test(name)) {
        assert.ok(maxAbs(ours) <= 0.1, `${name}: true gradient 0, got max |g| ${maxAbs(ours)}`);
      } else if (name.includes('projector')) {
        assertClose(ours, ref, { atol: 1e-4 * maxAbs(ref), what: `grad.${name}` });
      } else {
        assertClose(ours, ref, { atol: 5 * meta.grad_f32_vs_f64[name].max_abs, what: `grad.${name}` });
      }
      if (name.startsWith('music.sequential.') && name.endsWith('.weight') && ours.length % 9 === 0 && !/sequential\.[147]/.test(name)) {
        for (let k = 0; k < ours.length; k += 9) for (const j of [0, 1, 2, 6, 7, 8]) assert.is(ours[k + j], 0, `${name}[${k / 9}] dead row`);
      }
    }

    // 3–4. Adam: exact against our own gradient; close to the float64 run where the gradient is robust
    const state = adamState(preset);
    await adamStep(weights, grads, state, adam, frozen);
    for (const name of trainableNames(preset)) {
      const p0 = before.get(name)!, p1 = weights.get(name)!.data as Float32Array, gr = grads.get(name)!;
      for (let i = 0; i < p1.length; i++) {
        const expected = frozen.has(name) ? p0[i] : Math.fround(p0[i] - (adam.lr * gr[i]) / (Math.abs(gr[i]) + adam.eps));
        // The float32 update passes through six roundings (m, v, sqrt, divide, scale, subtract)
        // that this one-rounding formula skips, a few ulp of lr (observed ≤ 4); 1e-6·lr bounds
        // that and still fails any wrong formula (a wrong bias correction moves Δ by ≥ 5 %).
        const ulps = Math.max(1e-6 * adam.lr, 2 * ulp(Math.abs(expected) || adam.lr));
        assert.ok(Math.abs(p1[i] - expected) <= ulps, `${name}[${i}]: ${p1[i]} vs own-gradient Adam ${expected}`);
      }
      if (frozen.has(name)) continue;
      const ref = g.get(`param_after_f64.${name}`)!.data as Float64Array;
      const gref = g.get(`grad_f64.${name}`)!.data as Float64Array;
      const noise = meta.grad_f32_vs_f64[name].max_abs;
      for (let i = 0; i < p1.length; i++) {
        if (Math.abs(gref[i]) > Math.max(10 * noise, 1e-5)) assert.ok(Math.abs(p1[i] - ref[i]) <= 2e-7, `param_after ${name}[${i}]: ${p1[i]} vs ${ref[i]}`);
        else assert.ok(Math.abs(p1[i] - p0[i]) <= 0.003 + 1e-6, `${name}[${i}] moved ${p1[i] - p0[i]}`);
      }
    }

    // 5. BatchNorm buffers after the forward pass
    for (const [key, t] of g) {
      if (!key.startsWith('buffer_after_f64.')) continue;
      const name = key.slice('buffer_after_f64.'.length);
      const ours = weights.get(name)!.data;
      if (name.endsWith('num_batches_tracked')) assert.is((ours as BigInt64Array)[0], 1n, name);
      else assertClose(ours as Float32Array, t.data as Float64Array, { atol: 1e-5 * maxAbs(t.data as Float64Array), what: name });
    }
  });
}

test.run();
