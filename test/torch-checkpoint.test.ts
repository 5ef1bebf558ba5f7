import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { importTorchCheckpoint, mapTorchStateDict, parseTorchCheckpoint, TORCH_PREFIXES } from '../src/import/torch-checkpoint.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { TorchTensor } from '../src/io/torch-pickle.js';
import { crc32, readZipArchive } from '../src/io/zip-archive.js';
import { modelTensors, presets } from '../src/model/model-spec.js';
import { assertThrows, tempDir } from './helpers.js';

// ---- fixtures built here, in TypeScript: a pickle assembler and a zip writer ----------------

type Part = number | Uint8Array | Part[];
const flat = (parts: Part[]): number[] => parts.flatMap((p) => (typeof p === 'number' ? [p] : p instanceof Uint8Array ? [...p] : flat(p)));
const bytes = (...parts: Part[]) => Uint8Array.from(flat(parts));
const enc = (s: string) => new TextEncoder().encode(s);
const u16 = (n: number) => [n & 255, n >>> 8];
const u32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const str = (s: string): Part => [0x58, u32(enc(s).length), enc(s)];
const int = (n: number): Part => (n < 256 ? [0x4b, n] : n < 65536 ? [0x4d, u16(n)] : [0x4a, u32(n)]);
const glob = (module: string, name: string): Part => [0x63, enc(`${module}\n${name}\n`)];
const PROTO = [0x80, 2], STOP = 0x2e, MARK = 0x28, TUPLE = 0x74, TUPLE1 = 0x85, REDUCE = 0x52, EMPTY_DICT = 0x7d, EMPTY_TUPLE = 0x29;
const SETITEM = 0x73, SETITEMS = 0x75, BINPERSID = 0x51, NEWFALSE = 0x89;

