/**
 * `Structured(schema)`: the values a zod 4 schema accepts, typically the structured actions an LLM agent emits as a
 * tool call (`{ type: 'bump_cpu_small', workload: 'web' }`). It has no Gymnasium counterpart.
 */
import { z } from 'zod';
import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import {
  type JsonSchema,
  type JsonValue,
  type SampleOptions,
  Space,
  type SpaceDescription,
} from './space.js';

/** Options of the {@link Structured} constructor. */
export interface StructuredOptions<T> {
  /**
   * Draws an element from the generator, replacing the generic sampler (needed for schemas it cannot handle, such as
   * refinements, string formats or transforms). What it returns must satisfy the schema.
   */
  sampler?: (rng: Rng) => T;
  /** A short name for messages and `toString()`, such as `'ClusterAction'`. */
  name?: string;
}

/** The mask of a {@link Structured} space: the allowed elements, one of which `sample` picks uniformly. */
export type StructuredMask<T> = readonly T[];

/** Bounds used by the generic sampler where the schema sets none. */
export const STRUCTURED_SAMPLER_DEFAULTS = Object.freeze({
  /** An unbounded number is drawn from [-100, 100]; one bounded on one side only, within 100 of its bound. */
  numberSpan: 100,
  /** A string without a maximum length is at most this many characters longer than its minimum. */
  stringExtraLength: 8,
  /** An array without a maximum length has at most this many items more than its minimum (so 0..4 by default). */
  arrayExtraLength: 4,
  /** How many times a generated value failing the schema's other checks (refinements…) is drawn again. */
  attempts: 100,
});

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A zod schema's definition, read loosely through zod 4's public `schema._zod.def`. */
type Def = { readonly type: string; readonly [key: string]: unknown };

/** Draws a value for one node of the schema. */
type Generator = (rng: Rng) => unknown;

/** Marks an omitted optional property. */
const OMIT: unique symbol = Symbol('omit');

/**
 * A space whose elements are the values a zod 4 schema accepts.
 *
 * - `contains(value)` is `schema.safeParse(value).success`.
 * - `sample(rng)` returns the schema's parse of a drawn value: drawn by `options.sampler` when given, otherwise by a
 *   generic sampler that walks the schema's definition. It handles literal, enum, boolean, null, number and int
 *   (`min`/`max`/`gt`/`lt`/`multipleOf` and the int32/uint32/float32 formats; unbounded sides use a default span,
 *   see {@link STRUCTURED_SAMPLER_DEFAULTS}), string (random alphanumerics within the length bounds), object, optional
 *   (an object property is left out with probability 1/2; elsewhere the inner type is drawn), nullable (null with
 *   probability 1/2), union and discriminated union (an option uniformly), array (length bounds, 0..4 items by
 *   default), tuple (with up to 2 rest items), record (every key of an enum or literal key type; 0..4 alphanumeric keys
 *   of a string key type), default, prefault, catch and readonly (their inner type). Values failing other checks
 *   (refinements) are drawn again, up to 100 times. Other kinds (string formats, transforms, dates, lazy…) throw
 *   `SpaceError('UNSAMPLEABLE_SCHEMA')` on the first `sample` without a mask: pass a `sampler`.
 * - With a mask (an array of allowed elements), `sample` picks one of them uniformly.
 * - The JSON form is the element itself (which must be plain JSON); `fromJSONValue` parses it with the schema and
 *   names every failing field; `toJSONSchema()` is zod's `z.toJSONSchema(schema)`.
 * - Not flattenable.
 *
 * @typeParam T - the schema's output type.
 */
export class Structured<T> extends Space<T, StructuredMask<T>> {
  /** The zod schema of the elements. */
  readonly schema: z.ZodType<T>;
  /** The name given in the options, if any. */
  readonly name: string | undefined;
  readonly #sampler: ((rng: Rng) => T) | undefined;
  #generator: Generator | undefined;
  #jsonSchema: JsonSchema | undefined;

