/**
 * A trained model to evaluate, from a run directory (`predann train --out RUN`: its
 * `weights.safetensors` and `run.json`) or from a weights file. The preset comes from the file's
 * metadata (written by `saveWeights`) or, for files from elsewhere (the official checkpoint, an
 * import), from the tensor shapes; weights that fit no preset get an error naming the file and the
 * first tensor that does not fit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { readSafetensors } from '../io/safetensors.js';
import { modelTensors, presets, type ModelPreset } from '../model/model-spec.js';
import { checkWeights, type Weights } from '../model/weights.js';

export interface TrainedModel {
  /** A short name for reports: the run directory's or the file's base name. */
  name: string;
  /** The weights file read. */
  path: string;
  preset: ModelPreset;
  weights: Weights;
  /** The run record (`run.json`) when the model came from a run directory. */
  run?: Record<string, unknown>;
}

function presetFor(weights: Weights, metadata: Record<string, string>, path: string): ModelPreset {
  const named = presets[metadata.preset as keyof typeof presets] ?? (metadata.preset_spec ? (JSON.parse(metadata.preset_spec) as ModelPreset) : undefined);
  if (named) {
    checkWeights(weights, named, path);
    return named;
  }
  // The preset most of whose tensors the file matches: its first mismatch is the useful message.
  const matching = (p: ModelPreset) => modelTensors(p).filter((t) => weights.get(t.name)?.shape.join('×') === t.shape.join('×')).length;
  const closest = Object.values(presets).reduce((best, p) => (matching(p) > matching(best) ? p : best));
  checkWeights(weights, closest, path); // throws, naming the file and the first tensor that does not fit
  return closest;
}

/**
 * @example
 * const model = loadTrainedModel('predann-demo/runs/small-lambda0.05');
 * const official = loadTrainedModel('predann_2dcnn_trained_seed1.safetensors'); // the paper preset, from its shapes
 */
export function loadTrainedModel(runOrFile: string): TrainedModel {
  if (!existsSync(runOrFile)) throw new InputError(runOrFile, undefined, 'no such run directory or weights file');
  const isRun = statSync(runOrFile).isDirectory();
  const path = isRun ? join(runOrFile, 'weights.safetensors') : runOrFile;
  if (isRun && !existsSync(path)) throw new InputError(runOrFile, 'weights.safetensors', 'missing: is this a finished `predann train` run?');
  const { tensors, metadata } = readSafetensors(path);
  const preset = presetFor(tensors, metadata, path);
  const runFile = isRun ? join(runOrFile, 'run.json') : undefined;
  const run = runFile && existsSync(runFile) ? (JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>) : undefined;
  const name = basename(isRun ? runOrFile.replace(/\/+$/, '') : runOrFile.replace(/\.safetensors$/, ''));
  return { name, path, preset, weights: tensors, run };
}
