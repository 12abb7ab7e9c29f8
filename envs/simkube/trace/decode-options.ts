/**
 * The options every trace decoder takes, and the input-size limit they enforce.
 */
import { TraceFormatError } from './errors.js';

/** The largest input accepted unless a caller says otherwise: 1 GiB. */
export const DEFAULT_MAX_TRACE_BYTES = 1 << 30;

/** Options of the decoding functions. */
export interface DecodeOptions {
  /** The file name to show in error messages. */
  readonly file?: string | undefined;
  /** Inputs larger than this many bytes (JSON: characters) fail with `TOO_LARGE`; default 1 GiB. */
  readonly maxBytes?: number | undefined;
}

/** Throws `TOO_LARGE` when an input of `length` bytes or characters (`unit`) is over `options.maxBytes`. */
export function checkInputSize(length: number, options: DecodeOptions, unit: 'bytes' | 'characters'): void {
  const max = options.maxBytes ?? DEFAULT_MAX_TRACE_BYTES;
  if (length > max) {
    throw new TraceFormatError(
      'TOO_LARGE',
      `is ${length} ${unit}, more than the limit of ${max}; raise maxBytes if this trace is genuine`,
      { file: options.file },
    );
  }
}
