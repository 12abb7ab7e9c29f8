/**
 * Reading and writing SimKube trace files: msgpack (what SimKube writes) and JSON (SimKube's test-fixture form).
 *
 * Decoding is defensive: the bytes are first walked once to check every length against what remains, the nesting
 * depth, UTF-8 and the absence of msgpack extension types, so that bad input fails fast with a
 * {@link TraceFormatError} before `msgpackr` allocates anything. Encoding reproduces SimKube's own output (rmp-serde):
 * integers and lengths in their smallest msgpack form, u64 hashes as uint64 (0xcf) when they need 64 bits, and maps in
 * file order, so decoding and re-encoding a SimKube trace gives the same bytes.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { Unpackr } from 'msgpackr';
import { TraceFormatError, type TraceFormatErrorCode, type TracePath } from './errors.js';
import {
  describeValue,
  I64_MIN,
  isPlainObject,
  type JsonObject,
  MAX_TRACE_DEPTH,
  TRACE_FORMAT_VERSION,
  type Trace,
  U64_MAX,
  validateTrace,
} from './schema.js';

/** The largest input accepted unless a caller says otherwise: 1 GiB. */
export const DEFAULT_MAX_TRACE_BYTES = 1 << 30;

/** A trace file's encoding. */
export type TraceFileFormat = 'msgpack' | 'json';

/** The layout of a trace: format 2, the pre-2.0 array, or some other declared format version. */
export type TraceLayout = 'v2' | 'pre-2.0' | { readonly version: number };

/** Options of the decoding functions. */
export interface DecodeOptions {
  /** The file name to show in error messages. */
  readonly file?: string | undefined;
  /** Inputs larger than this many bytes (JSON: characters) fail with `TOO_LARGE`; default 1 GiB. */
  readonly maxBytes?: number | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Key order of plain objects

/**
 * JavaScript lists integer-like keys ("0", "42") of an object first, whatever order they were added in. For objects
 * built from a file with such keys the file's order is remembered here, and used when writing the object back as
 * long as its set of keys has not changed.
 */
const fileKeyOrder = new WeakMap<object, readonly string[]>();

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;

function isArrayIndexKey(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) < 4294967295;
}

function objectFromEntries(entries: Iterable<readonly [string, unknown]>): JsonObject {
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

// ---------------------------------------------------------------------------------------------------------------
// Safe msgpack decoding

const unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false, int64AsType: 'bigint' });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isContainerMarker(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x9f) || (byte >= 0xdc && byte <= 0xdf);
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 byte-order mark
  for (; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  }
  return undefined;
}

/**
 * Whether bytes hold a JSON trace or a msgpack one, judged by content: JSON text starts (after white space) with
 * `{` or `[`, which no msgpack trace does (a msgpack trace starts with a map or array header, 0x80–0x9f or 0xdc–0xdf).
 */
