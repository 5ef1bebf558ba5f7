/**
 * PyTorch checkpoints → predann weights. Opens a `torch.save` zip file (torch ≥ 1.6; a PyTorch
 * Lightning `.ckpt` is one), reads its `data.pkl` with our restricted unpickler (nothing the file
 * names is ever run), finds the state dict (Lightning keeps the model under `state_dict`), renames
 * the official code's module prefixes to ours and checks the result against a preset, so a
 * researcher's checkpoint from the official PredANN code runs here unchanged.
 *
 * Prefixes: the historical checkpoint (golden case j) names the EEG encoder `encoder_raw_e.` and
 * the music encoder `encoder_clean_e.`; the released code names them `encoder_eeg.` and
 * `encoder_audio.`; predann's own names `eeg.` / `music.` pass through. Anything else in the state
 * dict (a loss module's buffers, say) is listed and skipped with a warning, never dropped silently.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readInputFile } from '../io/read-input-file.js';
import type { Tensor } from '../io/safetensors.js';
import { PickleGlobal, PickleObject, TorchTensor, unpickle, type PickleValue } from '../io/torch-pickle.js';
import { readZipArchive, type ZipArchive } from '../io/zip-archive.js';
import { presets, type ModelPreset } from '../model/model-spec.js';
import { checkWeights, saveWeights, type Weights } from '../model/weights.js';
import { received } from '../validate.js';

/** How the official code's state-dict prefixes map to predann's, in the order they are tried. */
export const TORCH_PREFIXES: readonly { from: string; to: 'eeg.' | 'music.' }[] = Object.freeze([
  { from: 'encoder_raw_e.', to: 'eeg.' }, // historical official checkpoint (case j)
  { from: 'encoder_clean_e.', to: 'music.' },
  { from: 'encoder_eeg.', to: 'eeg.' }, // released official code
  { from: 'encoder_audio.', to: 'music.' },
  { from: 'eeg.', to: 'eeg.' }, // predann's own names, e.g. after a round trip through PyTorch
  { from: 'music.', to: 'music.' },
]);

/** Where a state dict may sit in the pickled object, tried in order; '' is the object itself. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', ''];

export interface TorchCheckpoint {
  source: string;
  /** The whole pickled object (Lightning: epoch, optimizer states, hyper-parameters, …). */
  root: PickleValue;
  /** The state dict's entries in file order: tensors, or whatever else the file put there. */
  stateDict: Map<string, PickleValue>;
  /** The key the state dict was found under ('' = the pickled object is the state dict). */
  stateDictKey: string;
  /** Lightning's bookkeeping, when present. */
  lightning: { version?: string; epoch?: number; globalStep?: number };
}

/**
 * Reads a PyTorch zip checkpoint without running anything in it.
 *
 * @example
 * const ckpt = parseTorchCheckpoint(readFileSync('epoch=5999.ckpt'), 'epoch=5999.ckpt');
 * ckpt.stateDict.size; // 70
 */
export function parseTorchCheckpoint(bytes: Uint8Array, source: string): TorchCheckpoint {
  if (bytes[0] === 0x80) {
    throw new InputError(source, undefined, 'is a legacy (pre-1.6) torch.save file, a bare pickle; re-save it with torch ≥ 1.6 (the zip format) to import it');
  }
  const zip = readZipArchive(bytes, source);
  const prefix = archivePrefix(zip);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? Buffer.from(zip.read(`${prefix}byteorder`)).toString('latin1').trim() : 'little';
  if (byteorder !== 'little') throw new InputError(source, `${prefix}byteorder`, `is ${JSON.stringify(byteorder)}; only little-endian checkpoints are supported`);
  const root = unpickle(zip.read(`${prefix}data.pkl`), source, {
    field: `${prefix}data.pkl`,
    loadStorage: (key) => {
      const name = `${prefix}data/${key}`;
      if (!zip.entries.has(name)) throw new InputError(source, name, 'is named by data.pkl but missing from the archive');
      return zip.read(name);
    },
  });
  const { stateDict, key } = findStateDict(root, source);
  return { source, root, stateDict, stateDictKey: key, lightning: lightningInfo(root) };
}

/**
 * @example
 * const ckpt = readTorchCheckpoint('official_predann_2dcnn_seed1_epoch5999.ckpt');
 */
