/**
 * Heat maps for evaluation reports, chiefly the confusion matrix (true song × predicted song):
 * square cells on a white-to-dark-blue sequential scale with a legend bar, and each cell's value
 * printed in it, in white on dark cells and in dark grey on light ones.
 *
 * A single-hue light-to-dark scale reads the same to colour-blind readers and in greyscale, and
 * leaves empty cells white, so the diagonal of a good classifier stands out.
 */
import {
  chartSize,
  element,
  escapeXml,
  expectArray,
  expectFinite,
  expectText,
  fontSize,
  formatNumber,
  documentId,
  ink,
  linearScale,
  plotAreaRect,
  svgDocument,
  text,
  textWidth,
  ticksWithin,
  xAxisLabel,
  type ChartSize,
  type PlotArea,
} from './svg-document.js';
import { expectNumber, expectObject, expectOneOf } from '../validate.js';

export interface HeatmapOptions extends ChartSize {
  title: string;
  /** Title of the row axis, e.g. 'True song'. */
  rowLabel: string;
  /** Title of the column axis, e.g. 'Predicted song'. */
  columnLabel: string;
  rows: readonly string[];
  columns: readonly string[];
  /** Row-major non-negative values (counts), rows.length × columns.length. */
  values: readonly (readonly number[])[];
  /** 'row' divides each row by its sum (an all-zero row stays zero); default 'none'. */
  normalize?: 'row' | 'none';
}

/** ColorBrewer "Blues", light to dark: the stops of the sequential scale. */
const ramp = ['#F7FBFF', '#DEEBF7', '#C6DBEF', '#9ECAE1', '#6BAED6', '#4292C6', '#2171B5', '#08519C', '#08306B'];

/** Cells smaller than this (px) are too small to hold a readable value, so none is printed. */
const minCellForText = 14;

/**
 * Renders a heat map as an SVG string.
 *
 * @example
 * heatmap({ title: 'Confusion matrix', rowLabel: 'True song', columnLabel: 'Predicted song',
 *   rows: ['Oino', 'Tiptoes'], columns: ['Oino', 'Tiptoes'], values: [[8, 2], [1, 9]], normalize: 'row' });
 */
export function heatmap(options: HeatmapOptions): string {
  const normalize = checkOptions(options);
  const { title, rowLabel, columnLabel, rows, columns } = options;
  const shown = normalize === 'row' ? normalizeRows(options.values) : options.values.map((r) => [...r]);
  const decimals = normalize === 'row' || !shown.flat().every(Number.isInteger) ? 2 : 0;
  const max = normalize === 'row' ? 1 : Math.max(...shown.flat()) || 1;
  const { width, height } = chartSize(options, { width: 680, height: 600 });
  const ticks = ticksWithin(0, max, 5);
  const tickWidth = Math.max(...ticks.values.map((v) => textWidth(formatNumber(v, ticks.decimals), fontSize.tick)));
  const rowWidth = Math.max(...rows.map((r) => textWidth(r, fontSize.tick)));
  const columnWidth = Math.max(...columns.map((c) => textWidth(c, fontSize.tick)));
  const left = 16 + fontSize.label + 10 + rowWidth + 8;
  const right = 24 + 16 + 6 + tickWidth + 16;
  const rotate = columnWidth > (width - left - right) / columns.length - 6;
  const labelDepth = rotate ? columnWidth * Math.SQRT1_2 + fontSize.tick + 8 : fontSize.tick + 10;
  const available = { width: width - left - right, height: height - 44 - labelDepth - fontSize.label - 20 };
  const cell = Math.min(available.width / columns.length, available.height / rows.length);
  if (cell < 4) throw new RangeError(`Expected a larger width and height for the heat map but received ${width} × ${height}`);
  const area: PlotArea = { x: left, y: 44, width: cell * columns.length, height: cell * rows.length };
  const id = documentId;
  const body = [
    cellsSvg(shown, rows, columns, area, cell, max, decimals),
    plotAreaRect(area),
    rowLabels(rows, area, cell, rowLabel),
    columnLabels(columns, area, cell, rotate),
    xAxisLabel(area, columnLabel, area.y + area.height + labelDepth + fontSize.label + 4),
    colourBar(id, area, ticks.values, ticks.decimals, max),
  ];
  const description =
    options.description ??
    `Heat map of ${rows.length} × ${columns.length} values${normalize === 'row' ? ' normalised per row' : ''}; ` +
      `rows ${rowLabel || 'unlabelled'} (${rows.join(', ')}); columns ${columnLabel || 'unlabelled'} (${columns.join(', ')}); ` +
      `colour from 0 (white) to ${formatNumber(max, decimals)} (dark blue).`;
  return svgDocument({ kind: 'heatmap', width, height, title, description, body: body.join('\n') });
}

/** Checks the options and returns the normalisation mode. */
function checkOptions(options: HeatmapOptions): 'row' | 'none' {
  expectObject('options', options);
  expectText('title', options.title, true);
  expectText('rowLabel', options.rowLabel);
  expectText('columnLabel', options.columnLabel);
  expectArray('rows', options.rows).forEach((r, i) => expectText(`rows[${i}]`, r));
  expectArray('columns', options.columns).forEach((c, i) => expectText(`columns[${i}]`, c));
  const { rows, columns, values } = options;
  expectArray('values', values, rows.length, rows.length);
  values.forEach((row, i) => {
    expectArray(`values[${i}]`, row, columns.length, columns.length);
    row.forEach((v, j) => expectNumber(`values[${i}][${j}]`, expectFinite(`values[${i}][${j}]`, v), 0));
  });
  return expectOneOf('normalize', options.normalize ?? 'none', ['row', 'none'] as const);
}