export function sniffTraceFileFormat(bytes: Uint8Array): TraceFileFormat {
  const first = firstNonSpace(bytes);
  return first === 0x7b || first === 0x5b ? 'json' : 'msgpack';
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function bytesLeft(count: number): string {
  return count === 1 ? '1 byte' : `${count} bytes`;
}

function checkSize(length: number, options: DecodeOptions, unit: string): void {
  const max = options.maxBytes ?? DEFAULT_MAX_TRACE_BYTES;
  if (length > max) {
    throw new TraceFormatError(
      'TOO_LARGE',
      `is ${length} ${unit}, more than the limit of ${max}; raise maxBytes if this trace is genuine`,
      { file: options.file },
    );
  }
}

/**
 * Walks one msgpack value without building it and throws TraceFormatError unless the bytes are exactly one complete,
 * well-formed value with valid UTF-8 strings, no extension types and at most {@link MAX_TRACE_DEPTH} levels.
 * Every declared length is checked against the bytes that remain, so a huge length prefix fails at once.
 */
function scanMsgpack(bytes: Uint8Array, file: string | undefined): void {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pending: number[] = [1]; // per open container, the values still to read
  let pos = 0;
  const fail = (code: TraceFormatErrorCode, detail: string) => new TraceFormatError(code, detail, { file });
  const need = (start: number, count: number) => {
    if (pos + count > n) {
      throw fail(
        'TRUNCATED',
        `the data ends inside the value that starts at byte ${start} (${n} bytes in all): the file is truncated`,
      );
    }
  };
  while (pending.length > 0) {
    const top = pending.length - 1;
    if (pending[top] === 0) {
      pending.pop();
      continue;
    }
    pending[top]!--;
    if (pos >= n) {
      throw fail(
        'TRUNCATED',
        `the data ends at byte ${n} where another value should follow: the file is truncated`,
      );
    }
    const start = pos;
    const marker = bytes[pos++]!;
    let children = 0;
    let entries = 0; // for messages: elements of an array, entries of a map
    let container = '';
    let strLength = -1;
    let skip = 0;
    if (marker <= 0x7f || marker >= 0xe0) continue;
    if (marker <= 0x8f) {
      entries = marker & 0x0f;
      children = entries * 2;
      container = 'map';
    } else if (marker <= 0x9f) {
      entries = children = marker & 0x0f;
      container = 'array';
    } else if (marker <= 0xbf) {
      strLength = marker & 0x1f;
    } else {
      switch (marker) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          throw fail(
            'NOT_MSGPACK',
            `byte ${start} is 0xc1, which msgpack never uses: this is not msgpack data`,
          );
        case 0xc4:
        case 0xc5:
        case 0xc6: {
          const width = marker === 0xc4 ? 1 : marker === 0xc5 ? 2 : 4;
          need(start, width);
          skip = width === 1 ? bytes[pos]! : width === 2 ? view.getUint16(pos) : view.getUint32(pos);
          pos += width;
          if (skip > n - pos) {
            throw fail(
              'TRUNCATED',
              `binary data at byte ${start} declares ${skip} bytes but only ${bytesLeft(n - pos)} remain: the file is truncated or corrupt`,
            );
          }
          break;
        }
        case 0xc7:
        case 0xc8:
        case 0xc9:
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
          throw fail(
            'INVALID_TRACE',
            `byte ${start} starts a msgpack extension value (${hex(marker)}); a trace holds only maps, arrays, strings, numbers, booleans and nil`,
          );
        case 0xca:
          skip = 4;
          break;
        case 0xcb:
          skip = 8;
          break;
        case 0xcc:
        case 0xd0:
          skip = 1;
          break;
        case 0xcd:
        case 0xd1:
          skip = 2;
          break;
        case 0xce:
        case 0xd2:
          skip = 4;
          break;
        case 0xcf:
        case 0xd3:
          skip = 8;
          break;
        case 0xd9:
          need(start, 1);
          strLength = bytes[pos++]!;
          break;
        case 0xda:
          need(start, 2);
          strLength = view.getUint16(pos);
          pos += 2;
          break;
        case 0xdb:
          need(start, 4);
          strLength = view.getUint32(pos);
          pos += 4;
          break;
        case 0xdc:
        case 0xdd:
        case 0xde:
        case 0xdf: {
          const width = marker === 0xdc || marker === 0xde ? 2 : 4;
          need(start, width);
          entries = width === 2 ? view.getUint16(pos) : view.getUint32(pos);
          pos += width;
          const isMap = marker >= 0xde;
          children = isMap ? entries * 2 : entries;
          container = isMap ? 'map' : 'array';
          break;
        }
      }
    }
    if (strLength >= 0) {
      if (strLength > n - pos) {
        throw fail(
          'TRUNCATED',
          `a string at byte ${start} declares ${strLength} bytes but only ${bytesLeft(n - pos)} remain: the file is truncated or corrupt`,
        );
      }
      const end = pos + strLength;
      for (let i = pos; i < end; i++) {
        if (bytes[i]! >= 0x80) {
          try {
            strictUtf8.decode(bytes.subarray(pos, end));
          } catch {
            throw fail('INVALID_TRACE', `the string at byte ${start} is not valid UTF-8`);
          }
          break;
        }
      }
      pos = end;
      continue;
    }
    if (skip > 0) {
      need(start, skip);
      pos += skip;
      continue;
    }
    if (children > 0) {
      if (children > n - pos) {
        const what = container === 'map' ? 'a map of' : 'an array of';
        throw fail(
          'TRUNCATED',
          `${what} ${entries} ${container === 'map' ? 'entries' : 'elements'} starts at byte ${start} but only ${bytesLeft(n - pos)} remain: the file is truncated or corrupt`,
        );
      }
      if (pending.length > MAX_TRACE_DEPTH) {
        throw fail(
          'TOO_DEEP',
          `values nest deeper than ${MAX_TRACE_DEPTH} levels at byte ${start}; no trace does`,
        );
      }
      pending.push(children);
    }
  }
  if (pos < n) {
    throw fail(
      'TRAILING_BYTES',
      `${n - pos} unexpected bytes follow the end of the trace at byte ${pos}; the file is corrupt or two files were joined`,
    );
  }
}

