/**
 * Streaming 1/f ("pink") noise for many channels at once, generated block by block.
 *
 * White noise drives four parallel one-pole low-pass sections whose corner frequencies are spaced
 * by a factor of six (0.3, 1.8, 11 and 65 Hz at 1 kHz). Each section contributes a Lorentzian
 * spectrum; with input gains ∝ √corner the sum of Lorentzians follows 1/f within ±1.5 dB between
 * about 0.5 and 100 Hz, the band where scalp EEG's background is 1/f-like, and falls as 1/f² above.
 * The state is four numbers per channel, so a recording of any length streams in constant memory.
 */
import type { SeededRng } from './seeded-rng.js';

const CORNERS_HZ = [0.3, 1.8, 11, 65];
/** Warm-up, in time constants of the slowest section, so the first sample is already stationary. */
const WARM_UP_TIME_CONSTANTS = 5;

export class PinkNoiseBank {
  private readonly poles: Float64Array;
  private readonly inputGains: Float64Array;
  /** Section states, channel-major: state[c * sections + k]. */
  private readonly state: Float64Array;
  private white: Float64Array;

  /**
   * `channels` independent unit-variance pink noises at `sampleRate`, drawing from `rng`.
   *
   * @example
   * const noise = new PinkNoiseBank(128, SeededRng.stream(0, 'demo'), 1000);
   * const block = new Float64Array(128 * 1000); // 1 s, time-major
   * noise.add(block, 1000, 128, new Float64Array(128).fill(5)); // 5 µV RMS per channel
   */
  constructor(
    readonly channels: number,
    private readonly rng: SeededRng,
    sampleRate: number,
  ) {
    const sections = CORNERS_HZ.length;
    this.poles = Float64Array.from(CORNERS_HZ, (hz) => Math.exp((-2 * Math.PI * hz) / sampleRate));
    // Plateau of section k is g_k²/(1 − p_k)², which must be ∝ 1/corner_k for a 1/f sum.
    const raw = Float64Array.from(this.poles, (p, k) => (1 - p) / Math.sqrt(CORNERS_HZ[k]));
    // Variance of the sum for unit white input: Σ_jk g_j g_k / (1 − p_j p_k) (stationary cross-covariances).
    let variance = 0;
    for (let j = 0; j < sections; j++) {
      for (let k = 0; k < sections; k++) variance += (raw[j] * raw[k]) / (1 - this.poles[j] * this.poles[k]);
    }
    this.inputGains = raw.map((g) => g / Math.sqrt(variance));
    this.state = new Float64Array(channels * sections);
    this.white = new Float64Array(0);
    const warmUp = Math.ceil((WARM_UP_TIME_CONSTANTS * sampleRate) / (2 * Math.PI * CORNERS_HZ[0]));
    this.add(new Float64Array(channels * warmUp), warmUp, channels, new Float64Array(channels));
  }

  /**
   * Adds `gains[c]` × the next `frames` samples of channel c to `out`, which is time-major with
   * `stride` values per frame; channel c of frame t is `out[offset + t * stride + c]`.
   */
  add(out: Float64Array, frames: number, stride: number, gains: Float64Array, offset = 0): void {
    const n = this.channels;
    if (this.white.length < n) this.white = new Float64Array(n);
    const white = this.white;
    const [p0, p1, p2, p3] = this.poles;
    const [g0, g1, g2, g3] = this.inputGains;
    const state = this.state;
    for (let t = 0; t < frames; t++) {
      this.rng.fillUniformNoise(white, n);
      const row = offset + t * stride;
      for (let c = 0; c < n; c++) {
        const w = white[c];
        const s = 4 * c;
        const y0 = (state[s] = p0 * state[s] + g0 * w);
        const y1 = (state[s + 1] = p1 * state[s + 1] + g1 * w);
        const y2 = (state[s + 2] = p2 * state[s + 2] + g2 * w);
        const y3 = (state[s + 3] = p3 * state[s + 3] + g3 * w);
        out[row + c] += gains[c] * (y0 + y1 + y2 + y3);
      }
    }
  }
}
