/**
 * The only module that loads the native addon. Everything else imports the typed `native`
 * object from here, so the binding's surface is written down in one place.
 */
import type { TrainStepConfig, TrainStepResult } from './model/train-step.js';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the addon was built with and what it found at run time. */
export interface BuildInfo {
  compiler: string;
  buildType: string;
  simd: string;
  openmp: boolean;
  openmpThreads: number;
  cudaCompiled: boolean;
  cudaCompiler: string;
  cudaRuntimeVersion: number;
  cudaDriverVersion: number;
  cudaStatus: string;
  cudaDevices: { index: number; name: string; computeCapability: string; totalMemory: number; multiprocessors: number }[];
}

/** The raw binding. Arguments are validated in TypeScript before they get here. */
export interface Binding {
  buildInfo(): BuildInfo;
  setNumThreads(threads: number): void;
  /** Times FMA chains on every thread for about `seconds`: the machine's fp32 peak. */
  measureFmaPeak(seconds: number): Promise<{ gflops: number; threads: number; lanes: number; seconds: number }>;
  // --- resample (native/binding/resample.cpp); wrapped by src/dsp/resample.ts ---
  resample(
    x: Float32Array | Float64Array,
    channels: number,
    samples: number,
    num: number,
    timeMajor: boolean,
    engine: 'fast' | 'reference',
  ): Promise<Float64Array>;
  resampleDescribe(samples: number, num: number): string;
  // --- filters (native/binding/filters.cpp); wrapped by src/dsp/iir-filter.ts ---
  iirDesign(
    family: string, band: string, order: number, rippleDb: number, cutoffsHz: number[], fs: number,
  ): { sos: Float64Array; b: Float64Array; a: Float64Array; maxPoleRadius: number; baStable: boolean; sosPadlen: number; baPadlen: number };
  sosMagnitude(sos: Float64Array, frequencies: Float64Array, fs: number): Float64Array;
  baMagnitude(b: Float64Array, a: Float64Array, frequencies: Float64Array, fs: number): Float64Array;
  sosfiltZi(sos: Float64Array): Float64Array;
  lfilterZi(b: Float64Array, a: Float64Array): Float64Array;
  /** y may be x itself; resolves to the final states (channels × states). */
  sosfilt(
    sos: Float64Array, x: Float64Array, channels: number, samples: number, zi: Float64Array | null, y: Float64Array, engine: 'fast' | 'reference',
  ): Promise<Float64Array>;
  lfilter(
    b: Float64Array, a: Float64Array, x: Float64Array, channels: number, samples: number, zi: Float64Array | null, y: Float64Array,
    engine: 'fast' | 'reference',
  ): Promise<Float64Array>;
  /** y may be x itself. */
  sosfiltfilt(
    sos: Float64Array, x: Float64Array, channels: number, samples: number, padlen: number, y: Float64Array, engine: 'fast' | 'reference',
  ): Promise<Float64Array>;
  filtfilt(
    b: Float64Array, a: Float64Array, x: Float64Array, channels: number, samples: number, padlen: number, y: Float64Array,
    engine: 'fast' | 'reference',
  ): Promise<Float64Array>;
  // --- clips (native/binding/clips.cpp); wrapped by src/data/clip-preprocess.ts ---
  preprocessClips(
    clips: Float32Array, count: number, channels: number, length: number,
    clamp: number, padLeft: number, padRight: number, engine: string, stats: boolean, output?: Float32Array,
  ): Promise<{ output: Float32Array; center?: Float64Array; scale?: Float64Array; engine: 'fast' | 'reference' | 'cuda' }>;
  preprocessCrops(
    recording: Float32Array, channels: number, samples: number, starts: Float64Array, length: number,
    clamp: number, padLeft: number, padRight: number, engine: string, stats: boolean, output?: Float32Array,
  ): Promise<{ output: Float32Array; center?: Float64Array; scale?: Float64Array; engine: 'fast' | 'reference' | 'cuda' }>;
  // --- losses (native/binding/losses.cpp); wrapped by src/model/losses.ts ---
  infoNce(
    zEeg: Float32Array, zMusic: Float32Array, batch: number, dim: number, temperature: number, detach: boolean,
    engine: 'fast' | 'reference',
  ): Promise<{ loss: number; dEeg: Float32Array; dMusic?: Float32Array }>;
  crossEntropy(
    logits: Float32Array, labels: Int32Array, batch: number, classes: number, engine: 'fast' | 'reference',
  ): Promise<{ loss: number; dLogits: Float32Array }>;
  // --- model (native/binding/model.cpp); wrapped by src/model/encoder.ts ---
  encoderForwardEval(
    tensors: (Float32Array | BigInt64Array)[], input: Float32Array, batch: number, height: number, width: number, dims: number[],
  ): Promise<{ feature: Float32Array; logits: Float32Array; z: Float32Array }>;
  trainStep(
    eeg: (Float32Array | BigInt64Array)[], music: (Float32Array | BigInt64Array)[], eegGrads: Float32Array[], musicGrads: Float32Array[],
    xEeg: Float32Array, eegShape: number[], xMusic: Float32Array, musicShape: number[], labels: Int32Array, dims: number[],
    config: TrainStepConfig,
    teacher?: Float32Array,
  ): Promise<TrainStepResult>;
  adamStep(params: Float32Array[], grads: Float32Array[], m: Float32Array[], v: Float32Array[], step: number, lr: number, beta1: number, beta2: number, eps: number): Promise<void>;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** PREDANN_ADDON points at another build of the addon (a debug or CUDA build, say). */
const addonPath = process.env.PREDANN_ADDON ?? join(packageRoot, 'build', 'Release', 'predann.node');

function loadAddon(): Binding {
  if (!existsSync(addonPath)) {
    throw new Error(`predann native addon not found at ${addonPath}; build it with "npm run build:native"`);
  }
  return createRequire(import.meta.url)(addonPath) as Binding;
}

export const native: Binding = loadAddon();

/**
 * Awaits a native call; a failure gets the stack of `site` (an Error made at the caller's line
 * before the call) instead of none, so an error from a worker thread points at user code.
 *
 * @example
 * return withCallerStack(new Error(), () => native.resample(x, channels, samples, num, false, 'fast'));
 */
export async function withCallerStack<T>(site: Error, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && site.stack) {
      error.stack = `${error.name}: ${error.message}\n${site.stack.split('\n').slice(1).join('\n')}`;
    }
    throw error;
  }
}
