/**
 * Writing raw values as JSON text in SimKube's fixture style: 2-space indentation, `Map`s and plain objects as
 * objects in their order, `bigint`s as exact integers (so a u64 hash survives).
 */
import { TraceFormatError } from './errors.js';
import { keysToWrite } from './key-order.js';
import { describeValue, isPlainObject, MAX_TRACE_DEPTH } from './schema.js';

function writeJson(value: unknown, indent: string, depth: number, out: string[]): void {
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TraceFormatError(
          'UNENCODABLE',
          `JSON cannot hold the number ${value}; write msgpack instead`,
        );
      }
      out.push(Object.is(value, -0) ? '-0.0' : JSON.stringify(value));
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    default:
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (depth >= MAX_TRACE_DEPTH) {
    throw new TraceFormatError(
      'UNENCODABLE',
      `values nest deeper than ${MAX_TRACE_DEPTH} levels (or refer to themselves)`,
    );
  }
  const inner = `${indent}  `;
  let entries: (readonly [string, unknown])[] | undefined;
  if (value instanceof JsonEntries) entries = [...value.entries];
  else if (value instanceof Map) {
    entries = [...value].map(([key, item]) => {
      if (typeof key !== 'string')
        throw new TraceFormatError('UNENCODABLE', `JSON keys are strings, not ${describeValue(key)}`);
      return [key, item] as const;
    });
  } else if (isPlainObject(value)) {
    entries = keysInFileOrder(value)
      .filter((key) => value[key] !== undefined)
      .map((key) => [key, value[key]] as const);
  }
  if (entries !== undefined) {
    if (entries.length === 0) {
      out.push('{}');
      return;
    }
    out.push('{\n');
    entries.forEach(([key, item], i) => {
      out.push(inner, JSON.stringify(key), ': ');
      writeJson(item, inner, depth + 1, out);
      out.push(i === entries.length - 1 ? '\n' : ',\n');
    });
    out.push(indent, '}');
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[\n');
    value.forEach((item, i) => {
      out.push(inner);
      writeJson(item, inner, depth + 1, out);
      out.push(i === value.length - 1 ? '\n' : ',\n');
    });
    out.push(indent, ']');
    return;
  }
  throw new TraceFormatError('UNENCODABLE', `JSON cannot hold ${describeValue(value)}`);

/**
 * Writes a raw value as JSON text (see the module comment); `Map` keys must be strings, undefined object properties
 * are skipped. Throws `UNENCODABLE` for what JSON cannot hold (NaN, binary data…).
 */
export function formatJsonValue(value: unknown): string {
  const out: string[] = [];
  writeJson(value, '', 0, out);
  return out.join('');
}
