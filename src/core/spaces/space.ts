/**
 * The contract every space implements. A space describes the set of valid observations or actions: it can draw a
 * random element (from an RNG it is handed), test membership, convert elements to and from plain JSON, describe
 * itself as a JSON Schema (so that an LLM can be given an action as a tool) and, where it makes sense, flatten its
 * elements into a vector of numbers for neural policies.
 */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';

/** Any value that `JSON.stringify` writes and `JSON.parse` reads back unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON Schema document (draft 2020-12), as produced by `toJSONSchema()`. */
export type JsonSchema = { [key: string]: unknown };

/** Options of {@link Space.sample}. */
export interface SampleOptions<Mask> {
  /** Restricts sampling to the allowed values; each space documents the shape of its mask. */
  mask?: Mask;
}

/** A plain-JSON description of a space (what `sim-arena envs` prints and vector-env workers exchange). */
export interface SpaceDescription {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * A set of values of type `T`. Subclasses are immutable once built.
 *
 * @typeParam T - the type of the elements.
 * @typeParam Mask - the type of the mask accepted by {@link Space.sample}.
 */
export abstract class Space<T = unknown, Mask = unknown> {
  /** Draws an element from `rng`; with a mask, only allowed values are drawn. */
  abstract sample(rng: Rng, options?: SampleOptions<Mask>): T;

  /** Whether `value` is an element of this space. */
  abstract contains(value: unknown): value is T;

  /** Converts an element into plain JSON (typed arrays become arrays, bigints strings…). */
  abstract toJSONValue(value: T): JsonValue;

  /** Converts plain JSON made by {@link Space.toJSONValue} back into an element; throws `SpaceError` otherwise. */
  abstract fromJSONValue(json: JsonValue): T;

  /** A JSON Schema of the elements' JSON form. */
  abstract toJSONSchema(): JsonSchema;

  /** A plain-JSON description of the space itself. */
  abstract describe(): SpaceDescription;

  /** A short human-readable form, such as `Discrete(2)` or `Box(-1, 1, [3], float32)`. */
  abstract toString(): string;

  /** Whether the elements can be flattened into a fixed-length vector of numbers. */
  get isFlattenable(): boolean {
    return false;
  }

  /** The length of the flattened vector; throws `SpaceError` when the space is not flattenable. */
  get flatDim(): number {
    throw notFlattenable(this);
  }

  /** Writes the flattened form of `value` into `out` from `offset`; returns the offset after it. */
  flattenInto(_value: T, _out: Float32Array | Float64Array, _offset: number): number {
    throw notFlattenable(this);
  }

  /** Whether `other` describes the same set. */
  equals(other: Space): boolean {
    return JSON.stringify(this.describe()) === JSON.stringify(other.describe());
  }
}

function notFlattenable(space: Space): SpaceError {
  return new SpaceError(
    'SPACE_NOT_FLATTENABLE',
    `${space.toString()} cannot be flattened into a fixed-length vector; use a wrapper that maps it to numbers first`,
  );
}
