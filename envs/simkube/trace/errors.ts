/**
 * The error thrown when a SimKube trace cannot be read or written: which file, which field, what is wrong and how to
 * fix it.
 */
import { SimArenaError } from '../../../src/core/errors.js';

/** The stable codes a {@link TraceFormatError} carries. */
export type TraceFormatErrorCode =
  /** The file or buffer holds no bytes at all. */
  | 'EMPTY_FILE'
  /** The bytes are not a msgpack document that could be a trace (wrong first byte, reserved marker 0xc1…). */
  | 'NOT_MSGPACK'
  /** The text is not valid JSON. */
  | 'NOT_JSON'
  /** A length or element count runs past the end of the bytes: the file was cut short or is corrupt. */
  | 'TRUNCATED'
  /** Bytes follow the end of the trace document. */
  | 'TRAILING_BYTES'
  /** The input is larger than the configured limit. */
  | 'TOO_LARGE'
  /** Values nest deeper than any trace does. */
  | 'TOO_DEEP'
  /** The file uses the pre-2.0 layout written by SimKube 1.1.1 and older. */
  | 'PRE_2_0_FORMAT'
  /** The file declares a trace format version this reader does not support. */
  | 'UNSUPPORTED_VERSION'
  /** The document is well-formed but a field is missing, has the wrong type or an impossible value. */
  | 'INVALID_TRACE'
  /** A trace model value cannot be written (an integer beyond 64 bits, NaN in JSON…). */
  | 'UNENCODABLE'
  /** The file could not be read or written at all (missing, a directory, no permission). */
  | 'IO_ERROR'
  /** A pre-2.0 trace cannot be turned into format 2 without guessing. */
  | 'UPGRADE_FAILED';

/** A path to the offending field, in the names the file uses: `['events', 3, 'ts']`. */
export type TracePath = readonly (string | number)[];

/** Where a {@link TraceFormatError} happened. */
export interface TraceErrorLocation {
  /** The file name to show in the message. */
  readonly file?: string | undefined;
  /** The offending field. */
  readonly path?: TracePath | undefined;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders a field path the way a reader would write it: `events[3].ts`, `index["apps/v1.Deployment"]`. */
export function formatTracePath(path: TracePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * A SimKube trace is unreadable, invalid or of an unsupported format. The message reads
 * `FILE: PATH: what is wrong and how to fix it`; `file` and `path` are also available as fields.
 */
export class TraceFormatError extends SimArenaError {
  declare readonly code: TraceFormatErrorCode;
  /** The file the trace came from, when known. */
  readonly file: string | undefined;
  /** The offending field, when the problem is inside the document. */
  readonly path: TracePath | undefined;
  /** The message without the file and path prefix. */
  readonly detail: string;

  constructor(code: TraceFormatErrorCode, detail: string, location: TraceErrorLocation = {}) {
    const prefix: string[] = [];
    if (location.file !== undefined && location.file !== '') prefix.push(location.file);
    if (location.path !== undefined && location.path.length > 0) prefix.push(formatTracePath(location.path));
    super(
      code,
      prefix.length > 0 ? `${prefix.join(': ')}: ${detail}` : detail,
      location.cause === undefined ? undefined : { cause: location.cause },
    );
    this.file = location.file;
    this.path = location.path;
    this.detail = detail;
  }

  /** The same error naming `file` (used when a lower layer did not know the file name). */
  withFile(file: string | undefined): TraceFormatError {
    if (file === undefined || file === this.file) return this;
    return new TraceFormatError(this.code, this.detail, { file, path: this.path, cause: this.cause });
  }
}
