/**
 * Validation of both branches on the validation windows (digest §5): 14 windows of 8 s per
 * validation chunk, one 3-s clip in each (the official random crop or the centre). The EEG clip
 * is preprocessed in the addon and classified by the EEG encoder; the audio clip the song played
 * 200 ms earlier (the same alignment as the training crops) by the music encoder; both in eval
 * mode. Reports accuracy and mean cross-entropy per branch. The full evaluation protocol
 * (aggregation, statistics, reports) is issue 5's `predann eval`.
 */
import { preprocessCrops } from '../data/clip-preprocess.js';
import { chunkRange, type ChunkRef } from '../data/chunks.js';
import { audioOffsetOf, type IntegerSource } from '../data/crops.js';
import type { Dataset, SongAudio } from '../data/dataset.js';
import { clipAudioFrames, clipSamples, labelOfTrigger } from '../data/nmedt.js';
import { validationWindows, type ValidationWindow, type WindowCrop } from '../data/windows.js';
import { encoderForwardEval, type Branch } from '../model/encoder.js';
import { crossEntropy } from '../model/losses.js';
import type { ModelPreset } from '../model/model-spec.js';
import type { Weights } from '../model/weights.js';
import { writeAudioClip } from './audio-clip.js';

export interface BranchScore {
  items: number;
  correct: number;
  accuracy: number;
  /** Mean cross-entropy of the logits against the song labels. */
  loss: number;
}

export interface WindowAccuracy extends BranchScore {
  /** The music encoder on the audio clips of the same windows. */
  music: BranchScore;
}

/** Running totals of one branch. */
class Tally {
  private items = 0;
  private correct = 0;
  private lossSum = 0;

  async add(logits: Float32Array, labels: Int32Array, classes: number): Promise<void> {
    const { loss } = await crossEntropy(logits, labels, { batch: labels.length, classes });
    for (let i = 0; i < labels.length; i++) {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      if (row.indexOf(Math.max(...row)) === labels[i]) this.correct++;
    }
    this.lossSum += loss * labels.length;
    this.items += labels.length;
  }

  score(): BranchScore {
    const { items, correct } = this;
    return { items, correct, accuracy: items ? correct / items : 0, loss: items ? this.lossSum / items : 0 };
  }
}

/** The padded audio clips of `windows` for the music encoder, (N, height, width). */
function audioClips(song: SongAudio, ref: ChunkRef, windows: readonly ValidationWindow[], preset: ModelPreset): Float32Array {
  const range = chunkRange(ref.chunk);
  const size = preset.music.height * preset.music.width;
  const out = new Float32Array(windows.length * size);
  windows.forEach((w, i) => {
    const audioStart = range.audioStart + audioOffsetOf(w.eegStart - range.eegStart);
    writeAudioClip(song.channels, audioStart, clipAudioFrames, preset.music, out.subarray(i * size, (i + 1) * size));
  });
  return out;
}

/**
 * @example
 * const { accuracy, loss, music } = await windowAccuracy(dataset, split.validation, weights, presets.small, { crop: 'center' });
 */
export async function windowAccuracy(
  dataset: Dataset,
  refs: readonly ChunkRef[],
  weights: Weights,
  preset: ModelPreset,
  options: { crop: WindowCrop; rng?: IntegerSource },
): Promise<WindowAccuracy> {
  const { classes } = preset.encoder;
  const pad = (preset.eeg.width - clipSamples) / 2;
  const tallies: Record<Branch, Tally> = { eeg: new Tally(), music: new Tally() };
  const classify = async (branch: Branch, x: Float32Array, labels: Int32Array) => {
    const { height, width } = preset[branch];
    const { logits } = await encoderForwardEval(weights, branch, preset, x, { batch: labels.length, height, width });
    await tallies[branch].add(logits, labels, classes);
  };
  const songs = new Map<number, Promise<SongAudio>>(); // each song decoded once
  const song = (trigger: number) => songs.get(trigger) ?? songs.set(trigger, dataset.audio(trigger)).get(trigger)!;
  for (const ref of refs) {
    const windows = validationWindows(ref, { crop: options.crop, rng: options.rng });
    const labels = new Int32Array(windows.length).fill(labelOfTrigger(ref.song));
    const recording = await dataset.recording(ref.subject, ref.song);
    const { output } = await preprocessCrops(recording, windows.map((w) => w.eegStart), clipSamples, { padLeft: Math.floor(pad), padRight: Math.ceil(pad) });
    await classify('eeg', output, labels);
    await classify('music', audioClips(await song(ref.song), ref, windows, preset), labels);
  }
  return { ...tallies.eeg.score(), music: tallies.music.score() };
}
