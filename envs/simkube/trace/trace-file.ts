/**
 * Trace files: bytes of either encoding (msgpack or JSON, told apart by content, not by file name), and reading and
 * writing files on disk.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { encodeTrace, encodeTraceJson, traceFromValue } from './codec.js';
import { checkInputSize, type DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { parseJsonBytes } from './json-read.js';
import { layoutOfValue, sniffTraceFileFormat, type TraceFileFormat, type TraceLayout } from './layout.js';
import { decodeMsgpackValue } from './msgpack-read.js';
import type { Trace } from './schema.js';

/** The raw values of trace bytes of either encoding. */
function decodeValue(bytes: Uint8Array, options: DecodeOptions): unknown {
  return sniffTraceFileFormat(bytes) === 'json'
    ? parseJsonBytes(bytes, options)
    : decodeMsgpackValue(bytes, options);
}

/**
 * Tells which layout a trace file has without validating the rest: `'v2'`, `'pre-2.0'` (SimKube ≤ 1.1.1) or
 * `{ version }` for any other declared format version. Accepts msgpack or JSON bytes (detected by content). Throws
 * {@link TraceFormatError} when the bytes are not a trace at all.
 */
export function detectTraceFormat(bytes: Uint8Array, options: DecodeOptions = {}): TraceLayout {
  return layoutOfValue(decodeValue(bytes, options), options);
}

/**
 * Decodes trace bytes of either encoding, chosen by content ({@link sniffTraceFileFormat}), not by file name.
 */
export function decodeTraceFile(bytes: Uint8Array, options: DecodeOptions = {}): Trace {
  return traceFromValue(decodeValue(bytes, options), options);
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
  const decodeOptions = { file: path, maxBytes: options.maxBytes };
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    checkInputSize(info.size, decodeOptions, 'bytes');
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw ioError('read', path, error);
  }
  return decodeTraceFile(bytes, decodeOptions);
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
