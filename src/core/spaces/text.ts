/** `Text({ maxLength, minLength, charset })`: strings of bounded length over a character set. */
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';

/** Gymnasium's default character set: the ASCII letters and digits, in sorted order. */
export const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Options of the {@link Text} constructor. */
export interface TextOptions {
  /** The largest number of characters, a non-negative integer. */
  maxLength: number;
  /** The smallest number of characters (1 by default, as in Gymnasium), at most `maxLength`. */
  minLength?: number;
  /**
   * The allowed characters: a string or an array of single characters ({@link ALPHANUMERIC} by default). Characters are
   * Unicode code points; duplicates are dropped, the first occurrence fixing a character's index.
   */
  charset?: string | readonly string[];
}

/**
 * The mask of a {@link Text}:
 * - `length`: the allowed lengths, as an array (or `Uint8Array`) of length `maxLength + 1` whose non-zero entry `i`
 *   allows length `i` (lengths outside `[minLength, maxLength]` are never drawn), or a single length as in Gymnasium;
 * - `charset`: the allowed characters, as an array of length `charset.length` whose non-zero entry `i` allows
 *   `charset[i]`. When it allows none, `sample` returns `""` if length 0 is allowed and throws otherwise, as in
 *   Gymnasium.
 */
export interface TextMask {
  readonly length?: number | ArrayLike<number | boolean> | undefined;
  readonly charset?: ArrayLike<number | boolean> | undefined;
}

/**
 * Strings whose length (in Unicode code points) lies in `[minLength, maxLength]` and whose characters all belong to
 * `charset`, as Gymnasium's `Text`. Sampling draws the length uniformly, then each character uniformly. Flattening
 * follows Gymnasium: `maxLength` numbers, the charset index of each character, padded with `charset.length`.
 */
export class Text extends Space<string, TextMask> {
  /** The largest number of characters. */
  readonly maxLength: number;
  /** The smallest number of characters. */
  readonly minLength: number;
  /** The allowed characters, in index order (frozen). */
  readonly characters: readonly string[];
  readonly #index: ReadonlyMap<string, number>;

