/**
 * Argument checks at the public edge, with one message shape everywhere:
 * `Expected integer between 1 and 8 for order but received 0.5 of type number`.
 * TypeError for a wrong type, RangeError for an out-of-range value.
 */
function received(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

export function expectInteger(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`Expected integer for ${name} but received ${received(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`Expected integer ${range} for ${name} but received ${received(value)}`);
  }
  return value;
}

export function expectNumber(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`Expected number for ${name} but received ${received(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`Expected number between ${min} and ${max} for ${name} but received ${received(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RangeError(`Expected one of ${allowed.join(', ')} for ${name} but received ${received(value)}`);
  }
  return value as T;
}

/** Checks that a typed array holds exactly `expected` elements (a shape product). */
export function expectLength(name: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected) {
    throw new RangeError(`Expected ${expected} elements for ${name} but received ${array.length}`);
  }
}
