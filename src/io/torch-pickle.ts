/**
 * A restricted unpickler for the `data.pkl` inside a PyTorch zip checkpoint. Python's own
 * unpickler imports every module a pickle names and calls every function it reduces, which is
 * how a hostile checkpoint runs `os.system`. This reader instead interprets the opcodes itself
 * and never resolves a name to code: globals become inert values, and only a fixed table of our
 * own builders gives a few of them meaning:
 *
 * - tensors, only through `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
 *   requires_grad, backward_hooks)` (also `_rebuild_tensor_v3` with an explicit dtype and
 *   `_rebuild_parameter`), over persistent storages `('storage', torch.FloatStorage, key,
 *   location, numel)` of the known storage types, contiguous in C order;
 * - containers as data: `collections.OrderedDict`, `builtins.dict/list/tuple/set/frozenset`,
 *   and `_codecs.encode` (how protocol 2 writes `bytes`);
 * - any other class or function (Lightning's `AttributeDict`, `pathlib.PosixPath`, `argparse.
 *   Namespace`, …) becomes an opaque `PickleObject` holding its name, arguments and state;
 * - names that only an attack would use (`os.*`, `subprocess.*`, `builtins.eval`, …) make the
 *   whole file refused with an `InputError` the moment they are read.
 *
 * Opcodes follow Python's `pickletools` documentation (protocols 2–5, binary forms only); the
 * storage and tensor layout follows `torch/serialization.py` (the zip format).
 */
import { InputError } from '../errors.js';

/** Element types of the storages a checkpoint may name. */
export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Bytes per element. */
export const TORCH_DTYPE_BYTES: Readonly<Record<TorchDtype, number>> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** `torch.<Name>Storage` → its element type. */
const STORAGE_TYPES: Readonly<Record<string, TorchDtype>> = {
  DoubleStorage: 'float64', FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

/** `torch.<dtype>` globals, as `_rebuild_tensor_v3` names them. */
const DTYPE_GLOBALS: Readonly<Record<string, TorchDtype>> = {
  float64: 'float64', double: 'float64', float32: 'float32', float: 'float32', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16',
  int8: 'int8', uint8: 'uint8', bool: 'bool',
};

/** A class or function the pickle names, never imported. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a class we do not interpret: its name, constructor arguments and BUILD state. */
export class PickleObject {
  state: PickleValue | undefined = undefined;
  constructor(readonly cls: PickleGlobal, readonly args: readonly PickleValue[]) {}
}

/** A storage loaded through a persistent id (a tensor's backing bytes; also a value of its own if pickled bare). */
export class TorchStorage {
  constructor(readonly dtype: TorchDtype, readonly key: string, readonly numel: number, readonly bytes: Uint8Array) {}
}

/**
 * A tensor rebuilt from a storage: C-order shape and exactly `numel · itemsize` little-endian
 * bytes. `data` is a view into the checkpoint (no copy per tensor, so a pickle that makes many
 * views of one big storage costs nothing); it may be unaligned, so copy it before viewing it as
 * floats.
 */
export class TorchTensor {
  constructor(
    readonly dtype: TorchDtype,
    readonly shape: readonly number[],
    readonly data: Uint8Array,
    /** The storage's key (`archive/data/<key>`), for messages. */
    readonly storageKey: string,
  ) {}
}

/**
 * What the reader returns. Lists are arrays, tuples frozen arrays, dicts (plain and ordered)
 * Maps in insertion order, ints numbers (bigint beyond 2^53), `bytes` Uint8Arrays.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | PickleGlobal
  | PickleObject
  | TorchStorage
  | TorchTensor;

export interface UnpickleOptions {
  /** Names the pickle in messages after the file (default `data.pkl`). */
  field?: string;
  /** A storage's raw bytes by key (`archive/data/<key>` in the zip); without it, persistent ids are refused. */
  loadStorage?: (key: string) => Uint8Array;
}

/**
 * Reads a pickle without executing anything it names.
 *
 * @example
 * const zip = readZipArchive(bytes, 'model.ckpt');
 * const checkpoint = unpickle(zip.read('archive/data.pkl'), 'model.ckpt', {
 *   field: 'archive/data.pkl',
 *   loadStorage: (key) => zip.read(`archive/data/${key}`),
 * });
 */
export function unpickle(bytes: Uint8Array, source: string, options: UnpickleOptions = {}): PickleValue {
  return new Unpickler(bytes, source, options).run();
}

