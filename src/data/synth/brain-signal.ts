/**
 * The latent EEG of one participant over one stretch of a recording: what the brain produces
 * before the recording adds DC offsets, drift, line noise, blinks and bad channels.
 *
 *   brain(t) = M · s(t) + n(t)
 *
 * s(t): the sources of `subject-model.ts`: evoked responses to the song's audio features (absent
 * between songs), five 1/f background sources and an alpha rhythm; M: the participant's forward
 * model (µV per unit source); n(t): independent 1/f noise per channel. The low-rank M·s part is
 * the spatially correlated background; n(t) keeps every channel partly its own.
 *
 * Each song segment streams from its own random stream (participant × song), so the same latent
 * EEG can be regenerated for the cleaned release without replaying the rest of the recording.
 */
import { FEATURE_COUNT, type AudioFeatures } from './audio-features.js';
import { EvokedResponse } from './evoked-response.js';
import { PinkNoiseBank } from './pink-noise.js';
import { SeededRng } from './seeded-rng.js';
import { ALPHA_SOURCE, BACKGROUND_SOURCES, SOURCE_COUNT, type SubjectModel } from './subject-model.js';
import { eegChannels } from '../nmedt.js';

/** Frames mixed per inner pass; bounds the scratch memory. */
const CHUNK_FRAMES = 1000;
/** Bandwidth of the alpha resonance, Hz. */
const ALPHA_BANDWIDTH_HZ = 2;

/** Narrow-band noise around `hz` with unit variance: white noise through a two-pole resonator. */
class AlphaRhythm {
  private readonly a1: number;
  private readonly a2: number;
  private readonly gain: number;
  private y1 = 0;
  private y2 = 0;
  private readonly white = new Float64Array(1);

  constructor(
    hz: number,
    sampleRate: number,
    private readonly rng: SeededRng,
  ) {
    const r = Math.exp((-Math.PI * ALPHA_BANDWIDTH_HZ) / sampleRate);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * hz) / sampleRate);
    this.a2 = -r * r;
    // Stationary variance of y_t = a1 y_{t−1} + a2 y_{t−2} + e_t for unit-variance e_t.
    const variance = (1 - this.a2) / ((1 + this.a2) * ((1 - this.a2) ** 2 - this.a1 ** 2));
    this.gain = 1 / Math.sqrt(variance);
    for (let i = 0; i < sampleRate; i++) this.next(); // one second of warm-up: past the transient
  }

  next(): number {
    this.rng.fillUniformNoise(this.white, 1);
    const y = this.a1 * this.y1 + this.a2 * this.y2 + this.white[0];
    this.y2 = this.y1;
    this.y1 = y;
    return this.gain * y;
  }
}

export class BrainSignal {
  private readonly evoked: EvokedResponse | null;
  private readonly background: PinkNoiseBank;
  private readonly alpha: AlphaRhythm;
  private readonly channelNoise: PinkNoiseBank;
  private readonly sources = new Float64Array(CHUNK_FRAMES * SOURCE_COUNT);
  private readonly unitGains = new Float64Array(BACKGROUND_SOURCES).fill(1);
  /** The forward model source-major (columns[j * 128 + c]), the order `mix` reads it in. */
  private readonly columns: Float64Array;

  /**
   * The brain signal of participant `model` while hearing `song` (trigger), from its first sample.
   * Its stream depends only on seed, participant and song, so the raw file and the cleaned release
   * get the same latent EEG.
   *
   * @example
   * const brain = BrainSignal.forSong(describeSubject(0, 2), features, 0, 21, 1000);
   */
  static forSong(model: SubjectModel, features: AudioFeatures, seed: number, song: number, sampleRate: number): BrainSignal {
    return new BrainSignal(model, features, SeededRng.stream(seed, 'subject', model.id, 'song', song), sampleRate);
  }

  /**
   * The brain signal of participant `model` in the silence `gap` (0 = before the first song) of
   * recording file `part`.
   *
   * @example
   * const brain = BrainSignal.forGap(describeSubject(0, 2), 0, 1, 0, 1000);
   */
  static forGap(model: SubjectModel, seed: number, part: number, gap: number, sampleRate: number): BrainSignal {
    return new BrainSignal(model, null, SeededRng.stream(seed, 'subject', model.id, 'part', part, 'gap', gap), sampleRate);
  }

