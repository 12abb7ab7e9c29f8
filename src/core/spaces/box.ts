/**
 * `Box({ low, high, shape, dtype })`: arrays of numbers of a fixed shape and numeric type, each element within its own
 * closed interval `[low[i], high[i]]`, as Gymnasium's `Box`.
 */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';

/** The numeric types a {@link Box} can hold. */
export type BoxDtype = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32';

/** The typed array that holds the elements of a {@link Box} of each dtype. */
export interface BoxArrayTypes {
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
}

/** The element type of a {@link Box} of dtype `D`. */
export type BoxArray<D extends BoxDtype = BoxDtype> = BoxArrayTypes[D];

/** A bound of a {@link Box} in its JSON description: a number, or `"inf"`/`"-inf"` for infinite bounds. */
export type BoxBoundJson = number | 'inf' | '-inf';

/** Options of the {@link Box} constructor. */
export interface BoxOptions<D extends BoxDtype = 'float32'> {
  /**
   * The lower bound of every element (a scalar, broadcast to the whole shape) or of each element (an array of
   * `prod(shape)` numbers in row-major order). `-Infinity` makes the elements unbounded below; for integer dtypes it
   * stands for the dtype's minimum, as in Gymnasium.
   */
  low: number | ArrayLike<number>;
  /** The upper bound, as `low`; `Infinity` makes the elements unbounded above (the dtype's maximum for integers). */
  high: number | ArrayLike<number>;
  /**
   * The shape of the elements (non-negative integers). Defaults to `[low.length]` or `[high.length]` when one of the
   * bounds is an array, otherwise to `[1]` as in Gymnasium.
   */
  shape?: readonly number[];
  /** The numeric type of the elements; `float32` by default. */
  dtype?: D;
}

/** Which sides of the elements' intervals {@link Box.isBounded} asks about. */
export type BoxBoundedManner = 'both' | 'below' | 'above';

interface DtypeInfo {
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  readonly create: (length: number) => BoxArray;
  readonly from: (values: ArrayLike<number>) => BoxArray;
  readonly isInstance: (value: unknown) => boolean;
}

/** The largest finite float32 value. */
const FLOAT32_MAX = 3.4028234663852886e38;

const DTYPES: { readonly [D in BoxDtype]: DtypeInfo } = {
  float32: {
    integer: false,
    min: -FLOAT32_MAX,
    max: FLOAT32_MAX,
    create: (n) => new Float32Array(n),
    from: (v) => Float32Array.from(v),
    isInstance: (v) => v instanceof Float32Array,
  },
  float64: {
    integer: false,
    min: -Number.MAX_VALUE,
    max: Number.MAX_VALUE,
    create: (n) => new Float64Array(n),
    from: (v) => Float64Array.from(v),
    isInstance: (v) => v instanceof Float64Array,
  },
  int8: {
    integer: true,
    min: -128,
    max: 127,
    create: (n) => new Int8Array(n),
    from: (v) => Int8Array.from(v),
    isInstance: (v) => v instanceof Int8Array,
  },
  int16: {
    integer: true,
    min: -32768,
    max: 32767,
    create: (n) => new Int16Array(n),
    from: (v) => Int16Array.from(v),
    isInstance: (v) => v instanceof Int16Array,
  },
  int32: {
    integer: true,
    min: -2147483648,
    max: 2147483647,
    create: (n) => new Int32Array(n),
    from: (v) => Int32Array.from(v),
    isInstance: (v) => v instanceof Int32Array,
  },
  uint8: {
    integer: true,
    min: 0,
    max: 255,
    create: (n) => new Uint8Array(n),
    from: (v) => Uint8Array.from(v),
    isInstance: (v) => v instanceof Uint8Array,
  },
  uint16: {
    integer: true,
    min: 0,
    max: 65535,
    create: (n) => new Uint16Array(n),
    from: (v) => Uint16Array.from(v),
    isInstance: (v) => v instanceof Uint16Array,
  },
  uint32: {
    integer: true,
    min: 0,
    max: 4294967295,
    create: (n) => new Uint32Array(n),
    from: (v) => Uint32Array.from(v),
    isInstance: (v) => v instanceof Uint32Array,
  },
};

