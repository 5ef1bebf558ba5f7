/**
 * The shared pieces of predann's SVG charts (line, bar, heat map): the document wrapper with an
 * accessible <title>/<desc>, XML escaping, fixed-decimal number formatting, "nice" 1-2-5 ticks,
 * linear scales, axes with a light grid, the Okabe–Ito palette, legends and the input checks.
 *
 * The charts go into papers and reports, so the output is plain SVG 1.1 with no scripts, no
 * external fonts and no randomness: the same input gives the same string, byte for byte.
 */
import { expectInteger, expectNumber, received } from '../validate.js';

/**
 * Okabe & Ito's colour-blind-safe qualitative palette, in the order series take it. Yellow sits
 * near the end because it is faint on white; black is last so a lone series is never black.
 */
export const okabeIto: readonly string[] = Object.freeze([
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#E69F00', // orange
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#F0E442', // yellow
  '#000000', // black
]);

/** Ink for text, axes and grid (dark grey rather than black reads softer in print). */
export const ink = { text: '#222222', axis: '#444444', grid: '#E3E3E3', muted: '#666666' } as const;

/** Type sizes in px; the charts use no other sizes, so labels line up across plots. */
export const fontSize = { title: 16, label: 13, tick: 11 } as const;

/** Decimals for SVG coordinates: 0.01 px is below any display's resolution. */
const coordinateDecimals = 2;

/** The inner rectangle where data is drawn, in SVG user units. */
export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Options every chart takes besides its data. */
export interface ChartSize {
  /** Width of the whole image in px (default depends on the chart). */
  width?: number;
  /** Height of the whole image in px. */
  height?: number;
  /** Text for the accessible <desc>; a summary of the chart is written when omitted. */
  description?: string;
}

/**
 * Escapes text for XML content and double- or single-quoted attributes.
 *
 * @example
 * escapeXml('Rock & "Roll" <live>'); // 'Rock &amp; &quot;Roll&quot; &lt;live&gt;'
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}

/**
 * Formats a number with exactly `decimals` decimals and never prints "-0".
 *
 * @example
 * formatNumber(2 / 3, 2); // '0.67'
 * formatNumber(-0.001, 2); // '0.00'
 */
export function formatNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** A coordinate as it is written into the SVG. */
export function coord(value: number): string {
  return formatNumber(value, coordinateDecimals);
}

/** Tick values for an axis and the decimals their labels need. */
export interface Ticks {
  /** The axis range, widened to whole steps so the first and last ticks sit on the ends. */
  min: number;
  max: number;
  step: number;
  values: number[];
  /** Decimals that show every tick exactly (0 for steps ≥ 1, 1 for 0.5, 2 for 0.05, …). */
  decimals: number;
  /** Tick labels in place of the values (a log axis labels log10 positions by their powers of ten). */
  labels?: string[];
}

/**
 * "Nice" ticks: steps of 1, 2 or 5 × 10ᵏ covering [min, max] with about `target` intervals.
 * A zero-width range is widened so the axis still has ticks.
 *
 * @example
 * niceTicks(0, 97).values;      // [0, 20, 40, 60, 80, 100]
 * niceTicks(0.12, 0.9).values;  // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  expectFinite('min', min);
  expectFinite('max', max);
  expectInteger('target', target, 1, 50);
  if (min > max) throw new RangeError(`Expected min ≤ max for ticks but received ${min} > ${max}`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / target;
  const exponent = Math.floor(Math.log10(raw));
  const base = 10 ** exponent;
  const mantissa = [1, 2, 5, 10].find((m) => m * base >= raw * 0.999) ?? 10;
  const step = mantissa * base;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const values = Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toFixed(decimals + 2)));
  return { min: values[0], max: values[values.length - 1], step, values, decimals };
}

/**
 * Ticks on a range that must not move (a given yRange, or given x ticks): nice values inside it.
 *
 * @example
 * ticksWithin(0, 100).values; // [0, 20, 40, 60, 80, 100]
 */
export function ticksWithin(min: number, max: number, target = 5): Ticks {
  const nice = niceTicks(min, max, target);
  const eps = nice.step * 1e-9;
  return { ...nice, min, max, values: nice.values.filter((v) => v >= min - eps && v <= max + eps) };
}

/**
 * A linear map from data values to SVG coordinates.
 *
 * @example
 * linearScale(0, 100, 400, 40)(50); // 220 (SVG y grows downwards)
 */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/**
 * The smallest and largest of many values; a loop, because `Math.min(...values)` overflows the
 * stack for the hundreds of thousands of points a long training log holds.
 *
 * @example
 * extent([3, 1, 2]); // [1, 3]
 */
export function extent(values: Iterable<number>): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Rough width of a text in px: 0.55 em per character, a little over Helvetica/Arial's average. */
export function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.55;
}

