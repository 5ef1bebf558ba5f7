/**
 * Line charts for evaluation reports: accuracy against evaluation length (one line per
 * aggregation, with a dashed chance line) and training curves from a run's log (loss per step,
 * validation accuracy per epoch).
 *
 * Short series get a marker on every point, in a different shape per series so the lines stay
 * apart in greyscale print. Long series (thousands of steps) are drawn as one polyline, thinned to
 * the lowest and highest value per pixel column so the file stays small and the envelope exact.
 */
import {
  chartSize,
  coord,
  element,
  escapeXml,
  expectArray,
  expectFinite,
  expectRange,
  expectReferenceLine,
  extent,
  expectText,
  fontSize,
  documentId,
  legend,
  legendWidth,
  linearScale,
  niceTicks,
  okabeIto,
  plotAreaRect,
  referenceLineSvg,
  svgDocument,
  textWidth,
  ticksWithin,
  xAxis,
  yAxis,
  formatNumber,
  type ChartSize,
  type PlotArea,
  type ReferenceLine,
  type Ticks,
} from './svg-document.js';
import { expectObject } from '../validate.js';

/** One line: a name for the legend and its points in drawing order. */
export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions extends ChartSize {
  title: string;
  xLabel: string;
  yLabel: string;
  /** One to eight series (the palette has eight colours). */
  series: readonly LineSeries[];
  /** Fixed y range, e.g. [0, 100] for accuracy in %; points outside it are clipped. */
  yRange?: readonly [number, number];
  /** A dashed horizontal line, e.g. `{ y: 10, label: 'chance 10 %' }`. */
  referenceLine?: ReferenceLine;
  /** Exact x tick values, e.g. [3, 4, 5, 6, 7] for evaluation lengths; nice ticks when omitted. */
  xTicks?: readonly number[];
  /** 'log': a logarithmic x axis (x > 0) with a tick at every power of ten, e.g. frequency responses. */
  xScale?: 'linear' | 'log';
}

/** Series with at most this many points get markers. */
const maxMarkedPoints = 60;

/**
 * Renders a line chart as an SVG string.
 *
 * @example
 * lineChart({
 *   title: 'Accuracy vs evaluation length', xLabel: 'Evaluation length (s)', yLabel: 'Accuracy (%)',
 *   series: [{ name: 'mean', points: [[3, 40.1], [4, 45.3], [5, 48.0]] }],
 *   yRange: [0, 100], referenceLine: { y: 10, label: 'chance 10 %' }, xTicks: [3, 4, 5],
 * });
 */