export function readTorchCheckpoint(path: string): TorchCheckpoint {
  return parseTorchCheckpoint(readInputFile(path, 'a PyTorch checkpoint'), path);
}

/** torch.save puts every record under one top-level folder (`archive/`, or the file's stem). */
function archivePrefix(zip: ZipArchive): string {
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new InputError(zip.source, 'zip', pickles.length === 0
      ? 'is a zip file but not a PyTorch checkpoint: no <folder>/data.pkl entry'
      : `holds ${pickles.length} data.pkl entries (${pickles.join(', ')}); a PyTorch checkpoint has one`);
  }
  return pickles[0].slice(0, -'data.pkl'.length);
}

function findStateDict(root: PickleValue, source: string): { stateDict: Map<string, PickleValue>; key: string } {
  if (root instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const candidate = key === '' ? root : root.get(key);
      if (candidate instanceof Map && [...candidate.values()].some((v) => v instanceof TorchTensor)) {
        const stateDict = new Map<string, PickleValue>();
        for (const [name, value] of candidate) {
          if (typeof name !== 'string') throw new InputError(source, key || 'state dict', `has a key that is not a string (${describeValue(name)})`);
          stateDict.set(name, value);
        }
        return { stateDict, key };
      }
    }
  }
  const keys = root instanceof Map ? [...root.keys()].map((k) => (typeof k === 'string' ? k : describeValue(k))).join(', ') : describeValue(root);
  throw new InputError(source, 'data.pkl', `holds no state dict: expected a dict of tensors or a dict with one under ${STATE_DICT_KEYS.filter(Boolean).join(' / ')} (found ${keys || 'an empty dict'})`);
}

function lightningInfo(root: PickleValue): TorchCheckpoint['lightning'] {
  if (!(root instanceof Map)) return {};
  const num = (v: PickleValue | undefined) => (typeof v === 'number' ? v : undefined);
  const version = root.get('pytorch-lightning_version');
  return {
    version: typeof version === 'string' ? version : undefined,
    epoch: num(root.get('epoch')),
    globalStep: num(root.get('global_step')),
  };
}

function describeValue(value: PickleValue | undefined): string {
  if (value instanceof PickleObject) return `a ${value.cls.qualifiedName} object`;
  if (value instanceof PickleGlobal) return `the global ${value.qualifiedName}`;
  if (value instanceof TorchTensor) return 'a tensor';
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'None' : `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// State dict → Weights
// ---------------------------------------------------------------------------------------------

export interface MappedStateDict {
  weights: Weights;
  /** Each prefix rule that matched and how many tensors it renamed. */
  mapping: { from: string; to: string; tensors: number }[];
  /** State-dict keys that map to nothing, skipped. */
  skipped: string[];
  /** One line per skipped key, for people. */
  warnings: string[];
}

/**
 * Renames a PyTorch state dict to predann's names and converts its tensors. Unmapped keys are
 * skipped with a warning; two keys landing on one name, or a tensor of a type safetensors cannot
 * hold, are errors. The result is not yet checked against a preset (`checkWeights` does that).
 *
 * @example
 * const { weights, skipped } = mapTorchStateDict(readTorchCheckpoint('x.ckpt').stateDict, 'x.ckpt');
 */
export function mapTorchStateDict(stateDict: Map<string, PickleValue>, source: string): MappedStateDict {
  const weights: Weights = new Map();
  const from = new Map<string, string>();
  const counts = new Map<(typeof TORCH_PREFIXES)[number], number>();
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const [key, value] of stateDict) {
    const rule = TORCH_PREFIXES.find((r) => key.startsWith(r.from));
    if (!rule) {
      skipped.push(key);
      warnings.push(`skipped ${key}: no predann tensor corresponds (known prefixes: ${TORCH_PREFIXES.map((r) => r.from).join(', ')})`);
      continue;
    }
    const name = rule.to + key.slice(rule.from.length);
    if (from.has(name)) throw new InputError(source, key, `and ${from.get(name)} both map to ${name}; the checkpoint holds two models' worth of tensors`);
    if (!(value instanceof TorchTensor)) throw new InputError(source, key, `is ${describeValue(value)}, not a tensor`);
    weights.set(name, toSafetensor(value, key, source));
    from.set(name, key);
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  const mapping = [...counts].map(([r, tensors]) => ({ from: r.from, to: r.to, tensors }));
  return { weights, mapping, skipped, warnings };
}