/**
 * Stands for the document's id inside a chart body (`url(#${documentId}-clip)`); `svgDocument`
 * replaces it. No escaped user text can contain it, because escaping turns every `<` into `&lt;`.
 */
export const documentId = '<@id>';

/**
 * The document's id: a hash of everything it draws, so two different charts inlined in one page
 * never share clip-path or gradient ids, and the same chart always gets the same id.
 */
function contentId(kind: string, content: string): string {
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < content.length; i++) {
    hash ^= content.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `predann-${kind}-${hash.toString(16).padStart(8, '0')}`;
}

/** An element with attributes in the given order (attribute order is part of determinism). */
export function element(name: string, attributes: Record<string, string | number>, content?: string): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? coord(value) : escapeXml(value)}"`)
    .join('');
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/** A text element; `content` is escaped here. */
export function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): string {
  return element('text', { x, y, ...attributes }, escapeXml(content));
}

/**
 * Wraps chart parts in an <svg> root with a white background, an accessible title and
 * description, and one generic font stack (no web fonts, so nothing is fetched). `kind` names
 * the chart in its id (`predann-bar-1a2b3c4d`); `documentId` in the body becomes that id.
 *
 * @example
 * svgDocument({ kind: 'bar', width: 400, height: 300, title: 'Accuracy', description: 'One bar.', body: '<g/>' });
 */