// ---------------------------------------------------------------------------------------------
// The globals policy
// ---------------------------------------------------------------------------------------------

/** Modules whose functions run commands, load code or touch the system: never in a checkpoint. */
const REFUSED_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'shutil', 'importlib', 'runpy', 'socket', 'pty', 'ctypes', 'pickle', '_pickle',
  'marshal', 'code', 'codeop', 'commands', 'popen2', 'multiprocessing', 'webbrowser', 'io', '_io', 'builtins', '__builtin__',
]);

/** Function names that evaluate or run something, refused in any module. */
const REFUSED_NAMES = new Set(['eval', 'exec', 'execfile', 'compile', '__import__', 'getattr', 'setattr', 'delattr', 'open', 'system', 'popen', 'spawn', 'input', 'breakpoint']);

/** The harmless builtins: containers and scalars, kept as data. */
const BUILTIN_CONTAINERS = new Set(['dict', 'list', 'tuple', 'set', 'frozenset', 'bytes', 'bytearray', 'str', 'int', 'float', 'complex', 'bool', 'slice', 'range']);

/**
 * A global that one of our own builders gives meaning, chosen by name from a fixed table: the
 * only "calls" a pickle gets. Where it ends up as data it reads as the plain global it is.
 */
class Builder extends PickleGlobal {
  constructor(g: PickleGlobal, readonly build: (args: readonly PickleValue[]) => PickleValue) {
    super(g.module, g.name);
  }
}

/** `torch.FloatStorage` and friends, and `torch.UntypedStorage` (bytes). */
class StorageType extends PickleGlobal {
  constructor(g: PickleGlobal, readonly dtype: TorchDtype) {
    super(g.module, g.name);
  }
}

/** A dtype global (`torch.float32`), an argument of `_rebuild_tensor_v3`. */
class DtypeGlobal extends PickleGlobal {
  constructor(g: PickleGlobal, readonly dtype: TorchDtype) {
    super(g.module, g.name);
  }
}

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

/** Opcode bytes (pickletools names). */
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d,
  NONE: 0x4e, BINPERSID: 0x51, REDUCE: 0x52, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58, BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43, EMPTY_LIST: 0x5d, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, APPENDS: 0x65, BINGET: 0x68,
  LONG_BINGET: 0x6a, LIST: 0x6c, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d,
  EMPTY_TUPLE: 0x29, PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89,
  LONG1: 0x8a, LONG4: 0x8b, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90,
  FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96,
} as const;

