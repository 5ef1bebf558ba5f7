/**
 * `predann filter`: a data set directory → a new data set directory whose EEG went through a
 * zero-phase filter pipeline (filter-pipeline.ts) at the data set's sample rate. Audio is copied
 * as it is; the manifest is the source's, with the filter appended to `parameters.filter` (in
 * words) and `parameters.filters` (spec, sample rate, stages). The new directory appears
 * atomically; recordings are filtered one at a time, so memory stays at one recording.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { withAtomicOutput, writeFileAtomic } from '../io/atomic.js';
import { EegArrowWriter } from '../io/eeg-arrow.js';
import { Dataset, type DatasetManifest } from '../data/dataset.js';
import { appliedFilter, describeFilter, designFilterPipeline, Float32Filter, type FilterPipeline } from '../dsp/filter-pipeline.js';
import { FilterSpecError, type FilterStage } from '../dsp/filter-spec.js';

export interface FilterDatasetOptions {
  /** The data set directory to read. */
  data: string;
  /** The data set directory to write (replaced atomically if it exists; not `data` itself). */
  out: string;
  /** A filter spec (filter-spec.ts) or parsed stages. */
  filter: string | FilterStage[];
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface FilterDatasetResult {
  out: string;
  manifest: DatasetManifest;
  pipeline: FilterPipeline;
  seconds: number;
}

/**
 * @example
 * await filterDataset({ data: 'data/synth', out: 'data/synth-bp', filter: 'bandpass:1-50' });
 */
export async function filterDataset(options: FilterDatasetOptions): Promise<FilterDatasetResult> {
  const t0 = performance.now();
  if (resolve(options.out) === resolve(options.data)) throw new UsageError(`--out must be a new directory, not the data set being read (${options.data})`);
  const dataset = await Dataset.open(options.data);
  try {
    const source = dataset.manifest;
    const pipeline = designFilterPipeline(options.filter, source.parameters.fs);
    const manifest = await withAtomicOutput(options.out, async (dir) => {
      copyAudio(dataset, dir);
      await writeFilteredEeg(dataset, pipeline, join(dir, 'eeg.arrow'), options.onProgress);
      const filtered = withFilter(source, pipeline);
      writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(filtered, null, 2) + '\n');
      return filtered;
    });
    return { out: options.out, manifest, pipeline, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await dataset.close();
  }
}

function copyAudio(dataset: Dataset, dir: string): void {
  for (const song of dataset.manifest.songs) {
    const target = join(dir, song.audio);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(dataset.dir, song.audio), target);
  }
}

async function writeFilteredEeg(dataset: Dataset, pipeline: FilterPipeline, path: string, onProgress: FilterDatasetOptions['onProgress']): Promise<void> {
  const recordings = dataset.recordings().sort((a, b) => a.batch - b.batch);
  const writer = await EegArrowWriter.create(path);
  const filter = new Float32Filter(pipeline);
  try {
    for (const [i, entry] of recordings.entries()) {
      const rec = await dataset.recording(entry.subject, entry.song);
      let data: Float32Array;
      try {
        data = await filter.apply(rec.data, rec); // reused by the next apply: appended (awaited) first
      } catch (err) {
        // A bad value in the data (NaN, Inf) rejects as a RangeError naming its channel and sample.
        if (err instanceof FilterSpecError || err instanceof RangeError) throw new InputError(join(dataset.dir, 'eeg.arrow'), `record batch ${entry.batch} (subject ${entry.subject}, song ${entry.song})`, (err as Error).message);
        throw err;
      }
      await writer.append({ ...rec, data });
      onProgress?.(i + 1, recordings.length, `S${entry.subject} song ${entry.song}`);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function withFilter(source: DatasetManifest, pipeline: FilterPipeline): DatasetManifest {
  const p = source.parameters;
  const line = describeFilter(pipeline);
  return {
    ...source,
    parameters: {
      ...p,
      filter: p.filter ? `${p.filter}; ${line}` : line,
      filters: [...(p.filters ?? []), appliedFilter(pipeline)],
    },
  };
}
