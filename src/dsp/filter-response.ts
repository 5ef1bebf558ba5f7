/**
 * What a filter pipeline does to each frequency, for people: the zero-phase gain in dB (a forward
 * and a backward pass square the magnitude, so each stage contributes 2 · 20·log10|H|), as a table
 * at the frequencies that matter and as an SVG plot on a logarithmic frequency axis.
 */
import type { FilterPipeline } from './filter-pipeline.js';
import { designMagnitude } from './iir-filter.js';
import { formatFilterSpec } from './filter-spec.js';
import { lineChart } from '../report/line-chart.js';
import { markdownTable } from '../report/markdown-table.js';

/** Zero-phase gain in dB of each stage at each frequency: 40·log10|H|; −Infinity at an exact zero. */
function stageGainsDb(pipeline: FilterPipeline, frequenciesHz: readonly number[]): Float64Array[] {
  const f = Float64Array.from(frequenciesHz);
  return pipeline.stages.map(({ stage, design }) => designMagnitude(design, stage.form, f, pipeline.fs).map((m) => 40 * Math.log10(m)));
}

/** Zero-phase gain in dB of each stage and of the whole pipeline at `hz`; −Infinity at an exact zero. */
export function zeroPhaseGainDb(pipeline: FilterPipeline, hz: number): { stages: number[]; total: number } {
  const stages = stageGainsDb(pipeline, [hz]).map((g) => g[0]);
  return { stages, total: stages.reduce((a, b) => a + b, 0) };
}

/** Frequencies worth a row: every band edge, and 1, 10, 50 and 60 Hz, below Nyquist, ascending. */
function keyFrequencies(pipeline: FilterPipeline): number[] {
  const all = [...pipeline.stages.flatMap((s) => s.stage.cutoffsHz), 1, 10, 50, 60];
  return [...new Set(all)].filter((f) => f < pipeline.fs / 2).sort((a, b) => a - b);
}

const db = (v: number) => (Number.isFinite(v) ? (Math.abs(v) < 0.005 ? 0 : v).toFixed(2) : '−∞');

/** A Markdown table of the stages (sections, padding, largest pole radius) and of the gains at key frequencies. */
export function describePipeline(pipeline: FilterPipeline): string {
  const stages = markdownTable(
    ['stage', 'form', 'sections / order', 'padding (samples)', 'largest pole radius'],
    pipeline.stages.map((s) => [
      formatFilterSpec([s.stage]),
      s.stage.form === 'sos' ? 'sosfiltfilt' : 'filtfilt (b, a)',
      s.stage.form === 'sos' ? s.design.sections : s.design.a.length - 1,
      s.padlen,
      s.design.maxPoleRadius.toFixed(10),
    ]),
  );
  const gains = markdownTable(
    ['Hz', ...pipeline.stages.map((_, i) => `stage ${i + 1} (dB)`), 'total (dB)'],
    keyFrequencies(pipeline).map((f) => {
      const g = zeroPhaseGainDb(pipeline, f);
      return [f, ...g.stages.map(db), db(g.total)];
    }),
  );
  return `Filter ${pipeline.spec} at ${pipeline.fs} Hz, zero-phase (each stage forward and backward):\n\n${stages}\n\nGain at key frequencies:\n\n${gains}`;
}

/** The zero-phase gain of each stage and of the whole pipeline against frequency (log axis), as SVG. */
export function responseChart(pipeline: FilterPipeline, points = 600): string {
  const edges = pipeline.stages.flatMap((s) => s.stage.cutoffsHz);
  const low = Math.min(pipeline.fs / 1000, ...edges.map((f) => f / 10));
  const high = pipeline.fs / 2 * 0.999; // the Nyquist frequency itself can be an exact zero
  const frequencies = Array.from({ length: points }, (_, i) => low * (high / low) ** (i / (points - 1)));
  const floor = -120; // deep stop bands are drawn at the floor
  const stages = stageGainsDb(pipeline, frequencies);
  const line = (name: string, gains: ArrayLike<number>) => ({
    name,
    points: frequencies.map((f, i) => [f, Math.max(floor, gains[i])] as const),
  });
  const series = pipeline.stages.map((s, i) => line(formatFilterSpec([s.stage]).split(':').slice(0, 3).join(':'), stages[i]));
  if (series.length > 1) series.push(line('total', frequencies.map((_, i) => stages.reduce((sum, g) => sum + g[i], 0))));
  return lineChart({
    title: `Zero-phase response, ${pipeline.fs} Hz`,
    xLabel: 'Frequency (Hz)',
    yLabel: 'Gain (dB)',
    series: series.slice(-8),
    yRange: [floor, 10],
    xScale: 'log',
    referenceLine: { y: -6.02, label: '−6 dB (half amplitude)' },
  });
}