export function svgDocument(options: { kind: string; width: number; height: number; title: string; description: string; body: string }): string {
  const { kind, width, height, title, description } = options;
  const id = contentId(kind, `${width}x${height}\n${title}\n${description}\n${options.body}`);
  const body = options.body.split(documentId).join(id).split(escapeXml(documentId)).join(id);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="${fontSize.tick}" fill="${ink.text}">\n` +
    `<title id="${id}-title">${escapeXml(title)}</title>\n` +
    `<desc id="${id}-desc">${escapeXml(description)}</desc>\n` +
    `${element('rect', { x: 0, y: 0, width, height, fill: '#FFFFFF' })}\n` +
    `${text(width / 2, 26, title, { 'text-anchor': 'middle', 'font-size': fontSize.title, 'font-weight': 'bold', class: 'chart-title' })}\n` +
    `${body}\n</svg>\n`
  );
}

/** The plot area's outline, invisible; it marks where data is drawn for readers and tests. */
export function plotAreaRect(area: PlotArea): string {
  return element('rect', { x: area.x, y: area.y, width: area.width, height: area.height, fill: 'none', class: 'plot-area' });
}

/**
 * The y axis: horizontal grid lines, tick labels on the left and the rotated axis title.
 * `labelX` is where the axis title's centre line goes.
 */
export function yAxis(area: PlotArea, ticks: Ticks, scale: (v: number) => number, label: string, labelX: number): string {
  const parts = ticks.values.map((v) => {
    const y = scale(v);
    return (
      element('line', { x1: area.x, y1: y, x2: area.x + area.width, y2: y, stroke: ink.grid, 'stroke-width': 1, class: 'grid y' }) +
      text(area.x - 6, y + fontSize.tick * 0.35, formatNumber(v, ticks.decimals), { 'text-anchor': 'end', class: 'tick-label y' })
    );
  });
  parts.push(element('line', { x1: area.x, y1: area.y, x2: area.x, y2: area.y + area.height, stroke: ink.axis, 'stroke-width': 1, class: 'axis y' }));
  if (label) {
    const cy = area.y + area.height / 2;
    parts.push(text(labelX, cy, label, { transform: `rotate(-90 ${coord(labelX)} ${coord(cy)})`, 'text-anchor': 'middle', 'font-size': fontSize.label, class: 'axis-label y' }));
  }
  return `<g class="y-axis">${parts.join('')}</g>`;
}

/** A numeric x axis: vertical grid lines, tick marks and labels below, the axis title under them. */
export function xAxis(area: PlotArea, ticks: Ticks, scale: (v: number) => number, label: string): string {
  const bottom = area.y + area.height;
  const parts = ticks.values.map((v, i) => {
    const x = scale(v);
    return (
      element('line', { x1: x, y1: area.y, x2: x, y2: bottom, stroke: ink.grid, 'stroke-width': 1, class: 'grid x' }) +
      element('line', { x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: ink.axis, 'stroke-width': 1 }) +
      text(x, bottom + 6 + fontSize.tick, ticks.labels?.[i] ?? formatNumber(v, ticks.decimals), { 'text-anchor': 'middle', class: 'tick-label x' })
    );
  });
  parts.push(baseline(area));
  if (label) parts.push(xAxisLabel(area, label, bottom + 6 + fontSize.tick + 8 + fontSize.label));
  return `<g class="x-axis">${parts.join('')}</g>`;
}

/** The horizontal axis line along the bottom of the plot area. */
export function baseline(area: PlotArea): string {
  const bottom = area.y + area.height;
  return element('line', { x1: area.x, y1: bottom, x2: area.x + area.width, y2: bottom, stroke: ink.axis, 'stroke-width': 1, class: 'axis x' });
}

/** The x axis title, centred under the plot area at height `y`. */
export function xAxisLabel(area: PlotArea, label: string, y: number): string {
  return text(area.x + area.width / 2, y, label, { 'text-anchor': 'middle', 'font-size': fontSize.label, class: 'axis-label x' });
}

/** A horizontal line marking a level such as chance accuracy. */
export interface ReferenceLine {
  y: number;
  label: string;
}

/** Checks an optional reference line. */
export function expectReferenceLine(name: string, value: unknown): ReferenceLine | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new TypeError(`Expected object for ${name} but received ${received(value)}`);
  const { y, label } = value as Record<string, unknown>;
  return { y: expectFinite(`${name}.y`, y), label: expectText(`${name}.label`, label) };
}

/** A horizontal dashed reference line (chance level) with its label at the right end, above the line. */
export function referenceLineSvg(area: PlotArea, y: number, label: string): string {
  return (
    `<g class="reference-line">` +
    element('line', { x1: area.x, y1: y, x2: area.x + area.width, y2: y, stroke: ink.muted, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }) +
    // A white halo keeps the label readable where it crosses bars or lines.
    (label ? text(area.x + area.width - 4, y - 5, label, { 'text-anchor': 'end', fill: ink.muted, stroke: '#FFFFFF', 'stroke-width': 3, 'paint-order': 'stroke', class: 'reference-label' }) : '') +
    `</g>`
  );
}

/** One legend entry: a name and how to draw its swatch at (x, y), a 16 × 10 box. */
export interface LegendEntry {
  name: string;
  swatch: (x: number, y: number) => string;
}

/** Width the legend needs: swatch, gap, longest name, padding. */
export function legendWidth(names: readonly string[]): number {
  return 16 + 6 + Math.max(...names.map((n) => textWidth(n, fontSize.tick))) + 16;
}

/** A vertical legend with its top-left corner at (x, y), one row per entry. */
export function legend(entries: readonly LegendEntry[], x: number, y: number): string {
  const rows = entries.map((entry, i) => {
    const rowY = y + 8 + i * 18;
    return entry.swatch(x + 8, rowY) + text(x + 8 + 16 + 6, rowY + 9, entry.name, { class: 'legend-label' });
  });
  const width = legendWidth(entries.map((e) => e.name));
  const frame = element('rect', { x, y, width, height: entries.length * 18 + 10, fill: '#FFFFFF', 'fill-opacity': 0.9, stroke: ink.grid });
  return `<g class="legend">${frame}${rows.join('')}</g>`;
}

// --- Input checks: each names the field, e.g. `series[1].points[3][1]` ---

/** A finite number: TypeError for a non-number or NaN, RangeError for ±Infinity. */
export function expectFinite(name: string, value: unknown): number {
  expectNumber(name, value);
  if (!Number.isFinite(value)) throw new RangeError(`Expected finite number for ${name} but received ${received(value)}`);
  return value as number;
}

/** A string; with `nonEmpty`, an empty one is a RangeError. */
export function expectText(name: string, value: unknown, nonEmpty = false): string {
  if (typeof value !== 'string') throw new TypeError(`Expected string for ${name} but received ${received(value)}`);
  if (nonEmpty && value.trim() === '') throw new RangeError(`Expected non-empty string for ${name} but received ${received(value)}`);
  return value;
}

/** An array of `min` to `max` elements. */
export function expectArray(name: string, value: unknown, min = 1, max = Infinity): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`Expected array for ${name} but received ${received(value)}`);
  if (value.length < min || value.length > max) {
    const range = max === Infinity ? `at least ${min}` : min === max ? `exactly ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`Expected ${range} element${(max === Infinity ? min : max) === 1 ? '' : 's'} for ${name} but received ${value.length}`);
  }
  return value;
}

/** A `[min, max]` pair of finite numbers with min < max. */
export function expectRange(name: string, value: unknown): [number, number] {
  expectArray(name, value, 2, 2);
  const [lo, hi] = (value as unknown[]).map((v, i) => expectFinite(`${name}[${i}]`, v));
  if (!(lo < hi)) throw new RangeError(`Expected ${name}[0] < ${name}[1] but received [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Checks the size options and returns them with the chart's defaults filled in. */
export function chartSize(options: ChartSize, defaults: { width: number; height: number }): { width: number; height: number } {
  const { width = defaults.width, height = defaults.height } = options;
  expectInteger('width', width, 200, 10000);
  expectInteger('height', height, 150, 10000);
  if (options.description !== undefined) expectText('description', options.description);
  return { width, height };
}