/**
 * Decodes msgpack bytes into raw values without interpreting them as a trace: maps become `Map`s (keys of any type,
 * in file order), 64-bit integers `bigint`, smaller integers `number`. Fails fast with {@link TraceFormatError} on
 * empty, oversized, truncated, corrupt, too deeply nested or non-msgpack input. The building block of
 * {@link decodeTrace} and of the pre-2.0 upgrade.
 */
export function decodeMsgpackValue(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const { file } = options;
  if (bytes.length === 0) {
    throw new TraceFormatError('EMPTY_FILE', 'is empty (0 bytes); a SimKube trace is a msgpack map', {
      file,
    });
  }
  checkSize(bytes.length, options, 'bytes');
  if (!isContainerMarker(bytes[0]!)) {
    if (sniffTraceFileFormat(bytes) === 'json') {
      throw new TraceFormatError(
        'NOT_MSGPACK',
        'looks like JSON, not msgpack; read it with decodeTraceJson or readTraceFile (which detects the format)',
        { file },
      );
    }
    throw new TraceFormatError(
      'NOT_MSGPACK',
      `is not a msgpack trace: it starts with byte ${hex(bytes[0]!)}, while a SimKube trace starts with a msgpack map header (0x80–0x8f, 0xde or 0xdf)`,
      { file },
    );
  }
  scanMsgpack(bytes, file);
  try {
    return unpackr.unpack(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceFormatError('NOT_MSGPACK', `msgpack decoding failed: ${reason}`, { file, cause });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// From raw values (msgpack or JSON) to the trace model

const TOP_LEVEL_KEYS = ['version', 'config', 'events', 'index', 'pod_lifecycles'];
const EVENT_KEYS = ['ts', 'applied_objs', 'deleted_objs'];
const DIGITS = /^(?:0|[1-9][0-9]*)$/;

/** Converts raw decoded values into model candidates; the schema then validates them. */
class WireReader {
  private readonly path: (string | number)[] = [];

  constructor(private readonly file: string | undefined) {}

  fail(detail: string, extra: TracePath = []): TraceFormatError {
    return new TraceFormatError('INVALID_TRACE', detail, { file: this.file, path: [...this.path, ...extra] });
  }

  at<T>(segment: string | number, read: () => T): T {
    this.path.push(segment);
    const result = read();
    this.path.pop();
    return result;
  }

  /** A JSON-like value: string-keyed maps become plain objects, safe 64-bit integers numbers. */
  plain(value: unknown): unknown {
    switch (typeof value) {
      case 'undefined':
      case 'string':
      case 'boolean':
      case 'number':
        return value;
      case 'bigint':
        return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
      default:
        break;
    }
    if (value === null) return null;
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        out[i] = this.plain(value[i]);
        this.path.pop();
      }
      return out;
    }
    if (value instanceof Map) {
      const entries: [string, unknown][] = [];
      for (const [key, item] of value) {
        if (typeof key !== 'string') {
          throw this.fail(
            `has the map key ${describeValue(key)}; keys of Kubernetes objects and configs must be strings`,
          );
        }
        this.path.push(key);
        entries.push([key, this.plain(item)]);
        this.path.pop();
      }
      return objectFromEntries(entries);
    }
    if (value instanceof Uint8Array) {
      throw this.fail(`holds ${value.length} bytes of binary data; a trace holds only JSON-like data`);
    }
    throw this.fail(`holds ${describeValue(value)}; a trace holds only JSON-like data`);
  }

  /** A u64 hash: integers become bigint; anything else stays for the schema to reject. */
  hash(value: unknown): unknown {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
    if (typeof value === 'string' && DIGITS.test(value) && value.length <= 20) {
      const parsed = BigInt(value);
      if (parsed <= U64_MAX) return parsed; // JSON writes integer map keys as strings
    }
    return typeof value === 'bigint' ? value : this.plain(value);
  }

  stringKeyed(value: Map<unknown, unknown>, readValue: (item: unknown) => unknown): JsonObject {
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) {
      if (typeof key !== 'string') throw this.fail(`has the key ${describeValue(key)}; expected string keys`);
      entries.push([key, this.at(key, () => readValue(item))]);
    }
    return objectFromEntries(entries);
  }

  knownKeys(value: Map<unknown, unknown>, known: readonly string[], what: string): void {
    for (const key of value.keys()) {
      if (typeof key !== 'string' || !known.includes(key)) {
        throw this.fail(`unknown field ${describeValue(key)}; ${what} has exactly ${known.join(', ')}`);
      }
    }
  }

  trace(top: Map<unknown, unknown>): unknown {
    this.knownKeys(top, TOP_LEVEL_KEYS, 'a format-2 trace');
    return {
      version: this.at('version', () => this.plain(top.get('version'))),
      config: this.at('config', () => this.plain(top.get('config'))),
      events: this.at('events', () => this.events(top.get('events'))),
      index: this.at('index', () => this.index(top.get('index'))),
      podLifecycles: this.at('pod_lifecycles', () => this.podLifecycles(top.get('pod_lifecycles'))),
    };
  }

  events(value: unknown): unknown {
    if (!Array.isArray(value)) return this.plain(value);
    return value.map((event, i) =>
      this.at(i, () => {
        if (!(event instanceof Map)) return this.plain(event);
        this.knownKeys(event, EVENT_KEYS, 'an event');
        return {
          ts: this.at('ts', () => this.plain(event.get('ts'))),
          appliedObjs: this.at('applied_objs', () => this.plain(event.get('applied_objs'))),
          deletedObjs: this.at('deleted_objs', () => this.plain(event.get('deleted_objs'))),
        };
      }),
    );
  }

  index(value: unknown): unknown {
    if (!(value instanceof Map)) return this.plain(value);
    return this.stringKeyed(value, (objects) =>
      objects instanceof Map ? this.stringKeyed(objects, (hash) => this.hash(hash)) : this.plain(objects),
    );
  }

  podLifecycles(value: unknown): unknown {
    if (value instanceof Map) {
      const entries: unknown[] = [];
      let i = 0;
      for (const [owner, lifecycles] of value) {
        if (typeof owner === 'string') {
          throw this.fail(
            `has the string key ${describeValue(owner)}; pod_lifecycles keys are [GVK, "namespace/name"] pairs, which JSON cannot hold as keys: write pod_lifecycles as an array of [[gvk, "namespace/name"], { hash: [lifecycle, …] }] entries`,
          );
        }
        entries.push([
          this.at(i, () => this.at('key', () => this.plain(owner))),
          this.at(i, () => this.at('value', () => this.lifecycles(lifecycles))),
        ]);
        i++;
      }
      return entries;
    }
    if (Array.isArray(value)) {
      // the JSON form: an array of [owner, lifecycles] entries
      return value.map((entry, i) =>
        this.at(i, () =>
          Array.isArray(entry) && entry.length === 2
            ? [this.at('key', () => this.plain(entry[0])), this.at('value', () => this.lifecycles(entry[1]))]
            : this.plain(entry),
        ),
      );
    }
    return this.plain(value);
  }

  lifecycles(value: unknown): unknown {
    if (!(value instanceof Map)) return this.plain(value);
    const out = new Map<unknown, unknown>();
    for (const [hash, list] of value) {
      const key = this.hash(hash);
      out.set(
        key,
        this.at(typeof key === 'bigint' ? key.toString() : describeValue(key), () => this.plain(list)),
      );
    }
    return out;
  }
}

