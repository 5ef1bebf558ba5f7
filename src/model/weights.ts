/**
 * Model weights: every tensor of a preset, checked by name, dtype and shape against the spec, read
 * from and written to safetensors under PyTorch's state-dict keys.
 */
import { InputError } from '../errors.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import { modelTensors, type ModelPreset } from './model-spec.js';

export type Weights = Map<string, Tensor>;

/**
 * Checks that `tensors` hold exactly the preset's tensors (names, dtypes, shapes); `source`
 * names the file in messages.
 */
export function checkWeights(tensors: Weights, preset: ModelPreset, source: string): void {
  const expected = modelTensors(preset);
  for (const spec of expected) {
    const t = tensors.get(spec.name);
    if (!t) throw new InputError(source, spec.name, `missing (the ${preset.name} preset needs ${expected.length} tensors)`);
    if (t.dtype !== spec.dtype) throw new InputError(source, spec.name, `is ${t.dtype}, expected ${spec.dtype}`);
    if (t.shape.join('×') !== spec.shape.join('×')) {
      throw new InputError(source, spec.name, `has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}] for the ${preset.name} preset`);
    }
  }
  const known = new Set(expected.map((s) => s.name));
  const extra = [...tensors.keys()].filter((k) => !known.has(k));
  if (extra.length > 0) throw new InputError(source, extra[0], `is not a tensor of the ${preset.name} preset${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
}

/**
 * @example
 * const weights = loadWeights('predann_2dcnn_trained_seed1.safetensors', presets.paper);
 */
export function loadWeights(path: string, preset: ModelPreset): Weights {
  const { tensors } = readSafetensors(path);
  checkWeights(tensors, preset, path);
  return tensors;
}

/** Writes weights in the preset's state-dict order, atomically. */
export function saveWeights(path: string, weights: Weights, preset: ModelPreset, metadata: Record<string, string> = {}): void {
  checkWeights(weights, preset, path);
  const ordered = new Map(modelTensors(preset).map((s) => [s.name, weights.get(s.name)!]));
  // The whole spec too: a derived preset (e.g. projector II sized to a teacher) loads back without a registry.
  writeSafetensors(path, ordered, { preset: preset.name, preset_spec: JSON.stringify(preset), ...metadata });
}
