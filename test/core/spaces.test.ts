import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SpaceError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import {
  ALPHANUMERIC,
  Box,
  type BoxDtype,
  Dict,
  Discrete,
  type JsonValue,
  MultiBinary,
  MultiDiscrete,
  type Space,
  Structured,
  Text,
  Tuple,
} from '../../src/core/spaces/index.js';
import {
  actionSchema,
  honoursMask,
  maskArb,
  spaceArb,
  spaceWithMaskArb,
  structuredSpaces,
  valuesEqual,
} from './arbitraries/spaces.js';

const ajv = new Ajv2020({ strict: false });
// zod writes `format: "email"` for z.email(); a loose check is enough here (ajv-formats is not a dependency).
ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);

/** Runs `fn` and returns the `SpaceError` it throws (failing the test if it throws nothing or something else). */
function spaceError(fn: () => unknown): SpaceError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpaceError);
    return error as SpaceError;
  }
  throw new Error('expected a SpaceError, nothing was thrown');
}

function expectSpaceError(fn: () => unknown, code: string, message?: RegExp): void {
  const error = spaceError(fn);
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
}

function roundTrip<T>(space: Space<T>, value: T): T {
  return space.fromJSONValue(JSON.parse(JSON.stringify(space.toJSONValue(value))) as JsonValue);
}

function samples(space: Space, seed: number, count: number, mask?: unknown): unknown[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => space.sample(rng, mask === undefined ? {} : { mask }));
}

