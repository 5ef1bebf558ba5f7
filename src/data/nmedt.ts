/**
 * NMED-T facts (Losorelli et al., ISMIR 2017) and the constants of PredANN's data protocol: the one
 * source of truth for songs, triggers, subjects, sample rates, chunk, clip and window sizes.
 * Section numbers (§) refer to shared/reference/predann-digest.md.
 */

/** One of the ten NMED-T songs. */
export interface Song {
  /** 0-based position in the song list; equals the class label (§1.3). */
  readonly index: number;
  /** DIN_1 trigger code that marks the song in the raw recordings (21–30). */
  readonly trigger: number;
  readonly title: string;
  readonly artist: string;
  /** Tempo in beats per minute (§1.1). */
  readonly bpm: number;
  /** Length PredANN cuts the song and its EEG to, in whole seconds (`mat_to_pkl.py`, §1.1). */
  readonly lengthSeconds: number;
  /** Raw audio file name in the official `mat_to_pkl.py` `file_names` list. */
  readonly audioFile: string;
}

function song(index: number, title: string, artist: string, bpm: number, lengthSeconds: number, audioFile: string): Song {
  return Object.freeze({ index, trigger: firstSongTrigger + index, title, artist, bpm, lengthSeconds, audioFile });
}

/** The trigger of song 0; song i has trigger 21 + i (§1.1). */
export const firstSongTrigger = 21;

/** The ten songs in trigger order (§1.1). */
export const songs: readonly Song[] = Object.freeze([
  song(0, 'First Fires', 'Bonobo', 55.97, 278, 'FirstFires.wav'),
  song(1, 'Oino', 'LA Priest', 69.44, 271, 'Oino.wav'),
  song(2, 'Tiptoes', 'Daedelus', 74.26, 276, 'Tiptoes.wav'),
  song(3, 'Careless Love', 'Croquet Club', 82.42, 294, 'CarelessLove.wav'),
  song(4, 'Lebanese Blonde', 'Thievery Corporation', 91.46, 289, 'LebaneseBlonde.wav'),
  song(5, 'Canopée', 'Polo & Pan', 96.15, 276, 'Canopee.wav'),
  song(6, 'Doing Yoga', 'Kazy Lambist', 108.7, 292, 'DoingYoga.wav'),
  song(7, 'Until the Sun Needs to Rise', 'Rüfüs du Sol', 120.0, 292, 'UntilTheSunNeedsToRise.wav'),
  song(8, 'Silent Shout', 'The Knife', 128.21, 293, 'SilentShout.wav'),
  song(9, 'The Last Thing You Should Do', 'David Bowie', 150.0, 298, 'TheLastThingYouShouldDo.wav'),
]);

/** Number of classes in song identification. */
export const songCount = songs.length;

/** Song triggers 21–30 in label order. */
export const songTriggers: readonly number[] = Object.freeze(songs.map((s) => s.trigger));

/** Participant ids that exist in NMED-T: S02–S17, S19, S20, S21, S23 (§1.1). */
export const subjects: readonly number[] = Object.freeze([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 23]);

// --- Sample rates and channels (§1.2, §2.2) ---

/** Raw EEG sample rate in Hz. */
export const rawSampleRate = 1000;
/** EEG sample rate after PredANN's ×8 FFT downsampling, in Hz. */
export const eegSampleRate = 125;
/** Raw-to-model downsampling factor (`scipy.signal.resample(x, int(T/8))`). */
export const downsampleFactor = rawSampleRate / eegSampleRate;
/** Audio sample rate in Hz; the audio is never resampled. */
export const audioSampleRate = 44100;
/** EEG channels PredANN uses (E1–E128, ocular ones included). */
export const eegChannels = 128;
/** Rows of `X` in a raw file: the 128 channels plus an all-zero vertex reference row, deleted on ingest. */
export const rawRows = 129;

// --- Song onset in the raw DIN_1 trigger stream (§1.2) ---

/** The trigger that must follow a song trigger; its onset anchors the song. */
export const onsetAnchorTrigger = 128;
/** Song onset = onset of the anchor trigger minus this many raw samples (1 s at 1 kHz). */
export const onsetLeadRawSamples = 1000;

// --- 30-s chunks (§1.3, §2.2 item 3) ---

