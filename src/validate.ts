/**
 * Argument checks at the public edge, with one message shape everywhere:
 * `Expected integer between 1 and 8 for order but received 0.5 of type number`.
 * TypeError for a wrong type, RangeError for an out-of-range value.
 */
/** How a received value is shown in messages: `0.5 of type number`, `a value of type Float64Array`. */
export function received(value: unknown): string {
  const type = value === null ? 'null' : ArrayBuffer.isView(value) ? value.constructor.name : typeof value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? '' : String(value);
  return shown ? `${shown} of type ${type}` : `a value of type ${type}`;
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

export function expectObject(name: string, value: unknown): void {
  if (value === null || typeof value !== 'object') throw new TypeError(`Expected object for ${name} but received ${received(value)}`);
}

export function expectFloat32Array(name: string, value: unknown): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) throw new TypeError(`Expected Float32Array for ${name} but received ${received(value)}`);
}

export function expectFloat64Array(name: string, value: unknown): asserts value is Float64Array {
  if (!(value instanceof Float64Array)) throw new TypeError(`Expected Float64Array for ${name} but received ${received(value)}`);
}
