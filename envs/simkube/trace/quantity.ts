/**
 * Kubernetes resource quantities ("500m", "1.5", "2Gi", "1e3") parsed, compared, added and printed the way
 * k8s.io/apimachinery/pkg/api/resource does it, with exact bigint arithmetic and never a floating-point value.
 *
 * A quantity is held as a whole number of nanounits (Kubernetes rounds anything finer up to 1n when it parses) plus
 * the format it remembers from its suffix. Where this module knowingly differs from Kubernetes:
 * - Only the documented grammar is accepted. Kubernetes' scanner also reads digit-less text ("Gi", ".", "-", "m")
 *   as zero; here that is an `INVALID_QUANTITY` error, because it is almost always a typo.
 * - `toString()` always prints the canonical form. Right after parsing, Kubernetes' `String()` echoes some
 *   non-canonical inputs verbatim ("+1", "01", "1E3", "1.500k"); it prints "1", "1", "1e3", "1500" for them once the
 *   value is touched, which is what this module always prints.
 * - Values past the largest suffix print in exponent form ("1e21"), as kubernetes/kubernetes#140459 fixed it; older
 *   Kubernetes releases drop the suffix and print "1".
 * - `value()` and `milliValue()` return exact bigints (Kubernetes overflows int64) and round negative values away
 *   from zero, as Kubernetes' int64 representation does.
 * - Exponents must fit in 32 bits (as kubernetes/kubernetes#141203) and magnitudes of 10^1000 or more are refused
 *   with `QUANTITY_OUT_OF_RANGE`, so a hostile "1e999999999" cannot exhaust memory.
 */
import { SimArenaError } from '../../../src/core/errors.js';

/** How a quantity prints itself, remembered from the suffix it was parsed with (Kubernetes' `resource.Format`). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** Every `QuantityFormat`, the commonest first. */
export const QUANTITY_FORMATS: readonly QuantityFormat[] = Object.freeze([
  'DecimalSI',
  'BinarySI',
  'DecimalExponent',
]);

/** The stable codes a `QuantityError` carries. */
export type QuantityErrorCode = 'INVALID_QUANTITY' | 'QUANTITY_OUT_OF_RANGE' | 'INVALID_QUANTITY_FORMAT';

/** A quantity could not be parsed or built: bad syntax, an absurd magnitude, or an unknown format. */
export class QuantityError extends SimArenaError {
  /** The offending input, as it was given (converted to text). */
  readonly input: string;

  constructor(code: QuantityErrorCode, message: string, input: string) {
    super(code, message);
    this.input = input;
  }
}

/** Anything the helpers accept as a quantity: a parsed `Quantity`, its text, or a JSON number. */
export type QuantityInput = Quantity | string | number;

const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
/** Kubernetes caps parsed BinarySI magnitudes at the largest int64 (see `maxAllowed` in its math.go). */
const MAX_BINARY_PARSE_NANOS = (2n ** 63n - 1n) * NANOS_PER_UNIT;
/** Magnitudes must stay below 10^1000, i.e. below 10^1009 nanounits. */
const MAX_NANOS_DIGITS = 1009n;
const MAX_NANOS_EXCLUSIVE = 10n ** MAX_NANOS_DIGITS;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/** Decimal SI suffixes and their powers of ten. */
const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIXES].map(([suffix, exponent]) => [exponent, suffix]),
);
/** Binary SI suffixes, indexed by their power of 1024. */
const BINARY_SUFFIXES: readonly string[] = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const ALL_SUFFIXES: readonly string[] = [...DECIMAL_SUFFIXES.keys(), ...BINARY_SUFFIXES].filter(
  (s) => s !== '',
);

/**
 * The documented grammar: an optional sign, digits with an optional fraction (`1`, `1.5`, `1.`, `.5`), then a binary
 * SI suffix, a decimal SI suffix, or `e`/`E` and a signed integer exponent.
 */
const QUANTITY_PATTERN =
  /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
const NUMBER_PREFIX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/;

