/**
 * Writing raw values as JSON text in SimKube's fixture style: 2-space indentation, `Map`s and plain objects as
 * objects in their order, `bigint`s as exact integers (so a u64 hash survives).
 */
import { TraceFormatError } from './errors.js';
import { keysToWrite } from './key-order.js';
import { describeValue, isPlainObject, MAX_TRACE_DEPTH } from './schema.js';

/** Writes `items` one per line, indented, between `open` and `close`; empty lists as `{}` or `[]`. */
function writeItems<T>(
  out: string[],
  indent: string,
  [open, close]: readonly [string, string],
  items: readonly T[],
  writeItem: (item: T, indent: string) => void,
): void {
  if (items.length === 0) {
    out.push(open, close);
    return;
  }
  const inner = `${indent}  `;
  out.push(open, '\n');
  items.forEach((item, i) => {
    out.push(inner);
    writeItem(item, inner);
    out.push(i === items.length - 1 ? '\n' : ',\n');
  });
  out.push(indent, close);
}

/** The entries of a `Map` or plain object to write as a JSON object, or undefined for other values. */
function objectEntries(value: object): (readonly [string, unknown])[] | undefined {
  if (value instanceof Map) {
    return [...value].map(([key, item]) => {
      if (typeof key !== 'string')
        throw new TraceFormatError('UNENCODABLE', `JSON keys are strings, not ${describeValue(key)}`);
      return [key, item] as const;
    });
  }
  if (isPlainObject(value)) return keysToWrite(value).map((key) => [key, value[key]] as const);
  return undefined;
}

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
  const entries = typeof value === 'object' ? objectEntries(value) : undefined;
  if (entries !== undefined) {
    writeItems(out, indent, ['{', '}'], entries, ([key, item], inner) => {
      out.push(JSON.stringify(key), ': ');
      writeJson(item, inner, depth + 1, out);
    });
  } else if (Array.isArray(value)) {
    writeItems(out, indent, ['[', ']'], value, (item, inner) => writeJson(item, inner, depth + 1, out));
  } else {
    throw new TraceFormatError('UNENCODABLE', `JSON cannot hold ${describeValue(value)}`);
  }
}

/**
 * Writes a raw value as JSON text (see the module comment); `Map` keys must be strings, undefined object properties
 * are skipped. Throws `UNENCODABLE` for what JSON cannot hold (NaN, binary data…).
 */
export function formatJsonValue(value: unknown): string {
  const out: string[] = [];
  writeJson(value, '', 0, out);
  return out.join('');
}
