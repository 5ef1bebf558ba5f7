// Golden case (b): the official normalize_EEG_4 + F.pad on 8 clips of 128×375 (sklearn RobustScaler
// in float64, torch.clamp, zero padding). The README says an implementation of its recipe matches
// exactly, so every engine must reproduce output, center and scale to the bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../src/native.js';
import { preprocessClips, type ClipEngine } from '../src/data/clip-preprocess.js';
import { readGoldenJson, readGoldenSafetensors } from './helpers.js';

const golden = readGoldenSafetensors('b_preprocess.safetensors');
const manifest = readGoldenJson('manifest.json').cases.b_preprocess;
const raw = golden.get('raw')!;
const [count, channels, length] = raw.shape;
const expected = {
  output: golden.get('output')!.data as Float32Array,
  center: golden.get('center')!.data as Float64Array,
  scale: golden.get('scale')!.data as Float64Array,
};

const engines: ClipEngine[] = ['fast', 'reference'];
if (native.buildInfo().cudaDevices.length > 0) engines.push('cuda');

/** Exact equality, bit for bit, naming the first differing element. */
function assertIdentical(actual: Float32Array | Float64Array, want: Float32Array | Float64Array, what: string): void {
  assert.is(actual.length, want.length, `${what}: length`);
  const bits = (a: Float32Array | Float64Array) =>
    a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const a = bits(actual), b = bits(want);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.unreachable(`${what}: first difference at [${i}]: ${actual[i]} vs golden ${want[i]}`);
  }
}

for (const engine of engines) {
  test(`case (b) ${engine}: output, center and scale equal the golden values exactly`, async () => {
    assert.equal(golden.get('output')!.shape, [count, channels, 729]);
    const result = await preprocessClips(raw.data as Float32Array, { count, channels, length }, { engine, stats: true });
    assert.is(result.engine, engine);
    assertIdentical(result.output, expected.output, `${engine} output`);
    assertIdentical(result.center!, expected.center, `${engine} center`);
    assertIdentical(result.scale!, expected.scale, `${engine} scale`);
  });
}

test('case (b): the counts the manifest states (clamped values, channels with scale replaced by 1)', async () => {
  const result = await preprocessClips(raw.data as Float32Array, { count, channels, length }, { stats: true });
  const clamped = result.output.filter((v) => Math.abs(v) === 20).length;
  const replaced = result.scale!.filter((s) => s === 1).length;
  assert.is(clamped, manifest.n_values_clamped);
  assert.is(replaced, manifest.n_channels_scale_replaced_by_1);
});

test("case (b): the README's edge channels (constant, all zeros, IQR 0 but not constant)", async () => {
  const result = await preprocessClips(raw.data as Float32Array, { count, channels, length }, { stats: true });
  const row = (clip: number, ch: number) => clip * channels + ch;
  const body = (r: number) => result.output.subarray(r * 729 + 177, r * 729 + 177 + length);
  for (const r of [row(0, 127), row(1, 5)]) {
    assert.is(result.scale![r], 1, `row ${r}: scale`);
    assert.ok(body(r).every((v) => v === 0), `row ${r}: all zeros`);
  }
  const r = row(2, 10);
  assert.is(result.scale![r], 1);
  const x = (raw.data as Float32Array).subarray(r * length, (r + 1) * length);
  assert.equal(Array.from(body(r)), Array.from(x, (v) => Math.min(Math.max(Math.fround(v - result.center![r]), -20), 20)));
});

test.run();
