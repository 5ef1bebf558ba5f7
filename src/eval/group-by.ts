/** Groups values by a key, keeping each group's values and the groups in first-seen order. */

/**
 * @example
 * groupBy([1, 2, 3, 4], (n) => n % 2); // Map { 1 => [1, 3], 0 => [2, 4] }
 */
export function groupBy<T, K>(values: Iterable<T>, key: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}