export function lineChart(options: LineChartOptions): string {
  const checked = checkOptions(options);
  const { title, xLabel, yLabel, yRange, referenceLine, xTicks } = checked;
  const log = checked.xScale === 'log';
  // A log axis is drawn as a linear one over log10(x), labelled with the powers of ten.
  const series = log ? checked.series.map((s) => ({ ...s, points: s.points.map(([x, y]) => [Math.log10(x), y] as const) })) : checked.series;
  const { width, height } = chartSize(options, { width: 720, height: 440 });
  const [x0, x1] = extent([...series.flatMap((s) => s.points.map((p) => p[0])), ...(xTicks ?? [])]);
  const [y0, y1] = extent([...series.flatMap((s) => s.points.map((p) => p[1])), ...(referenceLine ? [referenceLine.y] : [])]);
  const xt = log ? decadeTicks(x0, x1) : xTicks ? exactTicks(xTicks, x0, x1) : niceTicks(x0, x1);
  const yt = yRange ? ticksWithin(yRange[0], yRange[1]) : niceTicks(y0, y1);
  const showLegend = series.length > 1;
  const tickWidth = Math.max(...yt.values.map((v) => textWidth(formatNumber(v, yt.decimals), fontSize.tick)));
  const left = 16 + fontSize.label + 10 + tickWidth + 8;
  const right = showLegend ? legendWidth(series.map((s) => s.name)) + 24 : 24;
  const area: PlotArea = { x: left, y: 44, width: width - left - right, height: height - 44 - (xLabel ? 56 : 32) };
  if (area.width < 50 || area.height < 50) throw new RangeError(`Expected a larger width and height for the line chart but received ${width} × ${height}`);
  const sx = linearScale(xt.min, xt.max, area.x, area.x + area.width);
  const sy = linearScale(yt.min, yt.max, area.y + area.height, area.y);
  const body = [
    plotAreaRect(area),
    yAxis(area, yt, sy, yLabel, 16 + fontSize.label / 2),
    xAxis(area, xt, sx, xLabel),
    referenceLine ? referenceLineSvg(area, sy(referenceLine.y), referenceLine.label) : '',
    // The clip leaves room for half a marker, so a point at 100 % is drawn whole.
    `<defs><clipPath id="${documentId}-clip">${element('rect', { x: area.x - 6, y: area.y - 6, width: area.width + 12, height: area.height + 12 })}</clipPath></defs>`,
    `<g clip-path="url(#${documentId}-clip)">${series.map((s, i) => seriesSvg(s, i, sx, sy, area.width)).join('')}</g>`,
    showLegend ? legend(series.map((s, i) => ({ name: s.name, swatch: (x, y) => lineSwatch(i, x, y, s.points.length <= maxMarkedPoints) })), area.x + area.width + 12, area.y) : '',
  ];
  const description =
    options.description ??
    `Line chart with ${series.length} series (${series.map((s) => s.name).join(', ')}); ` +
      `x axis ${xLabel || 'unlabelled'}${log ? ' (logarithmic)' : ''} from ${xt.labels?.[0] ?? formatNumber(xt.min, xt.decimals)} to ${xt.labels?.at(-1) ?? formatNumber(xt.max, xt.decimals)}; ` +
      `y axis ${yLabel || 'unlabelled'} from ${formatNumber(yt.min, yt.decimals)} to ${formatNumber(yt.max, yt.decimals)}.`;
  return svgDocument({ kind: 'line', width, height, title, description, body: body.filter(Boolean).join('\n') });
}

function checkOptions(options: LineChartOptions): LineChartOptions {
  expectObject('options', options);
  expectText('title', options.title, true);
  expectText('xLabel', options.xLabel);
  expectText('yLabel', options.yLabel);
  expectArray('series', options.series, 1, okabeIto.length);
  options.series.forEach((s, i) => {
    expectObject(`series[${i}]`, s);
    expectText(`series[${i}].name`, s.name, true);
    expectArray(`series[${i}].points`, s.points);
    s.points.forEach((p, j) => {
      expectArray(`series[${i}].points[${j}]`, p, 2, 2);
      expectFinite(`series[${i}].points[${j}][0]`, p[0]);
      expectFinite(`series[${i}].points[${j}][1]`, p[1]);
    });
  });
  const yRange = options.yRange === undefined ? undefined : expectRange('yRange', options.yRange);
  const referenceLine = expectReferenceLine('referenceLine', options.referenceLine);
  if (options.xTicks !== undefined) expectArray('xTicks', options.xTicks).forEach((v, i) => expectFinite(`xTicks[${i}]`, v));
  if (options.xScale !== undefined && options.xScale !== 'linear' && options.xScale !== 'log') throw new RangeError(`Expected 'linear' or 'log' for xScale but received ${String(options.xScale)}`);
  if (options.xScale === 'log') {
    if (options.xTicks !== undefined) throw new RangeError('Expected no xTicks with a log x axis (it has a tick at every power of ten)');
    options.series.forEach((s, i) => s.points.forEach((p, j) => {
      if (!(p[0] > 0)) throw new RangeError(`Expected a positive x for a log axis but series[${i}].points[${j}][0] is ${p[0]}`);
    }));
  }
  return { ...options, yRange, referenceLine };
}