const EXAMPLES =
  'Write a number with an optional suffix, e.g. "500m", "1.5", "2Gi" or "1e3" ' +
  '(decimal suffixes n u m k M G T P E, binary suffixes Ki Mi Gi Ti Pi Ei, or e/E followed by an integer exponent).';

function invalidQuantity(text: string, reason: string): QuantityError {
  return new QuantityError(
    'INVALID_QUANTITY',
    `Invalid quantity ${JSON.stringify(text)}: ${reason}. ${EXAMPLES}`,
    text,
  );
}

/** Explains what is wrong with text that the grammar rejected. */
function whyInvalid(text: string): string {
  if (text === '') return 'it is empty';
  if (/\s/.test(text))
    return 'it contains whitespace; remove the spaces (the suffix follows the number directly)';
  const prefix = NUMBER_PREFIX.exec(text);
  if (prefix === null) {
    const bare = text.replace(/^[+-]/, '');
    if (ALL_SUFFIXES.includes(bare)) return `the suffix "${bare}" needs a number before it, e.g. "1${bare}"`;
    return 'it does not start with a number (an optional sign, then digits with an optional fraction)';
  }
  const suffix = text.slice(prefix[0].length);
  if (suffix.startsWith('.')) return 'it has more than one decimal point';
  if (/^[eE][+-]?$/.test(suffix)) return `the exponent "${suffix}" has no digits`;
  if (/^[eE][+-]?\d/.test(suffix))
    return `the exponent in "${suffix}" must be a whole number with nothing after it`;
  if (/^.+[bB]$/.test(suffix) && ALL_SUFFIXES.includes(suffix.slice(0, -1))) {
    return `"${suffix}" is not a suffix: drop the "${suffix.slice(-1)}" ("${suffix.slice(0, -1)}" already means a multiple)`;
  }
  const lookalikes = ALL_SUFFIXES.filter((s) => s.toLowerCase() === suffix.toLowerCase());
  if (lookalikes.length > 0) {
    const guesses = lookalikes.map((s) => `"${s}"`).join(' or ');
    return `suffixes are case-sensitive and "${suffix}" is not one (did you mean ${guesses}?)`;
  }
  return `"${suffix}" is not a quantity suffix`;
}

function outOfRange(input: string): QuantityError {
  return new QuantityError(
    'QUANTITY_OUT_OF_RANGE',
    `Quantity ${JSON.stringify(input)} is too large: magnitudes of 10^1000 or more are not supported ` +
      '(Kubernetes itself caps binary quantities at 2^63-1). Use a smaller number, suffix or exponent.',
    input,
  );
}

function checkFormat(format: unknown, where: string): QuantityFormat {
  if (typeof format === 'string' && (QUANTITY_FORMATS as readonly string[]).includes(format)) {
    return format as QuantityFormat;
  }
  throw new QuantityError(
    'INVALID_QUANTITY_FORMAT',
    `${where}: unknown quantity format ${JSON.stringify(format)}; use one of ${QUANTITY_FORMATS.map((f) => `'${f}'`).join(', ')}.`,
    String(format),
  );
}

function checkBigint(value: unknown, where: string, example: string): bigint {
  if (typeof value === 'bigint') return value;
  throw new QuantityError(
    'INVALID_QUANTITY',
    `${where} expects a bigint such as ${example}, got ${typeof value} ${String(value)}; wrap it with BigInt(...).`,
    String(value),
  );
}

/**
 * `magnitude × 10^exponent` in nanounits, rounded up to a whole nanounit as Kubernetes' parser does.
 * `magnitude` must not be negative.
 */
function toNanos(magnitude: bigint, exponent: bigint, input: string): bigint {
  if (magnitude === 0n) return 0n;
  const power = exponent + 9n;
  if (power >= 0n) {
    if (power >= MAX_NANOS_DIGITS) throw outOfRange(input);
    const nanos = magnitude * 10n ** power;
    if (nanos >= MAX_NANOS_EXCLUSIVE) throw outOfRange(input);
    return nanos;
  }
  const shift = -power;
  if (shift > BigInt(magnitude.toString().length)) return 1n;
  const divisor = 10n ** shift;
  return (magnitude + divisor - 1n) / divisor;
}

