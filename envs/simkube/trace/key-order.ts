/**
 * The file order of object keys. JavaScript lists integer-like keys ("0", "42") of an object first, whatever order
 * they were added in. For objects built from a file with such keys the file's order is remembered, and used when
 * writing the object back as long as its set of keys has not changed, so that a decoded trace re-encodes byte for
 * byte.
 */
import type { JsonObject } from './schema.js';

/** The file order of the keys of objects that have integer-like keys. */
const fileKeyOrder = new WeakMap<object, readonly string[]>();

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;

function isArrayIndexKey(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) < 4294967295;
}

/**
 * A plain object with the given entries, remembering their order when JavaScript would not keep it. A `__proto__`
 * key becomes an ordinary own property.
 */
export function objectFromEntries(entries: Iterable<readonly [string, unknown]>): JsonObject {
  const object: Record<string, unknown> = {};
  let order: string[] | undefined;
  const keys: string[] = [];
  for (const [key, value] of entries) {
    if (key === '__proto__') {
      Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      object[key] = value;
    }
    keys.push(key);
    if (order === undefined && isArrayIndexKey(key)) order = keys;
  }
  if (order !== undefined) fileKeyOrder.set(object, order);
  return object as JsonObject;
}

function keysInFileOrder(object: object): readonly string[] {
  const keys = Object.keys(object);
  const remembered = fileKeyOrder.get(object);
  if (remembered === undefined || remembered.length !== keys.length) return keys;
  for (const key of remembered) if (!Object.hasOwn(object, key)) return keys;
  return remembered;
}

/** The keys of a plain object to write, in file order (see the module comment), skipping undefined properties. */
export function keysToWrite(object: Record<string, unknown>): string[] {
  return keysInFileOrder(object).filter((key) => object[key] !== undefined);
}