/** Torch dtype → safetensors dtype, for the types predann's weights can hold. */
const SAFETENSORS_DTYPES = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', uint8: 'U8' } as const;

function toSafetensor(t: TorchTensor, key: string, source: string): Tensor {
  const dtype = SAFETENSORS_DTYPES[t.dtype as keyof typeof SAFETENSORS_DTYPES];
  if (!dtype) throw new InputError(source, key, `is a ${t.dtype} tensor; predann weights hold ${Object.keys(SAFETENSORS_DTYPES).join(', ')} (convert it in PyTorch first)`);
  const numel = t.shape.reduce((n, d) => n * d, 1);
  const { buffer, byteOffset } = new Uint8Array(t.data); // an aligned copy of its own (t.data views the file)
  const data =
    dtype === 'F32' ? new Float32Array(buffer, byteOffset, numel)
    : dtype === 'F64' ? new Float64Array(buffer, byteOffset, numel)
    : dtype === 'I64' ? new BigInt64Array(buffer, byteOffset, numel)
    : dtype === 'I32' ? new Int32Array(buffer, byteOffset, numel)
    : new Uint8Array(buffer, byteOffset, numel);
  return { dtype, shape: [...t.shape], data };
}

// ---------------------------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------------------------

export interface ImportTorchOptions {
  /** A PyTorch zip checkpoint (`.ckpt`, `.pt`, `.pth`). */
  input: string;
  /** The safetensors file to write (atomically; nothing is written if the import fails). */
  out: string;
  /** The architecture the weights must fit (default: the paper's). */
  preset?: ModelPreset;
}

export interface ImportTorchSummary {
  input: string;
  out: string;
  preset: string;
  /** Tensors written. */
  tensors: number;
  stateDictKey: string;
  mapping: MappedStateDict['mapping'];
  skipped: string[];
  warnings: string[];
  lightning: TorchCheckpoint['lightning'];
  sha256: string;
  seconds: number;
}

/**
 * Imports a PyTorch checkpoint into a predann safetensors file.
 *
 * @example
 * const summary = importTorchCheckpoint({ input: 'official_predann_2dcnn_seed1_epoch5999.ckpt', out: 'weights.safetensors' });
 * summary.tensors; // 70
 */
export function importTorchCheckpoint(options: ImportTorchOptions): ImportTorchSummary {
  for (const field of ['input', 'out'] as const) {
    const value = options?.[field];
    if (typeof value !== 'string' || value === '') throw new TypeError(`Expected a path string for ${field} but received ${received(value)}`);
  }
  if (resolve(options.input) === resolve(options.out)) throw new InputError(options.out, undefined, 'is the input checkpoint itself; choose another output path');
  const started = performance.now();
  const preset = options.preset ?? presets.paper;
  const bytes = readInputFile(options.input, 'a PyTorch checkpoint');
  const checkpoint = parseTorchCheckpoint(bytes, options.input);
  const mapped = mapTorchStateDict(checkpoint.stateDict, options.input);
  checkWeights(mapped.weights, preset, options.input);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  saveWeights(options.out, mapped.weights, preset, importMetadata(options.input, sha256, checkpoint, mapped));
  return {
    input: options.input,
    out: options.out,
    preset: preset.name,
    tensors: mapped.weights.size,
    stateDictKey: checkpoint.stateDictKey,
    mapping: mapped.mapping,
    skipped: mapped.skipped,
    warnings: mapped.warnings,
    lightning: checkpoint.lightning,
    sha256,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Provenance in the safetensors header: where the tensors came from and how they were renamed. */
function importMetadata(input: string, sha256: string, checkpoint: TorchCheckpoint, mapped: MappedStateDict): Record<string, string> {
  const meta: Record<string, string> = {
    source: basename(input),
    'source-sha256': sha256,
    'source-format': 'pytorch-zip',
    'source-state-dict': checkpoint.stateDictKey || '(top level)',
    mapping: mapped.mapping.map((m) => `${m.from}→${m.to}`).join(', '),
  };
  if (mapped.skipped.length > 0) meta.skipped = mapped.skipped.join(', ');
  const { version, epoch, globalStep } = checkpoint.lightning;
  if (version !== undefined) meta['pytorch-lightning-version'] = version;
  if (epoch !== undefined) meta.epoch = String(epoch);
  if (globalStep !== undefined) meta['global-step'] = String(globalStep);
  return meta;
}
