/**
 * A frozen teacher for `predann train --teacher FILE.arrow`: embeddings of the songs on a regular
 * time grid (PredANN++ supervises EEG with MuQ or MusicGen features computed in Python; `predann
 * embed --branch music` writes the same kind of table from a trained music encoder):
 *
 *   song Int32 · time Float64 (seconds into the song) or start Int32 (125-Hz sample index) ·
 *   z (or embedding) FixedSizeList<Float32>[D]
 *
 * `time` is preferred when present: a 0.5-s or 50-Hz grid is not whole 125-Hz samples.
 * The InfoNCE target of a training crop is the mean of the rows whose start lies inside the crop's
 * 3 s of audio. The table is checked when read: the columns and their types, finite values, one
 * regular grid (the same spacing for every song, starts ascending), and every song the training
 * set needs; each problem is an error naming the file, the column or song, and the problem.
 */
import { DataType, tableFromIPC, type Table } from 'apache-arrow';
import { InputError } from '../errors.js';
import { audioSampleRate, clipSeconds, eegSampleRate } from '../data/nmedt.js';
import { groupBy } from '../eval/group-by.js';
import { readInputFile } from '../io/read-input-file.js';

/** Relative slack of "regular": rounding of float times, not a different grid. */
const GRID_TOLERANCE = 1e-6;

/** One song's rows: their times (ascending, regular, seconds) and embeddings (rows × D). */
interface SongRows {
  firstTime: number;
  rows: number;
  z: Float32Array;
}

function column(table: Table, path: string, names: readonly string[]) {
  for (const name of names) {
    const c = table.getChild(name);
    if (c) return c;
  }
  throw new InputError(path, names.join(' or '), `missing column (the table has ${table.schema.fields.map((f) => f.name).join(', ')})`);
}

export class TeacherTable {
  private constructor(
    readonly path: string,
    /** Embedding size D. */
    readonly dimension: number,
    /** Grid spacing in seconds. */
    readonly hop: number,
    private readonly songs: Map<number, SongRows>,
  ) {}

  /**
   * @example
   * const teacher = TeacherTable.read('music.arrow', [21, 22, 23]);
   * teacher.dimension; // 32
   */
  static read(path: string, requiredSongs: readonly number[]): TeacherTable {
    const table = tableFromIPC(readInputFile(path, 'an Arrow IPC file'));
    const songColumn = column(table, path, ['song']);
    const timeName = table.getChild('time') ? 'time' : 'start';
    const timeColumn = column(table, path, [timeName]);
    const zColumn = column(table, path, ['z', 'embedding']);
    if (!DataType.isInt(songColumn.type)) throw new InputError(path, 'song', 'must be an integer column');
    if (!DataType.isInt(timeColumn.type) && !DataType.isFloat(timeColumn.type)) throw new InputError(path, timeName, 'must be a numeric column');
    if (!DataType.isFixedSizeList(zColumn.type) || !DataType.isFloat(zColumn.type.children[0].type)) throw new InputError(path, zColumn.type.toString(), 'the embedding column must be FixedSizeList<Float32>[D]');
    const dimension = zColumn.type.listSize;
    const songs = Array.from(songColumn.toArray() as ArrayLike<number>, Number);
    const scale = timeName === 'time' ? 1 : 1 / eegSampleRate;
    const times = Array.from(timeColumn.toArray() as ArrayLike<number>, (v) => Number(v) * scale);
    const values = zColumn.data.map((d) => d.children[0].values as Float32Array);
    const flat = values.length === 1 ? values[0].subarray(zColumn.data[0].offset * dimension) : Float32Array.from(values.flatMap((v) => Array.from(v)));
    const bad = flat.subarray(0, table.numRows * dimension).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(path, 'z', `row ${Math.floor(bad / dimension)} holds a non-finite value (${flat[bad]})`);
    const bySong = TeacherTable.groupRows(path, songs, times, flat, dimension);
    const hop = TeacherTable.gridSpacing(path, bySong, songs, times);
    for (const song of requiredSongs) if (!bySong.has(song)) throw new InputError(path, `song ${song}`, 'has no rows: the teacher must cover every song of the training set');
    return new TeacherTable(path, dimension, hop, bySong);
  }

  private static groupRows(path: string, songs: number[], times: number[], flat: Float32Array, dimension: number): Map<number, SongRows> {
    const bySong = new Map<number, SongRows>();
    for (const [song, rows] of groupBy(songs.keys(), (i) => songs[i])) {
      const z = new Float32Array(rows.length * dimension);
      rows.forEach((row, k) => z.set(flat.subarray(row * dimension, (row + 1) * dimension), k * dimension));
      bySong.set(song, { firstTime: times[rows[0]], rows: rows.length, z });
    }
    if (bySong.size === 0) throw new InputError(path, undefined, 'the table has no rows');
    return bySong;
  }

  /** The one spacing of every song's ascending times, in seconds. */
  private static gridSpacing(path: string, bySong: Map<number, SongRows>, songs: number[], times: number[]): number {
    let hop = 0;
    for (const song of bySong.keys()) {
      const t = times.filter((_, i) => songs[i] === song);
      for (let i = 1; i < t.length; i++) {
        const step = t[i] - t[i - 1];
        if (hop === 0) hop = step;
        if (step <= 0 || Math.abs(step - hop) > GRID_TOLERANCE * hop) {
          throw new InputError(path, `song ${song}`, `times are not one regular ascending grid (step ${step} s after ${t[i - 1]} s, expected ${hop} s)`);
        }
      }
    }
    if (hop <= 0) throw new InputError(path, 'time', 'needs at least two rows of one song to define the grid');
    return hop;
  }

  /**
   * Writes the mean of `song`'s rows inside the 3 s of audio starting at `audioStart` (a frame
   * at 44.1 kHz) into `out` (D values). A crop beyond the grid's last row uses the nearest rows.
   */
  target(song: number, audioStart: number, out: Float32Array): void {
    const rows = this.songs.get(song)!;
    const start = audioStart / audioSampleRate - rows.firstTime;
    // Rows at times in [start, start + 3 s); the slack keeps a row exactly on an edge on its side.
    const slack = GRID_TOLERANCE * this.hop;
    let first = Math.ceil(start / this.hop - slack);
    let last = Math.ceil((start + clipSeconds) / this.hop - slack) - 1;
    first = Math.min(Math.max(first, 0), rows.rows - 1);
    last = Math.min(Math.max(last, first), rows.rows - 1);
    out.fill(0);
    for (let r = first; r <= last; r++) {
      for (let k = 0; k < this.dimension; k++) out[k] += rows.z[r * this.dimension + k] / (last - first + 1);
    }
  }
}