function unsupportedVersion(version: number, file: string | undefined): TraceFormatError {
  if (version === 3) {
    return new TraceFormatError(
      'UNSUPPORTED_VERSION',
      'trace format version 3 is not supported yet: it comes from SimKube versions newer than 2.7.0, where `tracked_objects` replaces `index`; export the trace with SimKube 2.x (2.0.0 to 2.7.0), which writes format 2',
      { file },
    );
  }
  return new TraceFormatError(
    'UNSUPPORTED_VERSION',
    `trace format version ${version} is not supported: sim-arena reads format ${TRACE_FORMAT_VERSION}, which SimKube 2.0.0 through 2.7.0 write (SimKube 1.1.1 and older write the pre-2.0 layout, which \`sim-arena trace upgrade\` converts)`,
    { file },
  );
}

function pre2Error(file: string | undefined): TraceFormatError {
  return new TraceFormatError(
    'PRE_2_0_FORMAT',
    `this is a pre-2.0 SimKube trace (a 4-element array [config, events, index, pod_lifecycles], written by SimKube 1.1.1 or older), which SimKube 2.x and sim-arena no longer read; convert it with \`sim-arena trace upgrade ${file ?? 'FILE'}\``,
    { file },
  );
}

/** The layout of a raw decoded trace value (see {@link detectTraceFormat}). */
export function layoutOfValue(value: unknown, options: DecodeOptions = {}): TraceLayout {
  const { file } = options;
  if (Array.isArray(value)) {
    if (value.length === 4) return 'pre-2.0';
    throw new TraceFormatError(
      'INVALID_TRACE',
      `is an array of ${value.length} elements; a trace is a map (format 2) or, before SimKube 2.0, a 4-element array`,
      { file },
    );
  }
  if (!(value instanceof Map)) {
    throw new TraceFormatError('INVALID_TRACE', `expected a trace (a map), got ${describeValue(value)}`, {
      file,
    });
  }
  const version = value.get('version');
  if (version === undefined) {
    throw new TraceFormatError(
      'INVALID_TRACE',
      'missing; a SimKube 2.x trace starts with its format version (2); is this a SimKube trace?',
      { file, path: ['version'] },
    );
  }
  const numeric = typeof version === 'bigint' ? Number(version) : version;
  if (typeof numeric !== 'number' || !Number.isInteger(numeric) || numeric < 0 || numeric > 0xffff) {
    throw new TraceFormatError(
      'INVALID_TRACE',
      `expected the trace format version (an integer from 0 to 65535), got ${describeValue(version)}`,
      { file, path: ['version'] },
    );
  }
  return numeric === TRACE_FORMAT_VERSION ? 'v2' : { version: numeric };
}

