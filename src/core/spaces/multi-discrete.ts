/** `MultiDiscrete(nvec, start)`: vectors of integers, value `i` among `start[i], …, start[i] + nvec[i] - 1`. */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';

/**
 * The mask of a {@link MultiDiscrete}: one mask per dimension, mask `i` an array (or `Uint8Array`) of length `nvec[i]`
 * whose non-zero entries mark the allowed values of dimension `i`.
 */
export type MultiDiscreteMask = readonly ArrayLike<number | boolean>[];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The cartesian product of several {@link Discrete}-like sets, as Gymnasium's `MultiDiscrete` with a one-dimensional
 * `nvec` (e.g. the keys of a game controller). Elements are `Int32Array`s of length `nvec.length`; `contains` also
 * accepts plain arrays of integers. With a mask, each dimension is drawn uniformly among its allowed values, and a
 * dimension whose mask is all zero yields its `start`, as in Gymnasium. Flattening concatenates one one-hot vector per
 * dimension (length `sum(nvec)`), as Gymnasium does.
 */
export class MultiDiscrete extends Space<Int32Array, MultiDiscreteMask> {
  /** The number of values of each dimension (frozen). */
  readonly nvec: readonly number[];
  /** The smallest value of each dimension (frozen; zeros by default). */
  readonly start: readonly number[];

  /**
   * @param nvec - the number of values of each dimension, each a positive integer.
   * @param start - the smallest value of each dimension (same length as `nvec`; zeros by default).
   */
  constructor(nvec: readonly number[], start?: readonly number[]) {
    super();
    if (!Array.isArray(nvec) || !nvec.every((n) => Number.isSafeInteger(n) && n > 0)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `MultiDiscrete nvec must be an array of positive integers, got ${JSON.stringify(nvec)}`,
      );
    }
    const starts = start ?? new Array<number>(nvec.length).fill(0);
    if (!Array.isArray(starts) || starts.length !== nvec.length) {
      throw new SpaceError(
        'INVALID_SPACE',
        `MultiDiscrete start must be an array of ${nvec.length} integers (one per entry of nvec), got ${JSON.stringify(start)}`,
      );
    }
    starts.forEach((s: unknown, i) => {
      const n = nvec[i] as number;
      if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < INT32_MIN || s + n - 1 > INT32_MAX) {
        throw new SpaceError(
          'INVALID_SPACE',
          `MultiDiscrete start[${i}] must be an integer with start[${i}] + nvec[${i}] - 1 within int32, got ${JSON.stringify(s)}`,
        );
      }
    });
    this.nvec = Object.freeze([...nvec]);
    this.start = Object.freeze([...starts]);
  }

  sample(rng: Rng, options: SampleOptions<MultiDiscreteMask> = {}): Int32Array {
    const { mask } = options;
    const out = new Int32Array(this.nvec.length);
    if (mask !== undefined && (!isArrayLike(mask) || mask.length !== this.nvec.length)) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} must be an array of ${this.nvec.length} per-dimension masks, got ${describeMask(mask)}`,
      );
    }
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i] as number;
      const start = this.start[i] as number;
      const sub = mask?.[i];
      if (mask === undefined) {
        out[i] = start + rng.integer(0, n);
        continue;
      }
      if (!isArrayLike(sub) || sub.length !== n) {
        throw new SpaceError(
          'INVALID_MASK',
          `mask[${i}] for ${this} must be an array of length nvec[${i}] = ${n}, got ${describeMask(sub)}`,
        );
      }
      const allowed: number[] = [];
      for (let j = 0; j < n; j++) if (sub[j]) allowed.push(j);
      out[i] = start + (allowed.length === 0 ? 0 : rng.choice(allowed));
    }
    return out;
  }

  contains(value: unknown): value is Int32Array {
    return this.#violation(value) === undefined;
  }

  #violation(value: unknown): string | undefined {
    if (!(value instanceof Int32Array) && !Array.isArray(value)) {
      return `expected an Int32Array or an array of ${this.nvec.length} integers`;
    }
    const values = value as ArrayLike<unknown>;
    if (values.length !== this.nvec.length) {
      return `expected ${this.nvec.length} values, got ${values.length}`;
    }
    for (let i = 0; i < this.nvec.length; i++) {
      const v = values[i];
      const lo = this.start[i] as number;
      const hi = lo + (this.nvec[i] as number) - 1;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
        return `value [${i}] must be an integer within [${lo}, ${hi}], got ${JSON.stringify(v) ?? String(v)}`;
      }
    }
    return undefined;
  }

  /** A plain array of integers. */
  toJSONValue(value: Int32Array): JsonValue {
    return Array.from(value);
  }

  /** Reads a plain array of integers back into an `Int32Array`. */
  fromJSONValue(json: JsonValue): Int32Array {
    const problem = this.#violation(json);
    if (problem !== undefined) {
      throw new SpaceError('NOT_IN_SPACE', `${JSON.stringify(json)} is not in ${this}: ${problem}`);
    }
    return Int32Array.from(json as number[]);
  }

  /** An array of exactly `nvec.length` integers, each with its own bounds (`prefixItems`). */
  toJSONSchema(): JsonSchema {
    // JSON Schema requires a non-empty `prefixItems`: with no dimension, the elements are empty arrays.
    if (this.nvec.length === 0) return { type: 'array', items: false, minItems: 0, maxItems: 0 };
    return {
      type: 'array',
      prefixItems: this.nvec.map((n, i) => {
        const start = this.start[i] as number;
        return { type: 'integer', minimum: start, maximum: start + n - 1 };
      }),
      items: false,
      minItems: this.nvec.length,
      maxItems: this.nvec.length,
    };
  }

  describe(): SpaceDescription {
    return { type: 'MultiDiscrete', nvec: [...this.nvec], start: [...this.start] };
  }

  /** `MultiDiscrete([2, 3])`, or `MultiDiscrete([2, 3], start=[1, 0])` with a non-zero start. */
  toString(): string {
    const nvec = `[${this.nvec.join(', ')}]`;
    return this.start.every((s) => s === 0)
      ? `MultiDiscrete(${nvec})`
      : `MultiDiscrete(${nvec}, start=[${this.start.join(', ')}])`;
  }

  override get isFlattenable(): boolean {
    return true;
  }

  /** `sum(nvec)`: one one-hot vector per dimension, concatenated. */
  override get flatDim(): number {
    return this.nvec.reduce((a, b) => a + b, 0);
  }

  override flattenInto(value: Int32Array, out: Float32Array | Float64Array, offset: number): number {
    let at = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i] as number;
      out.fill(0, at, at + n);
      out[at + (value[i] as number) - (this.start[i] as number)] = 1;
      at += n;
    }
    return at;
  }
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function describeMask(mask: unknown): string {
  if (isArrayLike(mask)) return `an array of length ${mask.length}`;
  return mask === undefined ? 'undefined' : typeof mask;
}