/** Length of one excerpt in seconds. */
export const chunkSeconds = 30;
/** Length of one excerpt in EEG samples (30 × 125). */
export const chunkSamples = chunkSeconds * eegSampleRate;
/** Length of one excerpt in audio frames (30 × 44100). */
export const chunkAudioFrames = chunkSeconds * audioSampleRate;
/** Excerpts per recording: the common first 4 minutes. */
export const chunksPerRecording = 8;

// --- EEG-to-audio delay (§2.2 item 3) ---

/** The released scripts' `--shifting_time 200`: EEG lags the audio by 200 ms. */
export const delayMs = 200;
/** The delay in EEG samples (0.125 × 200 = 25): EEG [t + 25, …) pairs with audio [t, …). */
export const delaySamples = (delayMs * eegSampleRate) / 1000;

// --- 3-s clips and their padding (§2.2 items 4 and 7) ---

/** Model input length in seconds. */
export const clipSeconds = 3;
/** Model input length in EEG samples (3 × 125). */
export const clipSamples = clipSeconds * eegSampleRate;
/** EEG clip length after zero padding: 3^6. */
export const paddedClipSamples = 729;
/** Zeros on each side of an EEG clip: (729 − 375) / 2. */
export const clipPadSamples = (paddedClipSamples - clipSamples) / 2;
/** Audio clip length in frames (3 × 44100). */
export const clipAudioFrames = clipSeconds * audioSampleRate;
/** Audio clip length after zero padding: 3^11. */
export const paddedClipAudioFrames = 177147;
/** Zeros before an audio clip; the odd remainder (one more zero) goes after it. */
export const clipAudioPadFrames = Math.floor((paddedClipAudioFrames - clipAudioFrames) / 2);

// --- Validation windows (§2.2 item 5, §5) ---

/** Validation window length in EEG samples (8 s). */
export const validationWindowSamples = 1000;
/** Stride between validation windows in EEG samples (1.6 s). */
export const validationStrideSamples = 200;
/** Windows per validation chunk: int((3750 − 1000) / 200 + 1) = 14. */
export const validationWindowsPerChunk = Math.floor((chunkSamples - validationWindowSamples) / validationStrideSamples + 1);

// --- Lookups ---

/** True when `trigger` is one of the song triggers 21–30. */
export function isSongTrigger(trigger: number): boolean {
  return Number.isInteger(trigger) && trigger >= firstSongTrigger && trigger < firstSongTrigger + songCount;
}

/** True when `subject` is an NMED-T participant id. */
export function isSubject(subject: number): boolean {
  return subjects.includes(subject);
}

/**
 * The song marked by `trigger`.
 *
 * @example
 * songByTrigger(22).title; // 'Oino'
 */
export function songByTrigger(trigger: number): Song {
  if (!isSongTrigger(trigger)) {
    throw new RangeError(`Expected a song trigger between 21 and 30 but received ${String(trigger)}`);
  }
  return songs[trigger - firstSongTrigger];
}

/**
 * The class label (0–9) of a song trigger: its index in `class_song_id` (§1.3).
 *
 * @example
 * labelOfTrigger(21); // 0
 */
export function labelOfTrigger(trigger: number): number {
  return songByTrigger(trigger).index;
}

/**
 * The song trigger (21–30) of a class label.
 *
 * @example
 * triggerOfLabel(9); // 30
 */
export function triggerOfLabel(label: number): number {
  if (!Number.isInteger(label) || label < 0 || label >= songCount) {
    throw new RangeError(`Expected a song label between 0 and ${songCount - 1} but received ${String(label)}`);
  }
  return songs[label].trigger;
}

/**
 * Raw samples of EEG a song spans: `lengthSeconds × 1000` (`audio_len / 44100 × fs`, §1.2). The
 * official slice `onset : onset + len − 1` keeps one sample fewer; the ingest documents its choice.
 *
 * @example
 * rawSamplesOfSong(21); // 278000
 */
export function rawSamplesOfSong(trigger: number): number {
  return songByTrigger(trigger).lengthSeconds * rawSampleRate;
}

/**
 * Audio frames PredANN keeps for a song: `lengthSeconds × 44100`.
 *
 * @example
 * audioFramesOfSong(22); // 11951100
 */
export function audioFramesOfSong(trigger: number): number {
  return songByTrigger(trigger).lengthSeconds * audioSampleRate;
}