/**
 * Interprets a raw decoded value (from {@link decodeMsgpackValue} or the JSON reader) as a format-2 trace and
 * validates it. Throws `PRE_2_0_FORMAT`, `UNSUPPORTED_VERSION` or `INVALID_TRACE` (with the field path).
 */
export function traceFromValue(value: unknown, options: DecodeOptions = {}): Trace {
  const { file } = options;
  const layout = layoutOfValue(value, options);
  if (layout === 'pre-2.0') throw pre2Error(file);
  if (layout !== 'v2') throw unsupportedVersion(layout.version, file);
  const candidate = new WireReader(file).trace(value as Map<unknown, unknown>);
  return validateTrace(candidate, { file });
}

/** Decodes a msgpack SimKube trace (format 2). Every failure is a {@link TraceFormatError} naming the file. */
export function decodeTrace(bytes: Uint8Array, options: DecodeOptions = {}): Trace {
  return traceFromValue(decodeMsgpackValue(bytes, options), options);
}

// ---------------------------------------------------------------------------------------------------------------
// Msgpack encoding

const textEncoder = new TextEncoder();

/** Writes msgpack the way rmp-serde does: smallest integer and length forms, floats as float64. */
class MsgpackWriter {
  private buffer = new Uint8Array(1 << 14);
  private view = new DataView(this.buffer.buffer);
  private pos = 0;

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.pos);
  }

  private ensure(count: number): void {
    if (this.pos + count <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.pos + count));
    next.set(this.buffer.subarray(0, this.pos));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = value;
  }

  private header(length: number, fix: number, fixLimit: number, m16: number, m32: number): void {
    this.ensure(5);
    if (length < fixLimit) {
      this.buffer[this.pos++] = fix | length;
    } else if (length <= 0xffff) {
      this.buffer[this.pos++] = m16;
      this.view.setUint16(this.pos, length);
      this.pos += 2;
    } else {
      this.buffer[this.pos++] = m32;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
  }

  private unsigned(value: bigint): void {
    this.ensure(9);
    if (value <= 0xffffffffn) {
      const n = Number(value);
      if (n < 0x80) {
        this.buffer[this.pos++] = n;
      } else if (n <= 0xff) {
        this.buffer[this.pos++] = 0xcc;
        this.buffer[this.pos++] = n;
      } else if (n <= 0xffff) {
        this.buffer[this.pos++] = 0xcd;
        this.view.setUint16(this.pos, n);
        this.pos += 2;
      } else {
        this.buffer[this.pos++] = 0xce;
        this.view.setUint32(this.pos, n);
        this.pos += 4;
      }
    } else {
      this.buffer[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, value);
      this.pos += 8;
    }
  }

  private signed(value: bigint): void {
    this.ensure(9);
    if (value < -0x80000000n) {
      this.buffer[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, value);
      this.pos += 8;
      return;
    }
    const n = Number(value);
    if (n >= -32) {
      this.buffer[this.pos++] = n & 0xff;
    } else if (n >= -0x80) {
      this.buffer[this.pos++] = 0xd0;
      this.view.setInt8(this.pos, n);
      this.pos += 1;
    } else if (n >= -0x8000) {
      this.buffer[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, n);
      this.pos += 2;
    } else {
      this.buffer[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, n);
      this.pos += 4;
    }
  }

  private integer(value: bigint): void {
    if (value > U64_MAX || value < I64_MIN) {
      throw new TraceFormatError('UNENCODABLE', `the integer ${value} does not fit in 64 bits`);
    }
    if (value >= 0n) this.unsigned(value);
    else this.signed(value);
  }

  private float(value: number): void {
    this.ensure(9);
    this.buffer[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  private string(value: string): void {
    const encoded = textEncoder.encode(value);
    const length = encoded.length;
    this.ensure(length + 5);
    if (length < 32) {
      this.buffer[this.pos++] = 0xa0 | length;
    } else if (length <= 0xff) {
      this.buffer[this.pos++] = 0xd9;
      this.buffer[this.pos++] = length;
    } else if (length <= 0xffff) {
      this.buffer[this.pos++] = 0xda;
      this.view.setUint16(this.pos, length);
      this.pos += 2;
    } else {
      this.buffer[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
    this.buffer.set(encoded, this.pos);
    this.pos += length;
  }

  private binary(value: Uint8Array): void {
    const length = value.length;
    this.ensure(length + 5);
    if (length <= 0xff) {
      this.buffer[this.pos++] = 0xc4;
      this.buffer[this.pos++] = length;
    } else if (length <= 0xffff) {
      this.buffer[this.pos++] = 0xc5;
      this.view.setUint16(this.pos, length);
      this.pos += 2;
    } else {
      this.buffer[this.pos++] = 0xc6;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
    this.buffer.set(value, this.pos);
    this.pos += length;
  }

  value(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'boolean':
        this.byte(value ? 0xc3 : 0xc2);
        return;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) this.integer(BigInt(value));
        else this.float(value);
        return;
      case 'bigint':
        this.integer(value);
        return;
      case 'string':
        this.string(value);
        return;
      default:
        break;
    }
    if (value === null) {
      this.byte(0xc0);
      return;
    }
    if (typeof value !== 'object') {
      throw new TraceFormatError('UNENCODABLE', `cannot write ${describeValue(value)} as msgpack`);
    }
    if (depth >= MAX_TRACE_DEPTH) {
      throw new TraceFormatError(
        'UNENCODABLE',
        `values nest deeper than ${MAX_TRACE_DEPTH} levels (or refer to themselves)`,
      );
    }
    if (Array.isArray(value)) {
      this.header(value.length, 0x90, 16, 0xdc, 0xdd);
      for (const item of value) this.value(item, depth + 1);
    } else if (value instanceof Map) {
      this.header(value.size, 0x80, 16, 0xde, 0xdf);
      for (const [key, item] of value) {
        this.value(key, depth + 1);
        this.value(item, depth + 1);
      }
    } else if (value instanceof Uint8Array) {
      this.binary(value);
    } else if (isPlainObject(value)) {
      const keys = keysInFileOrder(value).filter((key) => value[key] !== undefined);
      this.header(keys.length, 0x80, 16, 0xde, 0xdf);
      for (const key of keys) {
        this.string(key);
        this.value(value[key], depth + 1);
      }
    } else {
      throw new TraceFormatError('UNENCODABLE', `cannot write ${describeValue(value)} as msgpack`);
    }
  }
}

/**
 * Encodes raw values as msgpack the way SimKube (rmp-serde) does: `Map`s and plain objects as maps in their order
 * (fixmap/map16/map32 by size), arrays, strings (fixstr/str8/str16/str32), integers (`number` or `bigint`) in their
 * smallest form — unsigned forms for non-negative values, so a u64 needing 64 bits is written as uint64 (0xcf) —,
 * other numbers as float64, `Uint8Array` as bin. Undefined object properties are skipped.
 */
export function encodeMsgpackValue(value: unknown): Uint8Array {
  const writer = new MsgpackWriter();
  writer.value(value, 0);
  return writer.bytes();
}

function wireOf(trace: Trace, podLifecycles: unknown): Map<string, unknown> {
  return new Map<string, unknown>([
    ['version', trace.version],
    ['config', trace.config],
    [
      'events',
      trace.events.map(
        (event) =>
          new Map<string, unknown>([
            ['ts', event.ts],
            ['applied_objs', event.appliedObjs],
            ['deleted_objs', event.deletedObjs],
          ]),
      ),
    ],
    ['index', trace.index],
    ['pod_lifecycles', podLifecycles],
  ]);
}

/** The options of the encoding functions. */
export interface EncodeOptions {
  /** The file name to show in error messages. */
  readonly file?: string | undefined;
}

/**
 * Encodes a trace as SimKube's msgpack format 2 (validating it first). A trace decoded from a SimKube file is
 * written back byte for byte.
 */
export function encodeTrace(trace: Trace, options: EncodeOptions = {}): Uint8Array {
  validateTrace(trace, options);
  try {
    return encodeMsgpackValue(wireOf(trace, new Map(trace.podLifecycles)));
  } catch (error) {
    throw error instanceof TraceFormatError ? error.withFile(options.file) : error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

/** A JSON reader that keeps integers beyond 2^53 exactly (as bigint), keeps key order and nests at most 512 deep. */
class JsonReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {}

  private fail(detail: string, at: number = this.pos): TraceFormatError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return new TraceFormatError('NOT_JSON', `line ${line} column ${at - lineStart + 1}: ${detail}`, {
      file: this.file,
    });
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'the end of the text';
    return JSON.stringify(this.text.slice(this.pos, this.pos + 1));
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  document(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1; // byte-order mark
    this.skipSpace();
    if (this.pos >= this.text.length) {
      throw new TraceFormatError('EMPTY_FILE', 'is empty; a SimKube JSON trace is a JSON object', {
        file: this.file,
      });
    }
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length)
      throw this.fail(`unexpected ${this.describeHere()} after the JSON document`);
    return value;
  }

  private value(depth: number): unknown {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_TRACE_DEPTH) {
        throw new TraceFormatError(
          'TOO_DEEP',
          `values nest deeper than ${MAX_TRACE_DEPTH} levels; no trace does`,
          {
            file: this.file,
          },
        );
      }
      return c === 0x7b ? this.object(depth) : this.array(depth);
    }
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const [word, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    throw this.fail(`unexpected ${this.describeHere()}; expected a JSON value`);
  }

  private object(depth: number): Map<string, unknown> {
    const map = new Map<string, unknown>();
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return map;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        throw this.fail(`unexpected ${this.describeHere()}; expected a string key`);
      }
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a)
        throw this.fail(`unexpected ${this.describeHere()}; expected ':'`);
      this.pos++;
      this.skipSpace();
      map.set(key, this.value(depth + 1));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return map;
      if (c !== 0x2c) {
        this.pos--;
        throw this.fail(`unexpected ${this.describeHere()}; expected ',' or '}'`);
      }
    }
  }

  private array(depth: number): unknown[] {
    const array: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return array;
    }
    for (;;) {
      this.skipSpace();
      array.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return array;
      if (c !== 0x2c) {
        this.pos--;
        throw this.fail(`unexpected ${this.describeHere()}; expected ',' or ']'`);
      }
    }
  }

  private hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw this.fail('expected four hex digits after \\u');
    this.pos += 4;
    return Number.parseInt(digits, 16);
  }

  private string(): string {
    const text = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= text.length) throw this.fail('the string never ends', start);
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        out += text.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw this.fail('control character inside a string (write it as an escape such as \\n)');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += text.slice(chunk, this.pos);
      this.pos++;
      const escaped = text.charAt(this.pos);
      this.pos++;
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out += escaped;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const unit = this.hex4();
          if (unit >= 0xdc00 && unit <= 0xdfff) throw this.fail('lone low surrogate in a \\u escaped');
          if (unit >= 0xd800 && unit <= 0xdbff) {
            if (!text.startsWith('\\u', this.pos)) throw this.fail('lone high surrogate in a \\u escaped');
            this.pos += 2;
            const low = this.hex4();
            if (low < 0xdc00 || low > 0xdfff) throw this.fail('lone high surrogate in a \\u escaped');
            out += String.fromCharCode(unit, low);
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          this.pos--;
          throw this.fail(`invalid escaped \\${escaped}`);
      }
      chunk = this.pos;
    }
  }

  private digits(): number {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos - start;
  }

  private number(): number | bigint {
    const text = this.text;
    const start = this.pos;
    if (text.charCodeAt(this.pos) === 0x2d) this.pos++;
    const first = text.charCodeAt(this.pos);
    if (first === 0x30) this.pos++;
    else if (first >= 0x31 && first <= 0x39) this.digits();
    else throw this.fail('expected a digit');
    let integer = true;
    if (text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      if (this.digits() === 0) throw this.fail('expected a digit after the decimal point');
      integer = false;
    }
    const e = text.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const sign = text.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (this.digits() === 0) throw this.fail('expected a digit in the exponent');
      integer = false;
    }
    const literal = text.slice(start, this.pos);
    if (integer) {
      if (literal.length <= 15) return Number(literal);
      const big = BigInt(literal);
      if (big >= Number.MIN_SAFE_INTEGER && big <= Number.MAX_SAFE_INTEGER) return Number(big);
      if (big >= I64_MIN && big <= U64_MAX) return big;
      // beyond 64 bits SimKube's JSON reader (serde_json) falls back to a float; so do we
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) throw this.fail(`the number ${literal} is out of range`, start);
    return value;
  }
}