/** Ticks at the powers of ten spanning [min, max] (log10 positions), labelled 0.1, 1, 10, …. */
function decadeTicks(min: number, max: number): Ticks {
  const first = Math.floor(min + 1e-9);
  const last = Math.max(Math.ceil(max - 1e-9), first + 1);
  const values = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return { min: first, max: last, step: 1, values, decimals: 0, labels: values.map((v) => formatNumber(10 ** v, Math.max(0, -v))) };
}

/** Ticks at given values; the axis spans them and the data. */
function exactTicks(values: readonly number[], min: number, max: number): Ticks {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const decimals = Math.max(...sorted.map((v) => [0, 1, 2, 3, 4, 5, 6].find((d) => Number(v.toFixed(d)) === v) ?? 6));
  const pad = min === max ? 1 : 0;
  return { min: min - pad, max: max + pad, step: 0, values: sorted, decimals };
}

/** The polyline of one series, with markers when it is short. */
function seriesSvg(s: LineSeries, index: number, sx: (v: number) => number, sy: (v: number) => number, columns: number): string {
  const colour = okabeIto[index];
  const pixels = s.points.map(([x, y]) => [sx(x), sy(y)] as const);
  const drawn = pixels.length > 4 * columns ? envelope(pixels) : pixels;
  const line = element('polyline', {
    points: drawn.map(([x, y]) => `${coord(x)},${coord(y)}`).join(' '),
    fill: 'none',
    stroke: colour,
    'stroke-width': 2,
    'stroke-linejoin': 'round',
    'stroke-linecap': 'round',
    class: 'series-line',
  });
  const markers = s.points.length <= maxMarkedPoints ? pixels.map(([x, y]) => marker(index, x, y)).join('') : '';
  return `<g class="series" data-name="${escapeXml(s.name)}">${line}${markers}</g>`;
}

/**
 * Thins a long, x-ordered run of pixels to the first, lowest, highest and last point of each
 * pixel column, in their original order, so the drawn envelope is unchanged.
 */
export function envelope(pixels: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const kept: (readonly [number, number])[] = [];
  let start = 0;
  while (start < pixels.length) {
    const column = Math.floor(pixels[start][0]);
    let end = start;
    let lo = start;
    let hi = start;
    while (end + 1 < pixels.length && Math.floor(pixels[end + 1][0]) === column) {
      end++;
      if (pixels[end][1] < pixels[lo][1]) lo = end;
      if (pixels[end][1] > pixels[hi][1]) hi = end;
    }
    for (const i of [...new Set([start, lo, hi, end])].sort((a, b) => a - b)) kept.push(pixels[i]);
    start = end + 1;
  }
  return kept;
}

/** Marker shapes by series index: circle, square, diamond, triangle, then again. */
function marker(index: number, x: number, y: number, r = 3.5): string {
  const fill = okabeIto[index];
  const common = { fill, stroke: '#FFFFFF', 'stroke-width': 1, class: 'marker' };
  switch (index % 4) {
    case 0:
      return element('circle', { cx: x, cy: y, r, ...common });
    case 1:
      return element('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...common });
    case 2:
      return element('path', { d: `M${coord(x)} ${coord(y - r * 1.3)}L${coord(x + r * 1.3)} ${coord(y)}L${coord(x)} ${coord(y + r * 1.3)}L${coord(x - r * 1.3)} ${coord(y)}Z`, ...common });
    default:
      return element('path', { d: `M${coord(x)} ${coord(y - r * 1.3)}L${coord(x + r * 1.2)} ${coord(y + r)}L${coord(x - r * 1.2)} ${coord(y + r)}Z`, ...common });
  }
}

/** A legend swatch: a short stretch of the line with the series' marker on it. */
function lineSwatch(index: number, x: number, y: number, withMarker: boolean): string {
  const line = element('line', { x1: x, y1: y + 5, x2: x + 16, y2: y + 5, stroke: okabeIto[index], 'stroke-width': 2 });
  return withMarker ? line + marker(index, x + 8, y + 5, 3) : line;
}
