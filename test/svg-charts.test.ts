import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertThrows, tempDir } from './helpers.js';
import { escapeXml, formatNumber, niceTicks, ticksWithin } from '../src/report/svg-document.js';
import { envelope, lineChart, type LineChartOptions } from '../src/report/line-chart.js';
import { barChart, type BarChartOptions } from '../src/report/bar-chart.js';
import { heatmap, normalizeRows, sequentialColour, type HeatmapOptions } from '../src/report/heatmap.js';
import { songs } from '../src/data/nmedt.js';

// --- A tiny XML checker and element reader, so the tests need no parser library ---

const entity = /&(?!(?:amp|lt|gt|quot|apos);)/;
const tagPattern = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;

/** Throws unless `svg` is one well-formed element: tags nest and close in order, attributes are quoted, no bare `&` or `<`. */
function checkWellFormed(svg: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const between = svg.slice(i, lt < 0 ? svg.length : lt);
    if (entity.test(between)) throw new Error(`bare & in text near ${JSON.stringify(between.slice(0, 40))}`);
    if (stack.length === 0 && between.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(between.slice(0, 40))}`);
    if (lt < 0) break;
    tagPattern.lastIndex = lt;
    const m = tagPattern.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, closing, name, attrs, selfClosing] = m;
    if (entity.test(attrs)) throw new Error(`bare & in attributes of <${name}>`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    i = tagPattern.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
}

/** The attribute maps of every `<name …>` whose class list contains `cls`. */
function elements(svg: string, name: string, cls?: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${name}((?:\\s+[\\w:-]+="[^"]*")*)\\s*/?>`, 'g'))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (cls === undefined || (attrs.class ?? '').split(' ').includes(cls)) found.push(attrs);
  }
  return found;
}

/** The text content of every `<text class="… cls …">`, entities kept as written. */
function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].filter((m) => new RegExp(`class="[^"]*\\b${cls}\\b`).test(m[1])).map((m) => m[2]);
}

const num = (s: string) => Number(s);
const titles = songs.map((s) => s.title);

const accuracyVsLength = (): LineChartOptions => ({
  title: 'Accuracy vs evaluation length',
  xLabel: 'Evaluation length (s)',
  yLabel: 'Accuracy (%)',
  yRange: [0, 100],
  xTicks: [3, 4, 5, 6, 7],
  referenceLine: { y: 10, label: 'chance 10 %' },
  series: [
    { name: 'mean', points: [[3, 40], [4, 45], [5, 50], [6, 52], [7, 55]] },
    { name: 'max', points: [[3, 40], [4, 43], [5, 45], [6, 46], [7, 47]] },
    { name: 'majority', points: [[3, 40], [4, 44], [5, 47], [6, 49], [7, 51]] },
  ],
});

const perSong = (): BarChartOptions => ({
  title: 'Per-song accuracy',
  xLabel: 'Song',
  yLabel: 'Accuracy (%)',
  yRange: [0, 100],
  referenceLine: { y: 10, label: 'chance 10 %' },
  bars: titles.map((label, i) => ({ label, value: 10 * i, error: i === 0 ? undefined : 2 })),
});

const confusion = (): HeatmapOptions => ({
  title: 'Confusion matrix',
  rowLabel: 'True song',
  columnLabel: 'Predicted song',
  rows: ['Oino', 'Canopée', 'Doing Yoga'],
  columns: ['Oino', 'Canopée', 'Doing Yoga'],
  values: [
    [2, 1, 1],
    [0, 4, 0],
    [1, 1, 8],
  ],
});

// --- Shared pieces ---

