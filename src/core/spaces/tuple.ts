/** `Tuple(spaces)`: fixed-length arrays whose entry `i` belongs to `spaces[i]`. */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';

/** The element type of a space: `SpaceElement<Discrete>` is `number`. */
export type SpaceElement<S> = S extends Space<infer T, infer _Mask> ? T : never;

/** The mask type of a space: `SpaceMask<Discrete>` is `ArrayLike<number | boolean>`. */
export type SpaceMask<S> = S extends Space<infer _T, infer Mask> ? Mask : never;

/** The element type of a {@link Tuple} of the spaces `S`: an array holding one element of each. */
export type TupleElement<S extends readonly Space[]> = { -readonly [K in keyof S]: SpaceElement<S[K]> };

/**
 * The mask of a {@link Tuple} of the spaces `S`: an array with one entry per space, each a mask of that space or
 * `undefined` (no mask for that entry).
 */
export type TupleMask<S extends readonly Space[]> = { readonly [K in keyof S]: SpaceMask<S[K]> | undefined };

/**
 * The cartesian product of several spaces, as Gymnasium's `Tuple`. Elements are arrays with one element of each
 * space, in order; the JSON form is the array of the entries' JSON forms. Sampling draws the entries in order from
 * the same generator. Flattenable when every entry is; the flat vector is the concatenation of the entries'.
 *
 * @typeParam S - the spaces, as a tuple type (inferred from an array literal).
 */
export class Tuple<const S extends readonly Space[] = readonly Space[]> extends Space<
  TupleElement<S>,
  TupleMask<S>
> {
  /** The spaces of the entries (frozen). */
  readonly spaces: S;

  /** @param spaces - the space of each entry (possibly none). */
  constructor(spaces: S) {
    super();
    if (!Array.isArray(spaces)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Tuple needs an array of spaces, such as new Tuple([new Discrete(2), new Box({ low: 0, high: 1 })]), got ${typeof spaces}`,
      );
    }
    spaces.forEach((space: unknown, i) => {
      if (!(space instanceof Space)) {
        throw new SpaceError(
          'INVALID_SPACE',
          `Tuple spaces[${i}] must be a Space (Discrete, Box, …), got ${space === null ? 'null' : typeof space}`,
        );
      }
    });
    this.spaces = Object.freeze([...spaces]) as unknown as S;
  }

  sample(rng: Rng, options: SampleOptions<TupleMask<S>> = {}): TupleElement<S> {
    const { mask } = options;
    if (mask !== undefined && (!Array.isArray(mask) || mask.length !== this.spaces.length)) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} must be an array of ${this.spaces.length} masks (undefined for no mask), got ${
          Array.isArray(mask) ? `length ${mask.length}` : typeof mask
        }`,
      );
    }
    return this.spaces.map((space, i) => {
      const sub = (mask as readonly unknown[] | undefined)?.[i];
      return space.sample(rng, sub === undefined ? {} : { mask: sub });
    }) as TupleElement<S>;
  }

  contains(value: unknown): value is TupleElement<S> {
    return (
      Array.isArray(value) &&
      value.length === this.spaces.length &&
      this.spaces.every((space, i) => space.contains(value[i]))
    );
  }

  /** The array of the entries' JSON forms. */
  toJSONValue(value: TupleElement<S>): JsonValue {
    const values = value as readonly unknown[];
    return this.spaces.map((space, i) => space.toJSONValue(values[i]));
  }

  /** Reads each entry with its space; a failing entry is named by its index in the error. */
  fromJSONValue(json: JsonValue): TupleElement<S> {
    if (!Array.isArray(json) || json.length !== this.spaces.length) {
      throw new SpaceError(
        'NOT_IN_SPACE',
        `${abbreviate(json)} is not in ${this}: expected an array of ${this.spaces.length} entries`,
      );
    }
    return this.spaces.map((space, i) => {
      try {
        return space.fromJSONValue(json[i] as JsonValue);
      } catch (error) {
        throw nestedError(error, `[${i}]`);
      }
    }) as TupleElement<S>;
  }

  /** An array with one schema per entry (`prefixItems`) and nothing more. */
  toJSONSchema(): JsonSchema {
    const n = this.spaces.length;
    // JSON Schema requires a non-empty `prefixItems`: the empty tuple is just an empty array.
    if (n === 0) return { type: 'array', items: false, minItems: 0, maxItems: 0 };
    return {
      type: 'array',
      prefixItems: this.spaces.map((space) => childSchema(space)),
      items: false,
      minItems: n,
      maxItems: n,
    };
  }

  describe(): SpaceDescription {
    return { type: 'Tuple', spaces: this.spaces.map((space) => space.describe()) };
  }

  /** `Tuple(Discrete(2), Box(0, 1, [1], float32))`. */
  toString(): string {
    return `Tuple(${this.spaces.map((space) => space.toString()).join(', ')})`;
  }

  override get isFlattenable(): boolean {
    return this.spaces.every((space) => space.isFlattenable);
  }

  /** The sum of the entries' flat dimensions. */
  override get flatDim(): number {
    if (!this.isFlattenable) throw notFlattenable(this);
    return this.spaces.reduce((sum, space) => sum + space.flatDim, 0);
  }

  override flattenInto(value: TupleElement<S>, out: Float32Array | Float64Array, offset: number): number {
    if (!this.isFlattenable) throw notFlattenable(this);
    const values = value as readonly unknown[];
    let at = offset;
    this.spaces.forEach((space, i) => {
      at = space.flattenInto(values[i], out, at);
    });
    return at;
  }
}

/** A child's JSON Schema for nesting in a parent's: without `$schema`, which belongs at the root only. */
export function childSchema(space: Space): JsonSchema {
  const { $schema: _ignored, ...rest } = space.toJSONSchema();
  return rest;
}

/**
 * Rethrows a child's `SpaceError('NOT_IN_SPACE')` with the child's position (`[1]`, `.key`) prefixed to the path its
 * message starts with, so that a nested failure reads `at [1].obs: [2] is not in Box(…): …`.
 */
export function nestedError(error: unknown, where: string): unknown {
  if (error instanceof SpaceError && error.code === 'NOT_IN_SPACE') {
    const nested = /^at (\S+): ([\s\S]*)$/.exec(error.message);
    const message = nested ? `at ${where}${nested[1]}: ${nested[2]}` : `at ${where}: ${error.message}`;
    return new SpaceError('NOT_IN_SPACE', message, { cause: error });
  }
  return error;
}

/** The error thrown when a composite space holds a space that cannot be flattened. */
export function notFlattenable(space: Space): SpaceError {
  return new SpaceError(
    'SPACE_NOT_FLATTENABLE',
    `${space.toString()} cannot be flattened into a fixed-length vector; use a wrapper that maps it to numbers first`,
  );
}

function abbreviate(json: JsonValue): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