describe('space properties', () => {
  it('every sample is contained', () => {
    fc.assert(
      fc.property(spaceArb, fc.nat(), (space, seed) => {
        for (const value of samples(space, seed, 5)) {
          expect(space.contains(value), `${space} should contain its sample`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('masked samples are contained and honour the mask', () => {
    fc.assert(
      fc.property(spaceWithMaskArb, fc.nat(), ({ space, mask }, seed) => {
        for (const value of samples(space, seed, 5, mask)) {
          expect(space.contains(value)).toBe(true);
          expect(honoursMask(space, mask, value), `${space} sample ${String(value)} breaks its mask`).toBe(
            true,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('elements survive a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(spaceWithMaskArb, fc.nat(), ({ space, mask }, seed) => {
        for (const value of [...samples(space, seed, 3), ...samples(space, seed, 2, mask)]) {
          const back = roundTrip(space, value);
          expect(valuesEqual(back, value), `${space}: ${JSON.stringify(space.toJSONValue(value))}`).toBe(
            true,
          );
          expect(space.contains(back)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same seed gives the same samples', () => {
    fc.assert(
      fc.property(spaceWithMaskArb, fc.nat(), ({ space, mask }, seed) => {
        expect(valuesEqual(samples(space, seed, 5), samples(space, seed, 5))).toBe(true);
        expect(valuesEqual(samples(space, seed, 5, mask), samples(space, seed, 5, mask))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('the JSON of every sample validates against toJSONSchema()', () => {
    fc.assert(
      fc.property(spaceWithMaskArb, fc.nat(), ({ space, mask }, seed) => {
        const validate = ajv.compile(space.toJSONSchema());
        for (const value of [...samples(space, seed, 3), ...samples(space, seed, 2, mask)]) {
          const json = JSON.parse(JSON.stringify(space.toJSONValue(value)));
          expect(validate(json), `${space}: ${JSON.stringify(json)} ${ajv.errorsText(validate.errors)}`).toBe(
            true,
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it('flattenInto writes exactly flatDim numbers', () => {
    fc.assert(
      fc.property(spaceArb, fc.nat(), (space, seed) => {
        const [value] = samples(space, seed, 1);
        if (!space.isFlattenable) {
          expectSpaceError(() => space.flatDim, 'SPACE_NOT_FLATTENABLE');
          expectSpaceError(() => space.flattenInto(value, new Float64Array(1), 0), 'SPACE_NOT_FLATTENABLE');
          return;
        }
        const dim = space.flatDim;
        const out = new Float64Array(dim + 2).fill(Number.NaN);
        expect(space.flattenInto(value, out, 1)).toBe(dim + 1);
        expect(Number.isNaN(out[0])).toBe(true);
        expect(Number.isNaN(out[dim + 1])).toBe(true);
        for (let i = 1; i <= dim; i++) expect(Number.isFinite(out[i])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('describe() is plain JSON, equals() is reflexive and toString() is informative', () => {
    fc.assert(
      fc.property(spaceArb, (space) => {
        const description = space.describe();
        expect(JSON.parse(JSON.stringify(description))).toEqual(description);
        expect(space.equals(space)).toBe(true);
        expect(space.toString()).toMatch(/^[A-Z][A-Za-z]*\(/);
      }),
      { numRuns: 100 },
    );
  });

  it('masks drawn for a space are accepted by it', () => {
    fc.assert(
      fc.property(
        spaceArb.chain((space) => fc.tuple(fc.constant(space), maskArb(space))),
        ([space, mask]) => {
          expect(() => space.sample(createRng(1), mask === undefined ? {} : { mask })).not.toThrow();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('different seeds give different sequences', () => {
    const spaces: Space[] = [
      new Discrete(3),
      new Box({ low: -1, high: 1, shape: [2] }),
      new Box({ low: 0, high: 5, dtype: 'int32' }),
      new MultiDiscrete([2, 3]),
      new MultiBinary(3),
      new Text({ maxLength: 3 }),
      new Tuple([new Discrete(2), new MultiBinary(1)]),
      new Dict({ a: new Discrete(2), b: new Text({ maxLength: 2 }) }),
      ...structuredSpaces,
    ];
    for (const space of spaces) {
      const sequences = new Set<string>();
      for (let seed = 0; seed < 20; seed++) {
        sequences.add(JSON.stringify(samples(space, seed, 8).map((v) => space.toJSONValue(v))));
      }
      expect(
        sequences.size,
        `${space} gave ${sequences.size} distinct sequences for 20 seeds`,
      ).toBeGreaterThan(15);
    }
  });
});

describe('Box', () => {
  it('defaults to float32 and shape [1] for scalar bounds, and infers the shape from array bounds', () => {
    const box = new Box({ low: -1, high: 1 });
    expect(box.dtype).toBe('float32');
    expect(box.shape).toEqual([1]);
    expect(box.sample(createRng(0))).toBeInstanceOf(Float32Array);
    const fromArray = new Box({ low: [0, 1, 2], high: 5, dtype: 'float64' });
    expect(fromArray.shape).toEqual([3]);
    expect(fromArray.high).toEqual([5, 5, 5]);
    expect(fromArray.sample(createRng(0))).toBeInstanceOf(Float64Array);
    expect(new Box({ low: 0, high: 1, shape: [2, 3] }).size).toBe(6);
  });

  it('uses the typed array of each dtype', () => {
    const classes: Record<BoxDtype, string> = {
      float32: 'Float32Array',
      float64: 'Float64Array',
      int8: 'Int8Array',
      int16: 'Int16Array',
      int32: 'Int32Array',
      uint8: 'Uint8Array',
      uint16: 'Uint16Array',
      uint32: 'Uint32Array',
    };
    for (const [dtype, name] of Object.entries(classes)) {
      const box = new Box<BoxDtype>({ low: 0, high: 3, shape: [2], dtype: dtype as BoxDtype });
      expect(box.sample(createRng(1)).constructor.name).toBe(name);
    }
  });

  it('maps infinite integer bounds to the dtype limits, as Gymnasium does', () => {
    const box = new Box({ low: -Infinity, high: Infinity, dtype: 'int8' });
    expect(box.low).toEqual([-128]);
    expect(box.high).toEqual([127]);
    expect(box.isBounded()).toBe(true);
  });

  it('rounds float32 bounds to float32', () => {
    const box = new Box({ low: 0, high: 0.1 });
    expect(box.high[0]).toBe(Math.fround(0.1));
    expect(box.contains([0.1])).toBe(true);
    expect(box.contains([0.1000001])).toBe(false);
    expect(box.contains(Float32Array.of(0.1))).toBe(true);
  });

  it('samples uniformly when bounded, inclusively for integers', () => {
    const ints = new Box({ low: 0, high: 2, shape: [300], dtype: 'uint8' }).sample(createRng(5));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2]));
    const floats = new Box({ low: 2, high: 4, shape: [2000], dtype: 'float64' }).sample(createRng(5));
    const mean = floats.reduce((a, b) => a + b, 0) / floats.length;
    expect(mean).toBeGreaterThan(2.9);
    expect(mean).toBeLessThan(3.1);
  });

  it('samples a normal when unbounded and a shifted exponential when half-bounded', () => {
    const n = 4000;
    const normal = new Box({ low: -Infinity, high: Infinity, shape: [n], dtype: 'float64' }).sample(
      createRng(2),
    );
    const mean = normal.reduce((a, b) => a + b, 0) / n;
    const variance = normal.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    expect(normal.some((v) => v < 0)).toBe(true);

    const below = new Box({ low: 3, high: Infinity, shape: [n], dtype: 'float64' }).sample(createRng(2));
    expect(Math.min(...below)).toBeGreaterThanOrEqual(3);
    expect(below.reduce((a, b) => a + b, 0) / n).toBeCloseTo(4, 0);
    const above = new Box({ low: -Infinity, high: -3, shape: [n], dtype: 'float64' }).sample(createRng(2));
    expect(Math.max(...above)).toBeLessThanOrEqual(-3);
    expect(above.reduce((a, b) => a + b, 0) / n).toBeCloseTo(-4, 0);
  });

  it('handles the largest finite bounds and degenerate intervals', () => {
    const huge = new Box({ low: -Number.MAX_VALUE, high: Number.MAX_VALUE, shape: [50], dtype: 'float64' });
    const value = huge.sample(createRng(3));
    expect(value.every(Number.isFinite)).toBe(true);
    expect(huge.contains(value)).toBe(true);
    const f32 = new Box({ low: -3.4028234663852886e38, high: 3.4028234663852886e38, shape: [50] });
    expect(f32.contains(f32.sample(createRng(3)))).toBe(true);
    const point = new Box({ low: 1.5, high: 1.5, shape: [3] });
    expect(Array.from(point.sample(createRng(3)))).toEqual([1.5, 1.5, 1.5]);
    const empty = new Box({ low: 0, high: 1, shape: [2, 0] });
    expect(empty.size).toBe(0);
    expect(empty.sample(createRng(0))).toEqual(new Float32Array(0));
    expect(empty.flatDim).toBe(0);
  });

  it('rejects a mask', () => {
    const box = new Box({ low: 0, high: 1 });
    expectSpaceError(
      () => box.sample(createRng(0), { mask: [1] as never }),
      'INVALID_MASK',
      /does not support masks/,
    );
  });

  it('contains rejects NaN, infinities, wrong lengths, wrong dtypes, out-of-range and non-integer values', () => {
    const box = new Box({ low: -1, high: 1, shape: [2] });
    expect(box.contains(Float32Array.of(0, 1))).toBe(true);
    expect(box.contains([0, -1])).toBe(true);
    expect(box.contains([Number.NaN, 0])).toBe(false);
    expect(box.contains(Float32Array.of(Number.NaN, 0))).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([0, 0, 0])).toBe(false);
    expect(box.contains([0, 1.5])).toBe(false);
    expect(box.contains(Float64Array.of(0, 0))).toBe(false);
    expect(box.contains(['0', 0])).toBe(false);
    expect(box.contains('[0, 0]')).toBe(false);
    expect(box.contains(null)).toBe(false);
    const unbounded = new Box({ low: -Infinity, high: Infinity, dtype: 'float64' });
    expect(unbounded.contains([Infinity])).toBe(false);
    expect(new Box({ low: -Infinity, high: Infinity }).contains([1e39])).toBe(false);
    const bytes = new Box({ low: 0, high: 255, shape: [1], dtype: 'uint8' });
    expect(bytes.contains([255])).toBe(true);
    expect(bytes.contains([256])).toBe(false);
    expect(bytes.contains([-1])).toBe(false);
    expect(bytes.contains([1.5])).toBe(false);
    expect(bytes.contains(Int8Array.of(1))).toBe(false);
  });

  it('reports bad constructor arguments', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /options object/],
      [{ low: 0, high: 1, dtype: 'float16' }, /dtype must be one of/],
      [{ low: 0, high: 1, shape: [2, -1] }, /shape must be an array of non-negative integers/],
      [{ low: 0, high: 1, shape: [1.5] }, /shape/],
      [{ low: [0, 0], high: 1, shape: [3] }, /low must be .* 3 numbers/],
      [{ low: 0, high: [1, 2], shape: [3] }, /high must be .* 3 numbers/],
      [{ low: Number.NaN, high: 1 }, /low must be a number, got NaN/],
      [{ low: 'a', high: 1 }, /low must be a number or an array/],
      [{ low: 0, high: [1, null] }, /high\[1\] must be a number/],
      [{ low: 2, high: 1 }, /low must not exceed high.*low\[0\] = 2 > high\[0\] = 1/],
      [{ low: Infinity, high: Infinity }, /low cannot be inf/],
      [{ low: -Infinity, high: -Infinity }, /high cannot be -inf/],
      [{ low: 1e39, high: Infinity }, /low cannot be 1e\+39 \(inf in float32\)/],
      [{ low: 0.5, high: 2, dtype: 'int32' }, /low must be an integer within/],
      [
        { low: 0, high: 300, dtype: 'uint8' },
        /high must be an integer within \[0, 255\] for dtype uint8, got 300/,
      ],
    ];
    for (const [options, message] of cases) {
      expectSpaceError(() => new Box(options as { low: number; high: number }), 'INVALID_SPACE', message);
    }
  });

  it('writes JSON, JSON Schema, descriptions and strings', () => {
    const box = new Box({ low: [-Infinity, 0], high: [Infinity, 2], dtype: 'float64' });
    expect(box.describe()).toEqual({
      type: 'Box',
      dtype: 'float64',
      shape: [2],
      low: ['-inf', 0],
      high: ['inf', 2],
    });
    expect(box.toString()).toBe('Box([-inf, 0], [inf, 2], [2], float64)');
    expect(box.toJSONSchema()).toEqual({
      type: 'array',
      items: { type: 'number' },
      minItems: 2,
      maxItems: 2,
    });
    expect(new Box({ low: -1, high: 1, shape: [3] }).toString()).toBe('Box(-1, 1, [3], float32)');
    expect(new Box({ low: -Infinity, high: Infinity }).describe()).toMatchObject({
      low: '-inf',
      high: 'inf',
    });
    expect(new Box({ low: [0, 1], high: [5, 3], dtype: 'int16' }).toJSONSchema()).toEqual({
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: 5 },
      minItems: 2,
      maxItems: 2,
    });
    expect(new Box({ low: 0, high: 1, shape: [20] }).toString()).toBe('Box(0, 1, [20], float32)');
    expect(new Box({ low: Array.from({ length: 10 }, (_, i) => i), high: 20 }).toString()).toContain('…');
    expect(box.isBounded('below')).toBe(false);
    expect(new Box({ low: 0, high: Infinity }).isBounded('below')).toBe(true);
    expect(new Box({ low: 0, high: Infinity }).isBounded('above')).toBe(false);
  });

  it('fromJSONValue rejects values outside the space with a clear message', () => {
    const box = new Box({ low: 0, high: 10, shape: [2], dtype: 'int32' });
    expect(box.fromJSONValue([1, 2])).toEqual(Int32Array.of(1, 2));
    expectSpaceError(
      () => box.fromJSONValue({ a: 1 }),
      'NOT_IN_SPACE',
      /expected a Int32Array or an array of 2/,
    );
    expectSpaceError(() => box.fromJSONValue([1]), 'NOT_IN_SPACE', /expected 2 values/);
    expectSpaceError(
      () => box.fromJSONValue([1, 11]),
      'NOT_IN_SPACE',
      /value \[1\] = 11 is outside \[0, 10\]/,
    );
    expectSpaceError(() => box.fromJSONValue([1, 1.5]), 'NOT_IN_SPACE', /must be an integer for dtype int32/);
    expectSpaceError(() => box.fromJSONValue([1, null]), 'NOT_IN_SPACE', /must be a finite number, got null/);
  });

  it('flattens the values as they are, also from plain arrays', () => {
    const box = new Box({ low: -5, high: 5, shape: [3], dtype: 'int8' });
    const out = new Float32Array(5);
    expect(box.flattenInto(Int8Array.of(-5, 0, 5), out, 1)).toBe(4);
    expect(Array.from(out)).toEqual([0, -5, 0, 5, 0]);
  });
});

describe('MultiDiscrete', () => {
  const space = new MultiDiscrete([2, 3], [1, -1]);

  it('samples Int32Arrays within each dimension and honours per-dimension masks', () => {
    const value = space.sample(createRng(0));
    expect(value).toBeInstanceOf(Int32Array);
    const rng = createRng(1);
    for (let i = 0; i < 20; i++) {
      expect(Array.from(space.sample(rng, { mask: [[0, 1], Uint8Array.of(0, 0, 1)] }))).toEqual([2, 1]);
    }
    // An all-zero dimension mask yields that dimension's start, as in Gymnasium.
    expect(
      Array.from(
        space.sample(rng, {
          mask: [
            [0, 0],
            [true, false, false],
          ],
        }),
      ),
    ).toEqual([1, -1]);
  });

  it('rejects malformed masks', () => {
    expectSpaceError(() => space.sample(createRng(0), { mask: [[1, 1]] }), 'INVALID_MASK', /array of 2/);
    expectSpaceError(
      () =>
        space.sample(createRng(0), {
          mask: [
            [1, 1],
            [1, 1],
          ],
        }),
      'INVALID_MASK',
      /mask\[1\] .* length nvec\[1\] = 3/,
    );
    expectSpaceError(
      () => space.sample(createRng(0), { mask: 'nope' as unknown as number[][] }),
      'INVALID_MASK',
    );
  });

  it('contains accepts Int32Arrays and plain arrays within range only', () => {
    expect(space.contains(Int32Array.of(2, 1))).toBe(true);
    expect(space.contains([1, -1])).toBe(true);
    expect(space.contains([0, 0])).toBe(false);
    expect(space.contains([1, 2])).toBe(false);
    expect(space.contains([1.5, 0])).toBe(false);
    expect(space.contains([1])).toBe(false);
    expect(space.contains(Uint8Array.of(1, 0))).toBe(false);
    expectSpaceError(
      () => space.fromJSONValue([3, 0]),
      'NOT_IN_SPACE',
      /value \[0\] must be an integer within \[1, 2\]/,
    );
  });

  it('flattens to concatenated one-hots, as Gymnasium does', () => {
    expect(space.flatDim).toBe(5);
    const out = new Float64Array(5);
    space.flattenInto(Int32Array.of(2, 0), out, 0);
    expect(Array.from(out)).toEqual([0, 1, 0, 1, 0]);
  });

  it('describes itself', () => {
    expect(space.toString()).toBe('MultiDiscrete([2, 3], start=[1, -1])');
    expect(new MultiDiscrete([4]).toString()).toBe('MultiDiscrete([4])');
    expect(space.describe()).toEqual({ type: 'MultiDiscrete', nvec: [2, 3], start: [1, -1] });
  });

  it('reports bad constructor arguments', () => {
    expectSpaceError(
      () => new MultiDiscrete([2, 0]),
      'INVALID_SPACE',
      /nvec must be an array of positive integers/,
    );
    expectSpaceError(() => new MultiDiscrete(3 as unknown as number[]), 'INVALID_SPACE', /nvec/);
    expectSpaceError(
      () => new MultiDiscrete([2, 3], [0]),
      'INVALID_SPACE',
      /start must be an array of 2 integers/,
    );
    expectSpaceError(() => new MultiDiscrete([2], [0.5]), 'INVALID_SPACE', /start\[0\] must be an integer/);
    expectSpaceError(() => new MultiDiscrete([2], [2 ** 31]), 'INVALID_SPACE', /within int32/);
  });
});

describe('MultiBinary', () => {
  const space = new MultiBinary(4);

  it('forces masked bits and randomises bits masked with 2', () => {
    const rng = createRng(0);
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const value = space.sample(rng, { mask: [0, 1, 2, 1] });
      expect(value[0]).toBe(0);
      expect(value[1]).toBe(1);
      expect(value[3]).toBe(1);
      seen.add(value[2] as number);
    }
    expect(seen).toEqual(new Set([0, 1]));
  });

  it('rejects malformed masks', () => {
    expectSpaceError(() => space.sample(createRng(0), { mask: [0, 1] }), 'INVALID_MASK', /length 4/);
    expectSpaceError(() => space.sample(createRng(0), { mask: [0, 1, 3, 0] }), 'INVALID_MASK', /mask\[2\]/);
  });

  it('contains accepts bit vectors only', () => {
    expect(space.contains(Uint8Array.of(0, 1, 1, 0))).toBe(true);
    expect(space.contains([0, 1, 1, 0])).toBe(true);
    expect(space.contains([0, 1, 2, 0])).toBe(false);
    expect(space.contains([0, 1, 1])).toBe(false);
    expect(space.contains([false, true, true, false])).toBe(false);
    expect(space.contains(Int8Array.of(0, 1, 1, 0))).toBe(false);
    expectSpaceError(() => space.fromJSONValue([0, 1, 1, 5]), 'NOT_IN_SPACE', /bit \[3\] must be 0 or 1/);
  });

  it('reports bad constructor arguments and describes itself', () => {
    expectSpaceError(() => new MultiBinary(-1), 'INVALID_SPACE', /non-negative integer/);
    expectSpaceError(() => new MultiBinary(1.5), 'INVALID_SPACE', /non-negative integer/);
    expect(space.toString()).toBe('MultiBinary(4)');
    expect(space.describe()).toEqual({ type: 'MultiBinary', n: 4 });
    expect(new MultiBinary(0).sample(createRng(0))).toEqual(new Uint8Array(0));
  });
});

describe('Tuple', () => {
  const space = new Tuple([new Discrete(3), new Box({ low: 0, high: 1, shape: [2] })]);

  it('samples each entry, with per-entry masks where given', () => {
    const rng = createRng(0);
    for (let i = 0; i < 10; i++) {
      const [d, box] = space.sample(rng, { mask: [[0, 0, 1], undefined] });
      expect(d).toBe(2);
      expect(box).toBeInstanceOf(Float32Array);
    }
  });

  it('rejects masks of the wrong length', () => {
    expectSpaceError(
      () => space.sample(createRng(0), { mask: [[1, 1, 1]] as never }),
      'INVALID_MASK',
      /array of 2 masks/,
    );
  });

  it('contains checks the length and every entry', () => {
    expect(space.contains([1, [0.5, 0.5]])).toBe(true);
    expect(space.contains([1])).toBe(false);
    expect(space.contains([3, [0.5, 0.5]])).toBe(false);
    expect(space.contains({ 0: 1, 1: [0.5, 0.5] })).toBe(false);
  });

  it('names the failing entry in fromJSONValue errors', () => {
    expectSpaceError(() => space.fromJSONValue([1]), 'NOT_IN_SPACE', /expected an array of 2 entries/);
    expectSpaceError(
      () => space.fromJSONValue([1, [0.5, 2]]),
      'NOT_IN_SPACE',
      /^at \[1\]: .*value \[1\] = 2/,
    );
    const nested = new Tuple([new Dict({ inner: space })]);
    expectSpaceError(
      () => nested.fromJSONValue([{ inner: [7, [0, 0]] }]),
      'NOT_IN_SPACE',
      /^at \[0\]\.inner\[0\]: 7/,
    );
  });

  it('is flattenable only when every entry is', () => {
    expect(space.flatDim).toBe(5);
    const withText = new Tuple([new Structured(actionSchema)]);
    expect(withText.isFlattenable).toBe(false);
    expectSpaceError(() => withText.flatDim, 'SPACE_NOT_FLATTENABLE', /Tuple\(Structured\(object\)\)/);
  });

  it('reports bad constructor arguments and describes itself', () => {
    expectSpaceError(() => new Tuple('x' as unknown as Space[]), 'INVALID_SPACE', /array of spaces/);
    expectSpaceError(
      () => new Tuple([new Discrete(2), 3 as unknown as Space]),
      'INVALID_SPACE',
      /spaces\[1\] must be a Space/,
    );
    expect(space.toString()).toBe('Tuple(Discrete(3), Box(0, 1, [2], float32))');
    expect(new Tuple([]).sample(createRng(0))).toEqual([]);
  });
});

describe('Dict', () => {
  const space = new Dict({ zeta: new Discrete(2), alpha: new MultiBinary(2) });

  it('keeps the keys in declaration order (Gymnasium sorts them)', () => {
    expect(space.keys).toEqual(['zeta', 'alpha']);
    expect(Object.keys(space.sample(createRng(0)))).toEqual(['zeta', 'alpha']);
    expect(Object.keys(space.toJSONSchema().properties as object)).toEqual(['zeta', 'alpha']);
    const out = new Float64Array(4);
    space.flattenInto({ zeta: 1, alpha: Uint8Array.of(1, 1) }, out, 0);
    expect(Array.from(out)).toEqual([0, 1, 1, 1]);
    expect(space.toString()).toBe("Dict('zeta': Discrete(2), 'alpha': MultiBinary(2))");
  });

  it('contains requires exactly the keys', () => {
    expect(space.contains({ zeta: 1, alpha: [0, 1] })).toBe(true);
    expect(space.contains({ zeta: 1 })).toBe(false);
    expect(space.contains({ zeta: 1, alpha: [0, 1], extra: 0 })).toBe(false);
    expect(space.contains({ zeta: 2, alpha: [0, 1] })).toBe(false);
    expect(space.contains([1, [0, 1]])).toBe(false);
    expect(space.contains(null)).toBe(false);
  });

  it('honours per-key masks and rejects unknown mask keys', () => {
    const rng = createRng(0);
    for (let i = 0; i < 10; i++) {
      expect(space.sample(rng, { mask: { zeta: [0, 1] } }).zeta).toBe(1);
    }
    expectSpaceError(
      () => space.sample(rng, { mask: { beta: [1] } as never }),
      'INVALID_MASK',
      /keys the space does not have: "beta"/,
    );
    expectSpaceError(() => space.sample(rng, { mask: [] as never }), 'INVALID_MASK', /object of masks/);
  });

  it('names missing, unexpected and failing keys in fromJSONValue errors', () => {
    expectSpaceError(() => space.fromJSONValue({ zeta: 1 }), 'NOT_IN_SPACE', /missing "alpha"/);
    expectSpaceError(
      () => space.fromJSONValue({ zeta: 1, alpha: [0, 0], gamma: 1 }),
      'NOT_IN_SPACE',
      /unexpected "gamma"/,
    );
    expectSpaceError(
      () => space.fromJSONValue({ zeta: 1, alpha: [0, 7] }),
      'NOT_IN_SPACE',
      /^at \.alpha: .*bit \[1\]/,
    );
    expectSpaceError(
      () => space.fromJSONValue([1, 2]),
      'NOT_IN_SPACE',
      /expected an object with the keys "zeta", "alpha"/,
    );
  });

  it('reports bad constructor arguments', () => {
    expectSpaceError(
      () => new Dict([] as unknown as Record<string, Space>),
      'INVALID_SPACE',
      /use Tuple for arrays/,
    );
    expectSpaceError(
      () => new Dict(null as unknown as Record<string, Space>),
      'INVALID_SPACE',
      /object of spaces/,
    );
    expectSpaceError(
      () => new Dict({ a: new Discrete(2), b: 'x' as unknown as Space }),
      'INVALID_SPACE',
      /spaces\["b"\] must be a Space/,
    );
  });
});

describe('Text', () => {
  it('defaults to Gymnasium charset and minLength 1', () => {
    const text = new Text({ maxLength: 4 });
    expect(text.charset).toBe(ALPHANUMERIC);
    expect(text.minLength).toBe(1);
    expect(text.toString()).toBe('Text(1, 4)');
    expect(new Text({ maxLength: 4, charset: 'ab' }).toString()).toBe('Text(1, 4, charset=ab)');
  });

  it('honours length and charset masks', () => {
    const text = new Text({ maxLength: 5, charset: 'abc' });
    const rng = createRng(0);
    for (let i = 0; i < 20; i++) {
      const value = text.sample(rng, { mask: { length: [0, 0, 1, 0, 1, 0], charset: [0, 1, 0] } });
      expect(['bb', 'bbbb']).toContain(value);
      expect(text.sample(rng, { mask: { length: 3 } })).toHaveLength(3);
    }
  });

  it('returns "" for an all-zero charset mask only when length 0 is allowed, as Gymnasium does', () => {
    expect(
      new Text({ maxLength: 3, minLength: 0 }).sample(createRng(0), {
        mask: { charset: new Array(62).fill(0) },
      }),
    ).toBe('');
    expectSpaceError(
      () => new Text({ maxLength: 3 }).sample(createRng(0), { mask: { charset: new Array(62).fill(0) } }),
      'INVALID_MASK',
      /allows no character/,
    );
  });

  it('rejects malformed masks', () => {
    const text = new Text({ maxLength: 3, minLength: 2, charset: 'ab' });
    const rng = createRng(0);
    expectSpaceError(
      () => text.sample(rng, { mask: { length: [1, 1] } }),
      'INVALID_MASK',
      /length maxLength \+ 1 = 4/,
    );
    expectSpaceError(
      () => text.sample(rng, { mask: { length: [1, 1, 0, 0] } }),
      'INVALID_MASK',
      /allows no length within \[2, 3\]/,
    );
    expectSpaceError(() => text.sample(rng, { mask: { length: 5 } }), 'INVALID_MASK', /integer in \[2, 3\]/);
    expectSpaceError(() => text.sample(rng, { mask: { charset: [1] } }), 'INVALID_MASK', /length 2/);
  });

  it('counts code points and checks the charset', () => {
    const text = new Text({ maxLength: 2, minLength: 1, charset: ['😀', 'é', 'x'] });
    expect(text.contains('😀😀')).toBe(true);
    expect(text.contains('é')).toBe(true);
    expect(text.contains('')).toBe(false);
    expect(text.contains('xxx')).toBe(false);
    expect(text.contains('y')).toBe(false);
    expect(text.contains(1)).toBe(false);
    expectSpaceError(
      () => text.fromJSONValue('xy'),
      'NOT_IN_SPACE',
      /the character "y" is not in the charset/,
    );
    expectSpaceError(() => text.fromJSONValue('xxx'), 'NOT_IN_SPACE', /length 3 is outside \[1, 2\]/);
    expectSpaceError(() => text.fromJSONValue(5), 'NOT_IN_SPACE', /expected a string/);
  });

  it('flattens to charset indices padded with the charset size, as Gymnasium does', () => {
    const text = new Text({ maxLength: 4, charset: 'abc' });
    const out = new Float32Array(4);
    expect(text.flattenInto('cab', out, 0)).toBe(4);
    expect(Array.from(out)).toEqual([2, 0, 1, 3]);
  });

  it('escapes regex metacharacters in its JSON Schema pattern', () => {
    const text = new Text({ maxLength: 5, minLength: 0, charset: '^]-\\a' });
    const validate = ajv.compile(text.toJSONSchema());
    expect(validate('^]-\\a')).toBe(true);
    expect(validate('b')).toBe(false);
    expect(validate('[')).toBe(false);
  });

  it('reports bad constructor arguments', () => {
    expectSpaceError(
      () => new Text({ maxLength: -1 }),
      'INVALID_SPACE',
      /maxLength must be a non-negative integer/,
    );
    expectSpaceError(
      () => new Text({ maxLength: 2, minLength: 3 }),
      'INVALID_SPACE',
      /minLength \(3\) must not exceed/,
    );
    expectSpaceError(() => new Text({ maxLength: 0 }), 'INVALID_SPACE', /minLength defaults to 1/);
    expectSpaceError(() => new Text({ maxLength: 2, minLength: 0.5 }), 'INVALID_SPACE', /minLength/);
    expectSpaceError(
      () => new Text({ maxLength: 2, charset: '' }),
      'INVALID_SPACE',
      /at least one character/,
    );
    expectSpaceError(
      () => new Text({ maxLength: 2, charset: ['ab'] }),
      'INVALID_SPACE',
      /charset\[0\] must be a single/,
    );
    expectSpaceError(
      () => new Text(undefined as unknown as { maxLength: number }),
      'INVALID_SPACE',
      /options/,
    );
  });
});

describe('Structured', () => {
  const space = new Structured(actionSchema, { name: 'ClusterAction' });

  it('samples schema-valid actions with the generic sampler', () => {
    const rng = createRng(0);
    const types = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const action = space.sample(rng);
      expect(actionSchema.safeParse(action).success).toBe(true);
      types.add(action.type);
    }
    expect(types).toEqual(new Set(['bump_cpu_small', 'noop']));
  });

  it('contains is schema.safeParse(value).success', () => {
    expect(space.contains({ type: 'noop', workload: 'web' })).toBe(true);
    expect(space.contains({ type: 'scale', workload: 'web' })).toBe(false);
    expect(space.contains({ type: 'noop' })).toBe(false);
  });

  it('names every failing field and what it expected', () => {
    const error = spaceError(() => space.fromJSONValue({ type: 'scale', workload: 3 }));
    expect(error.code).toBe('NOT_IN_SPACE');
    expect(error.message).toContain('is not in Structured(ClusterAction)');
    expect(error.message).toMatch(/type: Invalid option: expected one of "bump_cpu_small"\|"noop"/);
    expect(error.message).toMatch(/workload: Invalid input: expected string, received number/);
    const nested = new Structured(z.object({ spec: z.object({ replicas: z.array(z.int()) }) }));
    expectSpaceError(
      () => nested.fromJSONValue({ spec: { replicas: [1, 'two'] } }),
      'NOT_IN_SPACE',
      /spec\.replicas\[1\]: Invalid input: expected number, received string/,
    );
  });

  it('picks uniformly among the elements of a mask', () => {
    const allowed = [
      { type: 'noop' as const, workload: 'a' },
      { type: 'bump_cpu_small' as const, workload: 'b' },
    ];
    const rng = createRng(0);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const action = space.sample(rng, { mask: allowed });
      expect(allowed).toContainEqual(action);
      seen.add(action.workload);
    }
    expect(seen).toEqual(new Set(['a', 'b']));
    expectSpaceError(
      () => space.sample(rng, { mask: [] }),
      'INVALID_MASK',
      /empty: it must list at least one/,
    );
    expectSpaceError(
      () => space.sample(rng, { mask: [{ type: 'x', workload: 'a' } as never] }),
      'INVALID_MASK',
      /mask\[0\] .* is not an element/,
    );
  });

  it('uses options.sampler and checks what it returns', () => {
    const custom = new Structured(actionSchema, { sampler: () => ({ type: 'noop', workload: 'fixed' }) });
    expect(custom.sample(createRng(0))).toEqual({ type: 'noop', workload: 'fixed' });
    const broken = new Structured(actionSchema, {
      sampler: () => ({ type: 'oops', workload: 'x' }) as unknown as z.infer<typeof actionSchema>,
    });
    expectSpaceError(() => broken.sample(createRng(0)), 'INVALID_SAMPLER', /type: Invalid option/);
  });

  it('throws UNSAMPLEABLE_SCHEMA for kinds the generic sampler does not handle', () => {
    expectSpaceError(
      () => new Structured(z.object({ at: z.date() })).sample(createRng(0)),
      'UNSAMPLEABLE_SCHEMA',
      /cannot draw a zod "date" value at \.at: .*pass options\.sampler/,
    );
    expectSpaceError(
      () => new Structured(z.object({ to: z.email() })).sample(createRng(0)),
      'UNSAMPLEABLE_SCHEMA',
      /a string of format "email" at \.to/,
    );
    expectSpaceError(
      () => new Structured(z.string().transform((s) => s.length)).sample(createRng(0)),
      'UNSAMPLEABLE_SCHEMA',
      /"pipe"/,
    );
    expectSpaceError(
      () => new Structured(z.int().min(5).max(3)).sample(createRng(0)),
      'UNSAMPLEABLE_SCHEMA',
      /within the number's bounds/,
    );
    expectSpaceError(
      () => new Structured(z.int().refine(() => false)).sample(createRng(0)),
      'UNSAMPLEABLE_SCHEMA',
      /rejected them all/,
    );
    // A mask still works for an unsampleable schema.
    const dates = new Structured(z.object({ n: z.bigint() }));
    expect(dates.sample(createRng(0), { mask: [{ n: 1n }] })).toEqual({ n: 1n });
  });

  it('retries values that fail refinements', () => {
    const even = new Structured(
      z
        .int()
        .min(0)
        .max(10)
        .refine((n) => n % 2 === 0),
    );
    const rng = createRng(4);
    for (let i = 0; i < 20; i++) expect(even.sample(rng) % 2).toBe(0);
  });

  it('handles the bounds of numbers, strings and arrays', () => {
    const schema = z.object({
      exclusive: z.number().gt(0).lt(1e-300),
      step: z.number().min(0.5).max(2).multipleOf(0.5),
      free: z.int(),
      low: z.number().min(1000),
      high: z.int().max(-1000),
      u32: z.uint32(),
      f32: z.float32(),
      name: z.string().min(3),
      short: z.string().max(1),
      list: z.array(z.null()).min(2),
      anyKeys: z.record(z.string(), z.boolean()),
    });
    const structured = new Structured(schema);
    const rng = createRng(9);
    for (let i = 0; i < 50; i++) {
      const v = structured.sample(rng);
      expect(schema.safeParse(v).success).toBe(true);
      expect(Math.abs(v.free)).toBeLessThanOrEqual(100);
      expect(v.low).toBeLessThanOrEqual(1100);
      expect(v.high).toBeGreaterThanOrEqual(-1100);
      expect(v.u32).toBeLessThanOrEqual(100);
      expect(v.name.length).toBeLessThanOrEqual(11);
      expect(v.list.length).toBeLessThanOrEqual(6);
    }
  });

  it('toJSONSchema is zod’s own and describe/toString name the space', () => {
    expect(space.toJSONSchema()).toEqual(z.toJSONSchema(actionSchema));
    expect(space.toString()).toBe('Structured(ClusterAction)');
    expect(new Structured(actionSchema).toString()).toBe('Structured(object)');
    expect(space.describe()).toEqual({
      type: 'Structured',
      name: 'ClusterAction',
      jsonSchema: z.toJSONSchema(actionSchema),
    });
    expect(space.isFlattenable).toBe(false);
    expectSpaceError(
      () => new Structured(z.object({ at: z.date() })).toJSONSchema(),
      'UNREPRESENTABLE_SCHEMA',
      /cannot be written as a JSON Schema/,
    );
  });

  it('toJSONValue refuses values JSON cannot carry', () => {
    const anything = new Structured(z.object({ at: z.date() }));
    expectSpaceError(() => anything.toJSONValue({ at: new Date(0) }), 'NOT_JSON', /Date at \.at/);
    expect(space.toJSONValue({ type: 'noop', workload: 'w', extra: undefined } as never)).toEqual({
      type: 'noop',
      workload: 'w',
    });
  });

  it('reports bad constructor arguments', () => {
    expectSpaceError(() => new Structured({} as z.ZodType), 'INVALID_SPACE', /needs a zod 4 schema/);
    expectSpaceError(
      () => new Structured(actionSchema, { sampler: 3 as never }),
      'INVALID_SPACE',
      /sampler must be a function/,
    );
    expectSpaceError(
      () => new Structured(actionSchema, { name: '' }),
      'INVALID_SPACE',
      /name must be a non-empty/,
    );
  });
});

describe('Discrete (through the index)', () => {
  it('round-trips and honours masks', () => {
    const space = new Discrete(4, 2);
    expect(space.sample(createRng(0), { mask: [0, 0, 1, 0] })).toBe(4);
    expect(roundTrip(space, 3)).toBe(3);
    expectSpaceError(() => space.fromJSONValue(6), 'NOT_IN_SPACE');
  });
});
