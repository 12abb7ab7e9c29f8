/**
 * Reading JSON text into raw values the way msgpack is read: objects become `Map`s in text order and integers
 * beyond 2^53 stay exact as `bigint`, so that a u64 hash survives. Errors name the line and column.
 */
import { checkInputSize, type DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { I64_MIN, MAX_TRACE_DEPTH, U64_MAX } from './schema.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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

  /** Reads the comma-separated items of an object or array (`read` reads one) and its closing `close`. */
  private items(close: '}' | ']', read: () => void): void {
    const closeCode = close.charCodeAt(0);
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === closeCode) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      read();
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      if (c === closeCode) {
        this.pos++;
        return;
      }
      if (c !== 0x2c) throw this.fail(`unexpected ${this.describeHere()}; expected ',' or '${close}'`);
      this.pos++;
    }
  }

  private object(depth: number): Map<string, unknown> {
    const map = new Map<string, unknown>();
    this.items('}', () => {
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
    });
    return map;
  }

  private array(depth: number): unknown[] {
    const array: unknown[] = [];
    this.items(']', () => array.push(this.value(depth + 1)));
    return array;
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
          if (unit >= 0xdc00 && unit <= 0xdfff) throw this.fail('lone low surrogate in a \\u escape');
          if (unit >= 0xd800 && unit <= 0xdbff) {
            if (!text.startsWith('\\u', this.pos)) throw this.fail('lone high surrogate in a \\u escape');
            this.pos += 2;
            const low = this.hex4();
            if (low < 0xdc00 || low > 0xdfff) throw this.fail('lone high surrogate in a \\u escape');
            out += String.fromCharCode(unit, low);
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          this.pos--;
          throw this.fail(`invalid escape \\${escaped}`);
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
 * Parses JSON text into raw values like `decodeMsgpackValue` does for msgpack: objects become `Map`s in text
 * order, integers beyond 2^53 `bigint` (exactly), other numbers `number`. Throws `NOT_JSON` with line and column.
 */
export function parseJsonValue(text: string, options: DecodeOptions = {}): unknown {
  checkInputSize(text.length, options, 'characters');
  return new JsonReader(text, options.file).document();
}

/** Parses UTF-8 JSON bytes like {@link parseJsonValue}; bytes that are not UTF-8 fail with `NOT_JSON`. */
export function parseJsonBytes(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  checkInputSize(bytes.length, options, 'bytes');
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
