/**
 * What a raw EGI recording adds on top of the brain signal, streamed over one recording file:
 *
 * - DC offsets: a constant of a few hundred µV per electrode (EGI amplifiers are DC-coupled);
 * - drift: a slow random walk per channel, with a knot every second (an AR(1) process with a 50-s
 *   time constant) linearly interpolated between knots, so its power lies below ~0.3 Hz;
 * - 60 Hz line noise with the participant's amplitude and phase, scaled and phase-shifted a little
 *   per channel (electrode impedances differ);
 * - blinks: smooth 200–400 ms raised-cosine bumps of 100–300 µV at random times (Poisson,
 *   6–25 per minute), strongest on the face electrodes E125–E128 and weaker on frontal rows;
 * - bad channels: flat (nothing but the offset), noisy (strong white noise) or spiky (sharp
 *   10-ms transients of a few hundred µV, about one every two seconds).
 *
 * Row 129 (the reference) is never touched: it stays exactly zero.
 */
import { eegChannels } from '../nmedt.js';
import type { SeededRng } from './seeded-rng.js';
import type { ArtifactParameters } from './subject-model.js';

const LINE_HZ = 60;
/** Drift knot spacing, and the knots' AR(1) coefficient (time constant 50 knots = 50 s). */
const DRIFT_KNOT_SECONDS = 1;
const DRIFT_AR = 0.98;
const BLINK_SECONDS: readonly [number, number] = [0.2, 0.4];
const SPIKE_SECONDS = 0.01;
const SPIKES_PER_SECOND = 0.5;

interface Pulse {
  start: number;
  frames: number;
  peak: number;
}

/**
 * Pulses at Poisson times (exponential gaps after each pulse ends), each drawn by `draw` and
 * shaped by `shape(u)` for u ∈ [0, 1), rendered block by block; pulses may straddle blocks.
 */
class PulseTrain {
  private pending: Pulse[] = [];
  private nextStart: number;

  constructor(
    private readonly rng: SeededRng,
    private readonly meanGapFrames: number,
    private readonly draw: (rng: SeededRng) => { frames: number; peak: number },
    private readonly shape: (u: number) => number,
  ) {
    this.nextStart = Math.round(rng.exponential(meanGapFrames));
  }

  /** Adds the pulses that overlap frames [from, from + frames) to `wave` (indexed from `from`); true if any did. */
  render(wave: Float64Array, from: number, frames: number): boolean {
    const to = from + frames;
    while (this.nextStart < to) {
      const pulse = { start: this.nextStart, ...this.draw(this.rng) };
      this.pending.push(pulse);
      this.nextStart = pulse.start + pulse.frames + Math.round(this.rng.exponential(this.meanGapFrames));
    }
    let any = false;
    for (const p of this.pending) {
      const first = Math.max(p.start, from);
      const last = Math.min(p.start + p.frames, to);
      for (let t = first; t < last; t++) wave[t - from] += p.peak * this.shape((t - p.start) / p.frames);
      any ||= last > first;
    }
    this.pending = this.pending.filter((p) => p.start + p.frames > to);
    return any;
  }
}

const raisedCosine = (u: number) => 0.5 - 0.5 * Math.cos(2 * Math.PI * u);
const triangle = (u: number) => 1 - Math.abs(2 * u - 1);

export class RecordingArtifacts {
  private frame = 0;
  private readonly sampleRate: number;
  /** Drift values at the current knot and the next one, per channel. */
  private driftFrom = new Float64Array(eegChannels);
  private driftTo = new Float64Array(eegChannels);
  private knot = 0;
  private readonly knotFrames: number;
  /** Line noise as a·sin + b·cos per channel. */
  private readonly lineSin: Float64Array;
  private readonly lineCos: Float64Array;
  private readonly blinks: PulseTrain;
  private readonly spikes: Map<number, PulseTrain>;
  /** Separate streams, so the numbers do not depend on how the recording is cut into blocks. */
  private readonly driftRng: SeededRng;
  private readonly noiseRng: SeededRng;
  private wave = new Float64Array(0);
  private noise = new Float64Array(0);