/** `n / d` rounded away from zero (`d` positive). */
function divideAwayFromZero(n: bigint, d: bigint): bigint {
  const quotient = n / d;
  if (quotient * d === n) return quotient;
  return n < 0n ? quotient - 1n : quotient + 1n;
}

/**
 * The base-10 canonical form: the exponent is a multiple of three and as large as possible without a fraction
 * (Kubernetes' `AsCanonicalBytes`), spelled with a DecimalSI suffix or an `e` exponent.
 */
function formatDecimal(nanos: bigint, format: 'DecimalSI' | 'DecimalExponent'): string {
  const negative = nanos < 0n;
  const digits = (negative ? -nanos : nanos).toString();
  let end = digits.length;
  while (end > 1 && digits[end - 1] === '0') end--;
  let exponent = -9 + (digits.length - end);
  const pad = ((exponent % 3) + 3) % 3;
  exponent -= pad;
  const mantissa = digits.slice(0, end) + '0'.repeat(pad);
  // Past "E" there is no DecimalSI suffix; kubernetes/kubernetes#140459 falls back to the exponent form.
  const siSuffix = format === 'DecimalSI' ? DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) : undefined;
  const suffix = siSuffix ?? (exponent === 0 ? '' : `e${exponent}`);
  return `${negative ? '-' : ''}${mantissa}${suffix}`;
}

/**
 * Quantities by the text (or number) they were parsed from: traces and environment steps read the same few
 * quantities ("500m", "256Mi") again and again, and quantities are immutable. Bounded; errors are not kept.
 */
const parsedQuantities = new Map<string | number, Quantity>();
const PARSED_QUANTITIES_MAX = 4096;

/**
 * An exact, immutable Kubernetes resource quantity. Build one with `Quantity.parse` (or `parseQuantity`),
 * `Quantity.fromMillis`, `Quantity.fromBytes`, `Quantity.fromScaled` or `Quantity.zero`.
 */
export class Quantity {
  /** The suffix family the quantity prints with (Kubernetes remembers it from parsing). */
  readonly format: QuantityFormat;
  /** The exact value in nanounits (10^-9). */
  private readonly nanos: bigint;

  private constructor(nanos: bigint, format: QuantityFormat) {
    this.nanos = nanos;
    this.format = format;
    Object.freeze(this);
  }

  /**
   * Parses a quantity as Kubernetes' `ParseQuantity` does: "0.1" is exactly 100m, values finer than 1n round up (away
   * from zero) to the next nanounit, and BinarySI magnitudes above 2^63-1 are capped there. A number is read through
   * its shortest decimal text (`String(x)`), so `0.1` is "0.1" and `1e21` is "1e+21" (DecimalExponent).
   * @throws QuantityError `INVALID_QUANTITY` for text outside the grammar or a non-finite number,
   *   `QUANTITY_OUT_OF_RANGE` for magnitudes of 10^1000 or more.
   */
  static parse(text: string | number): Quantity {
    if (typeof text === 'number' && !Number.isFinite(text)) {
      throw invalidQuantity(String(text), 'only finite numbers can be quantities');
    }
    if (typeof text !== 'number' && typeof text !== 'string') {
      throw invalidQuantity(String(text), `expected a string or a number, got ${typeof text}`);
    }
    const known = parsedQuantities.get(text);
    if (known !== undefined) return known;
    const { nanos, format } = parseParts(String(text));
    const quantity = new Quantity(nanos, format);
    if (parsedQuantities.size >= PARSED_QUANTITIES_MAX) parsedQuantities.clear();
    parsedQuantities.set(text, quantity);
    return quantity;
  }

