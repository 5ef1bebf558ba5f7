/**
 * Golden case j: the official PredANN Lightning checkpoint, as distributed, imports bit for bit
 * into the tensors of case a (`predann_2dcnn_trained_seed1.safetensors`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../src/cli/commands/import.js';
import { InputError } from '../src/errors.js';
import { importTorchCheckpoint, readTorchCheckpoint } from '../src/import/torch-checkpoint.js';
import { readSafetensors, type Tensor } from '../src/io/safetensors.js';
import { assertThrows, goldenDir, readGoldenSafetensors, tempDir } from './helpers.js';

const CKPT = join(goldenDir, 'official_predann_2dcnn_seed1_epoch5999.ckpt');
const EXPECTED = 'predann_2dcnn_trained_seed1.safetensors';

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

test('the official checkpoint imports bit-identically to predann_2dcnn_trained_seed1, in well under a second', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'trained.safetensors');
    const started = performance.now();
    const summary = importTorchCheckpoint({ input: CKPT, out });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `import took ${ms.toFixed(0)} ms`);
    const expected = readGoldenSafetensors(EXPECTED);
    const { tensors, metadata } = readSafetensors(out);
    assert.equal([...tensors.keys()].sort(), [...expected.keys()].sort());
    for (const [name, want] of expected) {
      const got = tensors.get(name)!;
      assert.is(got.dtype, want.dtype, `${name} dtype`);
      assert.equal(got.shape, want.shape, `${name} shape`);
      assert.equal(bytesOf(got), bytesOf(want), `${name} bytes`);
    }
    assert.is(summary.tensors, expected.size);
    assert.equal(summary.mapping, [
      { from: 'encoder_raw_e.', to: 'eeg.', tensors: 35 },
      { from: 'encoder_clean_e.', to: 'music.', tensors: 35 },
    ]);
    assert.equal(summary.skipped, []);
    assert.is(metadata.source, 'official_predann_2dcnn_seed1_epoch5999.ckpt');
    assert.is(metadata.mapping, 'encoder_raw_e.→eeg., encoder_clean_e.→music.');
    assert.is(metadata['source-state-dict'], 'state_dict');
  } finally {
    cleanup();
  }
});

test('the Lightning bookkeeping around the state dict reads as data (counters agree with the golden file)', () => {
  const ckpt = readTorchCheckpoint(CKPT);
  const counter = readGoldenSafetensors(EXPECTED).get('eeg.sequential.1.num_batches_tracked')!;
  assert.is(ckpt.lightning.globalStep, Number((counter.data as BigInt64Array)[0]));
  assert.is(ckpt.stateDict.size, readGoldenSafetensors(EXPECTED).size);
  const hparams = (ckpt.root as Map<unknown, unknown>).get('hyper_parameters');
  assert.instance(hparams, Map);
});

test('the CLI verb writes the same file and prints a JSON summary', async () => {
  const { dir, cleanup } = tempDir();
  const write = process.stdout.write;
  let printed = '';
  try {
    const out = join(dir, 'w.safetensors');
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    await handler({ torch: CKPT, out, preset: 'paper', json: true, quiet: false, verbose: false, _: [], $0: 'predann' });
    process.stdout.write = write;
    const summary = JSON.parse(printed);
    assert.is(summary.tensors, 70);
    assert.is(summary.out, out);
    const expected = readGoldenSafetensors(EXPECTED);
    for (const [name, t] of readSafetensors(out).tensors) assert.equal(bytesOf(t), bytesOf(expected.get(name)!), name);
  } finally {
    process.stdout.write = write;
    cleanup();
  }
});

test('the official checkpoint cut in half, or with one storage byte flipped, is refused and nothing is written', () => {
  const { dir, cleanup } = tempDir();
  try {
    const whole = readFileSync(CKPT);
    const half = join(dir, 'half.ckpt');
    writeFileSync(half, whole.subarray(0, whole.length >> 1));
    const out = join(dir, 'w.safetensors');
    assertThrows(() => importTorchCheckpoint({ input: half, out }), InputError,
      `${half}: zip: has no end-of-central-directory record: the file (${whole.length >> 1} bytes) is truncated or corrupt`);
    const flipped = Buffer.from(whole);
    const header = whole.indexOf('archive/data/0') - 30; // the first storage's local header (name first seen there)
    assert.is(whole.readUInt32LE(header), 0x04034b50, 'a local header');
    const start = header + 30 + whole.readUInt16LE(header + 26) + whole.readUInt16LE(header + 28);
    flipped[start + 100] ^= 0x40;
    const bad = join(dir, 'flipped.ckpt');
    writeFileSync(bad, flipped);
    assertThrows(() => importTorchCheckpoint({ input: bad, out }), InputError, new RegExp(`^${bad}: archive/data/0: CRC-32 is 0x[0-9a-f]{8} but the directory says 0x1549c0e3: the data are corrupt$`));
    assert.not.ok(existsSync(out));
    assert.equal(readdirSync(dir).sort(), ['flipped.ckpt', 'half.ckpt']);
  } finally {
    cleanup();
  }
});

test.run();
