/**
 * Finding the NMED-T source files in an input directory.
 *
 * Layout accepted (the synthetic generator writes it; the real release can be arranged so):
 *   raw/*.mat            raw EEG, one MATLAB v7.3 file per subject × recording part; the base name's
 *                        last two numbers are the subject id and the part (S02_1.mat, 02_1_raw.mat)
 *   audio/*.wav          the songs, named as in the official code (FirstFires.wav …) or <trigger>.wav
 *   clean/song<T>_Imputed.mat   the cleaned release (MATLAB v5)
 * A directory holding the .mat/.wav files directly (no sub-directories) is accepted too.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { songs, songTriggers } from '../data/nmedt.js';

export interface RawFile {
  path: string;
  name: string;
  subject: number;
  part: number;
}

export interface AudioFile {
  path: string;
  name: string;
  song: number;
}

export interface CleanFile {
  path: string;
  name: string;
  song: number;
}

function listFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** The sub-directory `name` of `input` if it exists, else `input` itself. */
function subdir(input: string, name: string): string {
  const d = join(input, name);
  return existsSync(d) ? d : input;
}

export function findRawFiles(input: string): RawFile[] {
  const files = listFiles(subdir(input, 'raw'), /\.mat$/i).filter((p) => !/_Imputed\.mat$/i.test(p));
  return files.map((path) => {
    const name = basename(path);
    const numbers = name.match(/\d+/g);
    if (!numbers || numbers.length < 2) {
      throw new InputError(path, undefined, 'cannot tell subject and part from the file name; expected e.g. S02_1.mat');
    }
    return { path, name, subject: Number(numbers[numbers.length - 2]), part: Number(numbers[numbers.length - 1]) };
  });
}

export function findAudioFiles(input: string): AudioFile[] {
  const byName = new Map(songs.map((s) => [s.audioFile.toLowerCase(), s.trigger]));
  const triggers = new Set(songTriggers);
  const found: AudioFile[] = [];
  for (const path of listFiles(subdir(input, 'audio'), /\.wav$/i)) {
    const name = basename(path);
    const numbered = /^(\d+)\.wav$/i.exec(name);
    const song = numbered ? Number(numbered[1]) : byName.get(name.toLowerCase());
    if (song !== undefined && triggers.has(song)) found.push({ path, name, song });
  }
  const seen = new Map<number, string>();
  for (const f of found) {
    const other = seen.get(f.song);
    if (other) throw new InputError(f.path, undefined, `song ${f.song} also has audio file ${other}; keep one`);
    seen.set(f.song, f.path);
  }
  return found;
}

export function findCleanFiles(input: string): CleanFile[] {
  return listFiles(subdir(input, 'clean'), /^song\d+_Imputed\.mat$/i).map((path) => {
    const name = basename(path);
    return { path, name, song: Number(/^song(\d+)/i.exec(name)![1]) };
  });
}