  /**
   * The brain signal of `model` from frame 0 of a stretch; `features` are the song heard from
   * frame 0 on, or null for silence between songs.
   *
   * @example
   * const brain = new BrainSignal(describeSubject(0, 2), features, SeededRng.stream(0, 'subject', 2, 'song', 21), 1000);
   * const block = new Float64Array(129 * 1000);
   * brain.add(block, 1000, 129); // first second of the song, rows 0–127 of a 129-row layout
   */
  constructor(
    private readonly model: SubjectModel,
    features: AudioFeatures | null,
    rng: SeededRng,
    sampleRate: number,
  ) {
    const latencyFrames = Math.round((model.latencyMs * sampleRate) / 1000);
    this.evoked = features ? new EvokedResponse(features, latencyFrames, model.kernel, sampleRate) : null;
    this.background = new PinkNoiseBank(BACKGROUND_SOURCES, rng.fork('background'), sampleRate);
    this.alpha = new AlphaRhythm(model.alphaHz, sampleRate, rng.fork('alpha'));
    this.channelNoise = new PinkNoiseBank(eegChannels, rng.fork('channels'), sampleRate);
    this.columns = new Float64Array(eegChannels * SOURCE_COUNT);
    for (let c = 0; c < eegChannels; c++) {
      for (let j = 0; j < SOURCE_COUNT; j++) this.columns[j * eegChannels + c] = model.mixing[c * SOURCE_COUNT + j];
    }
  }

  /**
   * Adds the next `frames` frames of the 128 channels to `out`, time-major with `stride` values
   * per frame: channel c of frame t is `out[offset + t * stride + c]`.
   */
  add(out: Float64Array, frames: number, stride: number, offset = 0): void {
    for (let done = 0; done < frames; done += CHUNK_FRAMES) {
      const n = Math.min(CHUNK_FRAMES, frames - done);
      this.nextSources(n);
      this.mix(out, n, stride, offset + done * stride);
    }
    this.channelNoise.add(out, frames, stride, this.model.channelNoiseUv, offset);
  }

  /** Fills `sources` (frame-major, SOURCE_COUNT per frame) with the next `frames` frames. */
  private nextSources(frames: number): void {
    const sources = this.sources;
    if (this.evoked) this.evoked.next(sources, frames, SOURCE_COUNT, 0);
    else for (let t = 0; t < frames; t++) sources.fill(0, t * SOURCE_COUNT, t * SOURCE_COUNT + FEATURE_COUNT);
    for (let t = 0; t < frames; t++) sources.fill(0, t * SOURCE_COUNT + FEATURE_COUNT, (t + 1) * SOURCE_COUNT);
    this.background.add(sources, frames, SOURCE_COUNT, this.unitGains, FEATURE_COUNT);
    for (let t = 0; t < frames; t++) sources[t * SOURCE_COUNT + ALPHA_SOURCE] = this.alpha.next();
  }

  /**
   * out[frame, c] += Σ_j mixing[c, j] · sources[frame, j]. Four sources per pass over the
   * channels: each output value is loaded and stored once per four multiply-adds, which is what
   * bounds this loop in V8.
   */
  private mix(out: Float64Array, frames: number, stride: number, offset: number): void {
    const m = this.columns;
    const sources = this.sources;
    const n = eegChannels;
    for (let t = 0; t < frames; t++) {
      const row = offset + t * stride;
      const first = t * SOURCE_COUNT;
      let j = 0;
      for (; j + 4 <= SOURCE_COUNT; j += 4) {
        const s0 = sources[first + j];
        const s1 = sources[first + j + 1];
        const s2 = sources[first + j + 2];
        const s3 = sources[first + j + 3];
        const c0 = j * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        for (let c = 0; c < n; c++) out[row + c] += m[c0 + c] * s0 + m[c1 + c] * s1 + m[c2 + c] * s2 + m[c3 + c] * s3;
      }
      for (; j < SOURCE_COUNT; j++) {
        const s = sources[first + j];
        for (let c = 0; c < n; c++) out[row + c] += m[j * n + c] * s;
      }
    }
  }
}
