// Writes predann's filter designs for a seeded set of random specs as JSON (for filters_vs_scipy.py):
// Butterworth and Chebyshev-I, every band, orders 1-12, at 2 Hz (normalised), 125, 250 and 1000 Hz.
import { designIir } from '../../dist/index.js';

let state = 12345;
const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(uniform() * xs.length)];
const designs = [];
for (const family of ['butter', 'cheby1']) {
  for (const band of ['lowpass', 'highpass', 'bandpass', 'bandstop']) {
    for (const order of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12]) {
      const fs = pick([2, 125, 250, 1000]);
      const low = 0.01 + 0.29 * uniform();
      const cutoffsHz = band === 'lowpass' || band === 'highpass'
        ? [Number(((0.01 + 0.44 * uniform()) * fs).toFixed(4))]
        : [Number((low * fs).toFixed(4)), Number(((low + 0.02 + (0.46 - low) * uniform()) * fs).toFixed(4))];
      const rippleDb = family === 'cheby1' ? Number((0.1 + 2.9 * uniform()).toFixed(3)) : undefined;
      const d = designIir({ family, band, order, cutoffsHz, fs, rippleDb });
      designs.push({ family, band, order, cutoffsHz, fs, rippleDb, sos: Array.from(d.sos), b: Array.from(d.b), a: Array.from(d.a) });
    }
  }
}
process.stdout.write(JSON.stringify(designs));