/**
 * Parses JSON text into raw values like {@link decodeMsgpackValue} does for msgpack: objects become `Map`s in text
 * order, integers beyond 2^53 `bigint` (exactly), other numbers `number`. Throws `NOT_JSON` with line and column.
 */
export function parseJsonValue(text: string, options: DecodeOptions = {}): unknown {
  checkSize(text.length, options, 'characters');
  return new JsonReader(text, options.file).document();
}

/**
 * Decodes SimKube's JSON form of a trace (its test fixtures), keeping u64 hashes exact. `pod_lifecycles` may be
 * `{}` (what SimKube writes when empty) or an array of `[[gvk, "ns/name"], { "<hash>": [lifecycle…] }]` entries.
 */
export function decodeTraceJson(text: string, options: DecodeOptions = {}): Trace {
  return traceFromValue(parseJsonValue(text, options), options);
}

/** Marks a list of entries to write as one JSON object, in order. */
class JsonEntries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
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
}

/**
 * Encodes a trace as JSON text in SimKube's fixture form (2-space indentation, hashes as exact integers). A
 * non-empty `pod_lifecycles` is written as an array of `[[gvk, "ns/name"], { "<hash>": [...] }]` entries, because
 * JSON keys cannot be pairs (SimKube itself cannot write it as JSON); {@link decodeTraceJson} reads it back.
 */
