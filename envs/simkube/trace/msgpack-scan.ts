/**
 * The pre-scan of msgpack bytes: one pass over the raw bytes, building nothing, that checks every declared length
 * against what remains, the nesting depth, UTF-8 and the absence of extension types, so that bad input fails fast
 * with a {@link TraceFormatError} before `msgpackr` allocates anything.
 */
import { TraceFormatError, type TraceFormatErrorCode } from './errors.js';
import { sniffTraceFileFormat } from './layout.js';
import { MAX_TRACE_DEPTH } from './schema.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function bytesLeft(count: number): string {
  return count === 1 ? '1 byte' : `${count} bytes`;
}

/** Whether `bytes[from, to)` are valid UTF-8; pure ASCII, the common case, is checked without decoding. */
function isUtf8(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (bytes[i]! >= 0x80) {
      try {
        strictUtf8.decode(bytes.subarray(from, to));
        return true;
      } catch {
        return false;
      }
    }
  }
  return true;
}

/** Map and array headers: 0x80–0x9f (fixmap, fixarray) and 0xdc–0xdf (array16/32, map16/32). */
function isContainerMarker(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x9f) || (byte >= 0xdc && byte <= 0xdf);
}

/**
 * Throws {@link TraceFormatError} unless non-empty bytes are exactly one complete, well-formed msgpack map or array
 * with valid UTF-8 strings, no extension types and at most {@link MAX_TRACE_DEPTH} levels. Every declared length
 * is checked against the bytes that remain, so a huge length prefix fails at once.
 */
export function scanMsgpack(bytes: Uint8Array, file: string | undefined): void {
  const first = bytes[0]!;
  if (!isContainerMarker(first)) {
    throw new TraceFormatError(
      'NOT_MSGPACK',
      sniffTraceFileFormat(bytes) === 'json'
        ? 'looks like JSON, not msgpack; read it with decodeTraceJson or readTraceFile (which detects the format)'
        : `is not a msgpack trace: it starts with byte ${hex(first)}, while a SimKube trace starts with a msgpack map header (0x80–0x8f, 0xde or 0xdf; an array header for pre-2.0 traces)`,
      { file },
    );
  }
  walk(bytes, file);
}

/** Walks the values of the bytes without building them; see {@link scanMsgpack}. */
function walk(bytes: Uint8Array, file: string | undefined): void {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pending: number[] = [1]; // per open container, the values still to read
  let pos = 0;
  let start = 0; // where the value being read starts
  const fail = (code: TraceFormatErrorCode, detail: string) => new TraceFormatError(code, detail, { file });

  /** Steps over `count` bytes of the value being read. */
  const skip = (count: number): void => {
    if (pos + count > n) {
      throw fail(
        'TRUNCATED',
        `the data ends inside the value that starts at byte ${start} (${n} bytes in all): the file is truncated`,
      );
    }
    pos += count;
  };
  /** Reads the big-endian length or count of `width` bytes that follows a marker. */
  const length = (width: 1 | 2 | 4): number => {
    const at = pos;
    skip(width);
    return width === 1 ? bytes[at]! : width === 2 ? view.getUint16(at) : view.getUint32(at);
  };
  /** Steps over the `size` bytes of a string or binary value (`what`); returns where they start. */
  const payload = (what: string, size: number): number => {
    if (size > n - pos) {
      throw fail(
        'TRUNCATED',
        `${what} at byte ${start} declares ${size} bytes but only ${bytesLeft(n - pos)} remain: the file is truncated or corrupt`,
      );
    }
    pos += size;
    return pos - size;
  };
  const string = (size: number): void => {
    const from = payload('a string', size);
    if (!isUtf8(bytes, from, pos)) {
      throw fail('INVALID_TRACE', `the string at byte ${start} is not valid UTF-8`);
    }
  };
  /** Opens a map of `count` entries or an array of `count` elements. */
  const open = (isMap: boolean, count: number): void => {
    const children = isMap ? count * 2 : count;
    if (children === 0) return;
    if (children > n - pos) {
      throw fail(
        'TRUNCATED',
        `${isMap ? 'a map of' : 'an array of'} ${count} ${isMap ? 'entries' : 'elements'} starts at byte ${start} but only ${bytesLeft(n - pos)} remain: the file is truncated or corrupt`,
      );
    }
    if (pending.length > MAX_TRACE_DEPTH) {
      throw fail(
        'TOO_DEEP',
        `values nest deeper than ${MAX_TRACE_DEPTH} levels at byte ${start}; no trace does`,
      );
    }
    pending.push(children);
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
    start = pos;
    const marker = bytes[pos++]!;
    if (marker <= 0x7f || marker >= 0xe0) continue; // positive and negative fixint
    if (marker <= 0x8f) open(true, marker & 0x0f);
    else if (marker <= 0x9f) open(false, marker & 0x0f);
    else if (marker <= 0xbf) string(marker & 0x1f);
    else {
      switch (marker) {
        case 0xc0: // nil, false, true
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          throw fail(
            'NOT_MSGPACK',
            `byte ${start} is 0xc1, which msgpack never uses: this is not msgpack data`,
          );
        case 0xc4:
          payload('binary data', length(1));
          break;
        case 0xc5:
          payload('binary data', length(2));
          break;
        case 0xc6:
          payload('binary data', length(4));
          break;
        case 0xcc: // uint8, int8
        case 0xd0:
          skip(1);
          break;
        case 0xcd: // uint16, int16
        case 0xd1:
          skip(2);
          break;
        case 0xca: // float32, uint32, int32
        case 0xce:
        case 0xd2:
          skip(4);
          break;
        case 0xcb: // float64, uint64, int64
        case 0xcf:
        case 0xd3:
          skip(8);
          break;
        case 0xd9:
          string(length(1));
          break;
        case 0xda:
          string(length(2));
          break;
        case 0xdb:
          string(length(4));
          break;
        case 0xdc:
          open(false, length(2));
          break;
        case 0xdd:
          open(false, length(4));
          break;
        case 0xde:
          open(true, length(2));
          break;
        case 0xdf:
          open(true, length(4));
          break;
        default: // 0xc7–0xc9 and 0xd4–0xd8
          throw fail(
            'INVALID_TRACE',
            `byte ${start} starts a msgpack extension value (${hex(marker)}); a trace holds only maps, arrays, strings, numbers, booleans and nil`,
          );
      }
    }
  }
  if (pos < n) {
    throw fail(
      'TRAILING_BYTES',
      `${n - pos} unexpected bytes follow the end of the trace at byte ${pos}; the file is corrupt or two files were joined`,
    );
  }
}