/** The dtypes a {@link Box} accepts, in a stable order. */
export const BOX_DTYPES: readonly BoxDtype[] = Object.freeze(Object.keys(DTYPES) as BoxDtype[]);

/** How many bound values `toString()` prints before eliding the rest. */
const TO_STRING_BOUNDS = 8;

/**
 * A (possibly unbounded) box in n-dimensional space: the elements are typed arrays of the dtype (`Float32Array` for
 * `float32`, `Int32Array` for `int32`…) holding `prod(shape)` numbers in row-major order, element `i` within
 * `[low[i], high[i]]`.
 *
 * Sampling follows Gymnasium: an element bounded on both sides is drawn uniformly, one unbounded on both sides from a
 * standard normal, one bounded below only from `low + Exp(1)`, one bounded above only from `high - Exp(1)`; integer
 * dtypes draw uniform integers in `[low, high]` inclusive. `Box` takes no mask.
 *
 * For `float32`, the bounds are rounded to float32 (`Math.fround`) on construction, as Gymnasium casts them to the
 * dtype, and `contains` accepts a plain number when its float32 rounding lies within the bounds.
 *
 * @typeParam D - the dtype, which fixes the element type (see {@link BoxArrayTypes}).
 */
export class Box<D extends BoxDtype = 'float32'> extends Space<BoxArray<D>, never> {
  /** The numeric type of the elements. */
  readonly dtype: D;
  /** The shape of the elements (frozen). */
  readonly shape: readonly number[];
  /** The number of values in an element: `prod(shape)`. */
  readonly size: number;
  /** The lower bound of each value, in row-major order (frozen; `-Infinity` where unbounded). */
  readonly low: readonly number[];
  /** The upper bound of each value, in row-major order (frozen; `Infinity` where unbounded). */
  readonly high: readonly number[];
  readonly #info: DtypeInfo;

