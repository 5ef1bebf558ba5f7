/**
 * Training batches from a dataset directory: for each chunk one random 3-s crop (digest §2.2
 * item 4: EEG delayed by 25 samples, the aligned audio), the EEG clip robust-scaled, clamped and
 * padded in the native addon, the audio clip padded for the music encoder, and the label.
 * Recordings and songs are read once and kept (a full NMED-T is about 3.6 GB of float32 EEG).
 */
import { preprocessCrops } from '../data/clip-preprocess.js';
import type { ChunkRef } from '../data/chunks.js';
import { trainingCrop, type IntegerSource } from '../data/crops.js';
import type { Dataset, SongAudio } from '../data/dataset.js';
import type { EegRecording } from '../io/eeg-arrow.js';
import { clipSamples, labelOfTrigger } from '../data/nmedt.js';
import type { ModelPreset } from '../model/model-spec.js';
import type { TrainBatch } from '../model/train-step.js';
import { writeAudioClip } from './audio-clip.js';
import type { TeacherTable } from './teacher-table.js';

export class TrainingData {
  private readonly recordings = new Map<string, Promise<EegRecording>>();
  private readonly songs = new Map<number, Promise<SongAudio>>();

  constructor(
    private readonly dataset: Dataset,
    private readonly preset: ModelPreset,
    /** A frozen teacher: batches then carry its targets instead of audio clips. */
    private readonly teacher?: TeacherTable,
  ) {}

  /**
   * One batch: a crop of each chunk in `refs` (in order), drawn from `rng` as the official loader
   * draws them (one `randint` per item).
   *
   * @example
   * const data = new TrainingData(dataset, presets.small);
   * const batch = await data.batch(split.train.slice(0, 48), new PyRandom(0));
   */
  async batch(refs: readonly ChunkRef[], rng: IntegerSource): Promise<TrainBatch> {
    const { eeg: eegSpec, music: musicSpec } = this.preset;
    const n = refs.length;
    const eegSize = eegSpec.height * eegSpec.width;
    const musicSize = musicSpec.height * musicSpec.width;
    const eeg = new Float32Array(n * eegSize);
    const music = new Float32Array(this.teacher ? 0 : n * musicSize);
    const teacher = this.teacher ? new Float32Array(n * this.teacher.dimension) : undefined;
    const labels = new Int32Array(n);
    const pad = (eegSpec.width - clipSamples) / 2;
    for (const [i, ref] of refs.entries()) {
      const crop = trainingCrop(ref, rng);
      const recording = await this.recording(ref);
      await preprocessCrops(recording, [crop.eegStart], clipSamples, { padLeft: Math.floor(pad), padRight: Math.ceil(pad), output: eeg.subarray(i * eegSize, (i + 1) * eegSize) });
      if (this.teacher && teacher) {
        this.teacher.target(ref.song, crop.audioStart, teacher.subarray(i * this.teacher.dimension, (i + 1) * this.teacher.dimension));
      } else {
        const song = await this.song(ref.song);
        writeAudioClip(song.channels, crop.audioStart, crop.audioLength, musicSpec, music.subarray(i * musicSize, (i + 1) * musicSize));
      }
      labels[i] = labelOfTrigger(ref.song);
    }
    return {
      eeg,
      eegShape: [n, eegSpec.height, eegSpec.width],
      music,
      musicShape: [n, musicSpec.height, musicSpec.width],
      labels,
      ...(teacher ? { teacher } : {}),
    };
  }

  private recording(ref: ChunkRef): Promise<EegRecording> {
    const key = `${ref.subject}/${ref.song}`;
    let r = this.recordings.get(key);
    if (!r) this.recordings.set(key, (r = this.dataset.recording(ref.subject, ref.song)));
    return r;
  }

  private song(song: number): Promise<SongAudio> {
    let s = this.songs.get(song);
    if (!s) this.songs.set(song, (s = this.dataset.audio(song)));
    return s;
  }
}
