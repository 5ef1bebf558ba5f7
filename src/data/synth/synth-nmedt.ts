/**
 * A synthetic NMED-T in the real raw file formats: the embedded default data set, for running
 * and testing everything without the (large, licensed) real recordings.
 *
 * out/raw/S02_1.mat …     MATLAB v7.3: X (129 × T at 1 kHz, row 129 all zero), fs, DIN_1
 * out/audio/<Song>.wav    the ten songs, 44.1 kHz mono 16-bit, exactly seconds · 44100 frames
 * out/clean/song21_Imputed.mat …   MATLAB v5: data21 (125 × T × participants, 125 Hz), fs, subs21
 *
 * The generative model
 * --------------------
 * Music. Each song is drawn from its own seeded stream: its NMED-T tempo, a key and mode, a drum
 * kit (kick, snare, hats: tuning, decay and 16th-note patterns), a bass line, a four-chord pad,
 * a two-bar lead melody (sine/triangle/square/saw/FM waveforms, brightness and envelopes differ
 * per song), and a form of 8–16-bar sections (intro, verse, chorus, break) that switch
 * instruments on and off and change the loudness (`song-plan.ts`, `audio-synth.ts`).
 *
 * EEG, at 1 kHz, per participant and song (`brain-signal.ts`):
 * - stimulus-driven part: five band envelopes and an onset-strength signal computed from the audio
 *   at 1 kHz (`audio-features.ts`), delayed by the participant's latency (180–220 ms), filtered
 *   by an ERP-like biphasic kernel (`evoked-response.ts`), scaled by the participant's response
 *   gain (log-normal; a quarter are poor responders at about a third of it), and mixed onto the
 *   128 channels by topographies that are smooth over the channel index and part shared by the
 *   whole population (50–85 %), part individual (`subject-model.ts`);
 * - background: five spatially smooth 1/f sources and an alpha rhythm (8.5–11.5 Hz), plus
 *   independent 1/f noise on every channel, all streamed through IIR filters (`pink-noise.ts`);
 * - recording artifacts (`artifacts.ts`): DC offsets of hundreds of µV, slow drift, 60 Hz line
 *   noise, blinks strongest on E125–E128 and decaying over frontal rows, and 1–3 flat, noisy or
 *   spiky channels per participant; row 129 exactly zero.
 * The cleaned release is the same latent EEG without artifacts, average-referenced over E1–E124
 * and Cz, low-passed and decimated to 125 Hz (`clean-release.ts`).
 *
 * Every random number comes from a stream named by seed, participant, song and component
 * (`seeded-rng.ts`), so the same seed gives byte-identical files and adding or removing a
 * participant leaves the others' data unchanged.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeWav } from '../../io/wav.js';
import { withAtomicOutput } from '../../io/atomic.js';
import { audioSampleRate, downsampleFactor, rawSampleRate, songByTrigger } from '../nmedt.js';
import { type AudioFeatures, extractAudioFeatures } from './audio-features.js';
import { renderSong } from './audio-synth.js';
import { cleanSongData, subjectName, writeCleanSong } from './clean-release.js';
import { RAW_BLOCK_FRAMES, writeRawRecording } from './raw-recording.js';
import { layoutRecordings, type RecordingPart } from './recording-layout.js';
import { SeededRng } from './seeded-rng.js';
import { planSong } from './song-plan.js';
import { describeSubject } from './subject-model.js';
import { resolveSynthOptions, type ResolvedSynthOptions, type SynthOptions } from './synth-options.js';

export type { SynthOptions } from './synth-options.js';

export interface SynthSummary {
  /** The output directory, absolute. */
  out: string;
  subjects: number[];
  songs: number[];
  /** Absolute paths of the files written. */
  rawFiles: string[];
  audioFiles: string[];
  cleanFiles: string[];
  /** Total size of the files written. */
  bytes: number;
  /** Length of each song in seconds, by trigger. */
  seconds: Record<number, number>;
  /** The evoked response's multiplier (1: the calibrated level). */
  responseGain: number;
}

/**
 * The audio of song `trigger` under `seed`, `seconds` long at 44.1 kHz.
 *
 * @example
 * const audio = synthesizeSongAudio(0, 21, 10); // Float32Array of 441000 samples
 */
