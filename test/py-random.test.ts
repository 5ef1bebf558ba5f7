import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PyRandom } from '../src/data/py-random.js';

/** Reference draws written by test/fixtures/py-random.py with CPython. */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/py-random.json', import.meta.url), 'utf8'));

function rngFor(seed: string): PyRandom {
  return new PyRandom(BigInt(seed));
}

for (const c of fixture.cases) {
  test(`seed ${c.seed}: every method matches CPython draw for draw`, () => {
    const rng = rngFor(c.seed);
    assert.equal(Array.from({ length: 5 }, () => rng.random()), c.random, 'random()');
    for (const [k, values] of Object.entries<number[]>(c.getrandbits)) {
      assert.equal(values.map(() => rng.getrandbits(Number(k))), values, `getrandbits(${k})`);
    }
    for (const [n, values] of Object.entries<number[]>(c.randbelow)) {
      assert.equal(values.map(() => rng.randbelow(Number(n))), values, `randbelow(${n})`);
    }
    assert.equal(c.randint_training_crop.map(() => rng.randint(0, 3374)), c.randint_training_crop);
    assert.equal(c.randint_window_crop.map(() => rng.randint(0, 624)), c.randint_window_crop);
    assert.equal(c.randint_negative.map(() => rng.randint(-5, 5)), c.randint_negative);
    assert.equal(rng.shuffle(Array.from({ length: 20 }, (_, i) => i)), c.shuffle20);
    assert.equal(c.choice.map(() => rng.choice([...'abcdefg'])), c.choice);
  });
}

test('a number seed and the same bigint seed give the same stream', () => {
  assert.is(new PyRandom(42).random(), new PyRandom(42n).random());
  assert.is(new PyRandom(-42).random(), new PyRandom(42).random(), 'CPython seeds with |seed|');
});

test('reseeding restarts the stream', () => {
  const rng = new PyRandom(7);
  const first = rng.randint(0, 1000);
  rng.random();
  rng.seed(7);
  assert.is(rng.randint(0, 1000), first);
});

test('getState matches CPython getstate() and setState resumes the stream', () => {
  const s = fixture.state;
  const rng = new PyRandom(s.seed);
  for (let i = 0; i < s.draws_before; i++) rng.random();
  const state = rng.getState();
  assert.is(state.version, s.version);
  assert.equal(state.key, s.key);
  assert.is(state.pos, s.pos);
  const other = new PyRandom(0);
  other.setState(JSON.parse(JSON.stringify(state)));
  assert.equal([other.random(), other.random(), other.random()], s.next_random);
});

test('getrandbits(0) is 0 and consumes nothing', () => {
  const a = new PyRandom(3);
  const b = new PyRandom(3);
  assert.is(a.getrandbits(0), 0);
  assert.is(a.random(), b.random());
});

test('shuffle of an empty or one-element array is a no-op', () => {
  const rng = new PyRandom(1);
  assert.equal(rng.shuffle([]), []);
  assert.equal(rng.shuffle(['x']), ['x']);
});

test('bad calls throw TypeError or RangeError with the argument name', () => {
  const rng = new PyRandom(1);
  assert.throws(() => new PyRandom(0.5), (e: Error) => e instanceof RangeError && /for seed/.test(e.message));
  assert.throws(() => new PyRandom('1' as unknown as number), (e: Error) => e instanceof TypeError && /for seed/.test(e.message));
  assert.throws(() => rng.getrandbits(54), (e: Error) => e instanceof RangeError && /between 0 and 53 for k/.test(e.message));
  assert.throws(() => rng.randbelow(0), (e: Error) => e instanceof RangeError && /for n but received 0/.test(e.message));
  assert.throws(() => rng.randint(5, 4), (e: Error) => e instanceof RangeError && /for b but received 4/.test(e.message));
  assert.throws(() => rng.randint(0, 1.5), (e: Error) => e instanceof RangeError && /for b/.test(e.message));
  assert.throws(() => rng.choice([]), (e: Error) => e instanceof RangeError && /empty sequence/.test(e.message));
});

test('setState rejects malformed states', () => {
  const rng = new PyRandom(1);
  const good = rng.getState();
  assert.throws(() => rng.setState({ ...good, version: 2 as 3 }), (e: Error) => e instanceof TypeError && /version 3/.test(e.message));
  assert.throws(() => rng.setState({ ...good, key: [1, 2] }), (e: Error) => e instanceof RangeError && /624 words/.test(e.message));
  assert.throws(() => rng.setState({ ...good, pos: 625 }), (e: Error) => e instanceof RangeError && /state\.pos/.test(e.message));
  const key = [...good.key];
  key[3] = -1;
  assert.throws(() => rng.setState({ ...good, key }), (e: Error) => e instanceof RangeError && /state\.key\[3\]/.test(e.message));
});

test.run();
