/**
 * SimKube traces as msgpack (what SimKube writes) and JSON (SimKube's test-fixture form): the mapping between raw
 * decoded values, in the file's field names, and the {@link Trace} model, and the encode and decode functions built
 * on it. Encoding reproduces SimKube's own output, so decoding and re-encoding a SimKube trace gives the same bytes.
 *
 * The building blocks live in their own modules: `msgpack-scan`, `msgpack-read` and `msgpack-write`, `json-read`
 * and `json-write`, `layout` (which trace an input is), `key-order`; files are read and written by `trace-file`,
 * whose functions are re-exported here.
 */
import type { DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { parseJsonValue } from './json-read.js';
import { formatJsonValue } from './json-write.js';
import { objectFromEntries } from './key-order.js';
import { assertFormat2Layout } from './layout.js';
import { decodeMsgpackValue } from './msgpack-read.js';
import { encodeMsgpackValue } from './msgpack-write.js';
import { describeValue, type JsonObject, type Trace, U64_MAX, validateTrace } from './schema.js';

export { DEFAULT_MAX_TRACE_BYTES, type DecodeOptions } from './decode-options.js';
export type { TraceFileFormat, TraceLayout } from './layout.js';
export {
  decodeTraceFile,
  detectTraceFormat,
  type ReadTraceFileOptions,
  readTraceFile,
  type WriteTraceFileOptions,
  writeTraceFile,
} from './trace-file.js';

const TOP_LEVEL_KEYS = ['version', 'config', 'events', 'index', 'pod_lifecycles'];
const EVENT_KEYS = ['ts', 'applied_objs', 'deleted_objs'];
const DIGITS = /^(?:0|[1-9][0-9]*)$/;

/** Converts raw decoded values into model candidates; the schema then validates them. */
class WireReader {
  private readonly path: (string | number)[] = [];

  constructor(private readonly file: string | undefined) {}

  private fail(detail: string): TraceFormatError {
    return new TraceFormatError('INVALID_TRACE', detail, { file: this.file, path: [...this.path] });
  }

  private at<T>(segment: string | number, read: () => T): T {
    this.path.push(segment);
    const result = read();
    this.path.pop();
    return result;
  }

  /** A JSON-like value: string-keyed maps become plain objects, safe 64-bit integers numbers. */
  private plain(value: unknown): unknown {
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
  private hash(value: unknown): unknown {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
    if (typeof value === 'string' && DIGITS.test(value) && value.length <= 20) {
      const parsed = BigInt(value);
      if (parsed <= U64_MAX) return parsed; // JSON writes integer map keys as strings
    }
    return typeof value === 'bigint' ? value : this.plain(value);
  }

  private stringKeyed(value: Map<unknown, unknown>, readValue: (item: unknown) => unknown): JsonObject {
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) {
      if (typeof key !== 'string') throw this.fail(`has the key ${describeValue(key)}; expected string keys`);
      entries.push([key, this.at(key, () => readValue(item))]);
    }
    return objectFromEntries(entries);
  }

  private knownKeys(value: Map<unknown, unknown>, known: readonly string[], what: string): void {
    for (const key of value.keys()) {
      if (typeof key !== 'string' || !known.includes(key)) {
        throw this.fail(`unknown field ${describeValue(key)}; ${what} has exactly ${known.join(', ')}`);
      }
    }
  }

  /** The model candidate of a format-2 trace's top-level map. */
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

  private events(value: unknown): unknown {
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

  private index(value: unknown): unknown {
    if (!(value instanceof Map)) return this.plain(value);
    return this.stringKeyed(value, (objects) =>
      objects instanceof Map ? this.stringKeyed(objects, (hash) => this.hash(hash)) : this.plain(objects),
    );
  }

  /** `pod_lifecycles`: a map keyed by `[GVK, "namespace/name"]` (msgpack) or an array of `[key, value]` (JSON). */
  private podLifecycles(value: unknown): unknown {
    if (value instanceof Map) {
      const entries: unknown[] = [];
      for (const [owner, lifecycles] of value) {
        if (typeof owner === 'string') {
          throw this.fail(
            `has the string key ${describeValue(owner)}; pod_lifecycles keys are [GVK, "namespace/name"] pairs, which JSON cannot hold as keys: write pod_lifecycles as an array of [[gvk, "namespace/name"], { hash: [lifecycle, …] }] entries`,
          );
        }
        entries.push(this.podLifecycleEntry(entries.length, owner, lifecycles));
      }
      return entries;
    }
    if (Array.isArray(value)) {
      return value.map((entry, i) =>
        Array.isArray(entry) && entry.length === 2
          ? this.podLifecycleEntry(i, entry[0], entry[1])
          : this.at(i, () => this.plain(entry)),
      );
    }
    return this.plain(value);
  }

  private podLifecycleEntry(i: number, owner: unknown, lifecycles: unknown): unknown {
    return this.at(i, () => [
      this.at('key', () => this.plain(owner)),
      this.at('value', () => this.lifecycles(lifecycles)),
    ]);
  }

  private lifecycles(value: unknown): unknown {
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

/**
 * Interprets a raw decoded value (from {@link decodeMsgpackValue} or {@link parseJsonValue}) as a format-2 trace
 * and validates it. Throws `PRE_2_0_FORMAT`, `UNSUPPORTED_VERSION` or `INVALID_TRACE` (with the field path).
 */
export function traceFromValue(value: unknown, options: DecodeOptions = {}): Trace {
  assertFormat2Layout(value, options);
  const { file } = options;
  return validateTrace(new WireReader(file).trace(value), { file });
}

/** Decodes a msgpack SimKube trace (format 2). Every failure is a {@link TraceFormatError} naming the file. */
export function decodeTrace(bytes: Uint8Array, options: DecodeOptions = {}): Trace {
  return traceFromValue(decodeMsgpackValue(bytes, options), options);
}

/**
 * Decodes SimKube's JSON form of a trace (its test fixtures), keeping u64 hashes exact. `pod_lifecycles` may be
 * `{}` (what SimKube writes when empty) or an array of `[[gvk, "ns/name"], { "<hash>": [lifecycle…] }]` entries.
 */
export function decodeTraceJson(text: string, options: DecodeOptions = {}): Trace {
  return traceFromValue(parseJsonValue(text, options), options);
}

/** The options of the encoding functions. */
export interface EncodeOptions {
  /** The file name to show in error messages. */
  readonly file?: string | undefined;
}

/** A validated trace as raw values in the file's field names, with `podLifecycles` written as given. */
function valueOfTrace(trace: Trace, podLifecycles: unknown): Map<string, unknown> {
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

/** Runs an encoder, naming `file` in the {@link TraceFormatError} it throws. */
function naming<T>(file: string | undefined, encode: () => T): T {
  try {
    return encode();
  } catch (error) {
    throw error instanceof TraceFormatError ? error.withFile(file) : error;
  }
}

/**
 * Encodes a trace as SimKube's msgpack format 2 (validating it first). A trace decoded from a SimKube file is
 * written back byte for byte.
 */
export function encodeTrace(trace: Trace, options: EncodeOptions = {}): Uint8Array {
  validateTrace(trace, options);
  return naming(options.file, () => encodeMsgpackValue(valueOfTrace(trace, new Map(trace.podLifecycles))));
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
      ? new Map()
      : trace.podLifecycles.map(([owner, lifecycles]) => [
          owner,
          new Map([...lifecycles].map(([hash, list]) => [hash.toString(), list])),
        ]);
  return `${naming(options.file, () => formatJsonValue(valueOfTrace(trace, podLifecycles)))}\n`;
}
