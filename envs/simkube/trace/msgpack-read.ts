/**
 * Decoding msgpack bytes into raw values with `msgpackr`, once {@link scanMsgpack} has found them sound.
 */
import { Unpackr } from 'msgpackr';
import { checkInputSize, type DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { scanMsgpack } from './msgpack-scan.js';

const unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false, int64AsType: 'bigint' });

/**
 * Decodes msgpack bytes into raw values without interpreting them as a trace: maps become `Map`s (keys of any type,
 * in file order), 64-bit integers `bigint`, smaller integers `number`. Fails fast with {@link TraceFormatError} on
 * empty, oversized, truncated, corrupt, too deeply nested or non-msgpack input. The building block of `decodeTrace`
 * and of the pre-2.0 upgrade.
 */
export function decodeMsgpackValue(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const { file } = options;
  if (bytes.length === 0) {
    throw new TraceFormatError('EMPTY_FILE', 'is empty (0 bytes); a SimKube trace is a msgpack map', {
      file,
    });
  }
  checkInputSize(bytes.length, options, 'bytes');
  scanMsgpack(bytes, file);
  try {
    return unpackr.unpack(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceFormatError('NOT_MSGPACK', `msgpack decoding failed: ${reason}`, { file, cause });
  }
}
