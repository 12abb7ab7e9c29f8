/**
 * What kind of trace an input is: its encoding, msgpack or JSON (told by content), and, once decoded, its layout:
 * format 2, the pre-2.0 array or some other format version.
 */
import type { DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { describeValue, TRACE_FORMAT_VERSION } from './schema.js';

/** A trace file's encoding. */
export type TraceFileFormat = 'msgpack' | 'json';

/** The layout of a trace: format 2, the pre-2.0 array, or some other declared format version. */
export type TraceLayout = 'v2' | 'pre-2.0' | { readonly version: number };

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

/**
 * The layout of a raw decoded trace value (from `decodeMsgpackValue` or `parseJsonValue`): `'v2'`, `'pre-2.0'`
 * (a 4-element array) or `{ version }`. Throws `INVALID_TRACE` when the value is not a trace at all.
 */
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

/**
 * Throws unless a raw decoded value has the format-2 layout (a map declaring version 2): `PRE_2_0_FORMAT` with the
 * upgrade command, `UNSUPPORTED_VERSION` naming the SimKube releases that write format 2, or `INVALID_TRACE`.
 */
export function assertFormat2Layout(
  value: unknown,
  options: DecodeOptions = {},
): asserts value is Map<unknown, unknown> {
  const layout = layoutOfValue(value, options);
  if (layout === 'pre-2.0') throw pre2Error(options.file);
  if (layout !== 'v2') throw unsupportedVersion(layout.version, options.file);
}
