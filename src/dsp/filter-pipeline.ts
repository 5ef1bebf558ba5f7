/**
 * A filter spec (filter-spec.ts) designed for one sample rate and applied to (channels × samples)
 * float64 EEG in place, stage after stage, exactly as the SciPy chain
 *   y = sosfiltfilt(sos_1, x); y = sosfiltfilt(sos_2, y); …   (or filtfilt(b, a, y) for 'ba' stages)
 * would compute it: each stage pads its own input. Designs are checked before any data is touched:
 * every edge strictly below the Nyquist frequency, and the form that will run stable.
 */
import { designIir, filtfilt, sosfiltfilt, type FilterDesign, type FilterEngine } from './iir-filter.js';
import { FilterSpecError, formatFilterSpec, parseFilterSpec, type FilterStage } from './filter-spec.js';

export interface DesignedStage {
  stage: FilterStage;
  design: FilterDesign;
  /** SciPy's default padding of this stage (samples of odd extension at each end). */
  padlen: number;
}

export interface FilterPipeline {
  /** The canonical spec (filter-spec.ts) of the stages. */
  spec: string;
  /** The sample rate the stages were designed for, Hz. */
  fs: number;
  stages: DesignedStage[];
}

/** What a data set's manifest records of a pipeline it went through. */
export interface AppliedFilter {
  spec: string;
  fs: number;
  stages: FilterStage[];
  /** Seconds of the recording on each side of a song the filter also ran over (ingest --filter-context). */
  contextSeconds?: number;
}

/**
 * Designs every stage of `spec` (a spec text or parsed stages) at sample rate `fs`.
 * Throws FilterSpecError naming the stage for an edge at or above Nyquist or an unstable design.
 *
 * @example
 * const nmedt = designFilterPipeline('nmedt', 1000);   // 4 + 4 + 8 sections
 */
export function designFilterPipeline(spec: string | readonly FilterStage[], fs: number): FilterPipeline {
  const stages = typeof spec === 'string' ? parseFilterSpec(spec) : [...spec];
  if (!(Number.isFinite(fs) && fs > 0)) throw new FilterSpecError(`the sample rate must be a positive number of Hz, got ${fs}`);
  const designed = stages.map((stage, i) => designStage(stage, i + 1, fs));
  return { spec: formatFilterSpec(stages), fs, stages: designed };
}

function designStage(stage: FilterStage, index: number, fs: number): DesignedStage {
  const name = `filter stage ${index} "${formatFilterSpec([stage])}"`;
  for (const f of stage.cutoffsHz) {
    if (!(f < fs / 2)) throw new FilterSpecError(`${name}: the edge ${f} Hz is at or above the Nyquist frequency ${fs / 2} Hz of ${fs}-Hz data`);
  }
  const design = designIir({ family: stage.family, band: stage.band, order: stage.order, cutoffsHz: stage.cutoffsHz, fs, rippleDb: stage.rippleDb });
  if (!(design.maxPoleRadius < 1)) {
    throw new FilterSpecError(`${name}: unstable design at ${fs} Hz (a pole at radius ${design.maxPoleRadius.toPrecision(12)} ≥ 1); lower the order or raise the edge`);
  }
  if (stage.form === 'ba' && !design.baStable) {
    throw new FilterSpecError(`${name}: unstable in (b, a) form at ${fs} Hz (its float64 denominator has a root on or outside the unit circle); use second-order sections (drop ":ba")`);
  }
  return { stage, design, padlen: stage.form === 'sos' ? design.sosPadlen : design.baPadlen };
}

/** The longest padding of the pipeline's stages: a signal must be longer than this. */
export function pipelinePadlen(pipeline: FilterPipeline): number {
  return Math.max(0, ...pipeline.stages.map((s) => s.padlen));
}

/**
 * Filters x (channels × samples, channel-major float64) in place through every stage.
 * Native errors (a non-finite sample, naming its channel and sample) reject the promise.
 *
 * @example
 * await applyFilterPipeline(designFilterPipeline('nmedt', 1000), x, { channels: 128, samples: 292000 });
 */
export async function applyFilterPipeline(
  pipeline: FilterPipeline,
  x: Float64Array,
  shape: { channels: number; samples: number },
  engine: FilterEngine = 'fast',
): Promise<Float64Array> {
  const padlen = pipelinePadlen(pipeline);
  if (shape.samples <= padlen) {
    throw new FilterSpecError(`a signal of ${shape.samples} samples is too short for the filter "${pipeline.spec}": it must be longer than its padding of ${padlen} samples`);
  }
  for (const { stage, design } of pipeline.stages) {
    const signal = { channels: shape.channels, samples: shape.samples, output: x, engine };
    if (stage.form === 'sos') await sosfiltfilt(design.sos, x, signal);
    else await filtfilt(design.b, design.a, x, signal);
  }
  return x;
}

/** The manifest record of a pipeline. */
export function appliedFilter(pipeline: FilterPipeline): AppliedFilter {
  return { spec: pipeline.spec, fs: pipeline.fs, stages: pipeline.stages.map((s) => s.stage) };
}

/** The manifest's `filter` line for a pipeline: '<spec> at <fs> Hz'. */
export function describeFilter(pipeline: FilterPipeline): string {
  return `${pipeline.spec} at ${pipeline.fs} Hz`;
}

/**
 * Filters one stored float32 recording (channels × samples): widened to float64, filtered through
 * every stage, rounded back to float32, as filtering the stored array with SciPy would.
 */
export async function filterFloat32(
  pipeline: FilterPipeline,
  data: Float32Array,
  shape: { channels: number; samples: number },
  engine: FilterEngine = 'fast',
): Promise<Float32Array> {
  return new Float32Filter(pipeline, engine).apply(data, shape);
}

/**
 * filterFloat32 for many recordings in a row, reusing its float64 work buffer and its output: the
 * array `apply` returns is valid until the next call. (Fresh multi-MB arrays per recording cost
 * more in garbage collection than the filtering itself.)
 */
export class Float32Filter {
  private work = new Float64Array(0);
  private output = new Float32Array(0);

  constructor(
    readonly pipeline: FilterPipeline,
    readonly engine: FilterEngine = 'fast',
  ) {}

  async apply(data: Float32Array, shape: { channels: number; samples: number }): Promise<Float32Array> {
    if (this.work.length < data.length) [this.work, this.output] = [new Float64Array(data.length), new Float32Array(data.length)];
    const x = this.work.subarray(0, data.length);
    x.set(data);
    await applyFilterPipeline(this.pipeline, x, shape, this.engine);
    const y = this.output.subarray(0, data.length);
    y.set(x);
    return y;
  }
}
