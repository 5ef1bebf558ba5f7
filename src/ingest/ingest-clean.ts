/**
 * The cleaned NMED-T release (`song<T>_Imputed.mat`, MATLAB v5): one 125 × T × subjects double
 * array per song at 125 Hz, already filtered and downsampled by the NMED-T authors (digest §1.2).
 * As the official `ExtractCleanEEG`, the data variable is the third-from-last and the subject
 * list the last variable (`data21`, `fs`, `subs21`); names are checked when present.
 */
import { InputError } from '../errors.js';
import { readMatV5, type MatV5Value } from '../io/mat-v5.js';
import type { CleanFile } from './source-files.js';

export const CLEAN_FS = 125;

export interface CleanRecording {
  subject: number;
  song: number;
  channels: number;
  samples: number;
  /** (channels, samples) channel-major float32. */
  data: Float32Array;
}

function subjectId(file: string, value: MatV5Value, index: number): number {
  const text = value.kind === 'char' ? value.text : value.kind === 'numeric' ? String(value.data[0]) : '';
  const digits = /\d+/.exec(text);
  if (!digits) throw new InputError(file, 'subject list', `entry ${index + 1} (${JSON.stringify(text)}) holds no subject number`);
  return Number(digits[0]);
}

/** Reads every subject's recording of one cleaned song file. */
export function readCleanSong(file: CleanFile): CleanRecording[] {
  const vars = readMatV5(file.path);
  if (vars.length < 3) throw new InputError(file.path, undefined, `holds ${vars.length} variables, expected data, fs and a subject list`);
  const data = vars.find((v) => v.name === `data${file.song}`) ?? vars[vars.length - 3];
  const subs = vars.find((v) => v.name === `subs${file.song}`) ?? vars[vars.length - 1];
  const fsVar = vars.find((v) => v.name === 'fs');
  if (fsVar) {
    const fs = fsVar.value.kind === 'numeric' ? fsVar.value.data[0] : NaN;
    if (fs !== CLEAN_FS) throw new InputError(file.path, 'fs', `is ${fs}, expected ${CLEAN_FS} Hz for the cleaned release`);
  }
  if (data.value.kind !== 'numeric' || data.value.dims.length < 2) {
    throw new InputError(file.path, data.name, 'expected a numeric channels × samples × subjects array');
  }
  if (subs.value.kind !== 'cell') throw new InputError(file.path, subs.name, 'expected a cell array of subject names');
  const [channels, samples, nSubjects = 1] = data.value.dims;
  if (subs.value.cells.length !== nSubjects) {
    throw new InputError(file.path, subs.name, `lists ${subs.value.cells.length} subjects but ${data.name} holds ${nSubjects}`);
  }
  const src = data.value.data; // column-major (channels, samples, subjects)
  return subs.value.cells.map((cell, s) => {
    const subject = subjectId(file.path, cell, s);
    const out = new Float32Array(channels * samples); // (channels, samples)
    const base = s * channels * samples;
    for (let t = 0; t < samples; t++) {
      for (let c = 0; c < channels; c++) {
        const v = src[base + t * channels + c];
        if (!Number.isFinite(v)) {
          throw new InputError(file.path, data.name, `non-finite value ${v} at channel ${c + 1}, sample ${t}, subject ${subject}`);
        }
        out[c * samples + t] = v;
      }
    }
    return { subject, song: file.song, channels, samples, data: out };
  });
}
