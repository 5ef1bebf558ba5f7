/**
 * Bar charts for evaluation reports: per-song and per-subject accuracy (one bar per category,
 * optionally with an error bar) and grouped bars that compare several models per song.
 *
 * Song titles are long ("The Last Thing You Should Do"), so when category labels do not fit under
 * their bars they are rotated 40° and the margins grow to hold them, rather than overlapping.
 */
import {
  baseline,
  chartSize,
  element,
  escapeXml,
  expectArray,
  expectFinite,
  expectRange,
  expectReferenceLine,
  expectText,
  fontSize,
  formatNumber,
  documentId,
  legend,
  legendWidth,
  linearScale,
  niceTicks,
  okabeIto,
  plotAreaRect,
  referenceLineSvg,
  svgDocument,
  text,
  textWidth,
  ticksWithin,
  xAxisLabel,
  yAxis,
  type ChartSize,
  type PlotArea,
  type ReferenceLine,
} from './svg-document.js';
import { expectNumber, expectObject } from '../validate.js';

/** One bar: its category label, its height and an optional symmetric error (e.g. one SD). */
export interface Bar {
  label: string;
  value: number;
  error?: number;
}

/** Grouped bars: one group per category, one bar per series inside each group. */
export interface GroupedBars {
  groups: readonly string[];
  /** One to eight series, each with one value per group. */
  series: readonly { name: string; values: readonly number[] }[];
}

export interface BarChartOptions extends ChartSize {
  title: string;
  xLabel?: string;
  yLabel: string;
  /** Single bars; give either `bars` or `grouped`. */
  bars?: readonly Bar[];
  grouped?: GroupedBars;
  /** Fixed y range, e.g. [0, 100] for accuracy in %; otherwise 0 and the data, widened to nice ticks. */
  yRange?: readonly [number, number];
  referenceLine?: ReferenceLine;
}

/** Rotation of category labels that do not fit, in degrees. */
const labelAngle = 40;
const sin = Math.sin((labelAngle * Math.PI) / 180);
const cos = Math.cos((labelAngle * Math.PI) / 180);

/**
 * Renders a bar chart as an SVG string.
 *
 * @example
 * barChart({ title: 'Per-song accuracy', yLabel: 'Accuracy (%)', yRange: [0, 100],
 *   bars: [{ label: 'First Fires', value: 42.5, error: 3.1 }, { label: 'Oino', value: 38 }],
 *   referenceLine: { y: 10, label: 'chance 10 %' } });
 * barChart({ title: 'Models per song', yLabel: 'Accuracy (%)',
 *   grouped: { groups: ['First Fires', 'Oino'], series: [{ name: 'λ = 0.05', values: [42, 38] }, { name: 'λ = 0', values: [35, 30] }] } });
 */
export function barChart(options: BarChartOptions): string {
  const { categories, series, errors } = checkOptions(options);
  const { title, yLabel, referenceLine } = options;
  const xLabel = options.xLabel ?? '';
  const { width, height } = chartSize(options, { width: 720, height: 440 });
  const yRange = options.yRange === undefined ? undefined : expectRange('yRange', options.yRange);
  const values = series.flatMap((s) => s.values);
  const extent = values.flatMap((v, i) => [v - (errors[i] ?? 0), v + (errors[i] ?? 0)]).concat(0, referenceLine ? [referenceLine.y] : []);
  const yt = yRange ? ticksWithin(yRange[0], yRange[1]) : niceTicks(Math.min(...extent), Math.max(...extent));
  const showLegend = series.length > 1;
  const tickWidth = Math.max(...yt.values.map((v) => textWidth(formatNumber(v, yt.decimals), fontSize.tick)));
  const right = showLegend ? legendWidth(series.map((s) => s.name)) + 24 : 24;
  const labelWidths = categories.map((c) => textWidth(c, fontSize.tick));
  let left = 16 + fontSize.label + 10 + tickWidth + 8;
  const band = (width - left - right) / categories.length;
  const rotate = Math.max(...labelWidths) > band - 6;
  // A rotated first label reaches left of its bar; widen the margin so it is not cut off.
  if (rotate) left = Math.max(left, labelWidths[0] * cos - band / 2 + 12);
  const labelDepth = rotate ? Math.max(...labelWidths) * sin + fontSize.tick * cos + 8 : fontSize.tick + 8;
  const bottom = labelDepth + (xLabel ? fontSize.label + 18 : 0) + 12;
  const area: PlotArea = { x: left, y: 44, width: width - left - right, height: height - 44 - bottom };
  if (area.width < 50 || area.height < 50) throw new RangeError(`Expected a larger width and height for the bar chart but received ${width} × ${height}`);
  const sy = linearScale(yt.min, yt.max, area.y + area.height, area.y);
  const step = area.width / categories.length;
  const body = [
    plotAreaRect(area),
    yAxis(area, yt, sy, yLabel, 16 + fontSize.label / 2),
    // Bars past a fixed yRange are cut 8 px beyond the plot, which leaves room for error-bar caps.
    `<defs><clipPath id="${documentId}-clip">${element('rect', { x: area.x, y: area.y - 8, width: area.width, height: area.height + 16 })}</clipPath></defs>`,
    `<g clip-path="url(#${documentId}-clip)">${barsSvg(categories, series, errors, area, sy, Math.min(Math.max(0, yt.min), yt.max))}</g>`,
    baseline(area),
    categoryLabels(categories, area, step, rotate),
    xLabel ? xAxisLabel(area, xLabel, area.y + area.height + labelDepth + fontSize.label + 10) : '',
    referenceLine ? referenceLineSvg(area, sy(referenceLine.y), referenceLine.label) : '',
    showLegend ? legend(series.map((s, i) => ({ name: s.name, swatch: (x, y) => element('rect', { x, y, width: 16, height: 10, fill: okabeIto[i] }) })), area.x + area.width + 12, area.y) : '',
  ];
  const description =
    options.description ??
    `Bar chart of ${yLabel || 'values'} for ${categories.length} categories (${categories.join(', ')})` +
      (showLegend ? `, ${series.length} series (${series.map((s) => s.name).join(', ')})` : '') +
      `; y axis from ${formatNumber(yt.min, yt.decimals)} to ${formatNumber(yt.max, yt.decimals)}.`;
  return svgDocument({ kind: 'bar', width, height, title, description, body: body.filter(Boolean).join('\n') });
}