export function synthesizeSongAudio(seed: number, trigger: number, seconds: number): Float32Array {
  const plan = planSong(trigger, songByTrigger(trigger).bpm, seconds, SeededRng.stream(seed, 'song', trigger, 'plan'));
  return renderSong(plan, audioSampleRate, SeededRng.stream(seed, 'song', trigger, 'render'));
}

/** Counts work steps and reports each one. */
function progressCounter(total: number, report: (done: number, total: number) => void): () => void {
  let done = 0;
  return () => report(++done, total);
}

interface Plan {
  layouts: Map<number, RecordingPart[]>;
  steps: number;
}

/** Lays out every participant's recordings and counts the work steps (songs, raw blocks, clean participant-songs). */
function planWork(o: ResolvedSynthOptions): Plan {
  const framesOf = (song: number) => o.seconds.get(song)! * rawSampleRate;
  const layouts = new Map(
    o.subjects.map((id) => [id, layoutRecordings(o.seed, id, o.presentSongs.get(id)!, framesOf, o.parts, rawSampleRate)]),
  );
  let steps = o.songs.length + (o.clean ? o.songs.length * o.subjects.length : 0);
  for (const parts of layouts.values()) for (const part of parts) steps += Math.ceil(part.frames / RAW_BLOCK_FRAMES);
  return { layouts, steps };
}

/** Writes every song's WAV and returns the audio features the EEG model needs, by trigger. */
function writeSongs(o: ResolvedSynthOptions, dir: string, tick: () => void): Map<number, AudioFeatures> {
  const features = new Map<number, AudioFeatures>();
  for (const song of o.songs) {
    const audio = synthesizeSongAudio(o.seed, song, o.seconds.get(song)!);
    writeWav(join(dir, songByTrigger(song).audioFile), { sampleRate: audioSampleRate, channels: [audio], format: 'pcm16' });
    features.set(song, extractAudioFeatures(audio, audioSampleRate, rawSampleRate));
    tick();
  }
  return features;
}

/**
 * Writes a synthetic NMED-T to `options.out` (see the module comment for the layout and the
 * model) and returns what was written. The directory appears only when everything is written;
 * an existing one is replaced.
 *
 * @example
 * const summary = await synthesizeNmedt({ out: 'nmedt-synth', subjects: 4, seconds: 64 });
 * summary.rawFiles.length; // 8 (4 participants × 2 parts)
 */
export async function synthesizeNmedt(options: SynthOptions): Promise<SynthSummary> {
  const o = resolveSynthOptions(options);
  const out = resolve(o.out);
  const { layouts, steps } = planWork(o);
  const tick = progressCounter(steps, o.onProgress);
  const files = { raw: [] as string[], audio: [] as string[], clean: [] as string[] };
  const models = o.subjects.map((id) => describeSubject(o.seed, id, o.responseGain));

  await withAtomicOutput(out, async (tmp) => {
    for (const sub of ['raw', 'audio', ...(o.clean ? ['clean'] : [])]) mkdirSync(join(tmp, sub), { recursive: true });
    const features = writeSongs(o, join(tmp, 'audio'), tick);
    files.audio = o.songs.map((song) => join(out, 'audio', songByTrigger(song).audioFile));
    for (const model of models) {
      for (const part of layouts.get(model.id)!) {
        const name = `${subjectName(model.id)}_${part.part}.mat`;
        await writeRawRecording(join(tmp, 'raw', name), part, model, o.seed, features, o.precision, tick);
        files.raw.push(join(out, 'raw', name));
      }
    }
    if (!o.clean) return;
    for (const song of o.songs) {
      const frames = o.seconds.get(song)! * rawSampleRate;
      const data = cleanSongData(o.seed, song, features.get(song)!, models, frames, tick);
      const name = `song${song}_Imputed.mat`;
      writeCleanSong(join(tmp, 'clean', name), song, o.subjects, data, Math.ceil(frames / downsampleFactor));
      files.clean.push(join(out, 'clean', name));
    }
  });

  const all = [...files.raw, ...files.audio, ...files.clean];
  return {
    out,
    subjects: o.subjects,
    songs: o.songs,
    rawFiles: files.raw,
    audioFiles: files.audio,
    cleanFiles: files.clean,
    bytes: all.reduce((sum, f) => sum + statSync(f).size, 0),
    seconds: Object.fromEntries(o.seconds),
    responseGain: o.responseGain,
  };
}