  constructor(options: BoxOptions<D>) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new SpaceError(
        'INVALID_SPACE',
        'Box needs an options object such as new Box({ low: -1, high: 1, shape: [3] })',
      );
    }
    const dtype = (options.dtype ?? 'float32') as D;
    if (!Object.hasOwn(DTYPES, dtype)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Box dtype must be one of ${BOX_DTYPES.join(', ')}, got ${JSON.stringify(options.dtype)}`,
      );
    }
    const info = DTYPES[dtype];
    this.dtype = dtype;
    this.#info = info;
    this.shape = Object.freeze(resolveShape(options));
    this.size = this.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(this.size)) {
      throw new SpaceError('INVALID_SPACE', `Box shape [${this.shape.join(', ')}] has too many elements`);
    }
    const low = resolveBound('low', options.low, this.size, dtype, info);
    const high = resolveBound('high', options.high, this.size, dtype, info);
    for (let i = 0; i < this.size; i++) {
      const lo = low[i] as number;
      const hi = high[i] as number;
      if (lo > hi) {
        throw new SpaceError(
          'INVALID_SPACE',
          `Box low must not exceed high, but low[${i}] = ${formatNumber(lo)} > high[${i}] = ${formatNumber(hi)}`,
        );
      }
    }
    this.low = Object.freeze(low);
    this.high = Object.freeze(high);
  }

  /**
   * Whether every value is bounded on the given side(s): `'both'` (the default), `'below'` or `'above'`, as
   * Gymnasium's `Box.is_bounded`.
   */
  isBounded(manner: BoxBoundedManner = 'both'): boolean {
    const below = this.low.every((v) => v > -Infinity);
    const above = this.high.every((v) => v < Infinity);
    if (manner === 'below') return below;
    if (manner === 'above') return above;
    return below && above;
  }

  /** Draws an element; throws `SpaceError('INVALID_MASK')` if a mask is given, since `Box` takes none. */
  sample(rng: Rng, options: SampleOptions<never> = {}): BoxArray<D> {
    if (options.mask !== undefined) {
      throw new SpaceError(
        'INVALID_MASK',
        `${this} does not support masks (as in Gymnasium): call sample(rng) without a mask`,
      );
    }
    const info = this.#info;
    const out = info.create(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      out[i] = info.integer ? rng.integer(lo, hi + 1) : this.#sampleFloat(rng, lo, hi);
    }
    return out as BoxArray<D>;
  }

  #sampleFloat(rng: Rng, lo: number, hi: number): number {
    let v: number;
    if (lo > -Infinity && hi < Infinity) {
      // Written as a weighted mean so that huge bounds (e.g. ±Number.MAX_VALUE) do not overflow `hi - lo`.
      const u = rng.random();
      v = lo * (1 - u) + hi * u;
    } else if (lo > -Infinity) {
      v = lo - Math.log(1 - rng.random());
    } else if (hi < Infinity) {
      v = hi + Math.log(1 - rng.random());
    } else {
      v = rng.normal();
    }
    if (this.dtype === 'float32') v = Math.fround(v);
    // Keep the value inside the bounds (rounding) and finite, and never return -0 (JSON cannot carry it).
    v = Math.min(Math.max(v, lo, this.#info.min), hi, this.#info.max);
    return v + 0;
  }

  contains(value: unknown): value is BoxArray<D> {
    return this.#violation(value) === undefined;
  }

  /** Why `value` is not an element, or `undefined` if it is one. */
  #violation(value: unknown): string | undefined {
    const typed = this.#info.isInstance(value);
    if (!typed && !Array.isArray(value)) {
      return ArrayBuffer.isView(value)
        ? `a ${value.constructor.name} is not a ${this.dtype} array (expected a ${typedArrayName(this.dtype)} or a plain array of numbers)`
        : `expected a ${typedArrayName(this.dtype)} or an array of ${this.size} numbers, got ${describeValue(value)}`;
    }
    const values = value as ArrayLike<unknown>;
    if (values.length !== this.size) {
      return `expected ${this.size} values (shape [${this.shape.join(', ')}]), got ${values.length}`;
    }
    const { integer } = this.#info;
    for (let i = 0; i < this.size; i++) {
      const raw = values[i];
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        return `value [${i}] must be a finite number, got ${describeValue(raw)}`;
      }
      if (integer && !Number.isInteger(raw)) {
        return `value [${i}] must be an integer for dtype ${this.dtype}, got ${raw}`;
      }
      const v = this.dtype === 'float32' ? Math.fround(raw) : raw;
      if (!Number.isFinite(v)) return `value [${i}] = ${raw} overflows float32`;
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      if (v < lo || v > hi) {
        return `value [${i}] = ${raw} is outside [${formatNumber(lo)}, ${formatNumber(hi)}]`;
      }
    }
    return undefined;
  }

  /** A plain array of the values (float32 values are written exactly, so they read back unchanged). */
  toJSONValue(value: BoxArray<D>): JsonValue {
    const float32 = this.dtype === 'float32';
    return Array.from(value as ArrayLike<number>, (v) => (float32 ? Math.fround(v) : v) + 0);
  }

  /** Reads a plain array of numbers back into a typed array of the dtype. */
  fromJSONValue(json: JsonValue): BoxArray<D> {
    const problem = this.#violation(json);
    if (problem !== undefined) {
      throw new SpaceError('NOT_IN_SPACE', `${truncatedJson(json)} is not in ${this}: ${problem}`);
    }
    return this.#info.from(json as number[]) as BoxArray<D>;
  }

  /**
   * An array of exactly `size` numbers (integers for integer dtypes). `minimum`/`maximum` are the smallest finite
   * lower bound and the largest finite upper bound: exact when the bounds are uniform, an envelope otherwise.
   */
  toJSONSchema(): JsonSchema {
    const items: JsonSchema = { type: this.#info.integer ? 'integer' : 'number' };
    const minimum = this.low.reduce((a, b) => Math.min(a, b), Infinity);
    const maximum = this.high.reduce((a, b) => Math.max(a, b), -Infinity);
    if (Number.isFinite(minimum)) items.minimum = minimum;
    if (Number.isFinite(maximum)) items.maximum = maximum;
    return { type: 'array', items, minItems: this.size, maxItems: this.size };
  }

  /**
   * `{ type: 'Box', dtype, shape, low, high }`; each bound is a single value when uniform, otherwise an array, with
   * infinite bounds written `"inf"`/`"-inf"` (JSON has no infinity).
   */
  describe(): SpaceDescription {
    return {
      type: 'Box',
      dtype: this.dtype,
      shape: [...this.shape],
      low: describeBounds(this.low),
      high: describeBounds(this.high),
    };
  }

  /** `Box(-1, 1, [3], float32)`; non-uniform bounds are printed as arrays (elided past 8 values). */
  toString(): string {
    return `Box(${formatBounds(this.low)}, ${formatBounds(this.high)}, [${this.shape.join(', ')}], ${this.dtype})`;
  }

  override get isFlattenable(): boolean {
    return true;
  }

  /** The values as they are, as Gymnasium flattens `Box`. */
  override get flatDim(): number {
    return this.size;
  }

  override flattenInto(value: BoxArray<D>, out: Float32Array | Float64Array, offset: number): number {
    out.set(value as ArrayLike<number>, offset);
    return offset + this.size;
  }
}

function resolveShape(options: BoxOptions<BoxDtype>): number[] {
  const { shape, low, high } = options;
  if (shape !== undefined) {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Box shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    return [...shape];
  }
  if (typeof low !== 'number' && isArrayLike(low)) return [low.length];
  if (typeof high !== 'number' && isArrayLike(high)) return [high.length];
  return [1];
}

function resolveBound(
  name: 'low' | 'high',
  bound: unknown,
  size: number,
  dtype: BoxDtype,
  info: DtypeInfo,
): number[] {
  let values: number[];
  if (typeof bound === 'number') {
    values = new Array<number>(size).fill(bound);
  } else if (isArrayLike(bound)) {
    if (bound.length !== size) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Box ${name} must be a number or an array of ${size} numbers (the size of the shape), got ${bound.length} values`,
      );
    }
    values = Array.from(bound as ArrayLike<unknown>) as number[];
  } else {
    throw new SpaceError(
      'INVALID_SPACE',
      `Box ${name} must be a number or an array of numbers, got ${describeValue(bound)}`,
    );
  }
  return values.map((raw: unknown, i) => {
    const where = typeof bound === 'number' ? name : `${name}[${i}]`;
    if (typeof raw !== 'number' || Number.isNaN(raw)) {
      throw new SpaceError('INVALID_SPACE', `Box ${where} must be a number, got ${describeValue(raw)}`);
    }
    const rounded = dtype === 'float32' ? Math.fround(raw) : raw;
    if ((name === 'low' && rounded === Infinity) || (name === 'high' && rounded === -Infinity)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Box ${where} cannot be ${raw === rounded ? formatNumber(raw) : `${raw} (${formatNumber(rounded)} in ${dtype})`}: no finite value would lie within the bounds`,
      );
    }
    if (info.integer) {
      if (raw === -Infinity) return info.min;
      if (raw === Infinity) return info.max;
      if (!Number.isInteger(raw) || raw < info.min || raw > info.max) {
        throw new SpaceError(
          'INVALID_SPACE',
          `Box ${where} must be an integer within [${info.min}, ${info.max}] for dtype ${dtype}, got ${raw}`,
        );
      }
      return raw + 0;
    }
    // `+ 0` turns -0 into 0, which JSON keeps.
    return rounded + 0;
  });
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function typedArrayName(dtype: BoxDtype): string {
  return DTYPES[dtype].create(0).constructor.name;
}

function formatNumber(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

function describeBound(v: number): BoxBoundJson {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

function describeBounds(values: readonly number[]): BoxBoundJson | BoxBoundJson[] {
  const first = values[0];
  if (first !== undefined && values.every((v) => v === first)) return describeBound(first);
  return values.map(describeBound);
}

function formatBounds(values: readonly number[]): string {
  const first = values[0];
  if (first !== undefined && values.every((v) => v === first)) return formatNumber(first);
  const shown = values.slice(0, TO_STRING_BOUNDS).map(formatNumber);
  if (values.length > TO_STRING_BOUNDS) shown.push('…');
  return `[${shown.join(', ')}]`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : (value.constructor?.name ?? 'an object');
}

function truncatedJson(json: JsonValue): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