  /**
   * Artifacts of one recording file of a participant with `params`, from frame 0 of the file.
   *
   * @example
   * const artifacts = new RecordingArtifacts(describeSubject(0, 2).artifacts, SeededRng.stream(0, 'subject', 2, 'part', 1), 1000);
   * artifacts.apply(block, 10000, 129); // the first 10 s of S02_1.mat, after the brain signal
   */
  constructor(
    private readonly params: ArtifactParameters,
    rng: SeededRng,
    sampleRate: number,
  ) {
    this.sampleRate = sampleRate;
    this.driftRng = rng.fork('drift');
    this.noiseRng = rng.fork('noisy-channels');
    this.knotFrames = Math.round(DRIFT_KNOT_SECONDS * sampleRate);
    for (let c = 0; c < eegChannels; c++) {
      this.driftFrom[c] = params.driftStdUv * this.driftRng.normal();
      this.driftTo[c] = this.nextKnotValue(this.driftFrom[c]);
    }
    const phase = (c: number) => params.linePhase + params.lineChannelPhases[c];
    const amplitude = (c: number) => params.lineAmplitudeUv * params.lineChannelGains[c];
    this.lineSin = Float64Array.from({ length: eegChannels }, (_, c) => amplitude(c) * Math.cos(phase(c)));
    this.lineCos = Float64Array.from({ length: eegChannels }, (_, c) => amplitude(c) * Math.sin(phase(c)));
    const [low, high] = params.blinkAmplitudeUv;
    this.blinks = new PulseTrain(
      rng.fork('blinks'),
      (60 / params.blinksPerMinute) * sampleRate,
      (r) => ({ frames: Math.round(r.range(BLINK_SECONDS[0], BLINK_SECONDS[1]) * sampleRate), peak: r.range(low, high) }),
      raisedCosine,
    );
    this.spikes = new Map(
      params.badChannels
        .filter((b) => b.kind === 'spiky')
        .map((b) => [
          b.channel,
          new PulseTrain(
            rng.fork('spikes', b.channel),
            sampleRate / SPIKES_PER_SECOND,
            (r) => ({ frames: Math.round(SPIKE_SECONDS * sampleRate), peak: (r.chance(0.5) ? 1 : -1) * b.levelUv }),
            triangle,
          ),
        ]),
    );
  }

  private nextKnotValue(previous: number): number {
    return DRIFT_AR * previous + this.params.driftStdUv * Math.sqrt(1 - DRIFT_AR * DRIFT_AR) * this.driftRng.normal();
  }

  /**
   * Adds the next `frames` frames of artifacts to `out` (time-major, `stride` values per frame,
   * channel c of frame t at `out[offset + t * stride + c]`), which already holds the brain signal.
   */
  apply(out: Float64Array, frames: number, stride: number, offset = 0): void {
    if (this.wave.length < frames) {
      this.wave = new Float64Array(frames);
      this.noise = new Float64Array(frames);
    }
    this.addOffsetsDriftAndLine(out, frames, stride, offset);
    this.addBlinks(out, frames, stride, offset);
    this.spoilBadChannels(out, frames, stride, offset);
    this.frame += frames;
  }

  private addOffsetsDriftAndLine(out: Float64Array, frames: number, stride: number, offset: number): void {
    const { dcOffsets } = this.params;
    const omega = (2 * Math.PI * LINE_HZ) / this.sampleRate;
    for (let t = 0; t < frames; t++) {
      const frame = this.frame + t;
      while (frame >= (this.knot + 1) * this.knotFrames) this.advanceKnot();
      const u = (frame - this.knot * this.knotFrames) / this.knotFrames;
      const sin = Math.sin(omega * frame);
      const cos = Math.cos(omega * frame);
      const row = offset + t * stride;
      for (let c = 0; c < eegChannels; c++) {
        const drift = this.driftFrom[c] + u * (this.driftTo[c] - this.driftFrom[c]);
        out[row + c] += dcOffsets[c] + drift + this.lineSin[c] * sin + this.lineCos[c] * cos;
      }
    }
  }

  private advanceKnot(): void {
    [this.driftFrom, this.driftTo] = [this.driftTo, this.driftFrom];
    for (let c = 0; c < eegChannels; c++) this.driftTo[c] = this.nextKnotValue(this.driftFrom[c]);
    this.knot++;
  }

  private addBlinks(out: Float64Array, frames: number, stride: number, offset: number): void {
    const wave = this.wave;
    wave.fill(0, 0, frames);
    if (!this.blinks.render(wave, this.frame, frames)) return;
    const { blinkWeights } = this.params;
    for (let t = 0; t < frames; t++) {
      const b = wave[t];
      if (b === 0) continue;
      const row = offset + t * stride;
      for (let c = 0; c < eegChannels; c++) out[row + c] += b * blinkWeights[c];
    }
  }

  private spoilBadChannels(out: Float64Array, frames: number, stride: number, offset: number): void {
    for (const { channel, kind, levelUv } of this.params.badChannels) {
      if (kind === 'flat') {
        const level = this.params.dcOffsets[channel];
        for (let t = 0; t < frames; t++) out[offset + t * stride + channel] = level;
      } else if (kind === 'noisy') {
        this.noiseRng.fillUniformNoise(this.noise, frames);
        for (let t = 0; t < frames; t++) out[offset + t * stride + channel] += levelUv * this.noise[t];
      } else {
        const wave = this.wave;
        wave.fill(0, 0, frames);
        if (!this.spikes.get(channel)!.render(wave, this.frame, frames)) continue;
        for (let t = 0; t < frames; t++) out[offset + t * stride + channel] += wave[t];
      }
    }
  }
}