test('niceTicks: 1-2-5 steps that cover the range, with the decimals they need', () => {
  assert.equal(niceTicks(0, 97).values, [0, 20, 40, 60, 80, 100]);
  assert.equal(niceTicks(0.12, 0.9).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.is(niceTicks(0.12, 0.9).decimals, 1);
  assert.equal(niceTicks(0, 4870).values, [0, 1000, 2000, 3000, 4000, 5000]);
  assert.equal(niceTicks(0, 0.037).values, [0, 0.01, 0.02, 0.03, 0.04]);
  assert.is(niceTicks(0, 0.037).decimals, 2);
  assert.equal(niceTicks(-3, 7).values, [-4, -2, 0, 2, 4, 6, 8]);
  assert.equal(niceTicks(0, 0).values, [-1, -0.5, 0, 0.5, 1]);
  const fixed = ticksWithin(0, 47);
  assert.equal([fixed.min, fixed.max, fixed.values], [0, 47, [0, 10, 20, 30, 40]]);
  assertThrows(() => niceTicks(2, 1), RangeError, 'Expected min ≤ max for ticks but received 2 > 1');
});

test('formatNumber and escapeXml', () => {
  assert.is(formatNumber(2 / 3, 2), '0.67');
  assert.is(formatNumber(-0.001, 2), '0.00');
  assert.is(formatNumber(-1.5, 1), '-1.5');
  assert.is(escapeXml(`Rock & "Roll" <live> 'x'`), 'Rock &amp; &quot;Roll&quot; &lt;live&gt; &apos;x&apos;');
});

// --- Line chart ---

test('lineChart: well-formed, one polyline per series with every point, markers, ticks, legend, chance line', () => {
  const svg = lineChart(accuracyVsLength());
  checkWellFormed(svg);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.match(svg, /<title id="[^"]+-title">Accuracy vs evaluation length<\/title>/);
  assert.match(svg, /<desc id="[^"]+-desc">Line chart with 3 series \(mean, max, majority\)/);
  const lines = elements(svg, 'polyline', 'series-line');
  assert.is(lines.length, 3);
  for (const line of lines) assert.is(line.points.split(' ').length, 5);
  assert.equal(lines.map((l) => l.stroke), ['#0072B2', '#D55E00', '#009E73']);
  assert.is(elements(svg, '(?:circle|rect|path)', 'marker').length, 15 + 3); // 15 points + 3 legend swatches
  assert.equal(texts(svg, 'tick-label y'), ['0', '20', '40', '60', '80', '100']);
  assert.equal(texts(svg, 'tick-label x'), ['3', '4', '5', '6', '7']);
  assert.equal(texts(svg, 'legend-label'), ['mean', 'max', 'majority']);
  assert.equal(texts(svg, 'reference-label'), ['chance 10 %']);
  assert.match(svg, /stroke-dasharray="6 4"/);
  assert.not.match(svg, /<script|@import|url\(http/);
});

test('lineChart: data coordinates map onto the plot area', () => {
  const svg = lineChart(accuracyVsLength());
  const [area] = elements(svg, 'rect', 'plot-area');
  const [x, y, w, h] = [area.x, area.y, area.width, area.height].map(num);
  const points = elements(svg, 'polyline', 'series-line')[0].points.split(' ').map((p) => p.split(',').map(num));
  // mean at 5 s is 50 %: the middle of both axes
  assert.ok(Math.abs(points[2][0] - (x + w / 2)) < 0.01, `x ${points[2][0]}`);
  assert.ok(Math.abs(points[2][1] - (y + h / 2)) < 0.01, `y ${points[2][1]}`);
  assert.ok(Math.abs(points[0][0] - x) < 0.01 && Math.abs(points[4][0] - (x + w)) < 0.01);
  const chance = elements(svg, 'line').find((l) => l['stroke-dasharray'] === '6 4')!;
  assert.ok(Math.abs(num(chance.y1) - (y + h * 0.9)) < 0.01, `chance line at ${chance.y1}`);
});

test('lineChart: a single series has no legend; nice x ticks when none are given', () => {
  const svg = lineChart({ title: 'Validation accuracy', xLabel: 'Epoch', yLabel: 'Accuracy (%)', series: [{ name: 'EEG', points: [[1, 12], [2, 20], [3, 31], [4, 33]] }] });
  checkWellFormed(svg);
  assert.is(elements(svg, 'g', 'legend').length, 0);
  assert.equal(texts(svg, 'tick-label x'), ['1', '2', '3', '4']);
  assert.equal(texts(svg, 'tick-label y'), ['10', '15', '20', '25', '30', '35']);
});

test('lineChart: thousands of steps render as a thinned polyline without markers', () => {
  const points = Array.from({ length: 20000 }, (_, i) => [i, 2 * Math.exp(-i / 5000) + ((i * 7919) % 13) / 50] as [number, number]);
  const svg = lineChart({ title: 'Training loss', xLabel: 'Step', yLabel: 'Loss', series: [{ name: 'total', points }, { name: 'InfoNCE', points: points.slice(0, 40) }] });
  checkWellFormed(svg);
  const [long, short] = elements(svg, 'polyline', 'series-line');
  const drawn = long.points.split(' ').length;
  const width = num(elements(svg, 'rect', 'plot-area')[0].width);
  assert.ok(drawn <= 4 * Math.ceil(width) + 4, `${drawn} points drawn for a ${width}-px plot`);
  assert.is(short.points.split(' ').length, 40);
  assert.is(elements(svg, '(?:circle|rect|path)', 'marker').length, 40 + 1); // the short series and its legend swatch
  assert.ok(svg.length < 120_000, `${svg.length} characters`);
});

test('envelope keeps the first, lowest, highest and last point of each pixel column, in order', () => {
  const fewPerColumn: [number, number][] = [[0.1, 5], [0.2, 9], [0.5, 1], [0.9, 4], [1.2, 3], [1.8, 3]];
  assert.equal(envelope(fewPerColumn), fewPerColumn);
  assert.equal(envelope([[0.1, 5], [0.2, 6], [0.3, 9], [0.4, 7], [0.5, 1], [0.6, 2], [0.9, 4]]), [[0.1, 5], [0.3, 9], [0.5, 1], [0.9, 4]]);
});

// --- Bar chart ---

test('barChart: one bar per song, long titles rotated, error bars, coordinates on the axis', () => {
  const svg = barChart(perSong());
  checkWellFormed(svg);
  const bars = elements(svg, 'rect', 'bar');
  assert.is(bars.length, 10);
  assert.is(elements(svg, 'g', 'error-bar').length, 9);
  const labels = texts(svg, 'tick-label x');
  assert.equal(labels, titles);
  assert.ok(elements(svg, 'text', 'tick-label x').every((t) => /^rotate\(-40 /.test(t.transform)), 'long song titles are rotated');
  const [area] = elements(svg, 'rect', 'plot-area');
  const [y, h] = [num(area.y), num(area.height)];
  // bar 5 has value 50 on a 0–100 axis: half the plot height, from the middle to the bottom
  assert.ok(Math.abs(num(bars[5].height) - h / 2) < 0.01, `height ${bars[5].height} of ${h}`);
  assert.ok(Math.abs(num(bars[5].y) - (y + h / 2)) < 0.01);
  assert.is(num(bars[0].height), 0);
  assert.match(svg, /<title>Canopée: 50\.00 ± 2\.00<\/title>/);
});

test('barChart: short labels stay horizontal; per-subject bars', () => {
  const bars = Array.from({ length: 20 }, (_, i) => ({ label: `S${String(i + 2).padStart(2, '0')}`, value: 20 + i }));
  const svg = barChart({ title: 'Per-subject accuracy', yLabel: 'Accuracy (%)', bars });
  checkWellFormed(svg);
  assert.is(elements(svg, 'rect', 'bar').length, 20);
  assert.ok(elements(svg, 'text', 'tick-label x').every((t) => t.transform === undefined && t['text-anchor'] === 'middle'));
  assert.equal(texts(svg, 'tick-label y'), ['0', '10', '20', '30', '40']);
});

test('barChart: grouped bars compare models per song with a legend', () => {
  const svg = barChart({
    title: 'Models per song',
    yLabel: 'Accuracy (%)',
    grouped: { groups: titles, series: [{ name: 'λ = 0.05', values: titles.map((_, i) => 40 + i) }, { name: 'λ = 0', values: titles.map((_, i) => 30 + i) }] },
  });
  checkWellFormed(svg);
  const bars = elements(svg, 'rect', 'bar');
  assert.is(bars.length, 20);
  assert.equal([...new Set(bars.map((b) => b.fill))], ['#0072B2', '#D55E00']);
  assert.equal(texts(svg, 'legend-label'), ['λ = 0.05', 'λ = 0']);
  // within a group the first model's bar is left of the second's
  assert.ok(num(bars[0].x) < num(bars[1].x) && num(bars[1].x) < num(bars[2].x));
});

test('barChart: negative values grow down from zero', () => {
  const svg = barChart({ title: 'Δ accuracy', yLabel: 'Points', yRange: [-10, 10], bars: [{ label: 'a', value: -5 }, { label: 'b', value: 5 }] });
  const [a, b] = elements(svg, 'rect', 'bar');
  const [area] = elements(svg, 'rect', 'plot-area');
  const zero = num(area.y) + num(area.height) / 2;
  assert.ok(Math.abs(num(a.y) - zero) < 0.01 && Math.abs(num(b.y) + num(b.height) - zero) < 0.01);
  assert.ok(Math.abs(num(a.height) - num(area.height) / 4) < 0.01);
});

// --- Heat map ---

test('heatmap: one cell and one printed count per entry, readable text on dark and light cells', () => {
  const svg = heatmap(confusion());
  checkWellFormed(svg);
  const cells = elements(svg, 'rect', 'cell');
  assert.is(cells.length, 9);
  assert.equal(texts(svg, 'cell-value'), ['2', '1', '1', '0', '4', '0', '1', '1', '8']);
  assert.is(cells[8].fill, sequentialColour(1)); // the largest count takes the darkest colour
  assert.is(cells[3].fill, sequentialColour(0));
  const values = elements(svg, 'text', 'cell-value');
  assert.is(values[8].fill, '#FFFFFF');
  assert.is(values[3].fill, '#222222');
  assert.equal(texts(svg, 'tick-label y'), ['Oino', 'Canopée', 'Doing Yoga']);
  assert.is(elements(svg, 'rect', 'colour-bar').length, 1);
  assert.equal(texts(svg, 'tick-label scale'), ['0', '2', '4', '6', '8']);
  // square cells, laid out row-major
  assert.is(cells[0].width, cells[0].height);
  assert.ok(num(cells[1].x) > num(cells[0].x) && cells[1].y === cells[0].y && num(cells[3].y) > num(cells[0].y));
});

test('heatmap: normalised per row, the printed values of each row sum to 1', () => {
  const svg = heatmap({ ...confusion(), normalize: 'row' });
  checkWellFormed(svg);
  const printed = texts(svg, 'cell-value').map(num);
  for (let r = 0; r < 3; r++) {
    const sum = printed.slice(3 * r, 3 * r + 3).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `row ${r} sums to ${sum}`);
  }
  assert.equal(texts(svg, 'cell-value').slice(0, 3), ['0.50', '0.25', '0.25']);
  assert.equal(normalizeRows([[1, 3], [0, 0]]), [[0.25, 0.75], [0, 0]]);
});

test('sequentialColour runs from near white to dark blue', () => {
  assert.is(sequentialColour(0), '#F7FBFF');
  assert.is(sequentialColour(1), '#08306B');
  assert.is(sequentialColour(0.5), '#6BAED6');
  assert.is(sequentialColour(2), '#08306B');
});

// --- Across charts ---

test('labels with <, & and quotes survive escaped, and the documents stay well-formed', () => {
  const nasty = `Rock & "Roll" <live>`;
  const escaped = 'Rock &amp; &quot;Roll&quot; &lt;live&gt;';
  const line = lineChart({ title: nasty, xLabel: nasty, yLabel: nasty, series: [{ name: nasty, points: [[0, 1]] }, { name: 'b', points: [[1, 2]] }], referenceLine: { y: 1, label: nasty } });
  const bar = barChart({ title: nasty, yLabel: nasty, bars: [{ label: nasty, value: 1 }] });
  const heat = heatmap({ title: nasty, rowLabel: nasty, columnLabel: nasty, rows: [nasty], columns: [nasty], values: [[1]] });
  for (const svg of [line, bar, heat]) {
    checkWellFormed(svg);
    assert.ok(svg.includes(`<title id="`) && svg.includes(`>${escaped}</title>`));
    assert.not.ok(svg.includes(nasty));
  }
  assert.is(texts(line, 'legend-label')[0], escaped);
  assert.is(texts(bar, 'tick-label x')[0], escaped);
  assert.is(texts(heat, 'tick-label y')[0], escaped);
});

test('every url(#…) reference resolves, and different charts with one title get different ids', () => {
  const charts = [lineChart(accuracyVsLength()), barChart(perSong()), heatmap(confusion())];
  for (const svg of charts) {
    const refs = [...svg.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(svg.includes(`id="${ref}"`), `no element with id ${ref}`);
    assert.not.ok(svg.includes('@id'), 'id placeholder left in the document');
  }
  const other = lineChart({ ...accuracyVsLength(), series: [{ name: 'mean', points: [[3, 20], [7, 90]] }] });
  const idOf = (svg: string) => /aria-labelledby="([^ ]+)-title/.exec(svg)![1];
  assert.match(idOf(charts[0]), /^predann-line-[0-9a-f]{8}$/);
  assert.is.not(idOf(other), idOf(charts[0]));
});

test('the same input gives the same string', () => {
  assert.is(lineChart(accuracyVsLength()), lineChart(accuracyVsLength()));
  assert.is(barChart(perSong()), barChart(perSong()));
  assert.is(heatmap(confusion()), heatmap(confusion()));
  // numbers are written with fixed decimals (2 for coordinates, 4 for gradient stops), never as 0.30000000000000004
  assert.not.match(lineChart(accuracyVsLength()) + barChart(perSong()) + heatmap(confusion()), /\d\.\d{5,}/);
});

test('bad input: the error names the field', () => {
  const line = accuracyVsLength();
  const withPoint = (y: number): LineChartOptions => ({ ...line, series: [{ name: 'mean', points: [[3, 40], [4, y]] }] });
  assertThrows(() => lineChart(withPoint(NaN)), TypeError, 'Expected number for series[0].points[1][1] but received NaN of type number');
  assertThrows(() => lineChart(withPoint(Infinity)), RangeError, 'Expected finite number for series[0].points[1][1] but received Infinity of type number');
  assertThrows(() => lineChart({ ...line, series: [] }), RangeError, 'Expected between 1 and 8 elements for series but received 0');
  assertThrows(() => lineChart({ ...line, series: [{ name: 'mean', points: [] }] }), RangeError, 'Expected at least 1 element for series[0].points but received 0');
  assertThrows(() => lineChart({ ...line, series: [{ name: 'mean', points: [[3, 40, 1] as never] }] }), RangeError, 'Expected exactly 2 elements for series[0].points[0] but received 3');
  assertThrows(() => lineChart({ ...line, yRange: [100, 0] }), RangeError, 'Expected yRange[0] < yRange[1] but received [100, 0]');
  assertThrows(() => lineChart({ ...line, title: '' }), RangeError, 'Expected non-empty string for title but received "" of type string');
  assertThrows(() => lineChart({ ...line, yLabel: 3 as never }), TypeError, 'Expected string for yLabel but received 3 of type number');
  assertThrows(() => lineChart({ ...line, referenceLine: { y: NaN, label: 'chance' } }), TypeError, 'Expected number for referenceLine.y but received NaN of type number');
  assertThrows(() => lineChart(null as never), TypeError, 'Expected object for options but received null of type null');
  assertThrows(() => lineChart({ ...line, series: [null as never] }), TypeError, 'Expected object for series[0] but received null of type null');
  assertThrows(() => lineChart({ ...line, width: 10 }), RangeError, 'Expected integer between 200 and 10000 for width but received 10 of type number');

  const bars = perSong();
  assertThrows(() => barChart({ ...bars, bars: [] }), RangeError, 'Expected at least 1 element for bars but received 0');
  assertThrows(() => barChart({ ...bars, bars: [{ label: 'a', value: -Infinity }] }), RangeError, 'Expected finite number for bars[0].value but received -Infinity of type number');
  assertThrows(() => barChart({ ...bars, bars: [{ label: 'a', value: 1, error: -1 }] }), RangeError, 'Expected number between 0 and Infinity for bars[0].error but received -1 of type number');
  assertThrows(() => barChart({ title: 't', yLabel: 'y' }), TypeError, 'Expected exactly one of bars or grouped for the bar chart');
  assertThrows(
    () => barChart({ title: 't', yLabel: 'y', grouped: { groups: titles, series: [{ name: 'A', values: [1, 2] }] } }),
    RangeError,
    'Expected exactly 10 elements for grouped.series[0].values but received 2',
  );

  const heat = confusion();
  assertThrows(() => heatmap({ ...heat, values: [[1, 2, 3], [4, 5, 6]] }), RangeError, 'Expected exactly 3 elements for values but received 2');
  assertThrows(() => heatmap({ ...heat, values: [[1, 2, 3], [4, 5], [7, 8, 9]] }), RangeError, 'Expected exactly 3 elements for values[1] but received 2');
  assertThrows(() => heatmap({ ...heat, values: [[1, 2, 3], [4, -5, 6], [7, 8, 9]] }), RangeError, 'Expected number between 0 and Infinity for values[1][1] but received -5 of type number');
  assertThrows(() => heatmap({ ...heat, values: [[1, 2, 3], [4, NaN, 6], [7, 8, 9]] }), TypeError, 'Expected number for values[1][1] but received NaN of type number');
  assertThrows(() => heatmap({ ...heat, rows: [] }), RangeError, 'Expected at least 1 element for rows but received 0');
  assertThrows(() => heatmap({ ...heat, normalize: 'column' as never }), RangeError, 'Expected one of row, none for normalize but received "column" of type string');
});

test('one example of each chart written to disk', () => {
  const { dir, cleanup } = tempDir('predann-svg-');
  try {
    const files = {
      'accuracy-vs-length.svg': lineChart(accuracyVsLength()),
      'per-song.svg': barChart(perSong()),
      'confusion.svg': heatmap({ ...confusion(), normalize: 'row' }),
    };
    for (const [name, svg] of Object.entries(files)) {
      writeFileSync(join(dir, name), svg);
      const back = readFileSync(join(dir, name), 'utf8');
      assert.ok(back.length > 1000, `${name} has ${back.length} characters`);
      assert.is(back, svg);
    }
  } finally {
    cleanup();
  }
});

test.run();
