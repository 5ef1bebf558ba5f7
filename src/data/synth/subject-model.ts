/**
 * Everything that makes one synthetic participant different from another, drawn from the
 * participant's own random stream (so it never depends on who else is generated):
 *
 * - brain: response latency, ERP kernel, response gain (some participants are poor responders),
 *   the forward model that mixes the sources onto the 128 scalp channels, the background rhythms;
 * - recording: DC offsets, drift, 60 Hz line noise, blinks and bad channels (`ArtifactParameters`).
 *
 * Sources, in mixing-matrix column order: the evoked responses to the audio features
 * (`FEATURE_COUNT`), five 1/f background sources, and an alpha rhythm. Every topography is smooth
 * over the channel index (a sum of Gaussian bumps), and the evoked topographies are part shared
 * by the whole population and part individual, so a model trained on some participants transfers
 * to others, imperfectly, as with real EEG.
 */
import { eegChannels } from '../nmedt.js';
import { FEATURE_COUNT } from './audio-features.js';
import type { ResponseKernel } from './evoked-response.js';
import { SeededRng } from './seeded-rng.js';

export const BACKGROUND_SOURCES = 5;
/** Evoked sources, then background sources, then alpha. */
export const SOURCE_COUNT = FEATURE_COUNT + BACKGROUND_SOURCES + 1;
export const ALPHA_SOURCE = SOURCE_COUNT - 1;

/**
 * Median evoked amplitude per source in µV: a typical participant's evoked part is then 4–9 µV
 * RMS per channel against 14–24 µV of brain background. Calibrated so that a linear classifier
 * (shrinkage LDA on log band powers of robust-scaled 3-s windows, split 75:25 by 30-s chunk as
 * PredANN does) names the song from the raw files with accuracy ≈ 0.34 over six participants
 * (0.19–0.55 each; chance 0.1).
 */
const MEDIAN_RESPONSE_GAIN_UV = 40;
/** Share of participants whose response is ~3× weaker (every EEG study has some). */
const POOR_RESPONDER_RATE = 0.25;

/** Rows (0-based) of the face electrodes E125–E128 and blink weights relative to them. */
const OCULAR_BLINK_WEIGHTS: ReadonlyMap<number, number> = new Map([
  [124, 0.8],
  [125, 1.0],
  [126, 1.0],
  [127, 0.8],
]);
/** Frontal rows near the eyes (E1, E2, E8–E10, E14, E15, E17, E18, E21–E23, E25, E26, E32) and their weights. */
const FRONTAL_BLINK_WEIGHTS: ReadonlyMap<number, number> = new Map([
  [7, 0.55], [24, 0.55], [13, 0.5], [20, 0.5], [16, 0.45], [8, 0.4], [21, 0.4],
  [0, 0.35], [31, 0.35], [14, 0.3], [17, 0.3], [1, 0.25], [25, 0.25], [9, 0.2], [22, 0.2],
]);
const DISTANT_BLINK_WEIGHT = 0.03;

export type BadChannelKind = 'flat' | 'noisy' | 'spiky';

export interface BadChannel {
  /** 0-based row. */
  channel: number;
  /** flat: only the electrode offset; noisy: extra white noise; spiky: sharp transients. */
  kind: BadChannelKind;
  /** noisy: RMS of the extra noise; spiky: peak of each spike; flat: unused. In µV. */
  levelUv: number;
}

export interface ArtifactParameters {
  /** Electrode offset per channel, µV (EGI amplifiers record DC). */
  dcOffsets: Float64Array;
  /** Standard deviation of the slow drift per channel, µV. */
  driftStdUv: number;
  /** 60 Hz amplitude (µV) and phase (rad), and per-channel gain and phase jitter. */
  lineAmplitudeUv: number;
  linePhase: number;
  lineChannelGains: Float64Array;
  lineChannelPhases: Float64Array;
  blinksPerMinute: number;
  /** Blink peak amplitude range at weight 1, µV. */
  blinkAmplitudeUv: readonly [number, number];
  /** Blink topography, 1 on the strongest ocular row. */
  blinkWeights: Float64Array;
  badChannels: readonly BadChannel[];
}

export interface SubjectModel {
  id: number;
  /** Delay from sound to the start of the evoked response, ms (180–220). */
  latencyMs: number;
  kernel: ResponseKernel;
  /** Evoked amplitude per source, µV. */
  responseGainUv: number;
  poorResponder: boolean;
  /** Forward model in µV per unit source, channel-major: mixing[c * SOURCE_COUNT + j]. */
  mixing: Float64Array;
  /** Independent 1/f noise per channel, µV RMS. */
  channelNoiseUv: Float64Array;
  alphaHz: number;
  artifacts: ArtifactParameters;
}

/** A topography over channel index: a sum of `bumps` signed Gaussians, scaled to unit RMS. */
function smoothTopography(rng: SeededRng, bumps: number, centre?: readonly [number, number]): Float64Array {
  const topography = new Float64Array(eegChannels);
  for (let b = 0; b < bumps; b++) {
    const mean = centre ? rng.range(centre[0], centre[1]) : rng.range(0, eegChannels);
    const width = rng.range(4, 16);
    const amplitude = (rng.chance(0.5) ? 1 : -1) * rng.range(0.5, 1);
    for (let c = 0; c < eegChannels; c++) topography[c] += amplitude * Math.exp(-((c - mean) ** 2) / (2 * width * width));
  }
  return scaleToUnitRms(topography);
}

