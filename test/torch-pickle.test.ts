import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { PickleGlobal, PickleObject, TorchTensor, unpickle, type PickleValue } from '../src/io/torch-pickle.js';
import { assertThrows, tempDir } from './helpers.js';

// A tiny pickle assembler: opcodes by pickletools name, arguments little-endian.
type Part = number | Uint8Array | Part[];
const flat = (parts: Part[]): number[] => parts.flatMap((p) => (typeof p === 'number' ? [p] : p instanceof Uint8Array ? [...p] : flat(p)));
const pickle = (...parts: Part[]) => Uint8Array.from(flat(parts));
const enc = (s: string) => new TextEncoder().encode(s);
const u32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const str = (s: string): Part => [0x58, u32(enc(s).length), enc(s)]; // BINUNICODE
const short = (s: string): Part => [0x8c, enc(s).length, enc(s)]; // SHORT_BINUNICODE
const int = (n: number): Part => (n < 256 ? [0x4b, n] : n < 65536 ? [0x4d, n & 255, n >> 8] : [0x4a, u32(n)]);
const glob = (module: string, name: string): Part => [0x63, enc(`${module}\n${name}\n`)];
const stackGlobal = (module: string, name: string): Part => [short(module), short(name), 0x93];
const float = (x: number): Part => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, x, false); return [0x47, b]; };
const PROTO = [0x80, 2], STOP = 0x2e, MARK = 0x28, TUPLE = 0x74, TUPLE1 = 0x85, TUPLE2 = 0x86, REDUCE = 0x52, BUILD = 0x62, NEWOBJ = 0x81;
const EMPTY_DICT = 0x7d, EMPTY_LIST = 0x5d, EMPTY_TUPLE = 0x29, SETITEM = 0x73, SETITEMS = 0x75, APPEND = 0x61, APPENDS = 0x65;
const NONE = 0x4e, NEWTRUE = 0x88, NEWFALSE = 0x89, BINPERSID = 0x51, MEMOIZE = 0x94;
const BINPUT = (i: number): Part => [0x71, i], BINGET = (i: number): Part => [0x68, i];
const LONG_BINPUT = (i: number): Part => [0x72, u32(i)], LONG_BINGET = (i: number): Part => [0x6a, u32(i)];

/** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
function tensor(type: string, key: string, numel: number, offset: number, size: number[], stride: number[]): Part {
  return [
    glob('torch._utils', '_rebuild_tensor_v2'),
    MARK, MARK, str('storage'), glob('torch', type), str(key), str('cpu'), int(numel), TUPLE, BINPERSID,
    int(offset), MARK, size.map(int), TUPLE, MARK, stride.map(int), TUPLE, NEWFALSE,
    glob('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE, TUPLE, REDUCE,
  ];
}

const f32bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

test('scalars, strings and containers come back as data', () => {
  const big = [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // LONG1: 2^64
  const minusOne = [0x8a, 1, 0xff];
  const value = unpickle(pickle(PROTO, EMPTY_DICT, MARK,
    str('int'), int(6000), str('i32'), [0x4a, u32(-7 >>> 0)], str('big'), big, str('neg'), minusOne,
    str('float'), float(0.003), str('none'), NONE, str('yes'), NEWTRUE, str('no'), NEWFALSE,
    short('pair'), str('a'), int(1), TUPLE2,
    str('list'), EMPTY_LIST, int(1), APPEND, MARK, int(2), int(3), APPENDS,
    SETITEMS, STOP), 'x.pkl') as Map<PickleValue, PickleValue>;
  assert.equal([...value.keys()], ['int', 'i32', 'big', 'neg', 'float', 'none', 'yes', 'no', 'pair', 'list']);
  assert.is(value.get('int'), 6000);
  assert.is(value.get('i32'), -7);
  assert.is(value.get('big'), 2n ** 64n);
  assert.is(value.get('neg'), -1);
  assert.is(value.get('float'), 0.003);
  assert.is(value.get('none'), null);
  assert.is(value.get('yes'), true);
  assert.is(value.get('no'), false);
  assert.equal(value.get('pair'), ['a', 1]);
  assert.ok(Object.isFrozen(value.get('pair')), 'tuples are frozen arrays');
  assert.equal(value.get('list'), [1, 2, 3]);
});

test('the memo shares values (BINPUT/BINGET, LONG_BINPUT/LONG_BINGET, MEMOIZE)', () => {
  const value = unpickle(pickle(PROTO, EMPTY_LIST, BINPUT(0), MARK,
    EMPTY_DICT, LONG_BINPUT(300), BINGET(0), LONG_BINGET(300), str('m'), MEMOIZE, [0x68, 2],
    APPENDS, STOP), 'x.pkl') as PickleValue[];
  assert.is(value.length, 5);
  assert.is(value[0], value[2], 'LONG_BINGET returns the same dict');
  assert.is(value[1], value, 'BINGET returns the list itself');
  assert.is(value[3], 'm');
  assert.is(value[4], 'm', 'MEMOIZE stores at the next free index (the memo holds 0 and 300, so 2)');
});

test('OrderedDict and builtins.dict are containers; other globals stay opaque and are never resolved', () => {
  const value = unpickle(pickle(PROTO, MARK,
    glob('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE, str('k'), int(1), SETITEM,
    stackGlobal('builtins', 'dict'), EMPTY_TUPLE, REDUCE,
    glob('pathlib', 'PosixPath'), str('runs'), str('x.ckpt'), TUPLE2, REDUCE,
    glob('argparse', 'Namespace'), EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, str('seed'), int(1), SETITEM, BUILD,
    glob('pytorch_lightning.callbacks.model_checkpoint', 'ModelCheckpoint'),
    TUPLE, STOP), 'x.pkl') as PickleValue[];
  assert.equal(value[0], new Map([['k', 1]]));
  assert.equal(value[1], new Map());
  const path = value[2] as PickleObject;
  assert.instance(path, PickleObject);
  assert.is(path.cls.qualifiedName, 'pathlib.PosixPath');
  assert.equal(path.args, ['runs', 'x.ckpt']);
  const ns = value[3] as PickleObject;
  assert.is(ns.cls.qualifiedName, 'argparse.Namespace');
  assert.equal(ns.state, new Map([['seed', 1]]));
  assert.instance(value[4], PickleGlobal);
  assert.is((value[4] as PickleGlobal).qualifiedName, 'pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint');
});

test('_rebuild_tensor_v2 over a persistent storage gives a C-order tensor; a shared storage is loaded once', () => {
  const storage = f32bytes([0, 1, 2, 3, 4, 5, 6]);
  const loaded: string[] = [];
  const loadStorage = (key: string) => (loaded.push(key), key === '0' ? storage : new Uint8Array(new BigInt64Array([150000n]).buffer));
  const value = unpickle(pickle(PROTO, MARK,
    tensor('FloatStorage', '0', 7, 1, [2, 3], [3, 1]),
    tensor('LongStorage', '1', 1, 0, [], []),
    tensor('FloatStorage', '0', 7, 0, [1, 1], [1, 7]), // size-1 dims: any stride is contiguous
    TUPLE, STOP), 'x.pkl', { loadStorage }) as TorchTensor[];
  assert.instance(value[0], TorchTensor);
  assert.is(value[0].dtype, 'float32');
  assert.equal(value[0].shape, [2, 3]);
  assert.equal(Array.from(new Float32Array(new Uint8Array(value[0].data).buffer)), [1, 2, 3, 4, 5, 6]);
  assert.is(value[1].dtype, 'int64');
  assert.equal(value[1].shape, []);
  assert.is(new BigInt64Array(new Uint8Array(value[1].data).buffer)[0], 150000n);
  assert.equal(value[2].shape, [1, 1]);
  assert.equal(loaded, ['0', '1']);
});

test('_rebuild_parameter, _rebuild_tensor_v3 over an untyped storage, protocol-2 bytes and sets', () => {
  const loadStorage = () => f32bytes([1.5, -2]);
  const v3: Part = [
    glob('torch._utils', '_rebuild_tensor_v3'),
    MARK, MARK, str('storage'), glob('torch', 'UntypedStorage'), str('0'), str('cpu'), int(8), TUPLE, BINPERSID,
    int(0), MARK, int(2), TUPLE, MARK, int(1), TUPLE, NEWFALSE, glob('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE,
    glob('torch', 'float32'), TUPLE, REDUCE,
  ];
  const value = unpickle(pickle(PROTO, MARK,
    glob('torch._utils', '_rebuild_parameter'), tensor('FloatStorage', '0', 2, 0, [2], [1]), NEWFALSE, EMPTY_DICT, [0x87], REDUCE,
    v3,
    glob('_codecs', 'encode'), str('\u0000\u00ff'), str('latin1'), TUPLE2, REDUCE,
    [0x8f], MARK, int(1), int(2), [0x90],
    TUPLE, STOP), 'x.pkl', { loadStorage }) as PickleValue[];
  for (const t of value.slice(0, 2) as TorchTensor[]) {
    assert.instance(t, TorchTensor);
    assert.is(t.dtype, 'float32');
    assert.equal(Array.from(new Float32Array(new Uint8Array(t.data).buffer)), [1.5, -2]);
  }
  assert.equal(value[2], Uint8Array.from([0, 255]));
  assert.equal(value[3], new Set([1, 2]));
});

test('tensors that are not contiguous, or longer than their storage, or of unknown storage types are refused', () => {
  const loadStorage = () => f32bytes([0, 1, 2, 3, 4, 5]);
  const read = (t: Part) => () => unpickle(pickle(PROTO, t, STOP), 'x.ckpt', { field: 'archive/data.pkl', loadStorage });
  assertThrows(read(tensor('FloatStorage', '0', 6, 0, [2, 3], [1, 2])), InputError,
    'x.ckpt: archive/data.pkl: tensor over storage 0 has size [2,3] and stride [1,2], which is not contiguous C order; only contiguous tensors are imported');
  assertThrows(read(tensor('FloatStorage', '0', 6, 2, [2, 3], [3, 1])), InputError,
    'x.ckpt: archive/data.pkl: tensor of size [2,3] at offset 2 needs 32 bytes of storage 0, which holds only 24: the storage is shorter than its tensor');
  assertThrows(read(tensor('FloatStorage', '0', 8, 0, [8], [1])), InputError,
    'x.ckpt: archive/data.pkl: storage 0 holds 24 bytes but declares 8 float32 elements (32 bytes): truncated or corrupt');
  assertThrows(read(tensor('ComplexFloatStorage', '0', 3, 0, [3], [1])), InputError,
    /storage at byte \d+ has type torch\.ComplexFloatStorage; known types: torch\.DoubleStorage, torch\.FloatStorage/);
  assertThrows(read(tensor('constructor', '0', 3, 0, [3], [1])), InputError, /storage at byte \d+ has type torch\.constructor; known types/);
  assertThrows(() => unpickle(pickle(PROTO, tensor('FloatStorage', '0', 6, 0, [6], [1]), STOP), 'x.pkl'), InputError,
    'x.pkl: data.pkl: refers to storage 0 but no storages were given (a bare pickle, not a checkpoint)');
});

test('dangerous globals are refused as soon as they are read, and nothing runs', () => {
  const { dir, cleanup } = tempDir();
  try {
    const marker = join(dir, 'pwned');
    const attacks: [Part, string][] = [
      [[glob('os', 'system'), str(`touch ${marker}`), TUPLE1, REDUCE], 'os.system'],
      [[glob('posix', 'system'), str(`touch ${marker}`), TUPLE1, REDUCE], 'posix.system'],
      [[stackGlobal('builtins', 'eval'), str(`__import__('os').system('touch ${marker}')`), TUPLE1, REDUCE], 'builtins.eval'],
      [[glob('__builtin__', 'exec'), str('x'), TUPLE1, REDUCE], '__builtin__.exec'],
      [[glob('subprocess', 'Popen'), MARK, str('touch'), str(marker), [0x6c], TUPLE1, REDUCE], 'subprocess.Popen'],
      [[glob('os.path', 'join'), EMPTY_TUPLE, REDUCE], 'os.path.join'],
      [[glob('builtins', 'getattr'), EMPTY_TUPLE, REDUCE], 'builtins.getattr'],
      [[glob('numpy.testing._private.utils', 'runstring'), EMPTY_TUPLE, REDUCE, glob('somewhere', 'eval')], 'somewhere.eval'],
    ];
    for (const [attack, name] of attacks) {
      assertThrows(() => unpickle(pickle(PROTO, attack, STOP), 'evil.ckpt'), InputError,
        new RegExp(`^evil\\.ckpt: data\\.pkl: names the global ${name.replace(/\./g, '\\.')} \\(at byte \\d+\\), which no checkpoint needs and only an attack would use; the file is refused and nothing in it was run$`));
    }
    assert.not.ok(existsSync(marker), 'no command ran');
  } finally {
    cleanup();
  }
});

test('broken pickles: unknown or unsupported opcodes, no STOP, underflow, unset memo', () => {
  const read = (...parts: Part[]) => () => unpickle(pickle(...parts), 'x.pkl');
  assertThrows(read(PROTO, 0xff), InputError, 'x.pkl: data.pkl: unknown pickle opcode 0xff at byte 2: not a pickle, or a corrupt one');
  assertThrows(read(PROTO, [0x49, enc('1\n')], STOP), InputError, 'x.pkl: data.pkl: opcode INT (0x49) at byte 2 is not supported: torch.save never writes it');
  assertThrows(read(PROTO, EMPTY_DICT), InputError, 'x.pkl: data.pkl: ends at byte 3 without a STOP opcode: the pickle is truncated');
  assertThrows(read(PROTO, 0x58, u32(100), enc('abc')), InputError, 'x.pkl: data.pkl: opcode at byte 2 needs 100 more bytes but the pickle ends at byte 10: truncated');
  assertThrows(read(PROTO, SETITEM, STOP), InputError, 'x.pkl: data.pkl: stack underflow at byte 2 (opcode 0x73): corrupt pickle');
  assertThrows(read(PROTO, BINGET(4), STOP), InputError, 'x.pkl: data.pkl: memo entry 4 is read at byte 2 before it was written: corrupt pickle');
  assertThrows(read(PROTO, TUPLE, STOP), InputError, 'x.pkl: data.pkl: opcode at byte 2 needs a MARK but none is open: corrupt pickle');
  assertThrows(read(PROTO, str('s'), EMPTY_TUPLE, REDUCE, STOP), InputError, 'x.pkl: data.pkl: REDUCE at byte 9 calls a string "s", which is not a class or function: corrupt pickle');
  assertThrows(read(), InputError, 'x.pkl: data.pkl: ends at byte 0 without a STOP opcode: the pickle is truncated');
});

test.run();