  /** `millis` thousandths (CPU millicores), printed with `format` (Kubernetes' `NewMilliQuantity`). */
  static fromMillis(millis: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    const m = checkBigint(millis, 'Quantity.fromMillis', '250n');
    return new Quantity(m * NANOS_PER_MILLI, checkFormat(format, 'Quantity.fromMillis'));
  }

  /** `bytes` whole units (memory bytes), printed with `format` (Kubernetes' `NewQuantity`). */
  static fromBytes(bytes: bigint, format: QuantityFormat = 'BinarySI'): Quantity {
    const b = checkBigint(bytes, 'Quantity.fromBytes', '1073741824n');
    return new Quantity(b * NANOS_PER_UNIT, checkFormat(format, 'Quantity.fromBytes'));
  }

  /**
   * `unscaled × 10^exponent`, printed with `format` (Kubernetes' `NewScaledQuantity`, with a format). Values finer than
   * a nanounit round up, away from zero, as parsing does.
   * @throws QuantityError `QUANTITY_OUT_OF_RANGE` for magnitudes of 10^1000 or more.
   */
  static fromScaled(unscaled: bigint, exponent: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    const u = checkBigint(unscaled, 'Quantity.fromScaled', '5n');
    const f = checkFormat(format, 'Quantity.fromScaled');
    if (!Number.isSafeInteger(exponent)) {
      throw new QuantityError(
        'INVALID_QUANTITY',
        `Quantity.fromScaled expects an integer exponent such as -3, got ${String(exponent)}.`,
        String(exponent),
      );
    }
    const magnitude = toNanos(u < 0n ? -u : u, BigInt(exponent), `${u}e${exponent}`);
    return new Quantity(u < 0n ? -magnitude : magnitude, f);
  }

  /** Zero, printed as "0"; adding to it adopts the other operand's format, as in Kubernetes. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, checkFormat(format, 'Quantity.zero'));
  }

  /**
   * The canonical text, exactly as Kubernetes' `CanonicalizeBytes` spells it: "100m", "1Gi", "1536Mi", "1e3", "0".
   * BinarySI quantities smaller than 1Ki in magnitude or not whole print as DecimalSI.
   */
  toString(): string {
    const nanos = this.nanos;
    if (nanos === 0n) return '0';
    if (this.format === 'BinarySI') {
      const magnitude = nanos < 0n ? -nanos : nanos;
      if (magnitude >= 1024n * NANOS_PER_UNIT && nanos % NANOS_PER_UNIT === 0n) {
        let mantissa = nanos / NANOS_PER_UNIT;
        let power = 0;
        while (mantissa % 1024n === 0n) {
          mantissa /= 1024n;
          power++;
        }
        const suffix = BINARY_SUFFIXES[power];
        // Past "Ei" there is no binary suffix; kubernetes/kubernetes#140459 falls back to the exponent form.
        return suffix === undefined ? formatDecimal(nanos, 'DecimalExponent') : `${mantissa}${suffix}`;
      }
      return formatDecimal(nanos, 'DecimalSI');
    }
    return formatDecimal(nanos, this.format);
  }

  /** The canonical text, so `JSON.stringify` writes quantities as Kubernetes does. */
  toJSON(): string {
    return this.toString();
  }

  /** -1, 0 or 1 as this quantity is less than, equal to or greater than `other` (exact; formats are ignored). */
  cmp(other: Quantity): -1 | 0 | 1 {
    if (this.nanos < other.nanos) return -1;
    return this.nanos > other.nanos ? 1 : 0;
  }

  /** Whether both quantities have the same value, whatever their formats (Kubernetes' `Equal`). */
  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** The exact sum; it keeps this quantity's format unless this one is zero, then takes `other`'s (as Kubernetes). */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  /** The exact difference; it keeps this quantity's format unless this one is zero, then takes `other`'s. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  /** The opposite value, same format. */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  /** Whether the value is zero ("0", "0m", "0Ki" …). */
  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1, the sign of the value. */
  sign(): -1 | 0 | 1 {
    if (this.nanos < 0n) return -1;
    return this.nanos > 0n ? 1 : 0;
  }