function scaleToUnitRms(values: Float64Array): Float64Array {
  let sumSquares = 0;
  for (const v of values) sumSquares += v * v;
  const scale = 1 / Math.sqrt(sumSquares / values.length);
  return values.map((v) => v * scale);
}

/** The population's evoked topography for feature k (shared by every participant under `seed`). */
function sharedEvokedTopography(seed: number, k: number): Float64Array {
  return smoothTopography(SeededRng.stream(seed, 'population', 'evoked-topography', k), 3);
}

function drawBadChannels(rng: SeededRng): BadChannel[] {
  const count = 1 + rng.int(3);
  const kinds: BadChannelKind[] = ['flat', 'noisy', 'spiky'];
  const channels = rng.shuffled(Array.from({ length: 124 }, (_, c) => c)).slice(0, count); // scalp rows only
  return channels
    .sort((a, b) => a - b)
    .map((channel) => {
      const kind = rng.pick(kinds);
      return { channel, kind, levelUv: kind === 'noisy' ? rng.range(30, 80) : kind === 'spiky' ? rng.range(200, 600) : 0 };
    });
}

function drawArtifacts(rng: SeededRng): ArtifactParameters {
  const blinkWeights = new Float64Array(eegChannels);
  for (let c = 0; c < eegChannels; c++) {
    const weight = OCULAR_BLINK_WEIGHTS.get(c) ?? FRONTAL_BLINK_WEIGHTS.get(c) ?? DISTANT_BLINK_WEIGHT;
    blinkWeights[c] = weight * rng.range(0.8, 1.2);
  }
  const low = rng.range(100, 200);
  return {
    dcOffsets: Float64Array.from({ length: eegChannels }, () => 250 * rng.normal()),
    driftStdUv: rng.range(10, 40),
    lineAmplitudeUv: rng.range(2, 25),
    linePhase: rng.range(0, 2 * Math.PI),
    lineChannelGains: Float64Array.from({ length: eegChannels }, () => rng.range(0.5, 1.5)),
    lineChannelPhases: Float64Array.from({ length: eegChannels }, () => 0.2 * rng.normal()),
    blinksPerMinute: rng.range(6, 25),
    blinkAmplitudeUv: [low, Math.min(300, low + 100)],
    blinkWeights: scaleToMax(blinkWeights),
    badChannels: drawBadChannels(rng),
  };
}

function scaleToMax(values: Float64Array): Float64Array {
  const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return values.map((v) => v / max);
}

/**
 * The synthetic participant `id` under `seed`; `responseGain` scales the evoked response (1: the
 * calibrated level), nothing else, so every other draw is the same at any gain.
 *
 * @example
 * const s = describeSubject(0, 2);
 * s.latencyMs; // between 180 and 220
 */
export function describeSubject(seed: number, id: number, responseGain = 1): SubjectModel {
  const rng = SeededRng.stream(seed, 'subject', id, 'model');
  const poorResponder = rng.chance(POOR_RESPONDER_RATE);
  const responseGainUv = responseGain * MEDIAN_RESPONSE_GAIN_UV * Math.exp(0.3 * rng.normal()) * (poorResponder ? 0.35 : 1);
  const kernel: ResponseKernel = { fastMs: rng.range(8, 14), slowMs: rng.range(25, 45), slowWeight: rng.range(0.7, 0.95) };
  const shared = rng.range(0.5, 0.85); // how much of the evoked topography is the population's
  const backgroundScale = rng.range(0.8, 1.3);

  const mixing = new Float64Array(eegChannels * SOURCE_COUNT);
  const setColumn = (j: number, topography: Float64Array, amplitude: number) => {
    for (let c = 0; c < eegChannels; c++) mixing[c * SOURCE_COUNT + j] = amplitude * topography[c];
  };
  for (let k = 0; k < FEATURE_COUNT; k++) {
    const population = sharedEvokedTopography(seed, k);
    const individual = smoothTopography(rng, 3);
    setColumn(k, scaleToUnitRms(population.map((v, c) => shared * v + (1 - shared) * individual[c])), responseGainUv);
  }
  for (let j = 0; j < BACKGROUND_SOURCES; j++) {
    setColumn(FEATURE_COUNT + j, smoothTopography(rng, 2), backgroundScale * rng.range(5, 10));
  }
  setColumn(ALPHA_SOURCE, smoothTopography(rng, 2, [60, 95]), backgroundScale * rng.range(3, 12)); // posterior rows

  return {
    id,
    latencyMs: rng.range(180, 220),
    kernel,
    responseGainUv,
    poorResponder,
    mixing,
    channelNoiseUv: Float64Array.from({ length: eegChannels }, () => backgroundScale * rng.range(3, 6)),
    alphaHz: rng.range(8.5, 11.5),
    artifacts: drawArtifacts(SeededRng.stream(seed, 'subject', id, 'artifacts')),
  };
}