/**
 * Each row divided by its sum; an all-zero row (a class never seen) stays all zero.
 *
 * @example
 * normalizeRows([[1, 3], [0, 0]]); // [[0.25, 0.75], [0, 0]]
 */
export function normalizeRows(values: readonly (readonly number[])[]): number[][] {
  return values.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum > 0 ? v / sum : 0));
  });
}

/**
 * The scale colour of `t` in [0, 1], interpolated in sRGB between the ramp's stops.
 *
 * @example
 * sequentialColour(0); // '#F7FBFF'
 * sequentialColour(1); // '#08306B'
 */
export function sequentialColour(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(x));
  const [a, b] = [rgb(ramp[i]), rgb(ramp[i + 1])];
  const mixed = a.map((c, k) => Math.round(c + (b[k] - c) * (x - i)));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0').toUpperCase()).join('')}`;
}

function rgb(hex: string): number[] {
  return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
}

/** White on dark cells, dark grey on light ones, by WCAG relative luminance. */
function textColourOn(background: string): string {
  const [r, g, b] = rgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance < 0.3 ? '#FFFFFF' : ink.text;
}

/** The cells, one <rect class="cell"> each with a tooltip, and their printed values. */
function cellsSvg(values: number[][], rows: readonly string[], columns: readonly string[], area: PlotArea, cell: number, max: number, decimals: number): string {
  const size = Math.min(fontSize.label, cell * 0.3);
  const parts = values.flatMap((row, i) =>
    row.map((v, j) => {
      const [x, y] = [area.x + j * cell, area.y + i * cell];
      const fill = sequentialColour(v / max);
      const label = formatNumber(v, decimals);
      const tip = `${rows[i]} → ${columns[j]}: ${label}`;
      const rect = element('rect', { x, y, width: cell, height: cell, fill, stroke: '#FFFFFF', 'stroke-width': 0.5, class: 'cell' }, `<title>${escapeXml(tip)}</title>`);
      if (cell < minCellForText) return rect;
      return rect + text(x + cell / 2, y + cell / 2 + size * 0.35, label, { 'text-anchor': 'middle', 'font-size': size, fill: textColourOn(fill), class: 'cell-value' });
    }),
  );
  return `<g class="cells">${parts.join('')}</g>`;
}

/** Row labels right-aligned left of the cells, and the rotated row-axis title. */
function rowLabels(rows: readonly string[], area: PlotArea, cell: number, title: string): string {
  const labels = rows.map((r, i) => text(area.x - 6, area.y + (i + 0.5) * cell + fontSize.tick * 0.35, r, { 'text-anchor': 'end', class: 'tick-label y' }));
  const [cx, cy] = [16 + fontSize.label / 2, area.y + area.height / 2];
  if (title) labels.push(text(cx, cy, title, { transform: `rotate(-90 ${formatNumber(cx, 2)} ${formatNumber(cy, 2)})`, 'text-anchor': 'middle', 'font-size': fontSize.label, class: 'axis-label y' }));
  return `<g class="row-labels">${labels.join('')}</g>`;
}

/** Column labels under the cells, rotated 45° when they do not fit. */
function columnLabels(columns: readonly string[], area: PlotArea, cell: number, rotate: boolean): string {
  const y = area.y + area.height + 8 + fontSize.tick * (rotate ? 0.6 : 1);
  const labels = columns.map((c, j) => {
    const x = area.x + (j + 0.5) * cell;
    return rotate
      ? text(x, y, c, { 'text-anchor': 'end', transform: `rotate(-45 ${formatNumber(x, 2)} ${formatNumber(y, 2)})`, class: 'tick-label x' })
      : text(x, y, c, { 'text-anchor': 'middle', class: 'tick-label x' });
  });
  return `<g class="column-labels">${labels.join('')}</g>`;
}

/** The legend: a vertical gradient bar right of the cells, 0 at the bottom, with tick labels. */
function colourBar(id: string, area: PlotArea, ticks: number[], decimals: number, max: number): string {
  const x = area.x + area.width + 24;
  const stops = ramp.map((c, i) => `<stop offset="${formatNumber(i / (ramp.length - 1), 4)}" stop-color="${c}"/>`).join('');
  const gradient = `<defs><linearGradient id="${id}-scale" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`;
  const sy = linearScale(0, max, area.y + area.height, area.y);
  const bar = element('rect', { x, y: area.y, width: 16, height: area.height, fill: `url(#${id}-scale)`, stroke: ink.grid, class: 'colour-bar' });
  const labels = ticks.map(
    (v) =>
      element('line', { x1: x + 16, y1: sy(v), x2: x + 20, y2: sy(v), stroke: ink.axis }) +
      text(x + 22, sy(v) + fontSize.tick * 0.35, formatNumber(v, decimals), { class: 'tick-label scale' }),
  );
  return `<g class="colour-scale">${gradient}${bar}${labels.join('')}</g>`;
}
