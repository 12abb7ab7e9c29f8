/** `Dict(spaces)`: objects with a fixed set of keys, the value of each key belonging to its own space. */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';
import { childSchema, nestedError, notFlattenable, type SpaceElement, type SpaceMask } from './tuple.js';

/** The element type of a {@link Dict} of the spaces `S`: an object with one element of each space under its key. */
export type DictElement<S extends Record<string, Space>> = { -readonly [K in keyof S]: SpaceElement<S[K]> };

/**
 * The mask of a {@link Dict} of the spaces `S`: an object whose key `k`, when present and not `undefined`, is a mask of
 * `spaces[k]`. Keys left out are sampled without a mask; keys the dict does not have are rejected.
 */
export type DictMask<S extends Record<string, Space>> = {
  readonly [K in keyof S]?: SpaceMask<S[K]> | undefined;
};

/**
 * A dictionary of spaces, as Gymnasium's `Dict`. Elements are plain objects with exactly the keys of the space.
 *
 * Unlike Gymnasium, which sorts the keys of a plain `dict`, the keys keep the order in which they were declared, so
 * that sampling, JSON and flattening follow the declaration (JavaScript itself lists integer-like keys such as `"1"`
 * first, in ascending order). Sampling draws the values in key order from the same generator. Flattenable when every
 * value's space is; the flat vector is the concatenation of the values' in key order.
 *
 * @typeParam S - the spaces by key (inferred from an object literal).
 */
export class Dict<const S extends Record<string, Space> = Record<string, Space>> extends Space<
  DictElement<S>,
  DictMask<S>
