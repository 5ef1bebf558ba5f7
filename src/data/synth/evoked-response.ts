/**
 * The brain's response to the music, one source per audio feature: the feature delayed by the
 * subject's latency and passed through an ERP-like temporal kernel.
 *
 * The kernel is a difference of two gamma kernels, each a cascade of three one-pole low-passes
 * (unit area): a fast positive lobe (time constant 8–14 ms, peak ≈ 2τ) minus a slower negative
 * lobe (25–45 ms) of slightly smaller area, the biphasic shape of the auditory P1–N1 complex. Net
 * area 1 − slowWeight > 0 leaves a small sustained response to loudness, and the cascade form is
 * an IIR filter, so the response streams sample by sample at a few operations per feature.
 */
import { type AudioFeatures, FEATURE_COUNT } from './audio-features.js';

export interface ResponseKernel {
  /** Time constant of each stage of the fast (positive) lobe, ms. */
  fastMs: number;
  /** Time constant of each stage of the slow (negative) lobe, ms. */
  slowMs: number;
  /** Area of the slow lobe relative to the fast one (0–1). */
  slowWeight: number;
}

const STAGES = 3;

export class EvokedResponse {
  private readonly fastCoefficient: number;
  private readonly slowCoefficient: number;
  /** Stage outputs, feature-major: fast[k * STAGES + stage]. */
  private readonly fast = new Float64Array(FEATURE_COUNT * STAGES);
  private readonly slow = new Float64Array(FEATURE_COUNT * STAGES);
  /** Frames produced so far (0 = the song's first sample). */
  private position = 0;

  /**
   * Responses to `features`, which start at this stream's frame 0, delayed by `latencyFrames`.
   *
   * @example
   * const response = new EvokedResponse(features, 200, { fastMs: 10, slowMs: 35, slowWeight: 0.8 }, 1000);
   * const sources = new Float64Array(FEATURE_COUNT * 1000);
   * response.next(sources, 1000); // the first second, frame-major
   */
  constructor(
    private readonly features: AudioFeatures,
    private readonly latencyFrames: number,
    private readonly kernel: ResponseKernel,
    sampleRate: number,
  ) {
    this.fastCoefficient = 1 - Math.exp(-1000 / (kernel.fastMs * sampleRate));
    this.slowCoefficient = 1 - Math.exp(-1000 / (kernel.slowMs * sampleRate));
  }

  /**
   * Writes the next `frames` frames of every source to `out`, frame-major with `stride` values per
   * frame: source k of frame t goes to `out[offset + t * stride + k]`.
   */
  next(out: Float64Array, frames: number, stride = FEATURE_COUNT, offset = 0): void {
    const { values, frames: featureFrames } = this.features;
    const a = this.fastCoefficient;
    const b = this.slowCoefficient;
    const w = this.kernel.slowWeight;
    for (let t = 0; t < frames; t++) {
      const source = this.position + t - this.latencyFrames; // the feature frame heard `latency` ago
      const audible = source >= 0 && source < featureFrames;
      for (let k = 0; k < FEATURE_COUNT; k++) {
        let x = audible ? values[k * featureFrames + source] : 0;
        let y = x;
        for (let stage = 0; stage < STAGES; stage++) {
          const i = k * STAGES + stage;
          x = this.fast[i] += a * (x - this.fast[i]);
          y = this.slow[i] += b * (y - this.slow[i]);
        }
        out[offset + t * stride + k] = x - w * y;
      }
    }
    this.position += frames;
  }
}