export function encodeTraceJson(trace: Trace, options: EncodeOptions = {}): string {
  validateTrace(trace, options);
  const podLifecycles =
    trace.podLifecycles.length === 0
      ? new JsonEntries([])
      : trace.podLifecycles.map(
          ([owner, lifecycles]) =>
            [
              owner,
              new JsonEntries([...lifecycles].map(([hash, list]) => [hash.toString(), list] as const)),
            ] as const,
        );
  const wire = wireOf(trace, podLifecycles);
  const out: string[] = [];
  try {
    writeJson(wire, '', 0, out);
  } catch (error) {
    throw error instanceof TraceFormatError ? error.withFile(options.file) : error;
  }
  out.push('\n');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Format detection and files

/**
 * Tells which layout a trace file has without validating the rest: `'v2'`, `'pre-2.0'` (SimKube ≤ 1.1.1) or
 * `{ version }` for any other declared format version. Accepts msgpack or JSON bytes (detected by content). Throws
 * {@link TraceFormatError} when the bytes are not a trace at all.
 */
export function detectTraceFormat(bytes: Uint8Array, options: DecodeOptions = {}): TraceLayout {
  return layoutOfValue(decodeRawFile(bytes, options), options);
}

function decodeRawFile(bytes: Uint8Array, options: DecodeOptions): unknown {
  if (sniffTraceFileFormat(bytes) === 'msgpack' || bytes.length === 0)
    return decodeMsgpackValue(bytes, options);
  checkSize(bytes.length, options, 'bytes');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new TraceFormatError('NOT_JSON', 'starts like JSON but is not valid UTF-8 text', {
      file: options.file,
      cause,
    });
  }
  return parseJsonValue(text, options);
}

