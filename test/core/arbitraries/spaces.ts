/**
 * fast-check arbitraries of spaces of every kind (nested `Tuple`/`Dict` included) and, for each space, an arbitrary of
 * valid masks; plus `valuesEqual` (typed-array-aware equality) and `honoursMask` (whether a sample respects a mask).
 */

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { z } from 'zod';
import { createRng } from '../../../src/core/rng.js';
import { BOX_DTYPES, Box, type BoxDtype } from '../../../src/core/spaces/box.js';
import { Dict } from '../../../src/core/spaces/dict.js';
import { Discrete } from '../../../src/core/spaces/discrete.js';
import { MultiBinary } from '../../../src/core/spaces/multi-binary.js';
import { MultiDiscrete } from '../../../src/core/spaces/multi-discrete.js';
import type { Space } from '../../../src/core/spaces/space.js';
import { Structured } from '../../../src/core/spaces/structured.js';
import { Text, type TextMask } from '../../../src/core/spaces/text.js';
import { Tuple } from '../../../src/core/spaces/tuple.js';

/** A space with a mask for it (`undefined` for spaces that take none, or when no mask was drawn). */
export interface SpaceWithMask {
  readonly space: Space;
  readonly mask: unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf spaces

export const discreteArb: fc.Arbitrary<Discrete> = fc
  .record({ n: fc.integer({ min: 1, max: 10 }), start: fc.integer({ min: -5, max: 5 }) })
  .map(({ n, start }) => new Discrete(n, start));

const INTEGER_LIMITS: Readonly<Record<BoxDtype, readonly [number, number]>> = {
  float32: [0, 0],
  float64: [0, 0],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
};

const finiteDouble = fc.double({ min: -1e6, max: 1e6, noNaN: true });

/** A `[low, high]` pair for one element: finite, half-bounded or unbounded for floats; in range for integers. */
function boundPairArb(dtype: BoxDtype): fc.Arbitrary<readonly [number, number]> {
  if (dtype === 'float32' || dtype === 'float64') {
    return fc.oneof(
      { arbitrary: fc.tuple(finiteDouble, finiteDouble).map(([a, b]) => sorted(a, b)), weight: 4 },
      { arbitrary: finiteDouble.map((a) => [a, Infinity] as const), weight: 1 },
      { arbitrary: finiteDouble.map((b) => [-Infinity, b] as const), weight: 1 },
      { arbitrary: fc.constant([-Infinity, Infinity] as const), weight: 1 },
    );
  }
  const [min, max] = INTEGER_LIMITS[dtype];
  const int = fc.integer({ min, max });
  return fc.oneof(
    { arbitrary: fc.tuple(int, int).map(([a, b]) => sorted(a, b)), weight: 4 },
    { arbitrary: fc.constant([-Infinity, Infinity] as const), weight: 1 },
  );
}

function sorted(a: number, b: number): readonly [number, number] {
  return a <= b ? [a, b] : [b, a];
}

export const boxArb: fc.Arbitrary<Box<BoxDtype>> = fc
  .record({
    dtype: fc.constantFrom(...BOX_DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const pair = boundPairArb(dtype);
    return fc.oneof(
      pair.map(([low, high]) => new Box<BoxDtype>({ low, high, shape, dtype })),
      fc
        .array(pair, { minLength: size, maxLength: size })
        .map(
          (pairs) =>
            new Box<BoxDtype>({ low: pairs.map((p) => p[0]), high: pairs.map((p) => p[1]), shape, dtype }),
        ),
    );
  });

export const multiDiscreteArb: fc.Arbitrary<MultiDiscrete> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: -3, max: 3 })), { maxLength: 4 })
  .map(
    (dims) =>
      new MultiDiscrete(
        dims.map(([n]) => n),
        dims.map(([, s]) => s),
      ),
  );

export const multiBinaryArb: fc.Arbitrary<MultiBinary> = fc
  .integer({ min: 0, max: 8 })
  .map((n) => new MultiBinary(n));

/** Characters for custom charsets, including regex metacharacters, a non-ASCII letter and an astral emoji. */
const CHAR_POOL = ['a', 'b', 'z', '0', '9', ' ', '-', ']', '[', '^', '\\', '.', '*', '/', 'é', '😀'];