function tensor(type: string, key: string, numel: number, size: number[]): Part {
  const stride = size.map((_, i) => size.slice(i + 1).reduce((n, d) => n * d, 1));
  return [
    glob('torch._utils', '_rebuild_tensor_v2'),
    MARK, MARK, str('storage'), glob('torch', type), str(key), str('cpu'), int(numel), TUPLE, BINPERSID,
    int(0), MARK, size.map(int), TUPLE, MARK, stride.map(int), TUPLE, NEWFALSE,
    glob('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE, TUPLE, REDUCE,
  ];
}

/** A Lightning-shaped checkpoint pickle: `{'epoch': 3, 'state_dict': OrderedDict(entries), …extra}`. */
function checkpointPickle(entries: [string, Part][], extra: Part = []): Uint8Array {
  return bytes(PROTO, EMPTY_DICT, MARK, str('epoch'), int(3), str('state_dict'),
    glob('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE, MARK, entries.map(([k, v]) => [str(k), v]), SETITEMS,
    extra, SETITEMS, STOP);
}

interface ZipFile { name: string; data: Uint8Array; deflate?: boolean }

/** A minimal zip writer (no data descriptors, no zip64), as torch's miniz writes them. */
function zip(files: ZipFile[]): Uint8Array {
  const locals: Part[] = [];
  const central: Part[] = [];
  let offset = 0;
  for (const f of files) {
    const body = f.deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const name = enc(f.name);
    const common = [u16(f.deflate ? 8 : 0), u16(0), u16(0x21), u32(crc32(f.data)), u32(body.length), u32(f.data.length), u16(name.length), u16(0)];
    const local = bytes(u32(0x04034b50), u16(20), u16(0), common, name, body);
    central.push([u32(0x02014b50), u16(20), u16(20), u16(0), common, u16(0), u16(0), u16(0), u32(0), u32(offset), name]);
    locals.push(local);
    offset += local.length;
  }
  const directory = bytes(central);
  return bytes(locals, directory, u32(0x06054b50), u16(0), u16(0), u16(files.length), u16(files.length), u32(directory.length), u32(offset), u16(0));
}

const f32 = (values: ArrayLike<number>) => new Uint8Array(Float32Array.from(values).buffer);
const i64 = (value: bigint) => new Uint8Array(BigInt64Array.from([value]).buffer);

/**
 * A complete checkpoint of the small preset in the released code's names (`encoder_eeg.`,
 * `encoder_audio.`), plus a loss buffer that maps to nothing. Tensor k holds k + i/1000.
 */
function smallCheckpoint(): { file: Uint8Array; expected: Map<string, Uint8Array> } {
  const specs = modelTensors(presets.small);
  const files: ZipFile[] = [];
  const entries: [string, Part][] = [];
  const expected = new Map<string, Uint8Array>();
  specs.forEach((spec, k) => {
    const numel = spec.shape.reduce((n, d) => n * d, 1);
    const data = spec.dtype === 'I64' ? i64(BigInt(1000 + k)) : f32(Array.from({ length: numel }, (_, i) => k + i / 1000));
    const key = spec.name.replace(/^eeg\./, 'encoder_eeg.').replace(/^music\./, 'encoder_audio.');
    entries.push([key, tensor(spec.dtype === 'I64' ? 'LongStorage' : 'FloatStorage', String(k), numel, spec.shape)]);
    files.push({ name: `ckpt/data/${k}`, data, deflate: k % 2 === 0 });
    expected.set(spec.name, data);
  });
  entries.push(['criterion.temperature', tensor('FloatStorage', 'loss', 1, [])]);
  files.push({ name: 'ckpt/data/loss', data: f32([0.5]) });
  const extra: Part = [str('hyper_parameters'), glob('pytorch_lightning.utilities.parsing', 'AttributeDict'), EMPTY_TUPLE, REDUCE];
  return { file: zip([{ name: 'ckpt/data.pkl', data: checkpointPickle(entries, extra) }, ...files, { name: 'ckpt/version', data: enc('3\n') }]), expected };
}

/** A one-tensor checkpoint whose data.pkl is `pickle` (default: a valid one). */
function tinyCheckpoint(pickle?: Uint8Array, storage = f32([1, 2, 3])): Uint8Array {
  const data = pickle ?? checkpointPickle([['encoder_eeg.sequential.0.bias', tensor('FloatStorage', '0', 3, [3])]]);
  return zip([{ name: 'archive/data.pkl', data }, { name: 'archive/data/0', data: storage }]);
}

// ---- zip ------------------------------------------------------------------------------------

test('crc32 is the zip CRC (check value of "123456789")', () => {
  assert.is(crc32(enc('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
});

test('zip: stored and deflated entries read back; damaged archives fail clearly', () => {
  const data = enc('hello, zip '.repeat(50));
  const file = zip([{ name: 'a/stored', data }, { name: 'a/deflated', data, deflate: true }]);
  const archive = readZipArchive(file, 'x.zip');
  assert.equal([...archive.entries.keys()], ['a/stored', 'a/deflated']);
  assert.equal(new Uint8Array(archive.read('a/stored')), data);
  assert.equal(new Uint8Array(archive.read('a/deflated')), data);
  assertThrows(() => archive.read('nope'), InputError, 'x.zip: nope: no such entry in the zip archive');

  assertThrows(() => readZipArchive(file.subarray(0, file.length >> 1), 'half.zip'), InputError,
    `half.zip: zip: has no end-of-central-directory record: the file (${file.length >> 1} bytes) is truncated or corrupt`);
  assertThrows(() => readZipArchive(enc('just some text, not a zip'), 'notes.txt'), InputError,
    'notes.txt: zip: is not a zip file (no end-of-central-directory record in its 25 bytes)');
  const flipped = file.slice();
  flipped[40] ^= 1; // inside the stored entry's data
  assertThrows(() => readZipArchive(flipped, 'bad.zip').read('a/stored'), InputError, /^bad\.zip: a\/stored: CRC-32 is 0x[0-9a-f]{8} but the directory says 0x[0-9a-f]{8}: the data are corrupt$/);
});

test('zip: a central directory that is missing or points outside the file', () => {
  const file = zip([{ name: 'a', data: enc('abc') }]);
  const eocd = file.subarray(file.length - 22);
  const directoryOffset = new DataView(eocd.buffer, eocd.byteOffset).getUint32(16, true);
  // Keep the local entries and the end record, drop the directory between them.
  const withoutDirectory = bytes(file.subarray(0, directoryOffset), eocd);
  assertThrows(() => readZipArchive(withoutDirectory, 'nodir.zip'), InputError,
    `nodir.zip: zip: central directory (${file.length - 22 - directoryOffset} bytes at offset ${directoryOffset}) lies outside the ${withoutDirectory.length}-byte file: truncated or corrupt`);
  const zeroed = file.slice();
  zeroed.fill(0, directoryOffset, file.length - 22);
  assertThrows(() => readZipArchive(zeroed, 'zeroed.zip'), InputError, `zeroed.zip: zip: central directory record 0 of 1 is missing or corrupt (offset ${directoryOffset})`);
});

// ---- checkpoint → weights -------------------------------------------------------------------

test('a checkpoint in the released code\'s names imports into the small preset; a loss buffer is skipped with a warning', () => {
  const { dir, cleanup } = tempDir();
  try {
    const { file, expected } = smallCheckpoint();
    writeFileSync(join(dir, 'last.ckpt'), file);
    const out = join(dir, 'w.safetensors');
    const summary = importTorchCheckpoint({ input: join(dir, 'last.ckpt'), out, preset: presets.small });
    assert.is(summary.tensors, expected.size);
    assert.is(summary.stateDictKey, 'state_dict');
    assert.equal(summary.mapping, [
      { from: 'encoder_eeg.', to: 'eeg.', tensors: expected.size / 2 },
      { from: 'encoder_audio.', to: 'music.', tensors: expected.size / 2 },
    ]);
    assert.equal(summary.skipped, ['criterion.temperature']);
    assert.equal(summary.warnings, [`skipped criterion.temperature: no predann tensor corresponds (known prefixes: ${TORCH_PREFIXES.map((r) => r.from).join(', ')})`]);
    assert.equal(summary.lightning, { version: undefined, epoch: 3, globalStep: undefined });
    const back = readSafetensors(out);
    for (const [name, data] of expected) {
      const t = back.tensors.get(name)!;
      assert.equal(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), data, name);
    }
    assert.is(back.metadata.preset, 'small');
    assert.is(back.metadata.source, 'last.ckpt');
    assert.is(back.metadata.mapping, 'encoder_eeg.→eeg., encoder_audio.→music.');
    assert.is(back.metadata.skipped, 'criterion.temperature');
  } finally {
    cleanup();
  }
});

test('mapTorchStateDict: prefixes, collisions and non-tensors', () => {
  const ckpt = parseTorchCheckpoint(tinyCheckpoint(), 't.ckpt');
  assert.instance(ckpt.stateDict.get('encoder_eeg.sequential.0.bias'), TorchTensor);
  const mapped = mapTorchStateDict(ckpt.stateDict, 't.ckpt');
  assert.equal([...mapped.weights.keys()], ['eeg.sequential.0.bias']);
  assert.equal(Array.from(mapped.weights.get('eeg.sequential.0.bias')!.data as Float32Array), [1, 2, 3]);

  const t = ckpt.stateDict.get('encoder_eeg.sequential.0.bias')!;
  assertThrows(() => mapTorchStateDict(new Map([['encoder_raw_e.x', t], ['encoder_eeg.x', t]]), 't.ckpt'), InputError,
    't.ckpt: encoder_eeg.x: and encoder_raw_e.x both map to eeg.x; the checkpoint holds two models\' worth of tensors');
  assertThrows(() => mapTorchStateDict(new Map([['encoder_audio.x', 'text']]), 't.ckpt'), InputError, 't.ckpt: encoder_audio.x: is a string, not a tensor');
  const half = new TorchTensor('float16', [1], new Uint8Array(2), '0');
  assertThrows(() => mapTorchStateDict(new Map([['music.x', half]]), 't.ckpt'), InputError,
    't.ckpt: music.x: is a float16 tensor; predann weights hold float32, float64, int64, int32, uint8 (convert it in PyTorch first)');
});

/** Runs an import that must fail and checks that nothing was left in the output folder. */
function assertImportFails(file: Uint8Array | string, pattern: string | RegExp): void {
  const { dir, cleanup } = tempDir();
  try {
    const input = join(dir, 'in.ckpt');
    writeFileSync(input, file);
    const out = join(dir, 'out', 'w.safetensors');
    assertThrows(() => importTorchCheckpoint({ input, out }), InputError, typeof pattern === 'string' ? pattern.replaceAll('IN', input) : pattern);
    assert.not.ok(existsSync(out), 'no output file');
    assert.equal(readdirSync(dir), ['in.ckpt'], 'nothing else written');
  } finally {
    cleanup();
  }
}

test('hostile checkpoints are refused and nothing is written or run', () => {
  const { dir, cleanup } = tempDir();
  try {
    const marker = join(dir, 'pwned');
    const system = bytes(PROTO, glob('os', 'system'), str(`touch ${marker}`), TUPLE1, REDUCE, STOP);
    assertImportFails(tinyCheckpoint(system), /: archive\/data\.pkl: names the global os\.system \(at byte 2\), which no checkpoint needs and only an attack would use; the file is refused and nothing in it was run$/);
    const evalInHparams = checkpointPickle([['encoder_eeg.sequential.0.bias', tensor('FloatStorage', '0', 3, [3])]],
      [str('hyper_parameters'), glob('builtins', 'eval'), str(`__import__('os').system('touch ${marker}')`), TUPLE1, REDUCE]);
    assertImportFails(tinyCheckpoint(evalInHparams), /: archive\/data\.pkl: names the global builtins\.eval \(at byte \d+\), which no checkpoint needs/);
    assert.not.ok(existsSync(marker), 'no command ran');
  } finally {
    cleanup();
  }
});

test('broken checkpoints fail with a message naming the file and the part', () => {
  const valid = tinyCheckpoint();
  assertImportFails(valid.subarray(0, valid.length >> 1), `IN: zip: has no end-of-central-directory record: the file (${valid.length >> 1} bytes) is truncated or corrupt`);
  const directoryOffset = new DataView(valid.buffer, valid.byteOffset).getUint32(valid.length - 22 + 16, true);
  const withoutDirectory = bytes(valid.subarray(0, directoryOffset), valid.subarray(valid.length - 22));
  assertImportFails(withoutDirectory, new RegExp(`: zip: central directory \\(\\d+ bytes at offset ${directoryOffset}\\) lies outside the ${withoutDirectory.length}-byte file: truncated or corrupt$`));
  assertImportFails('epoch,loss\n1,0.5\n', 'IN: zip: is not a zip file (no end-of-central-directory record in its 17 bytes)');
  assertImportFails(tinyCheckpoint(undefined, f32([1, 2])), 'IN: archive/data.pkl: storage 0 holds 8 bytes but declares 3 float32 elements (12 bytes): truncated or corrupt');
  const longTensor = checkpointPickle([['encoder_eeg.sequential.0.bias', tensor('FloatStorage', '0', 3, [4])]]);
  assertImportFails(tinyCheckpoint(longTensor), 'IN: archive/data.pkl: tensor of size [4] at offset 0 needs 16 bytes of storage 0, which holds only 12: the storage is shorter than its tensor');
  assertImportFails(tinyCheckpoint(bytes(PROTO, EMPTY_DICT, 0xfe, STOP)), 'IN: archive/data.pkl: unknown pickle opcode 0xfe at byte 3: not a pickle, or a corrupt one');
  assertImportFails(tinyCheckpoint(bytes(PROTO, EMPTY_DICT, str('epoch'), int(3), SETITEM)), 'IN: archive/data.pkl: ends at byte 16 without a STOP opcode: the pickle is truncated');
  assertImportFails(zip([{ name: 'archive/data.pkl', data: checkpointPickle([['eeg.x', tensor('FloatStorage', '7', 3, [3])]]) }]),
    'IN: archive/data/7: is named by data.pkl but missing from the archive');
  assertImportFails(zip([{ name: 'x/notes.txt', data: enc('hi') }]), 'IN: zip: is a zip file but not a PyTorch checkpoint: no <folder>/data.pkl entry');
  assertImportFails(bytes(PROTO, EMPTY_DICT, STOP), 'IN: is a legacy (pre-1.6) torch.save file, a bare pickle; re-save it with torch ≥ 1.6 (the zip format) to import it');
  assertImportFails(tinyCheckpoint(bytes(PROTO, EMPTY_DICT, str('epoch'), int(3), SETITEM, STOP)),
    'IN: data.pkl: holds no state dict: expected a dict of tensors or a dict with one under state_dict / model_state_dict / model (found epoch)');
  // Valid file, but not a whole model: the preset check names the first missing tensor.
  assertImportFails(valid, 'IN: eeg.sequential.0.weight: missing (the paper preset needs 70 tensors)');
  assertThrows(() => importTorchCheckpoint({ input: '', out: 'x' }), TypeError, 'Expected a path string for input but received "" of type string');
  assertThrows(() => importTorchCheckpoint({ input: 'a.ckpt', out: './a.ckpt' }), InputError, './a.ckpt: is the input checkpoint itself; choose another output path');
});

test.run();