/** The checked data in one shape for both forms: categories, series of values, errors of series 0. */
function checkOptions(options: BarChartOptions): { categories: string[]; series: { name: string; values: number[] }[]; errors: (number | undefined)[] } {
  expectObject('options', options);
  expectText('title', options.title, true);
  if (options.xLabel !== undefined) expectText('xLabel', options.xLabel);
  expectText('yLabel', options.yLabel);
  expectReferenceLine('referenceLine', options.referenceLine);
  if ((options.bars === undefined) === (options.grouped === undefined)) {
    throw new TypeError('Expected exactly one of bars or grouped for the bar chart');
  }
  if (options.bars !== undefined) {
    const bars = expectArray('bars', options.bars) as Bar[];
    bars.forEach((b, i) => {
      expectObject(`bars[${i}]`, b);
      expectText(`bars[${i}].label`, b.label);
      expectFinite(`bars[${i}].value`, b.value);
      if (b.error !== undefined) expectNumber(`bars[${i}].error`, expectFinite(`bars[${i}].error`, b.error), 0);
    });
    return { categories: bars.map((b) => b.label), series: [{ name: '', values: bars.map((b) => b.value) }], errors: bars.map((b) => b.error) };
  }
  expectObject('grouped', options.grouped);
  const { groups, series } = options.grouped as GroupedBars;
  expectArray('grouped.groups', groups).forEach((g, i) => expectText(`grouped.groups[${i}]`, g));
  expectArray('grouped.series', series, 1, okabeIto.length);
  series.forEach((s, i) => {
    expectObject(`grouped.series[${i}]`, s);
    expectText(`grouped.series[${i}].name`, s.name, true);
    expectArray(`grouped.series[${i}].values`, s.values, groups.length, groups.length);
    s.values.forEach((v, j) => expectFinite(`grouped.series[${i}].values[${j}]`, v));
  });
  return { categories: [...groups], series: series.map((s) => ({ name: s.name, values: [...s.values] })), errors: [] };
}

/** The bars, one <rect class="bar"> each with a tooltip, and their error bars. */
function barsSvg(
  categories: string[],
  series: { name: string; values: number[] }[],
  errors: (number | undefined)[],
  area: PlotArea,
  sy: (v: number) => number,
  base: number,
): string {
  const step = area.width / categories.length;
  const groupWidth = step * (series.length > 1 ? 0.8 : 0.7);
  const barWidth = groupWidth / series.length;
  const parts: string[] = [];
  categories.forEach((category, c) => {
    series.forEach((s, k) => {
      const value = s.values[c];
      const x = area.x + c * step + (step - groupWidth) / 2 + k * barWidth;
      const [y0, y1] = [sy(base), sy(value)];
      const error = errors[c];
      const name = series.length > 1 ? `${category}, ${s.name}` : category;
      const tip = `${name}: ${formatNumber(value, 2)}${error !== undefined ? ` ± ${formatNumber(error, 2)}` : ''}`;
      const inset = series.length > 1 ? 1 : 0; // a hairline gap between neighbouring bars of a group
      parts.push(element('rect', { x: x + inset / 2, y: Math.min(y0, y1), width: barWidth - inset, height: Math.abs(y1 - y0), fill: okabeIto[k], class: 'bar' }, `<title>${escapeXml(tip)}</title>`));
      if (error !== undefined && error > 0) parts.push(errorBar(x + barWidth / 2, sy(value - error), sy(value + error), barWidth * 0.3));
    });
  });
  return `<g class="bars">${parts.join('')}</g>`;
}

/** A vertical whisker from y0 to y1 with caps `cap` wide. */
function errorBar(x: number, y0: number, y1: number, cap: number): string {
  const stroke = { stroke: '#222222', 'stroke-width': 1.2 };
  return (
    `<g class="error-bar">` +
    element('line', { x1: x, y1: y0, x2: x, y2: y1, ...stroke }) +
    element('line', { x1: x - cap / 2, y1: y0, x2: x + cap / 2, y2: y0, ...stroke }) +
    element('line', { x1: x - cap / 2, y1: y1, x2: x + cap / 2, y2: y1, ...stroke }) +
    `</g>`
  );
}

/** Category labels centred under their bars, or rotated and ending under them when too long. */
function categoryLabels(categories: string[], area: PlotArea, step: number, rotate: boolean): string {
  const y = area.y + area.height + 8 + fontSize.tick * (rotate ? 0.6 : 1);
  const labels = categories.map((c, i) => {
    const x = area.x + (i + 0.5) * step;
    return rotate
      ? text(x, y, c, { 'text-anchor': 'end', transform: `rotate(-${labelAngle} ${formatNumber(x, 2)} ${formatNumber(y, 2)})`, class: 'tick-label x' })
      : text(x, y, c, { 'text-anchor': 'middle', class: 'tick-label x' });
  });
  return `<g class="category-labels">${labels.join('')}</g>`;
}
