/**
 * Writing raw values as msgpack the way SimKube (rmp-serde) does, so that decoding and re-encoding a SimKube trace
 * gives the same bytes: integers and lengths in their smallest form, u64 hashes as uint64 (0xcf) when they need 64
 * bits, other numbers as float64, maps in their order.
 */
import { TraceFormatError } from './errors.js';
import { keysToWrite } from './key-order.js';
import { describeValue, I64_MIN, isPlainObject, MAX_TRACE_DEPTH, U64_MAX } from './schema.js';

/** The markers of a kind of length-prefixed value: the fix form (`fix | length` below `fixLimit`), 8, 16, 32 bits. */
interface LengthMarkers {
  readonly fix: number;
  readonly fixLimit: number;
  readonly m8?: number;
  readonly m16: number;
  readonly m32: number;
}

const MAP: LengthMarkers = { fix: 0x80, fixLimit: 16, m16: 0xde, m32: 0xdf };
const ARRAY: LengthMarkers = { fix: 0x90, fixLimit: 16, m16: 0xdc, m32: 0xdd };
const STRING: LengthMarkers = { fix: 0xa0, fixLimit: 32, m8: 0xd9, m16: 0xda, m32: 0xdb };
const BINARY: LengthMarkers = { fix: 0, fixLimit: 0, m8: 0xc4, m16: 0xc5, m32: 0xc6 };

const textEncoder = new TextEncoder();

/** A growing buffer of msgpack. */
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

  /** `marker`, then `value` in `width` big-endian bytes (two's complement when negative). */
  private sized(marker: number, width: 1 | 2 | 4, value: number): void {
    this.ensure(1 + width);
    this.buffer[this.pos++] = marker;
    if (width === 1) this.view.setUint8(this.pos, value);
    else if (width === 2) this.view.setUint16(this.pos, value);
    else this.view.setUint32(this.pos, value);
    this.pos += width;
  }

  /** `marker`, then `value` in 8 big-endian bytes (two's complement when negative). */
  private sized64(marker: number, value: bigint): void {
    this.ensure(9);
    this.buffer[this.pos++] = marker;
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, value));
    this.pos += 8;
  }

  private header(length: number, markers: LengthMarkers): void {
    if (length < markers.fixLimit) this.byte(markers.fix | length);
    else if (markers.m8 !== undefined && length <= 0xff) this.sized(markers.m8, 1, length);
    else if (length <= 0xffff) this.sized(markers.m16, 2, length);
    else this.sized(markers.m32, 4, length);
  }

  /** An integer in its smallest form; unsigned forms for non-negative values, as rmp-serde writes a u64. */
  private integer(value: bigint): void {
    if (value > U64_MAX || value < I64_MIN) {
      throw new TraceFormatError('UNENCODABLE', `the integer ${value} does not fit in 64 bits`);
    }
    const n = Number(value);
    if (value > 0xffffffffn) this.sized64(0xcf, value);
    else if (value < -0x80000000n) this.sized64(0xd3, value);
    else if (n >= 0) {
      if (n < 0x80) this.byte(n);
      else if (n <= 0xff) this.sized(0xcc, 1, n);
      else if (n <= 0xffff) this.sized(0xcd, 2, n);
      else this.sized(0xce, 4, n);
    } else if (n >= -32) this.byte(n & 0xff);
    else if (n >= -0x80) this.sized(0xd0, 1, n);
    else if (n >= -0x8000) this.sized(0xd1, 2, n);
    else this.sized(0xd2, 4, n);
  }

  private float(value: number): void {
    this.ensure(9);
    this.buffer[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  private data(encoded: Uint8Array, markers: LengthMarkers): void {
    this.header(encoded.length, markers);
    this.ensure(encoded.length);
    this.buffer.set(encoded, this.pos);
    this.pos += encoded.length;
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
        this.data(textEncoder.encode(value), STRING);
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
      this.header(value.length, ARRAY);
      for (const item of value) this.value(item, depth + 1);
    } else if (value instanceof Map) {
      this.header(value.size, MAP);
      for (const [key, item] of value) {
        this.value(key, depth + 1);
        this.value(item, depth + 1);
      }
    } else if (value instanceof Uint8Array) {
      this.data(value, BINARY);
    } else if (isPlainObject(value)) {
      const keys = keysToWrite(value);
      this.header(keys.length, MAP);
      for (const key of keys) {
        this.data(textEncoder.encode(key), STRING);
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