/** Text-protocol (0/1) and extension opcodes `torch.save` never writes: named in the refusal. */
const UNSUPPORTED: Record<number, string> = {
  0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE', 0x46: 'FLOAT', 0x70: 'PUT', 0x67: 'GET', 0x50: 'PERSID',
  0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

class Unpickler {
  private readonly view: DataView;
  private readonly field: string;
  private pos = 0;
  private opStart = 0;
  private stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Storages by key: several tensors (views) may share one, and each is read and CRC-checked once. */
  private readonly storages = new Map<string, TorchStorage>();

  constructor(private readonly bytes: Uint8Array, private readonly source: string, private readonly options: UnpickleOptions) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.field = options.field ?? 'data.pkl';
  }

  private fail(problem: string): InputError {
    return new InputError(this.source, this.field, problem);
  }

  run(): PickleValue {
    while (this.pos < this.bytes.length) {
      this.opStart = this.pos;
      const op = this.bytes[this.pos++];
      if (op === OP.STOP) return this.pop();
      this.step(op);
    }
    throw this.fail(`ends at byte ${this.bytes.length} without a STOP opcode: the pickle is truncated`);
  }

  // -- reading arguments ----------------------------------------------------------------------

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw this.fail(`opcode at byte ${this.opStart} needs ${n} more bytes but the pickle ends at byte ${this.bytes.length}: truncated`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8 = () => this.view.getUint8(this.need(1));
  private u16 = () => this.view.getUint16(this.need(2), true);
  private u32 = () => this.view.getUint32(this.need(4), true);
  private i32 = () => this.view.getInt32(this.need(4), true);
  private u64(): number {
    const n = this.view.getBigUint64(this.need(8), true);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`length ${n} at byte ${this.opStart} is impossible: corrupt`);
    return Number(n);
  }
  private raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  /** A copy, so the value does not pin the file's buffer. */
  private bytesOf(n: number): Uint8Array {
    return new Uint8Array(this.raw(n));
  }
  private text(n: number, encoding: 'utf8' | 'latin1'): string {
    const r = this.raw(n);
    return Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString(encoding);
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail(`GLOBAL at byte ${this.opStart} has no terminating newline: truncated`);
    const text = this.text(end - this.pos, 'utf8');
    this.pos++; // the newline
    return text;
  }

  // -- the stack ------------------------------------------------------------------------------

  private pop(): PickleValue {
    if (this.stack.length === 0) throw this.fail(`stack underflow at byte ${this.opStart} (opcode 0x${this.bytes[this.opStart].toString(16)}): corrupt pickle`);
    return this.stack.pop()!;
  }
  /** Pushes after its argument is evaluated (`this.stack.push(this.popMark())` would push onto the popped frame). */
  private push(value: PickleValue): void {
    this.stack.push(value);
  }
  private top(): PickleValue {
    if (this.stack.length === 0) throw this.fail(`stack underflow at byte ${this.opStart}: corrupt pickle`);
    return this.stack[this.stack.length - 1];
  }
  private popMark(): PickleValue[] {
    const items = this.stack;
    const outer = this.marks.pop();
    if (!outer) throw this.fail(`opcode at byte ${this.opStart} needs a MARK but none is open: corrupt pickle`);
    this.stack = outer;
    return items;
  }
  private get(index: number): PickleValue {
    if (!this.memo.has(index)) throw this.fail(`memo entry ${index} is read at byte ${this.opStart} before it was written: corrupt pickle`);
    return this.memo.get(index)!;
  }

  // -- opcodes --------------------------------------------------------------------------------

  private step(op: number): void {
    switch (op) {
      case OP.PROTO: {
        const version = this.u8();
        if (version > 5) throw this.fail(`pickle protocol ${version} is newer than any this reader knows (≤ 5)`);
        return;
      }
      case OP.FRAME: this.u64(); return; // frames only group bytes; the opcodes inside are read as usual
      case OP.MARK: this.marks.push(this.stack); this.stack = []; return;
      case OP.POP: this.pop(); return;
      case OP.POP_MARK: this.popMark(); return;
      case OP.DUP: this.push(this.top()); return;
      case OP.NONE: this.push(null); return;
      case OP.NEWTRUE: this.push(true); return;
      case OP.NEWFALSE: this.push(false); return;
      case OP.BININT: this.push(this.i32()); return;
      case OP.BININT1: this.push(this.u8()); return;
      case OP.BININT2: this.push(this.u16()); return;
      case OP.LONG1: this.push(this.long(this.u8())); return;
      case OP.LONG4: this.push(this.long(this.i32())); return;
      case OP.BINFLOAT: this.push(this.view.getFloat64(this.need(8), false)); return; // big-endian, unlike the rest
      case OP.BINUNICODE: this.push(this.text(this.u32(), 'utf8')); return;
      case OP.SHORT_BINUNICODE: this.push(this.text(this.u8(), 'utf8')); return;
      case OP.BINUNICODE8: this.push(this.text(this.u64(), 'utf8')); return;
      case OP.BINSTRING: this.push(this.text(this.i32(), 'latin1')); return; // Python 2 str
      case OP.SHORT_BINSTRING: this.push(this.text(this.u8(), 'latin1')); return;
      case OP.BINBYTES: this.push(this.bytesOf(this.u32())); return;
      case OP.SHORT_BINBYTES: this.push(this.bytesOf(this.u8())); return;
      case OP.BINBYTES8: case OP.BYTEARRAY8: this.push(this.bytesOf(this.u64())); return;
      case OP.EMPTY_DICT: this.push(new Map()); return;
      case OP.EMPTY_LIST: this.push([]); return;
      case OP.EMPTY_TUPLE: this.push(Object.freeze([])); return;
      case OP.EMPTY_SET: this.push(new Set()); return;
      case OP.TUPLE: this.push(Object.freeze(this.popMark())); return;
      case OP.TUPLE1: case OP.TUPLE2: case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items: PickleValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop());
        this.push(Object.freeze(items));
        return;
      }
      case OP.LIST: this.push(this.popMark()); return;
      case OP.DICT: { const d = new Map(); this.setItems(d, this.popMark()); this.push(d); return; }
      case OP.FROZENSET: this.push(new Set(this.popMark())); return;
      case OP.APPEND: { const v = this.pop(); this.appendTo(this.top(), [v]); return; }
      case OP.APPENDS: { const items = this.popMark(); this.appendTo(this.top(), items); return; }
      case OP.ADDITEMS: { const items = this.popMark(); this.addTo(this.top(), items); return; }
      case OP.SETITEM: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); return; }
      case OP.SETITEMS: { const items = this.popMark(); this.setItems(this.top(), items); return; }
      case OP.BINPUT: this.memo.set(this.u8(), this.top()); return;
      case OP.LONG_BINPUT: this.memo.set(this.u32(), this.top()); return;
      case OP.MEMOIZE: this.memo.set(this.memo.size, this.top()); return;
      case OP.BINGET: this.push(this.get(this.u8())); return;
      case OP.LONG_BINGET: this.push(this.get(this.u32())); return;
      case OP.GLOBAL: { const module = this.line(); const name = this.line(); this.push(this.global(module, name)); return; }
      case OP.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw this.fail(`STACK_GLOBAL at byte ${this.opStart} needs two strings: corrupt pickle`);
        this.push(this.global(module, name));
        return;
      }
      case OP.REDUCE: { const args = this.pop(); this.push(this.call(this.pop(), args, 'REDUCE')); return; }
      case OP.NEWOBJ: { const args = this.pop(); this.push(this.call(this.pop(), args, 'NEWOBJ')); return; }
      case OP.NEWOBJ_EX: { this.pop(); const args = this.pop(); this.push(this.call(this.pop(), args, 'NEWOBJ_EX')); return; }
      case OP.BUILD: { const state = this.pop(); this.build(this.top(), state); return; }
      case OP.BINPERSID: this.push(this.persistentLoad(this.pop())); return;
      default: {
        const hex = `0x${op.toString(16).padStart(2, '0')}`;
        if (Object.hasOwn(UNSUPPORTED, op)) throw this.fail(`opcode ${UNSUPPORTED[op]} (${hex}) at byte ${this.opStart} is not supported: torch.save never writes it`);
        throw this.fail(`unknown pickle opcode ${hex} at byte ${this.opStart}: not a pickle, or a corrupt one`);
      }
    }
  }

  /** LONG1/LONG4: little-endian two's complement. */
  private long(n: number): number | bigint {
    const r = this.raw(n);
    let v = 0n;
    for (let i = r.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(r[i]);
    if (n > 0 && r[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private appendTo(target: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw this.fail(`APPEND at byte ${this.opStart} targets something that is not a list: corrupt pickle`);
    (target as PickleValue[]).push(...items);
  }

  private addTo(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Set)) throw this.fail(`ADDITEMS at byte ${this.opStart} targets something that is not a set: corrupt pickle`);
    for (const v of items) target.add(v);
  }

  private setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Map)) throw this.fail(`SETITEM at byte ${this.opStart} targets something that is not a dict: corrupt pickle`);
    if (items.length % 2 !== 0) throw this.fail(`SETITEMS at byte ${this.opStart} has an odd number of items: corrupt pickle`);
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  }

  /** BUILD sets an object's state. Instance attributes of dicts and lists (a state dict's `_metadata`) carry no tensors and are dropped. */
  private build(target: PickleValue, state: PickleValue): void {
    if (target instanceof PickleObject) target.state = state;
    else if (!(target instanceof Map || Array.isArray(target) || target instanceof Set)) {
      throw this.fail(`BUILD at byte ${this.opStart} targets a ${describe(target)}, which has no state: corrupt pickle`);
    }
  }

  /** Classifies a global by name. Nothing is imported: the result is one of our own values. */
  private global(module: string, name: string): PickleValue {
    const g = new PickleGlobal(module, name);
    const root = module.split('.')[0];
    const harmlessBuiltin = (root === 'builtins' || root === '__builtin__') && module === root && BUILTIN_CONTAINERS.has(name);
    if (!harmlessBuiltin && (REFUSED_MODULES.has(root) || REFUSED_NAMES.has(name))) {
      throw this.fail(`names the global ${g.qualifiedName} (at byte ${this.opStart}), which no checkpoint needs and only an attack would use; the file is refused and nothing in it was run`);
    }
    if (harmlessBuiltin) return this.builtin(g);
    if (module === 'collections' && name === 'OrderedDict') return new Builder(g, (args) => this.dictFrom(args));
    if (module === '_codecs' && name === 'encode') return new Builder(g, (args) => this.encode(g, args));
    if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return new Builder(g, (args) => this.rebuildTensor(args, undefined));
    if (module === 'torch._utils' && name === '_rebuild_tensor_v3') return new Builder(g, (args) => this.rebuildTensor(args, args[6]));
    if (module === 'torch._utils' && name === '_rebuild_parameter') return new Builder(g, (args) => this.rebuildParameter(args));
    // Own keys only: `torch.constructor` must not find Object.prototype's.
    if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) return new StorageType(g, STORAGE_TYPES[name]);
    if ((module === 'torch' || module === 'torch.storage') && name === 'UntypedStorage') return new StorageType(g, 'uint8');
    if (module === 'torch' && Object.hasOwn(DTYPE_GLOBALS, name)) return new DtypeGlobal(g, DTYPE_GLOBALS[name]);
    return g;
  }

  private builtin(g: PickleGlobal): Builder {
    switch (g.name) {
      case 'dict': return new Builder(g, (args) => this.dictFrom(args));
      case 'list': return new Builder(g, (args) => [...this.iterable(args[0])]);
      case 'tuple': return new Builder(g, (args) => Object.freeze([...this.iterable(args[0])]));
      case 'set': case 'frozenset': return new Builder(g, (args) => new Set(this.iterable(args[0])));
      default: return new Builder(g, (args) => new PickleObject(g, args)); // scalars and ranges stay as data
    }
  }

  private iterable(value: PickleValue | undefined): PickleValue[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return [...value];
    if (value instanceof Set) return [...value];
    throw this.fail(`a container at byte ${this.opStart} is built from a ${describe(value)}, not a list or tuple`);
  }

  /** `OrderedDict()` / `dict()`, or from a list of (key, value) pairs. */
  private dictFrom(args: readonly PickleValue[]): Map<PickleValue, PickleValue> {
    const d = new Map<PickleValue, PickleValue>();
    if (args[0] instanceof Map) return new Map(args[0]);
    for (const pair of this.iterable(args[0])) {
      if (!Array.isArray(pair) || pair.length !== 2) throw this.fail(`a dict at byte ${this.opStart} is built from something that is not (key, value) pairs`);
      d.set(pair[0], pair[1]);
    }
    return d;
  }

  /** `_codecs.encode(text, 'latin1')`: protocol 2's way of writing `bytes`. */
  private encode(g: PickleGlobal, args: readonly PickleValue[]): PickleValue {
    const [text, encoding = 'utf-8'] = args;
    if (typeof text !== 'string' || typeof encoding !== 'string') return new PickleObject(g, args);
    const e = encoding.toLowerCase().replace(/[-_]/g, '');
    if (e === 'latin1' || e === 'iso88591') return new Uint8Array(Buffer.from(text, 'latin1'));
    if (e === 'utf8') return new Uint8Array(Buffer.from(text, 'utf8'));
    return new PickleObject(g, args);
  }

  /** REDUCE / NEWOBJ: our builders run; any other global becomes an opaque object. */
  private call(callable: PickleValue, args: PickleValue, opcode: string): PickleValue {
    if (!Array.isArray(args)) throw this.fail(`${opcode} at byte ${this.opStart} needs an argument tuple but received a ${describe(args)}: corrupt pickle`);
    if (callable instanceof Builder) return callable.build(args);
    if (callable instanceof StorageType) throw this.fail(`${opcode} at byte ${this.opStart} constructs a ${callable.qualifiedName} directly; storages are read only through persistent ids`);
    if (callable instanceof PickleGlobal) return new PickleObject(callable, args);
    throw this.fail(`${opcode} at byte ${this.opStart} calls a ${describe(callable)}, which is not a class or function: corrupt pickle`);
  }

  /** BINPERSID with `('storage', torch.FloatStorage, key, location, numel)`. */
  private persistentLoad(pid: PickleValue): TorchStorage {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== 5) {
      throw this.fail(`persistent id at byte ${this.opStart} is not a ('storage', type, key, location, numel) tuple`);
    }
    const [, type, key, , numel] = pid as PickleValue[];
    if (!(type instanceof StorageType)) {
      const name = type instanceof PickleGlobal ? type.qualifiedName : describe(type);
      throw this.fail(`storage at byte ${this.opStart} has type ${name}; known types: torch.${Object.keys(STORAGE_TYPES).join(', torch.')}, torch.UntypedStorage`);
    }
    if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw this.fail(`storage at byte ${this.opStart} has a malformed key or element count`);
    }
    if (!this.options.loadStorage) throw this.fail(`refers to storage ${key} but no storages were given (a bare pickle, not a checkpoint)`);
    const cached = this.storages.get(key);
    if (cached) return cached;
    const bytes = this.options.loadStorage(key);
    const needed = numel * TORCH_DTYPE_BYTES[type.dtype];
    if (bytes.length < needed) {
      throw this.fail(`storage ${key} holds ${bytes.length} bytes but declares ${numel} ${type.dtype} elements (${needed} bytes): truncated or corrupt`);
    }
    const storage = new TorchStorage(type.dtype, key, numel, bytes);
    this.storages.set(key, storage);
    return storage;
  }

  /** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
  private rebuildTensor(args: readonly PickleValue[], dtypeArg: PickleValue | undefined): TorchTensor {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorage)) throw this.fail(`_rebuild_tensor at byte ${this.opStart} is given a ${describe(storage)}, not a storage`);
    let dtype = storage.dtype;
    if (dtypeArg !== undefined) {
      if (!(dtypeArg instanceof DtypeGlobal)) throw this.fail(`_rebuild_tensor_v3 at byte ${this.opStart} names an unknown dtype ${describe(dtypeArg)}`);
      dtype = dtypeArg.dtype;
    }
    const shape = this.intTuple(size, 'size');
    const strides = this.intTuple(stride, 'stride');
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw this.fail(`tensor at byte ${this.opStart} has a bad storage offset`);
    if (strides.length !== shape.length) throw this.fail(`tensor at byte ${this.opStart} has ${shape.length} sizes but ${strides.length} strides`);
    const numel = shape.reduce((n, d) => n * d, 1);
    const contiguous = shape.every((d, i) => d <= 1 || strides[i] === shape.slice(i + 1).reduce((n, e) => n * e, 1));
    if (!contiguous) {
      throw this.fail(`tensor over storage ${storage.key} has size [${shape}] and stride [${strides}], which is not contiguous C order; only contiguous tensors are imported`);
    }
    const itemsize = TORCH_DTYPE_BYTES[dtype];
    const capacity = storage.numel * TORCH_DTYPE_BYTES[storage.dtype];
    const begin = offset * itemsize; // offsets count elements of the tensor's dtype (v3: of an untyped byte storage)
    const end = begin + numel * itemsize;
    if (end > capacity) {
      throw this.fail(`tensor of size [${shape}] at offset ${offset} needs ${end} bytes of storage ${storage.key}, which holds only ${capacity}: the storage is shorter than its tensor`);
    }
    return new TorchTensor(dtype, shape, storage.bytes.subarray(begin, end), storage.key);
  }

  /** `_rebuild_parameter(data, requires_grad, backward_hooks)`: a parameter is its tensor. */
  private rebuildParameter(args: readonly PickleValue[]): TorchTensor {
    if (!(args[0] instanceof TorchTensor)) throw this.fail(`_rebuild_parameter at byte ${this.opStart} is given a ${describe(args[0])}, not a tensor`);
    return args[0];
  }

  private intTuple(value: PickleValue | undefined, what: string): number[] {
    if (!Array.isArray(value) || !value.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      throw this.fail(`tensor at byte ${this.opStart} has a malformed ${what} ${describe(value)}`);
    }
    return value as number[];
  }
}

/** How a value is named in messages. */
function describe(value: unknown): string {
  if (value === null) return 'None';
  if (value === undefined) return 'missing value';
  if (Array.isArray(value)) return Object.isFrozen(value) ? `tuple of ${value.length}` : `list of ${value.length}`;
  if (value instanceof Map) return 'dict';
  if (value instanceof PickleGlobal) return `global ${value.qualifiedName}`;
  if (value instanceof PickleObject) return `${value.cls.qualifiedName} object`;
  if (value instanceof TorchStorage) return `storage ${value.key}`;
  if (value instanceof TorchTensor) return 'tensor';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'string' ? `string ${JSON.stringify(value.slice(0, 40))}` : `${typeof value} ${String(value)}`;
}