  /**
   * @param schema - a zod 4 schema (e.g. `z.object({ type: z.enum(['bump_cpu_small', 'noop']), workload: z.string() })`).
   * @param options - a custom `sampler` and a `name`.
   */
  constructor(schema: z.ZodType<T>, options: StructuredOptions<T> = {}) {
    super();
    if (!isZodSchema(schema)) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Structured needs a zod 4 schema such as z.object({ type: z.enum(['noop']) }), got ${describeValue(schema)}`,
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new SpaceError('INVALID_SPACE', `Structured options must be an object, got ${String(options)}`);
    }
    if (options.sampler !== undefined && typeof options.sampler !== 'function') {
      throw new SpaceError(
        'INVALID_SPACE',
        `Structured options.sampler must be a function (rng) => element, got ${describeValue(options.sampler)}`,
      );
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new SpaceError(
        'INVALID_SPACE',
        `Structured options.name must be a non-empty string, got ${describeValue(options.name)}`,
      );
    }
    this.schema = schema;
    this.name = options.name;
    this.#sampler = options.sampler;
  }

  sample(rng: Rng, options: SampleOptions<StructuredMask<T>> = {}): T {
    const { mask } = options;
    if (mask !== undefined) return this.#sampleMask(rng, mask);
    if (this.#sampler !== undefined) {
      const drawn = this.#sampler(rng);
      const result = this.schema.safeParse(drawn);
      if (!result.success) {
        throw new SpaceError(
          'INVALID_SAMPLER',
          `options.sampler of ${this} returned a value the schema rejects: ${formatIssues(result.error.issues)}`,
        );
      }
      return result.data;
    }
    this.#generator ??= compile(this.schema, '', this);
    let issues: readonly z.core.$ZodIssue[] = [];
    for (let attempt = 0; attempt < STRUCTURED_SAMPLER_DEFAULTS.attempts; attempt++) {
      const result = this.schema.safeParse(this.#generator(rng));
      if (result.success) return result.data;
      issues = result.error.issues;
    }
    throw new SpaceError(
      'UNSAMPLEABLE_SCHEMA',
      `the generic sampler of ${this} drew ${STRUCTURED_SAMPLER_DEFAULTS.attempts} values and the schema rejected them all ` +
        `(last: ${formatIssues(issues)}); pass options.sampler, a function (rng) => element, or sample with a mask`,
    );
  }

  #sampleMask(rng: Rng, mask: StructuredMask<T>): T {
    if (!Array.isArray(mask)) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} must be an array of allowed elements, got ${describeValue(mask)}`,
      );
    }
    if (mask.length === 0) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask for ${this} is empty: it must list at least one allowed element to pick from`,
      );
    }
    const index = rng.integer(0, mask.length);
    const result = this.schema.safeParse(mask[index]);
    if (!result.success) {
      throw new SpaceError(
        'INVALID_MASK',
        `mask[${index}] for ${this} is not an element of the space: ${formatIssues(result.error.issues)}`,
      );
    }
    return result.data;
  }

  contains(value: unknown): value is T {
    return this.schema.safeParse(value).success;
  }

  /** A plain-JSON copy of the element (properties set to `undefined` are left out, as `JSON.stringify` does). */
  toJSONValue(value: T): JsonValue {
    return toJson(value, '', this);
  }

  /** Parses `json` with the schema; the error names every failing field path and what it expected. */
  fromJSONValue(json: JsonValue): T {
    const result = this.schema.safeParse(json);
    if (!result.success) {
      throw new SpaceError(
        'NOT_IN_SPACE',
        `${abbreviate(json)} is not in ${this}: ${formatIssues(result.error.issues)}`,
      );
    }
    return result.data;
  }

  /**
   * zod's own `z.toJSONSchema(schema)` (draft 2020-12); throws `SpaceError('UNREPRESENTABLE_SCHEMA')` for schemas JSON
   * Schema cannot express (transforms, dates…).
   */
  toJSONSchema(): JsonSchema {
    if (this.#jsonSchema === undefined) {
      try {
        this.#jsonSchema = z.toJSONSchema(this.schema) as JsonSchema;
      } catch (error) {
        throw new SpaceError(
          'UNREPRESENTABLE_SCHEMA',
          `the schema of ${this} cannot be written as a JSON Schema (${error instanceof Error ? error.message : String(error)}); ` +
            'use only JSON-compatible zod types (no transforms, dates, bigints…)',
          { cause: error },
        );
      }
    }
    return structuredClone(this.#jsonSchema);
  }

  /** `{ type: 'Structured', name, jsonSchema }` (`name` is `'object'` when none was given). */
  describe(): SpaceDescription {
    return { type: 'Structured', name: this.name ?? 'object', jsonSchema: this.toJSONSchema() };
  }

  /** `Structured(<name>)`, or `Structured(object)` without a name. */
  toString(): string {
    return `Structured(${this.name ?? 'object'})`;
  }
}

function isZodSchema(value: unknown): value is z.ZodType {
  if (typeof value !== 'object' || value === null || !('_zod' in value)) return false;
  const internals: unknown = value._zod;
  return (
    typeof internals === 'object' &&
    internals !== null &&
    'def' in internals &&
    typeof (internals.def as { type?: unknown } | null)?.type === 'string' &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

function defOf(schema: unknown): Def {
  return (schema as { readonly _zod: { readonly def: Def } })._zod.def;
}

/** The definitions of the checks attached to a schema (`z.int()` is itself a `number_format` check). */
function checksOf(def: Def): Def[] {
  const own = typeof def.check === 'string' ? [{ ...def, type: def.check } as Def] : [];
  const attached = Array.isArray(def.checks) ? def.checks : [];
  return [
    ...own,
    ...attached.map((c: unknown) => {
      const checkDef = defOf(c);
      return { ...checkDef, type: String(checkDef.check) } as Def;
    }),
  ];
}

function unsampleable(space: Space, path: string, what: string): SpaceError {
  return new SpaceError(
    'UNSAMPLEABLE_SCHEMA',
    `${space} cannot draw ${what} at ${path === '' ? 'the root' : path}: the generic sampler does not handle it; ` +
      'pass options.sampler, a function (rng) => element, or sample with a mask of allowed elements',
  );
}

/** Builds a generator for `schema`, throwing `UNSAMPLEABLE_SCHEMA` for the kinds it does not handle. */
function compile(schema: unknown, path: string, space: Space): Generator {
  const def = defOf(schema);
  switch (def.type) {
    case 'literal': {
      const values = def.values as readonly unknown[];
      return (rng) => rng.choice(values);
    }
    case 'enum': {
      const values = z.core.util.getEnumValues(def.entries as z.core.util.EnumLike);
      if (values.length === 0) throw unsampleable(space, path, 'an empty enum');
      return (rng) => rng.choice(values);
    }
    case 'boolean':
      return (rng) => rng.integer(0, 2) === 1;
    case 'null':
      return () => null;
    case 'number':
      return compileNumber(def, path, space);
    case 'string':
      return compileString(def, path, space);
    case 'object': {
      const shape = def.shape as Readonly<Record<string, unknown>>;
      const fields = Object.keys(shape).map(
        (key) => [key, compileField(shape[key], `${path}.${key}`, space)] as const,
      );
      return (rng) => {
        const entries: [string, unknown][] = [];
        for (const [key, generate] of fields) {
          const value = generate(rng);
          if (value !== OMIT) entries.push([key, value]);
        }
        return Object.fromEntries(entries);
      };
    }
    case 'optional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return compile(def.innerType, path, space);
    case 'nullable': {
      const inner = compile(def.innerType, path, space);
      return (rng) => (rng.integer(0, 2) === 0 ? null : inner(rng));
    }
    case 'union': {
      const options = (def.options as readonly unknown[]).map((option) => compile(option, path, space));
      if (options.length === 0) throw unsampleable(space, path, 'an empty union');
      return (rng) => rng.choice(options)(rng);
    }
    case 'array': {
      const element = compile(def.element, `${path}[]`, space);
      const [min, max] = lengthRange(def, STRUCTURED_SAMPLER_DEFAULTS.arrayExtraLength, path, space);
      return (rng) => Array.from({ length: rng.integer(min, max + 1) }, () => element(rng));
    }
    case 'tuple': {
      const items = (def.items as readonly unknown[]).map((item, i) => compile(item, `${path}[${i}]`, space));
      const rest =
        def.rest === null || def.rest === undefined ? undefined : compile(def.rest, `${path}[]`, space);
      return (rng) => {
        const out = items.map((item) => item(rng));
        if (rest !== undefined) for (let n = rng.integer(0, 3); n > 0; n--) out.push(rest(rng));
        return out;
      };
    }
    case 'record':
      return compileRecord(def, path, space);
    default:
      throw unsampleable(space, path, `a zod "${def.type}" value`);
  }
}

/** An object property: an optional one is left out with probability 1/2. */
function compileField(schema: unknown, path: string, space: Space): (rng: Rng) => unknown {
  const def = defOf(schema);
  const generate = compile(schema, path, space);
  if (def.type !== 'optional') return generate;
  return (rng) => (rng.integer(0, 2) === 0 ? OMIT : generate(rng));
}

function compileRecord(def: Def, path: string, space: Space): Generator {
  const keyDef = defOf(def.keyType);
  const value = compileField(def.valueType, `${path}[key]`, space);
  const build = (rng: Rng, keys: readonly string[]) => {
    const entries: [string, unknown][] = [];
    for (const key of keys) {
      const v = value(rng);
      if (v !== OMIT) entries.push([key, v]);
    }
    return Object.fromEntries(entries);
  };
  if (keyDef.type === 'enum' || keyDef.type === 'literal') {
    const keys = (
      keyDef.type === 'enum'
        ? z.core.util.getEnumValues(keyDef.entries as z.core.util.EnumLike)
        : (keyDef.values as readonly unknown[])
    ).map(String);
    return (rng) => build(rng, keys);
  }
  if (keyDef.type === 'string' && checksOf(keyDef).length === 0) {
    return (rng) => {
      const count = rng.integer(0, STRUCTURED_SAMPLER_DEFAULTS.arrayExtraLength + 1);
      const keys = new Set<string>();
      for (let i = 0; i < count; i++) keys.add(randomString(rng, rng.integer(1, 9)));
      return build(rng, [...keys]);
    };
  }
  throw unsampleable(space, path, `a record with ${keyDef.type} keys`);
}

const INTEGER_FORMATS: Readonly<Record<string, readonly [number, number]>> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

const FLOAT_FORMATS: Readonly<Record<string, readonly [number, number]>> = {
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

function compileNumber(def: Def, path: string, space: Space): Generator {
  let lo = -Infinity;
  let loExclusive = false;
  let hi = Infinity;
  let hiExclusive = false;
  let integer = false;
  let float32 = false;
  let formatLo = -Number.MAX_VALUE;
  let formatHi = Number.MAX_VALUE;
  const steps: number[] = [];
  for (const check of checksOf(def)) {
    if (check.type === 'greater_than') {
      const value = check.value as number;
      if (value > lo || (value === lo && check.inclusive === false)) {
        lo = value;
        loExclusive = check.inclusive === false;
      }
    } else if (check.type === 'less_than') {
      const value = check.value as number;
      if (value < hi || (value === hi && check.inclusive === false)) {
        hi = value;
        hiExclusive = check.inclusive === false;
      }
    } else if (check.type === 'multiple_of') {
      steps.push(check.value as number);
    } else if (check.type === 'number_format') {
      const format = String(check.format);
      const range = INTEGER_FORMATS[format] ?? FLOAT_FORMATS[format];
      if (range === undefined) throw unsampleable(space, path, `a number of format "${format}"`);
      integer ||= format in INTEGER_FORMATS;
      float32 ||= format === 'float32';
      formatLo = Math.max(formatLo, range[0]);
      formatHi = Math.min(formatHi, range[1]);
    }
  }
  // Unbounded sides get a default span, then everything is clipped to the format's range.
  const span = STRUCTURED_SAMPLER_DEFAULTS.numberSpan;
  if (lo === -Infinity && hi === Infinity) [lo, hi] = [-span, span];
  else if (lo === -Infinity) lo = hi - span;
  else if (hi === Infinity) hi = lo + span;
  if (lo < formatLo) [lo, loExclusive] = [formatLo, false];
  if (hi > formatHi) [hi, hiExclusive] = [formatHi, false];
  const step = steps.length === 0 ? (integer ? 1 : undefined) : steps.reduce(lcm);
  if (step !== undefined) {
    let kLo = Math.ceil(lo / step);
    let kHi = Math.floor(hi / step);
    if (loExclusive && kLo * step <= lo) kLo++;
    if (hiExclusive && kHi * step >= hi) kHi--;
    if (!(kLo <= kHi) || !Number.isSafeInteger(kLo) || !Number.isSafeInteger(kHi - kLo + 1)) {
      throw unsampleable(space, path, `a multiple of ${step} within the number's bounds`);
    }
    return (rng) => rng.integer(kLo, kHi + 1) * step + 0;
  }
  if (lo > hi || (lo === hi && (loExclusive || hiExclusive))) {
    throw unsampleable(space, path, 'a number within empty bounds');
  }
  return (rng) => {
    let v = lo;
    for (let attempt = 0; attempt < STRUCTURED_SAMPLER_DEFAULTS.attempts; attempt++) {
      const u = rng.random();
      v = Math.min(Math.max(lo * (1 - u) + hi * u, lo), hi);
      if (float32) v = Math.fround(v);
      if (!(loExclusive && v <= lo) && !(hiExclusive && v >= hi)) break;
    }
    return v + 0;
  };
}