/**
 * Decodes trace bytes of either encoding, chosen by content ({@link sniffTraceFileFormat}), not by file name.
 */
export function decodeTraceFile(bytes: Uint8Array, options: DecodeOptions = {}): Trace {
  return traceFromValue(decodeRawFile(bytes, options), options);
}

function ioError(action: string, path: string, cause: unknown): TraceFormatError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TraceFormatError('IO_ERROR', `cannot ${action} the file: ${reason}`, { file: path, cause });
}

/** Options of {@link readTraceFile}. */
export interface ReadTraceFileOptions {
  /** Files larger than this many bytes fail with `TOO_LARGE` before they are read; default 1 GiB. */
  readonly maxBytes?: number | undefined;
}

/** Reads and validates a trace file, msgpack or JSON (told apart by content). */
export async function readTraceFile(path: string, options: ReadTraceFileOptions = {}): Promise<Trace> {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    checkSize(info.size, { file: path, maxBytes: options.maxBytes }, 'bytes');
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw ioError('read', path, error);
  }
  return decodeTraceFile(bytes, { file: path, maxBytes: options.maxBytes });
}

/** Options of {@link writeTraceFile}. */
export interface WriteTraceFileOptions {
  /** The encoding to write; default JSON when the path ends in `.json`, msgpack otherwise. */
  readonly format?: TraceFileFormat | undefined;
}

/**
 * Validates and writes a trace. The file is written next to its destination and then renamed into place, so an
 * interrupted write never leaves a truncated trace behind.
 */
export async function writeTraceFile(
  path: string,
  trace: Trace,
  options: WriteTraceFileOptions = {},
): Promise<void> {
  const format = options.format ?? (path.toLowerCase().endsWith('.json') ? 'json' : 'msgpack');
  const data =
    format === 'json' ? encodeTraceJson(trace, { file: path }) : encodeTrace(trace, { file: path });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw ioError('write', path, error);
  }
}
