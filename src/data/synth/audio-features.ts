/**
 * The acoustic features that drive the synthetic brain response, computed from the audio itself
 * and brought to the EEG rate (1 kHz): five band envelopes and an onset-strength signal.
 *
 * Band envelope: a second-order band-pass (RBJ biquad, 0 dB peak) per band, the mean power per
 * output frame (44.1 audio samples at 44.1 kHz → 1 kHz), smoothed by a 10-ms one-pole and
 * compressed to power^0.15 (= amplitude^0.3, roughly perceived loudness).
 * Onset strength: the half-wave rectified 10-ms rise of each compressed envelope, summed over
 * bands, as in spectral-flux onset detectors: large at drum hits and note starts, zero in decays.
 * Auditory cortex follows both the loudness envelope and onsets, which is what the EEG model
 * turns into evoked responses.
 */

/** Band edges in Hz: kick/bass, low mids (bass harmonics, pad), mids (pad, lead), presence (snare, lead harmonics), air (hats). */
export const FEATURE_BANDS: readonly (readonly [number, number])[] = [
  [40, 150],
  [150, 500],
  [500, 2000],
  [2000, 6000],
  [6000, 16000],
];

/** Feature names in storage order. */
export const FEATURE_NAMES: readonly string[] = [...FEATURE_BANDS.map(([lo, hi]) => `band ${lo}-${hi} Hz`), 'onset'];

/** Number of features (bands + onset strength). */
export const FEATURE_COUNT = FEATURE_NAMES.length;

const SMOOTHING_MS = 10;
const ONSET_LAG_MS = 10;
/** Brings onset strength to the scale of the envelopes (both O(1)). */
const ONSET_GAIN = 4;

export interface AudioFeatures {
  /** Frames per second (the raw EEG rate). */
  rate: number;
  frames: number;
  /** Feature-major: feature f at frame t is `values[f * frames + t]`. */
  values: Float32Array;
}

interface Biquad {
  b0: number;
  b2: number;
  a1: number;
  a2: number;
}

/** RBJ cookbook band-pass with 0 dB peak gain, centred on the geometric mean of the edges (b1 = 0). */
function bandPass(lo: number, hi: number, sampleRate: number): Biquad {
  const centre = Math.sqrt(lo * hi);
  const q = centre / (hi - lo);
  const w0 = (2 * Math.PI * centre) / sampleRate;
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  return { b0: alpha / a0, b2: -alpha / a0, a1: (-2 * Math.cos(w0)) / a0, a2: (1 - alpha) / a0 };
}

/**
 * Mean power of `audio` through `filter` per output frame. One band per pass keeps the filter
 * state in registers, which is several times faster than updating all bands per sample.
 */
function bandPower(audio: Float32Array, filter: Biquad, sampleRate: number, rate: number, frames: number): Float64Array {
  const { b0, b2, a1, a2 } = filter;
  const power = new Float64Array(frames);
  let s1 = 0; // transposed direct form II state
  let s2 = 0;
  for (let t = 0; t < frames; t++) {
    const from = Math.floor((t * sampleRate) / rate);
    const to = Math.floor(((t + 1) * sampleRate) / rate);
    let sum = 0;
    for (let i = from; i < to; i++) {
      const x = audio[i];
      const y = b0 * x + s1;
      s1 = s2 - a1 * y;
      s2 = b2 * x - a2 * y;
      sum += y * y;
    }
    power[t] = sum / (to - from);
  }
  return power;
}

/**
 * Band envelopes and onset strength of `audio` at `rate` frames per second
 * (`floor(audio.length · rate / sampleRate)` frames).
 *
 * @example
 * const features = extractAudioFeatures(audio, 44100); // 1 kHz
 * const onset = features.values.subarray(5 * features.frames, 6 * features.frames);
 */
export function extractAudioFeatures(audio: Float32Array, sampleRate: number, rate = 1000): AudioFeatures {
  const frames = Math.floor((audio.length * rate) / sampleRate);
  const powers = FEATURE_BANDS.map(([lo, hi]) =>
    bandPower(audio, bandPass(lo, Math.min(hi, 0.45 * sampleRate), sampleRate), sampleRate, rate, frames),
  );
  const values = new Float32Array(FEATURE_COUNT * frames);
  const onset = values.subarray(FEATURE_BANDS.length * frames);
  const smoothing = 1 - Math.exp(-1000 / (SMOOTHING_MS * rate));
  const lag = Math.max(1, Math.round((ONSET_LAG_MS * rate) / 1000));
  powers.forEach((power, b) => {
    const envelope = values.subarray(b * frames, (b + 1) * frames);
    let smoothed = 0;
    for (let t = 0; t < frames; t++) {
      smoothed += smoothing * (power[t] - smoothed);
      envelope[t] = smoothed ** 0.15;
      if (t >= lag) onset[t] += ONSET_GAIN * Math.max(0, envelope[t] - envelope[t - lag]);
    }
  });
  return { rate, frames, values };
}
