/** `Discrete(n, start)`: the integers `start, start + 1, …, start + n - 1`. */
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
 * A finite set of integers. Masks are arrays (or `Uint8Array`s) of length `n` whose non-zero entries mark the allowed
 * values; with an all-zero mask, `sample` returns `start` as Gymnasium does.
 */
export class Discrete extends Space<number, ArrayLike<number | boolean>> {
  /** The number of values. */
  readonly n: number;
  /** The smallest value. */
  readonly start: number;

  constructor(n: number, start = 0) {
    super();
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new SpaceError('INVALID_SPACE', `Discrete(n) needs n >= 1, got ${n}`);
    if (!Number.isSafeInteger(start))
      throw new SpaceError('INVALID_SPACE', `Discrete start must be an integer`);
    this.n = n;
    this.start = start;
  }

  sample(rng: Rng, options: SampleOptions<ArrayLike<number | boolean>> = {}): number {
    const { mask } = options;
    if (mask === undefined) return this.start + rng.integer(0, this.n);
    if (mask.length !== this.n) {
      throw new SpaceError('INVALID_MASK', `mask for ${this} must have length ${this.n}, got ${mask.length}`);
    }
    const allowed: number[] = [];
    for (let i = 0; i < this.n; i++) if (mask[i]) allowed.push(i);
    return this.start + (allowed.length === 0 ? 0 : rng.choice(allowed));
  }

  contains(value: unknown): value is number {
    return (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= this.start &&
      value < this.start + this.n
    );
  }

  toJSONValue(value: number): JsonValue {
    return value;
  }

  fromJSONValue(json: JsonValue): number {
    if (!this.contains(json))
      throw new SpaceError('NOT_IN_SPACE', `${JSON.stringify(json)} is not in ${this}`);
    return json;
  }

  toJSONSchema(): JsonSchema {
    return { type: 'integer', minimum: this.start, maximum: this.start + this.n - 1 };
  }

  describe(): SpaceDescription {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }

  override get isFlattenable(): boolean {
    return true;
  }

  /** One-hot encoding, as Gymnasium flattens `Discrete`. */
  override get flatDim(): number {
    return this.n;
  }

  override flattenInto(value: number, out: Float32Array | Float64Array, offset: number): number {
    out.fill(0, offset, offset + this.n);
    out[offset + value - this.start] = 1;
    return offset + this.n;
  }
}
