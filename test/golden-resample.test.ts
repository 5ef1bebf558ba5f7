// Golden case (c): scipy.signal.resample(float64(x), int(T/8), axis=1) on (128, T) float32 EEG-like
// inputs, T = 6001 (odd → even num) and 4008 (even → odd num), both factor lengths with a large
// prime (353, 167). The README's tolerance for float64 code is atol 1e-9·max|y|.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resample, type ResampleEngine } from '../src/dsp/resample.js';
import { assertClose, maxAbs, readGoldenJson, readGoldenSafetensors } from './helpers.js';

const golden = readGoldenSafetensors('c_resample.safetensors');
const cases: { T: number; num: number; input: string; output: string }[] = readGoldenJson('manifest.json').cases.c_resample.cases;
const engines: ResampleEngine[] = ['fast', 'reference'];
const relativeTolerance = 1e-9;

/** (channels, samples) → (samples, channels). */
function transpose(x: Float32Array, channels: number, samples: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let c = 0; c < channels; c++) for (let t = 0; t < samples; t++) y[t * channels + c] = x[c * samples + t];
  return y;
}

for (const { T, num, input, output } of cases) {
  const x = golden.get(input)!;
  const y = golden.get(output)!;
  const [channels, samples] = x.shape;

  test(`case (c) ${input} → ${output}: shapes and the int(T/8) rule`, () => {
    assert.is(x.dtype, 'F32');
    assert.is(y.dtype, 'F64');
    assert.equal(x.shape, [128, T]);
    assert.equal(y.shape, [128, num]);
    assert.is(num, Math.trunc(T / 8));
  });

  for (const engine of engines) {
    test(`case (c) ${input} → ${output}, ${engine}: within 1e-9·max|y| of scipy`, async () => {
      const result = await resample(x.data as Float32Array, { channels, samples }, num, { engine });
      assertClose(result, y.data as Float64Array, {
        atol: relativeTolerance * maxAbs(y.data as Float64Array),
        what: `${engine} ${output}`,
      });
    });
  }

  test(`case (c) ${input} → ${output}, fast, time-major (the ingest's layout): within 1e-9·max|y|`, async () => {
    const xt = transpose(x.data as Float32Array, channels, samples);
    const result = await resample(xt, { channels, samples }, num, { timeMajor: true });
    assertClose(result, y.data as Float64Array, { atol: relativeTolerance * maxAbs(y.data as Float64Array), what: output });
  });
}

test.run();