  /** The same value printed with another format (Kubernetes lets callers change `Format` at will). */
  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.nanos, checkFormat(format, 'Quantity.withFormat'));
  }

  /** The value in whole units, rounded up, away from zero (Kubernetes' `Value`): "1.5" → 2n, "-1.5" → -2n. */
  value(): bigint {
    return divideAwayFromZero(this.nanos, NANOS_PER_UNIT);
  }

  /** The value in thousandths, rounded up, away from zero (Kubernetes' `MilliValue`): "1.0001" → 1001n. */
  milliValue(): bigint {
    return divideAwayFromZero(this.nanos, NANOS_PER_MILLI);
  }

  /** The exact value in nanounits (10^-9), the finest precision a quantity has. */
  nanoValue(): bigint {
    return this.nanos;
  }
}

/** Parses `text` into its exact value in nanounits and the format it remembers. */
function parseParts(text: string): { nanos: bigint; format: QuantityFormat } {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) throw invalidQuantity(text, whyInvalid(text));
  const [, sign, integerDigits = '', fractionA, fractionB, exponentDigits, siSuffix = ''] = match;
  const fraction = fractionA ?? fractionB ?? '';

  let format: QuantityFormat;
  let exponent10 = 0n;
  let exponent2 = 0n;
  if (exponentDigits !== undefined) {
    format = 'DecimalExponent';
    exponent10 = BigInt(exponentDigits);
    if (exponent10 < INT32_MIN || exponent10 > INT32_MAX) {
      throw invalidQuantity(text, `the exponent ${exponentDigits} does not fit in 32 bits`);
    }
  } else {
    const binaryPower = BINARY_SUFFIXES.indexOf(siSuffix);
    if (siSuffix !== '' && binaryPower > 0) {
      format = 'BinarySI';
      exponent2 = BigInt(10 * binaryPower);
    } else {
      format = 'DecimalSI';
      exponent10 = BigInt(DECIMAL_SUFFIXES.get(siSuffix) ?? 0);
    }
  }

  // Refuse absurd magnitudes before converting thousands of digits: the value is at least 10^(integer digits - 1 + e).
  const significantIntegerDigits = integerDigits.length - (/^0*/.exec(integerDigits)?.[0].length ?? 0);
  if (
    significantIntegerDigits > 0 &&
    BigInt(significantIntegerDigits - 1) + exponent10 >= MAX_NANOS_DIGITS - 9n
  ) {
    throw outOfRange(text);
  }
  const digits = BigInt(integerDigits + fraction || '0');
  let magnitude = toNanos(digits << exponent2, exponent10 - BigInt(fraction.length), text);
  if (format === 'BinarySI') {
    if (magnitude > MAX_BINARY_PARSE_NANOS) magnitude = MAX_BINARY_PARSE_NANOS;
    // Kubernetes switches a fractional binary quantity below one unit to DecimalSI when parsing.
    if (magnitude > 0n && magnitude < NANOS_PER_UNIT) format = 'DecimalSI';
  }
  return { nanos: sign === '-' ? -magnitude : magnitude, format };
}

/**
 * Parses a quantity (see `Quantity.parse`); errors quote the offending text and show valid examples.
 * @throws QuantityError `INVALID_QUANTITY` or `QUANTITY_OUT_OF_RANGE`.
 */
export function parseQuantity(text: string | number): Quantity {
  return Quantity.parse(text);
}

function toQuantity(q: QuantityInput): Quantity {
  return q instanceof Quantity ? q : Quantity.parse(q);
}

/** A CPU quantity in whole millicores, rounded up (away from zero) as Kubernetes' `MilliValue`: "0.1" → 100n. */
export function cpuMillis(q: QuantityInput): bigint {
  return toQuantity(q).milliValue();
}

/** A memory quantity in whole bytes, rounded up (away from zero) as Kubernetes' `Value`: "1.5Ki" → 1536n. */
export function memoryBytes(q: QuantityInput): bigint {
  return toQuantity(q).value();
}