export const textArb: fc.Arbitrary<Text> = fc
  .record({
    maxLength: fc.integer({ min: 0, max: 8 }),
    minFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    charset: fc.option(fc.uniqueArray(fc.constantFrom(...CHAR_POOL), { minLength: 1, maxLength: 6 }), {
      nil: undefined,
    }),
  })
  .map(({ maxLength, minFraction, charset }) => {
    const minLength = Math.floor(minFraction * maxLength);
    return new Text(charset === undefined ? { maxLength, minLength } : { maxLength, minLength, charset });
  });

/** The action schema of the brief: what an LLM agent emits as a tool call. */
export const actionSchema = z.object({
  type: z.enum(['bump_cpu_small', 'noop']),
  workload: z.string(),
});

/** A schema exercising every kind the generic sampler handles. */
export const richSchema = z.object({
  kind: z.literal(['a', 'b']),
  count: z.int().min(0).max(20).multipleOf(5),
  ratio: z.number().gt(0).lt(1),
  score: z.number(),
  label: z.string().min(2).max(4),
  note: z.string().optional(),
  parent: z.int32().nullable(),
  tags: z.array(z.enum(['x', 'y', 'z'])).max(3),
  pair: z.tuple([z.boolean(), z.uint32().max(9)]),
  limits: z.record(z.enum(['cpu', 'memory']), z.number().nonnegative()),
  target: z.discriminatedUnion('on', [
    z.object({ on: z.literal('pod'), name: z.string().length(3) }),
    z.object({ on: z.literal('node'), index: z.int().gte(1).lte(3), drained: z.boolean().default(false) }),
  ]),
  choice: z.union([z.null(), z.int().positive().max(3), z.array(z.string().max(2)).nonempty().max(2)]),
});

/** A schema the generic sampler cannot handle (an e-mail format), sampled by a custom sampler. */
export const emailSchema = z.object({ to: z.email(), urgent: z.boolean() });

export const structuredSpaces: readonly Structured<unknown>[] = [
  new Structured(actionSchema, { name: 'ClusterAction' }),
  new Structured(richSchema),
  new Structured(emailSchema, {
    name: 'Mail',
    sampler: (rng) => ({
      to: `${rng.choice(['ops', 'dev', 'sre'])}@example.com`,
      urgent: rng.random() < 0.5,
    }),
  }),
  new Structured(
    z
      .int()
      .min(-3)
      .max(3)
      .refine((n) => n % 2 === 0, 'must be even'),
    { name: 'Even' },
  ),
] as readonly Structured<unknown>[];

export const structuredArb: fc.Arbitrary<Structured<unknown>> = fc.constantFrom(...structuredSpaces);

export const leafSpaceArb: fc.Arbitrary<Space> = fc.oneof(
  discreteArb,
  boxArb,
  multiDiscreteArb,
  multiBinaryArb,
  textArb,
  structuredArb,
);

// ---------------------------------------------------------------------------------------------------------------
// Composite spaces

const keyArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);

const { space: spaceArbitrary } = fc.letrec<{ space: Space; tuple: Tuple; dict: Dict }>((tie) => ({
  space: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'space' },
    { arbitrary: leafSpaceArb, weight: 3 },
    { arbitrary: tie('tuple'), weight: 1 },
    { arbitrary: tie('dict'), weight: 1 },
  ),
  tuple: fc.array(tie('space'), { maxLength: 3 }).map((spaces) => new Tuple(spaces)),
  dict: fc
    .uniqueArray(fc.tuple(keyArb, tie('space')), { maxLength: 3, selector: ([key]) => key })
    .map((entries) => new Dict(Object.fromEntries(entries))),
}));

/** Any space: leaves of every kind and `Tuple`/`Dict` nesting them (up to two levels). */
export const spaceArb: fc.Arbitrary<Space> = spaceArbitrary;

// ---------------------------------------------------------------------------------------------------------------
// Masks

const bit = fc.constantFrom(0, 1);

function bitsArb(length: number): fc.Arbitrary<number[]> {
  return fc.array(bit, { minLength: length, maxLength: length });
}

/** Bits of the given length with at least one 1 among the indices `[from, length)`. */
function someBitsArb(length: number, from = 0): fc.Arbitrary<number[]> {
  return fc
    .tuple(bitsArb(length), fc.integer({ min: from, max: length - 1 }))
    .map(([bits, forced]) => bits.map((b, i) => (i === forced ? 1 : b)));
}