> {
  /** The space of each key (frozen). */
  readonly spaces: Readonly<S>;
  /** The keys, in declaration order (frozen). */
  readonly keys: readonly (keyof S & string)[];

  /** @param spaces - the space of each key, in the order the elements should follow. */
  constructor(spaces: S) {
    super();
    if (typeof spaces !== 'object' || spaces === null || Array.isArray(spaces) || spaces instanceof Space) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Dict needs an object of spaces by key, such as new Dict({ position: new Box({ low: 0, high: 1 }) }), got ${
          Array.isArray(spaces) ? 'an array (use Tuple for arrays)' : String(spaces)
        }`,
      );
    }
    const keys = Object.keys(spaces);
    for (const key of keys) {
      const space: unknown = spaces[key];
      if (!(space instanceof Space)) {
        throw new SpaceError(
          'INVALID_SPACE',
          `Dict spaces[${JSON.stringify(key)}] must be a Space (Discrete, Box, …), got ${
            space === null ? 'null' : typeof space
          }`,
        );
      }
    }
    this.keys = Object.freeze(keys);
    this.spaces = Object.freeze(Object.fromEntries(keys.map((key) => [key, spaces[key]]))) as Readonly<S>;
  }

  #space(key: string): Space {
    return this.spaces[key] as Space;
  }

  sample(rng: Rng, options: SampleOptions<DictMask<S>> = {}): DictElement<S> {
    const { mask } = options;
    if (mask !== undefined) {
      if (typeof mask !== 'object' || mask === null || Array.isArray(mask)) {
        throw new SpaceError(
          'INVALID_MASK',
          `mask for ${this} must be an object of masks by key, got ${Array.isArray(mask) ? 'an array' : String(mask)}`,
        );
      }
      const unknown = Object.keys(mask).filter((key) => !Object.hasOwn(this.spaces, key));
      if (unknown.length > 0) {
        throw new SpaceError(
          'INVALID_MASK',
          `mask for ${this} has keys the space does not have: ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ` +
            `allowed keys are ${this.keys.map((k) => JSON.stringify(k)).join(', ')}`,
        );
      }
    }
    const masks = mask as Readonly<Record<string, unknown>> | undefined;
    return Object.fromEntries(
      this.keys.map((key) => {
        const sub = masks !== undefined && Object.hasOwn(masks, key) ? masks[key] : undefined;
        return [key, this.#space(key).sample(rng, sub === undefined ? {} : { mask: sub })];
      }),
    ) as DictElement<S>;
  }

  contains(value: unknown): value is DictElement<S> {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
      return false;
    }
    const record = value as Readonly<Record<string, unknown>>;
    return (
      Object.keys(record).length === this.keys.length &&
      this.keys.every((key) => Object.hasOwn(record, key) && this.#space(key).contains(record[key]))
    );
  }

  /** An object of the values' JSON forms, in key order. */
  toJSONValue(value: DictElement<S>): JsonValue {
    const record = value as Readonly<Record<string, unknown>>;
    return Object.fromEntries(this.keys.map((key) => [key, this.#space(key).toJSONValue(record[key])]));
  }

  /** Reads each value with its space; a missing, unknown or failing key is named in the error. */
  fromJSONValue(json: JsonValue): DictElement<S> {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SpaceError(
        'NOT_IN_SPACE',
        `${abbreviate(json)} is not in ${this}: expected an object with the keys ${this.#keyList()}`,
      );
    }
    const missing = this.keys.filter((key) => !Object.hasOwn(json, key));
    const extra = Object.keys(json).filter((key) => !Object.hasOwn(this.spaces, key));
    if (missing.length > 0 || extra.length > 0) {
      const problems = [
        missing.length > 0 ? `missing ${missing.map((k) => JSON.stringify(k)).join(', ')}` : '',
        extra.length > 0 ? `unexpected ${extra.map((k) => JSON.stringify(k)).join(', ')}` : '',
      ].filter((p) => p !== '');
      throw new SpaceError(
        'NOT_IN_SPACE',
        `${abbreviate(json)} is not in ${this}: ${problems.join('; ')} (expected exactly the keys ${this.#keyList()})`,
      );
    }
    return Object.fromEntries(
      this.keys.map((key) => {
        try {
          return [key, this.#space(key).fromJSONValue(json[key] as JsonValue)];
        } catch (error) {
          throw nestedError(error, keyPath(key));
        }
      }),
    ) as DictElement<S>;
  }

  #keyList(): string {
    return this.keys.length === 0 ? '(none)' : this.keys.map((k) => JSON.stringify(k)).join(', ');
  }

  /** An object with exactly the keys, each value following its space's schema. */
  toJSONSchema(): JsonSchema {
    return {
      type: 'object',
      properties: Object.fromEntries(this.keys.map((key) => [key, childSchema(this.#space(key))])),
      required: [...this.keys],
      additionalProperties: false,
    };
  }

  describe(): SpaceDescription {
    return {
      type: 'Dict',
      spaces: Object.fromEntries(this.keys.map((key) => [key, this.#space(key).describe()])),
    };
  }

  /** `Dict('position': Box(0, 1, [2], float32), 'lives': Discrete(3))`, as Gymnasium prints it. */
  toString(): string {
    return `Dict(${this.keys.map((key) => `${quoteKey(key)}: ${this.#space(key).toString()}`).join(', ')})`;
  }

  override get isFlattenable(): boolean {
    return this.keys.every((key) => this.#space(key).isFlattenable);
  }

  /** The sum of the values' flat dimensions. */
  override get flatDim(): number {
    if (!this.isFlattenable) throw notFlattenable(this);
    return this.keys.reduce((sum, key) => sum + this.#space(key).flatDim, 0);
  }

  override flattenInto(value: DictElement<S>, out: Float32Array | Float64Array, offset: number): number {
    if (!this.isFlattenable) throw notFlattenable(this);
    const record = value as Readonly<Record<string, unknown>>;
    let at = offset;
    for (const key of this.keys) at = this.#space(key).flattenInto(record[key], out, at);
    return at;
  }
}

function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function quoteKey(key: string): string {
  return `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function abbreviate(json: JsonValue): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
