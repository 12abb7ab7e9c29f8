/** `MultiBinary(n)`: vectors of `n` bits. */
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
 * The mask of a {@link MultiBinary}: an array (or `Uint8Array`) of length `n` whose entry `i` is `0` (bit `i` is
 * always 0), `1` (always 1) or `2` (drawn at random), as in Gymnasium.
 */
export type MultiBinaryMask = ArrayLike<number>;

/**
 * Binary vectors of a fixed length `n`, as Gymnasium's `MultiBinary` with an integer `n` (e.g. which buttons of a
 * controller are pressed). Elements are `Uint8Array`s of 0s and 1s; `contains` also accepts plain arrays of 0s and 1s.
 * Bits are drawn independently with probability 1/2. Flattening writes the bits as they are.
 */
export class MultiBinary extends Space<Uint8Array, MultiBinaryMask> {
  /** The number of bits. */
  readonly n: number;

  /** @param n - the number of bits, a non-negative integer. */
  constructor(n: number) {
    super();
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new SpaceError(
        'INVALID_SPACE',
        `MultiBinary(n) needs a non-negative integer n, got ${JSON.stringify(n) ?? String(n)}`,
      );
    }
    this.n = n;
  }

  sample(rng: Rng, options: SampleOptions<MultiBinaryMask> = {}): Uint8Array {
    const { mask } = options;
    const out = new Uint8Array(this.n);
    if (mask === undefined) {
      for (let i = 0; i < this.n; i++) out[i] = rng.integer(0, 2);
      return out;
    }
    if (!isArrayLike(mask) || mask.length !== this.n) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} must be an array of length ${this.n} holding 0 (bit 0), 1 (bit 1) or 2 (random), got ${
          isArrayLike(mask) ? `length ${mask.length}` : typeof mask
        }`,
      );
    }
    for (let i = 0; i < this.n; i++) {
      const m = mask[i];
      if (m !== 0 && m !== 1 && m !== 2) {
        throw new SpaceError(
          'INVALID_MASK',
          `mask[${i}] for ${this} must be 0 (bit 0), 1 (bit 1) or 2 (random), got ${JSON.stringify(m) ?? String(m)}`,
        );
      }
      out[i] = m === 2 ? rng.integer(0, 2) : m;
    }
    return out;
  }

  contains(value: unknown): value is Uint8Array {
    return this.#violation(value) === undefined;
  }

  #violation(value: unknown): string | undefined {
    if (!(value instanceof Uint8Array) && !Array.isArray(value)) {
      return `expected a Uint8Array or an array of ${this.n} bits (0 or 1)`;
    }
    const values = value as ArrayLike<unknown>;
    if (values.length !== this.n) return `expected ${this.n} bits, got ${values.length}`;
    for (let i = 0; i < this.n; i++) {
      const v = values[i];
      if (v !== 0 && v !== 1) return `bit [${i}] must be 0 or 1, got ${JSON.stringify(v) ?? String(v)}`;
    }
    return undefined;
  }

  /** A plain array of 0s and 1s. */
  toJSONValue(value: Uint8Array): JsonValue {
    return Array.from(value);
  }

  /** Reads a plain array of 0s and 1s back into a `Uint8Array`. */
  fromJSONValue(json: JsonValue): Uint8Array {
    const problem = this.#violation(json);
    if (problem !== undefined) {
      throw new SpaceError('NOT_IN_SPACE', `${JSON.stringify(json)} is not in ${this}: ${problem}`);
    }
    return Uint8Array.from(json as number[]);
  }

  /** An array of exactly `n` integers, each 0 or 1. */
  toJSONSchema(): JsonSchema {
    return { type: 'array', items: { type: 'integer', enum: [0, 1] }, minItems: this.n, maxItems: this.n };
  }

  describe(): SpaceDescription {
    return { type: 'MultiBinary', n: this.n };
  }

  /** `MultiBinary(n)`. */
  toString(): string {
    return `MultiBinary(${this.n})`;
  }

  override get isFlattenable(): boolean {
    return true;
  }

  /** `n`: the bits as they are. */
  override get flatDim(): number {
    return this.n;
  }

  override flattenInto(value: Uint8Array, out: Float32Array | Float64Array, offset: number): number {
    out.set(value, offset);
    return offset + this.n;
  }
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}