/** The least common multiple of two steps (their product when they are not integers). */
function lcm(a: number, b: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(b)) return a * b;
  let [x, y] = [Math.abs(a), Math.abs(b)];
  while (y !== 0) [x, y] = [y, x % y];
  return Math.abs(a * b) / x;
}

function compileString(def: Def, path: string, space: Space): Generator {
  for (const check of checksOf(def)) {
    if (check.type === 'string_format') {
      throw unsampleable(space, path, `a string of format "${String(check.format)}"`);
    }
  }
  const [min, max] = lengthRange(def, STRUCTURED_SAMPLER_DEFAULTS.stringExtraLength, path, space);
  return (rng) => randomString(rng, rng.integer(min, max + 1));
}

/** The length bounds of a string or an array from its `min_length`/`max_length`/`length_equals` checks. */
function lengthRange(def: Def, extra: number, path: string, space: Space): [number, number] {
  let min = 0;
  let max = Infinity;
  for (const check of checksOf(def)) {
    if (check.type === 'min_length') min = Math.max(min, check.minimum as number);
    else if (check.type === 'max_length') max = Math.min(max, check.maximum as number);
    else if (check.type === 'length_equals') {
      min = Math.max(min, check.length as number);
      max = Math.min(max, check.length as number);
    }
  }
  if (max === Infinity) max = min + extra;
  if (min > max) throw unsampleable(space, path, `a length within [${min}, ${max}]`);
  return [min, max];
}

function randomString(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[rng.integer(0, ALPHANUMERIC.length)];
  return out;
}

/** `- type: Invalid option: expected one of "a"|"b"; - workload: Invalid input: expected string, received number`. */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const key = String(part);
      if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

/** A plain-JSON copy of `value`; throws `SpaceError('NOT_JSON')` at the first part JSON cannot carry. */
function toJson(value: unknown, path: string, space: Space): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value + 0;
  } else if (Array.isArray(value)) {
    return value.map((item, i) => toJson(item, `${path}[${i}]`, space));
  } else if (typeof value === 'object' && isPlainObject(value)) {
    const entries: [string, JsonValue][] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) entries.push([key, toJson(item, `${path}.${key}`, space)]);
    }
    return Object.fromEntries(entries);
  }
  throw new SpaceError(
    'NOT_JSON',
    `${space} cannot write ${describeValue(value)} at ${path === '' ? 'the root' : path} as JSON: elements of a Structured space must be plain JSON values`,
  );
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object')
    return Array.isArray(value) ? 'an array' : (value.constructor?.name ?? 'an object');
  return typeof value;
}

function abbreviate(json: JsonValue): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
