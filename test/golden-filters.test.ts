/**
 * Golden case h: the four filters of the NMED-T cleaning pipeline and PredANN's unused band-pass,
 * designed and applied in the native addon, against SciPy's coefficients, initial conditions and
 * zero-phase outputs (h_filters.safetensors). Tolerances from the golden README.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { designIir, filtfilt, lfilterZi, sosfiltfilt, sosfiltZi, type FilterSpec } from '../src/dsp/iir-filter.js';
import { assertClose, maxAbs, readGoldenSafetensors } from './helpers.js';

const golden = readGoldenSafetensors('h_filters.safetensors');
const g = (name: string) => golden.get(name)!.data as Float64Array;
const x = g('x');
const [channels, samples] = golden.get('x')!.shape;

const sosCases: [string, FilterSpec][] = [
  ['hp_butter8_0p3', { family: 'butter', band: 'highpass', order: 8, cutoffsHz: [0.3], fs: 1000 }],
  ['bs_butter4_59_61', { family: 'butter', band: 'bandstop', order: 4, cutoffsHz: [59, 61], fs: 1000 }],
  ['lp_cheby1_16_rp0p5_50', { family: 'cheby1', band: 'lowpass', order: 16, rippleDb: 0.5, cutoffsHz: [50], fs: 1000 }],
];

// Coefficients: the design repeats numpy's float64 steps in the same order, so it should agree to
// a few ulp of the largest coefficient; 1e-12 relative leaves room for libm differences.
const coefficientTolerance = (reference: Float64Array) => ({ atol: 1e-12 * maxAbs(reference) });

for (const [tag, spec] of sosCases) {
  test(`${tag}: sos, sosfilt_zi and sosfiltfilt as SciPy`, async () => {
    const design = designIir(spec);
    assert.is(design.sos.length, g(`sos_${tag}`).length, 'sections');
    assertClose(design.sos, g(`sos_${tag}`), { ...coefficientTolerance(g(`sos_${tag}`)), what: `sos ${tag}` });
    // zi solves a small linear system (SciPy: LAPACK): last-bit differences, scaled by the DC gains.
    assertClose(sosfiltZi(g(`sos_${tag}`)), g(`zi_${tag}`), { atol: 1e-10 * Math.max(1, maxAbs(g(`zi_${tag}`))), what: `zi ${tag}` });
    const y = await sosfiltfilt(g(`sos_${tag}`), x, { channels, samples });
    assertClose(y, g(`y_${tag}`), { atol: 1e-9 * maxAbs(x), what: `y ${tag}` }); // the golden README's tolerance
  });
}

test('bp_butter5_1_50_fs125: (b, a), lfilter_zi and filtfilt as SciPy (the official unused band-pass)', async () => {
  const design = designIir({ family: 'butter', band: 'bandpass', order: 5, cutoffsHz: [1, 50], fs: 125 });
  assertClose(design.b, g('b_bp_butter5_1_50_fs125'), { ...coefficientTolerance(g('b_bp_butter5_1_50_fs125')), what: 'b' });
  assertClose(design.a, g('a_bp_butter5_1_50_fs125'), { ...coefficientTolerance(g('a_bp_butter5_1_50_fs125')), what: 'a' });
  // zi solves (I − companion(a)ᵀ)·zi = b[1:] − a[1:]·b[0], a system with condition number ~1e7 here:
  // two backward-stable solvers (ours, SciPy's LAPACK) may differ by κ·ε·|zi| in the forward error,
  // while each must leave a residual of a few ε·‖M‖·‖zi‖.
  const [b, a] = [g('b_bp_butter5_1_50_fs125'), g('a_bp_butter5_1_50_fs125')];
  const zi = lfilterZi(b, a);
  const system = lfilterZiSystem(b, a);
  assert.ok(residualNorm(system, zi) <= 16 * Number.EPSILON * system.norm * maxAbs(zi), 'zi: residual above a few ulp');
  assertClose(zi, g('zi_bp_butter5_1_50_fs125'), { atol: system.condition * Number.EPSILON * maxAbs(zi), what: 'zi' });
  const y = await filtfilt(g('b_bp_butter5_1_50_fs125'), g('a_bp_butter5_1_50_fs125'), x, { channels, samples });
  assertClose(y, g('y_bp_butter5_1_50_fs125'), { atol: 1e-9 * maxAbs(x), what: 'y' });
});

/** The linear system behind scipy.signal.lfilter_zi, with its ∞-norm and condition number. */
function lfilterZiSystem(b: Float64Array, a: Float64Array) {
  const n = a.length - 1;
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) + (j === 0 ? a[i + 1] : 0) - (j === i + 1 ? 1 : 0)));
  const rhs = Array.from({ length: n }, (_, i) => b[i + 1] - a[i + 1] * b[0]);
  const norm = (rows: number[][]) => Math.max(...rows.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  return { m, rhs, norm: norm(m), condition: norm(m) * norm(invert(m)) };
}

function residualNorm(system: { m: number[][]; rhs: number[] }, x: Float64Array): number {
  return Math.max(...system.m.map((row, i) => Math.abs(row.reduce((s, v, j) => s + v * x[j], 0) - system.rhs[i])));
}

/** Gauss-Jordan inverse with partial pivoting (small matrices; only for the condition number). */
function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const w = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(w[r][c]) > Math.abs(w[p][c])) p = r;
    [w[c], w[p]] = [w[p], w[c]];
    const pivot = w[c][c];
    for (let j = 0; j < 2 * n; j++) w[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = w[r][c];
      for (let j = 0; j < 2 * n; j++) w[r][j] -= f * w[c][j];
    }
  }
  return w.map((row) => row.slice(n));
}

test.run();