  constructor(options: TextOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new SpaceError(
        'INVALID_SPACE',
        'Text needs an options object such as new Text({ maxLength: 10 })',
      );
    }
    const { maxLength, minLength = 1, charset = ALPHANUMERIC } = options;
    if (typeof maxLength !== 'number' || !Number.isSafeInteger(maxLength) || maxLength < 0) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Text maxLength must be a non-negative integer, got ${JSON.stringify(maxLength) ?? String(maxLength)}`,
      );
    }
    if (typeof minLength !== 'number' || !Number.isSafeInteger(minLength) || minLength < 0) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Text minLength must be a non-negative integer, got ${JSON.stringify(minLength) ?? String(minLength)}`,
      );
    }
    if (minLength > maxLength) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Text minLength (${minLength}) must not exceed maxLength (${maxLength}); note that minLength defaults to 1`,
      );
    }
    let chars: string[];
    if (typeof charset === 'string') {
      chars = Array.from(charset);
    } else if (Array.isArray(charset)) {
      chars = charset.map((c: unknown, i) => {
        if (typeof c !== 'string' || Array.from(c).length !== 1) {
          throw new SpaceError(
            'INVALID_SPACE',
            `Text charset[${i}] must be a single character, got ${JSON.stringify(c) ?? String(c)}`,
          );
        }
        return c;
      });
    } else {
      throw new SpaceError(
        'INVALID_SPACE',
        `Text charset must be a string or an array of single characters, got ${typeof charset}`,
      );
    }
    const unique = [...new Set(chars)];
    if (unique.length === 0) {
      throw new SpaceError('INVALID_SPACE', 'Text charset must hold at least one character');
    }
    this.maxLength = maxLength;
    this.minLength = minLength;
    this.characters = Object.freeze(unique);
    this.#index = new Map(unique.map((c, i) => [c, i]));
  }

  /** The allowed characters as one string. */
  get charset(): string {
    return this.characters.join('');
  }

  /** The index of `char` in the charset (as Gymnasium's `character_index`), or -1 when it is not in it. */
  characterIndex(char: string): number {
    return this.#index.get(char) ?? -1;
  }

  sample(rng: Rng, options: SampleOptions<TextMask> = {}): string {
    const { mask } = options;
    if (mask !== undefined && (typeof mask !== 'object' || mask === null)) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} must be an object { length?, charset? }, got ${String(mask)}`,
      );
    }
    const lengths = this.#allowedLengths(mask?.length);
    const chars = this.#allowedChars(mask?.charset);
    if (chars.length === 0) {
      if (lengths.includes(0)) return '';
      throw new SpaceError(
        'INVALID_MASK',
        `the charset mask for ${this} allows no character, so only the empty string could be drawn, but length 0 is not allowed (minLength = ${this.minLength})`,
      );
    }
    const length = rng.choice(lengths);
    let out = '';
    for (let i = 0; i < length; i++) out += rng.choice(chars);
    return out;
  }

  #allowedLengths(mask: TextMask['length']): number[] {
    if (mask === undefined) {
      return Array.from({ length: this.maxLength - this.minLength + 1 }, (_, i) => this.minLength + i);
    }
    if (typeof mask === 'number') {
      if (!Number.isInteger(mask) || mask < this.minLength || mask > this.maxLength) {
        throw new SpaceError(
          'INVALID_MASK',
          `the length mask for ${this} must be an integer in [${this.minLength}, ${this.maxLength}], got ${mask}`,
        );
      }
      return [mask];
    }
    if (!isArrayLike(mask) || mask.length !== this.maxLength + 1) {
      throw new SpaceError(
        'INVALID_MASK',
        `the length mask for ${this} must be an array of length maxLength + 1 = ${this.maxLength + 1} (entry i allows length i), got ${
          isArrayLike(mask) ? `length ${mask.length}` : typeof mask
        }`,
      );
    }
    const allowed: number[] = [];
    for (let i = this.minLength; i <= this.maxLength; i++) if (mask[i]) allowed.push(i);
    if (allowed.length === 0) {
      throw new SpaceError(
        'INVALID_MASK',
        `the length mask for ${this} allows no length within [${this.minLength}, ${this.maxLength}]`,
      );
    }
    return allowed;
  }

  #allowedChars(mask: TextMask['charset']): readonly string[] {
    if (mask === undefined) return this.characters;
    if (!isArrayLike(mask) || mask.length !== this.characters.length) {
      throw new SpaceError(
        'INVALID_MASK',
        `the charset mask for ${this} must be an array of length ${this.characters.length} (one entry per character), got ${
          isArrayLike(mask) ? `length ${mask.length}` : typeof mask
        }`,
      );
    }
    return this.characters.filter((_, i) => mask[i]);
  }

  contains(value: unknown): value is string {
    return typeof value === 'string' && this.#violation(value) === undefined;
  }

  #violation(value: string): string | undefined {
    const chars = Array.from(value);
    if (chars.length < this.minLength || chars.length > this.maxLength) {
      return `its length ${chars.length} is outside [${this.minLength}, ${this.maxLength}]`;
    }
    const bad = chars.find((c) => !this.#index.has(c));
    return bad === undefined ? undefined : `the character ${JSON.stringify(bad)} is not in the charset`;
  }

  toJSONValue(value: string): JsonValue {
    return value;
  }

  fromJSONValue(json: JsonValue): string {
    if (typeof json !== 'string') {
      throw new SpaceError('NOT_IN_SPACE', `${abbreviate(json)} is not in ${this}: expected a string`);
    }
    const problem = this.#violation(json);
    if (problem !== undefined) {
      throw new SpaceError('NOT_IN_SPACE', `${abbreviate(json)} is not in ${this}: ${problem}`);
    }
    return json;
  }

  /** A string with `minLength`/`maxLength` (counted in code points, as JSON Schema does) and a charset `pattern`. */
  toJSONSchema(): JsonSchema {
    const charClass = this.characters.map((c) => (/[\\\]^$.*+?()[{}|/-]/.test(c) ? `\\${c}` : c)).join('');
    return {
      type: 'string',
      minLength: this.minLength,
      maxLength: this.maxLength,
      pattern: `^[${charClass}]*$`,
    };
  }

  describe(): SpaceDescription {
    return { type: 'Text', minLength: this.minLength, maxLength: this.maxLength, charset: this.charset };
  }

  /**
   * `Text(1, 10)` with the default charset (which Gymnasium would print in full), `Text(1, 10, charset=abc)` otherwise.
   */
  toString(): string {
    const charset = this.charset === ALPHANUMERIC ? '' : `, charset=${this.charset}`;
    return `Text(${this.minLength}, ${this.maxLength}${charset})`;
  }

  override get isFlattenable(): boolean {
    return true;
  }

  /** `maxLength`: one charset index per position, padded with `charset.length`, as Gymnasium flattens `Text`. */
  override get flatDim(): number {
    return this.maxLength;
  }

  override flattenInto(value: string, out: Float32Array | Float64Array, offset: number): number {
    out.fill(this.characters.length, offset, offset + this.maxLength);
    let at = offset;
    for (const char of value) out[at++] = this.characterIndex(char);
    return offset + this.maxLength;
  }
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function abbreviate(json: JsonValue): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