function textMaskArb(space: Text): fc.Arbitrary<TextMask> {
  const { minLength, maxLength } = space;
  const length = fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: minLength, max: maxLength }),
    someBitsArb(maxLength + 1, minLength),
  );
  const charset = fc.oneof(fc.constant(undefined), someBitsArb(space.characters.length));
  return fc.record({ length, charset });
}

/** An arbitrary of valid masks for `space` (always `undefined` for `Box`, which takes none). */
export function maskArb(space: Space): fc.Arbitrary<unknown> {
  if (space instanceof Discrete) return bitsArb(space.n);
  if (space instanceof MultiDiscrete) return fc.tuple(...space.nvec.map((n) => bitsArb(n)));
  if (space instanceof MultiBinary) {
    return fc
      .array(fc.constantFrom(0, 1, 2), { minLength: space.n, maxLength: space.n })
      .chain((values) => fc.constantFrom<ArrayLike<number>>(values, Uint8Array.from(values)));
  }
  if (space instanceof Text) return textMaskArb(space);
  if (space instanceof Structured) {
    return fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })).map(([seed, count]) => {
      const rng = createRng(seed);
      return Array.from({ length: count }, () => space.sample(rng));
    });
  }
  if (space instanceof Tuple) {
    return fc.tuple(...space.spaces.map((s: Space) => fc.option(maskArb(s), { nil: undefined })));
  }
  if (space instanceof Dict) {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const key of space.keys)
      model[key] = fc.option(maskArb(space.spaces[key] as Space), { nil: undefined });
    return fc.record(model, { requiredKeys: [] });
  }
  return fc.constant(undefined);
}

/** A space with a valid mask for it. */
export const spaceWithMaskArb: fc.Arbitrary<SpaceWithMask> = spaceArb.chain((space) =>
  maskArb(space).map((mask) => ({ space, mask })),
);

// ---------------------------------------------------------------------------------------------------------------
// Checks

/**
 * Structural equality aware of typed arrays: typed arrays are equal when they have the same class and the same
 * values; numbers compare with `Object.is`.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valuesEqual(item, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    if (keysA.length !== keysB.length) return false;
    const recordB = b as Record<string, unknown>;
    return keysA.every(
      (key) => Object.hasOwn(b, key) && valuesEqual((a as Record<string, unknown>)[key], recordB[key]),
    );
  }
  return Object.is(a, b);
}

/** Whether `value`, drawn from `space` with `mask`, respects the mask. */
export function honoursMask(space: Space, mask: unknown, value: unknown): boolean {
  if (mask === undefined) return true;
  if (space instanceof Discrete) {
    return discreteHonours(mask as ArrayLike<number>, (value as number) - space.start);
  }
  if (space instanceof MultiDiscrete) {
    const values = value as Int32Array;
    return space.nvec.every((_, i) =>
      discreteHonours(
        (mask as ArrayLike<number>[])[i] as ArrayLike<number>,
        (values[i] as number) - (space.start[i] as number),
      ),
    );
  }
  if (space instanceof MultiBinary) {
    const m = mask as ArrayLike<number>;
    const values = value as Uint8Array;
    return Array.from(values).every((v, i) => m[i] === 2 || m[i] === v);
  }
  if (space instanceof Text) {
    const { length, charset } = mask as TextMask;
    const chars = Array.from(value as string);
    const lengthOk =
      length === undefined || (typeof length === 'number' ? chars.length === length : !!length[chars.length]);
    const charsOk = charset === undefined || chars.every((c) => !!charset[space.characterIndex(c)]);
    return lengthOk && charsOk;
  }
  if (space instanceof Structured) {
    return (mask as readonly unknown[]).some((allowed) => isDeepStrictEqual(allowed, value));
  }
  if (space instanceof Tuple) {
    const values = value as readonly unknown[];
    return space.spaces.every((s: Space, i: number) =>
      honoursMask(s, (mask as readonly unknown[])[i], values[i]),
    );
  }
  if (space instanceof Dict) {
    const masks = mask as Readonly<Record<string, unknown>>;
    const values = value as Readonly<Record<string, unknown>>;
    return space.keys.every((key) => honoursMask(space.spaces[key] as Space, masks[key], values[key]));
  }
  return true;
}

function discreteHonours(mask: ArrayLike<number>, index: number): boolean {
  const anyAllowed = Array.from(mask).some((m) => !!m);
  return anyAllowed ? !!mask[index] : index === 0;
}
