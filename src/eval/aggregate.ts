/**
 * Turning the 3-s sub-windows of one evaluation segment into one prediction (digest §5):
 *
 *   mean      the average of the sub-windows' softmax vectors, then argmax (the paper's choice)
 *   max       the element-wise maximum of the softmax vectors, then argmax
 *   majority  the most frequent per-window argmax; a tie goes to the prediction seen first, as
 *             Python's `Counter.most_common` orders equal counts (the paper's Table 9 example)
 *
 * Every argmax takes the first of equal maxima (numpy's and torch's CPU argmax). The scores kept
 * with a prediction are the aggregated vector: mean or max probabilities, or vote shares.
 */
export type Aggregation = 'mean' | 'max' | 'majority';
export const aggregations: readonly Aggregation[] = ['mean', 'max', 'majority'];

export interface Aggregated {
  predicted: number;
  /** (classes): mean or max probabilities, or the share of votes for majority. */
  scores: Float64Array;
}

/** Index of the first largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Softmax of each row of (rows, classes) logits, in float64 with the row maximum subtracted.
 *
 * @example
 * softmaxRows(new Float32Array([0, 0]), 2); // [Float64Array [0.5, 0.5]]
 */
export function softmaxRows(logits: ArrayLike<number>, classes: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let r = 0; r * classes < logits.length; r++) {
    const row = new Float64Array(classes);
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[r * classes + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += row[k] = Math.exp(logits[r * classes + k] - max);
    for (let k = 0; k < classes; k++) row[k] /= sum;
    rows.push(row);
  }
  return rows;
}

function meanOf(windows: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(windows[0].length);
  for (const w of windows) for (let k = 0; k < out.length; k++) out[k] += w[k] / windows.length;
  return out;
}

function maxOf(windows: readonly Float64Array[]): Float64Array {
  const out = Float64Array.from(windows[0]);
  for (const w of windows) for (let k = 0; k < out.length; k++) out[k] = Math.max(out[k], w[k]);
  return out;
}

function majorityOf(windows: readonly Float64Array[]): Aggregated {
  const votes = new Float64Array(windows[0].length);
  const firstSeen: number[] = [];
  for (const w of windows) {
    const vote = argmax(w);
    if (votes[vote]++ === 0) firstSeen.push(vote);
  }
  // The most votes; among equals, the class voted for first.
  const predicted = firstSeen.reduce((best, c) => (votes[c] > votes[best] ? c : best), firstSeen[0]);
  return { predicted, scores: votes.map((v) => v / windows.length) };
}

/**
 * @example
 * aggregate([p1, p2, p3], 'majority'); // three different votes: the first window's
 */
export function aggregate(windows: readonly Float64Array[], how: Aggregation): Aggregated {
  if (windows.length === 0) throw new RangeError('Expected at least one sub-window to aggregate but received none');
  if (how === 'majority') return majorityOf(windows);
  const scores = how === 'mean' ? meanOf(windows) : maxOf(windows);
  return { predicted: argmax(scores), scores };
}
