/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped, written as
 * one directory that appears atomically (a run killed mid-write keeps its previous checkpoint).
 *
 *   checkpoint/weights.safetensors   every parameter and BatchNorm buffer (state-dict names)
 *   checkpoint/adam.safetensors      Adam's first and second moments, `m.<name>` and `v.<name>`
 *   checkpoint/state.json            epoch, step, Adam step, the PyRandom state (shuffles, crops)
 * The dropout masks are a pure function of (seed, step), so they need no state of their own.
 *
 * Replacing a checkpoint takes two renames (the old one aside, the new one in place). A run killed
 * between them leaves no `checkpoint/`, but both complete checkpoints under their temporary names
 * (`.checkpoint.<pid>.<hex>.tmp`): the resume takes the later of them, puts it back in place and
 * removes the rest.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { withAtomicOutput } from '../io/atomic.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { PyRandom, PyRandomState } from '../data/py-random.js';
import type { ModelPreset } from '../model/model-spec.js';
import type { AdamState } from '../model/train-step.js';
import { loadWeights, saveWeights, type Weights } from '../model/weights.js';

export interface CheckpointState {
  epoch: number;
  step: number;
  adamStep: number;
  rng: PyRandomState;
}

export const checkpointDir = (runDir: string) => join(runDir, 'checkpoint');

/** Writes the checkpoint of a run directory, replacing the previous one atomically. */
export async function writeCheckpoint(runDir: string, preset: ModelPreset, weights: Weights, adam: AdamState, rng: PyRandom, position: { epoch: number; step: number }): Promise<void> {
  await withAtomicOutput(checkpointDir(runDir), async (tmp) => {
    mkdirSync(tmp, { recursive: true });
    saveWeights(join(tmp, 'weights.safetensors'), weights, preset);
    const moments = new Map<string, Tensor>();
    for (const [name, m] of adam.m) moments.set(`m.${name}`, { dtype: 'F32', shape: [m.length], data: m });
    for (const [name, v] of adam.v) moments.set(`v.${name}`, { dtype: 'F32', shape: [v.length], data: v });
    writeSafetensors(join(tmp, 'adam.safetensors'), moments);
    const state: CheckpointState = { ...position, adamStep: adam.step, rng: rng.getState() };
    writeFileSync(join(tmp, 'state.json'), JSON.stringify(state) + '\n');
  });
}

/** True when the run directory holds a complete checkpoint (in place or left under a temporary name). */
export function hasCheckpoint(runDir: string): boolean {
  return latestCheckpoint(runDir) !== undefined;
}

const complete = (dir: string) => existsSync(join(dir, 'state.json'));
const stepOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState).step;

/** Temporary checkpoint directories a killed run left behind, complete or not. */
function leftovers(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir).filter((name) => /^\.checkpoint\..*\.tmp$/.test(name)).map((name) => join(runDir, name));
}

/** `checkpoint/` if complete, else the complete leftover with the most steps, else undefined. */
function latestCheckpoint(runDir: string): string | undefined {
  if (complete(checkpointDir(runDir))) return checkpointDir(runDir);
  const candidates = leftovers(runDir).filter(complete);
  return candidates.sort((a, b) => stepOf(b) - stepOf(a))[0];
}

/** Puts the latest complete checkpoint in place as `checkpoint/` and removes the leftovers. */
function settleCheckpoint(runDir: string): string {
  const latest = latestCheckpoint(runDir);
  if (!latest) throw new InputError(checkpointDir(runDir), 'state.json', 'no complete checkpoint to resume from');
  if (latest !== checkpointDir(runDir)) {
    rmSync(checkpointDir(runDir), { recursive: true, force: true });
    renameSync(latest, checkpointDir(runDir));
  }
  for (const dir of leftovers(runDir)) rmSync(dir, { recursive: true, force: true });
  return checkpointDir(runDir);
}

/** Reads a checkpoint back into fresh weights, the Adam state and the generator. */
export function readCheckpoint(runDir: string, preset: ModelPreset, adam: AdamState, rng: PyRandom): { weights: Weights; state: CheckpointState } {
  const dir = settleCheckpoint(runDir);
  const weights = loadWeights(join(dir, 'weights.safetensors'), preset);
  const { tensors } = readSafetensors(join(dir, 'adam.safetensors'));
  for (const [kind, moments] of [['m', adam.m], ['v', adam.v]] as const) {
    for (const [name, buffer] of moments) {
      const t = tensors.get(`${kind}.${name}`);
      if (!t || t.data.length !== buffer.length) throw new InputError(join(dir, 'adam.safetensors'), `${kind}.${name}`, 'missing or of the wrong size');
      buffer.set(t.data as Float32Array);
    }
  }
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  adam.step = state.adamStep;
  rng.setState(state.rng);
  return { weights, state };
}
