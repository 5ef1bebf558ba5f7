/**
 * What a filter pipeline does to each frequency, for people: the zero-phase gain in dB (a forward
 * and a backward pass square the magnitude, so each stage contributes 2 · 20·log10|H|), as a table
 * at the frequencies that matter and as an SVG plot on a logarithmic frequency axis.
 */
import type { FilterPipeline, DesignedStage } from './filter-pipeline.js';
import { formatFilterSpec } from './filter-spec.js';
import { lineChart } from '../report/line-chart.js';
import { markdownTable } from '../report/markdown-table.js';

/** |H(e^{iω})| of one stage at `hz` (sections in cascade, or (b, a)). */
function stageMagnitude(stage: DesignedStage, hz: number, fs: number): number {
  const w = (2 * Math.PI * hz) / fs;
  const [c1, s1, c2, s2] = [Math.cos(w), -Math.sin(w), Math.cos(2 * w), -Math.sin(2 * w)]; // z⁻¹, z⁻²
  if (stage.stage.form === 'sos') {
    const sos = stage.design.sos;
    let magnitude = 1;
    for (let i = 0; i < sos.length; i += 6) {
      const num = Math.hypot(sos[i] + sos[i + 1] * c1 + sos[i + 2] * c2, sos[i + 1] * s1 + sos[i + 2] * s2);
      const den = Math.hypot(sos[i + 3] + sos[i + 4] * c1 + sos[i + 5] * c2, sos[i + 4] * s1 + sos[i + 5] * s2);
      magnitude *= num / den;
    }
    return magnitude;
  }
  const poly = (c: Float64Array) => {
    let re = 0;
    let im = 0;
    c.forEach((v, k) => ((re += v * Math.cos(k * w)), (im -= v * Math.sin(k * w))));
    return Math.hypot(re, im);
  };
  return poly(stage.design.b) / poly(stage.design.a);
}

/** Zero-phase gain in dB of each stage and of the whole pipeline at `hz`; −Infinity at an exact zero. */
export function zeroPhaseGainDb(pipeline: FilterPipeline, hz: number): { stages: number[]; total: number } {
  const stages = pipeline.stages.map((s) => 40 * Math.log10(stageMagnitude(s, hz, pipeline.fs)));
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
  const gains = frequencies.map((f) => zeroPhaseGainDb(pipeline, f));
  const line = (name: string, pick: (g: { stages: number[]; total: number }) => number) => ({
    name,
    points: frequencies.map((f, i) => [f, Math.max(floor, pick(gains[i]))] as const),
  });
  const series = pipeline.stages.map((s, i) => line(formatFilterSpec([s.stage]).split(':').slice(0, 3).join(':'), (g) => g.stages[i]));
  if (series.length > 1) series.push(line('total', (g) => g.total));
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
