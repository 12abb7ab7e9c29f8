/**
 * Kubernetes resource quantities. The tables are facts re-typed from k8s.io/apimachinery/pkg/api/resource
 * (quantity_test.go and quantity_example_test.go; each table names the Go test it comes from); the properties check
 * exactness, round trips and the algebra.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cpuMillis,
  memoryBytes,
  parseQuantity,
  QUANTITY_FORMATS,
  Quantity,
  QuantityError,
  type QuantityFormat,
} from '../../envs/simkube/trace/quantity.js';
import { quantityArb, quantityTextArb } from './arbitraries/quantity.js';

/** Kubernetes' `decQuantity(i, exponent, format)` test helper: `i × 10^exponent`. */
function dq(unscaled: bigint | number, exponent: number, format: QuantityFormat): Quantity {
  return Quantity.fromScaled(BigInt(unscaled), exponent, format);
}

function errorOf(fn: () => unknown): QuantityError {
  try {
    fn();
  } catch (error) {
    if (error instanceof QuantityError) return error;
    throw error;
  }
  throw new Error('expected a QuantityError, nothing was thrown');
}

/** -n without producing -0, which `toBe` tells apart from 0. */
function opposite(n: -1 | 0 | 1): -1 | 0 | 1 {
  return n === 0 ? 0 : n === 1 ? -1 : 1;
}

const MOST_POSITIVE = 2n ** 63n - 1n; // Kubernetes' mostPositive / maxAllowed
const MOST_NEGATIVE = -(2n ** 63n);
const Ki = 1024n;
const DSI: QuantityFormat = 'DecimalSI';
const BSI: QuantityFormat = 'BinarySI';
const DEX: QuantityFormat = 'DecimalExponent';

describe('parsing: value and format (TestQuantityParse)', () => {
  // [input, unscaled, exponent, format] — Kubernetes expects decQuantity(unscaled, exponent, format).
  const table: ReadonlyArray<readonly [string, bigint | number, number, QuantityFormat]> = [
    ['0', 0, 0, DSI],
    ['0n', 0, 0, DSI],
    ['0u', 0, 0, DSI],
    ['0m', 0, 0, DSI],
    ['0Ki', 0, 0, BSI],
    ['0k', 0, 0, DSI],
    ['0Mi', 0, 0, BSI],
    ['0M', 0, 0, DSI],
    ['0Gi', 0, 0, BSI],
    ['0G', 0, 0, DSI],
    ['0Ti', 0, 0, BSI],
    ['0T', 0, 0, DSI],
    // Quantity-less numbers are allowed
    ['1', 1, 0, DSI],
    // Binary suffixes
    ['1Ki', Ki, 0, BSI],
    ['8Ki', 8n * Ki, 0, BSI],
    ['7Mi', 7n * Ki ** 2n, 0, BSI],
    ['6Gi', 6n * Ki ** 3n, 0, BSI],
    ['5Ti', 5n * Ki ** 4n, 0, BSI],
    ['4Pi', 4n * Ki ** 5n, 0, BSI],
    ['3Ei', 3n * Ki ** 6n, 0, BSI],
    ['10Ti', 10n * Ki ** 4n, 0, BSI],
    ['100Ti', 100n * Ki ** 4n, 0, BSI],
    // Decimal suffixes
    ['5n', 5, -9, DSI],
    ['4u', 4, -6, DSI],
    ['3m', 3, -3, DSI],
    ['9', 9, 0, DSI],
    ['8k', 8, 3, DSI],
    ['50k', 5, 4, DSI],
    ['7M', 7, 6, DSI],
    ['6G', 6, 9, DSI],
    ['5T', 5, 12, DSI],
    ['40T', 4, 13, DSI],
    ['300T', 3, 14, DSI],
    ['2P', 2, 15, DSI],
    ['1E', 1, 18, DSI],
    // Decimal exponents
    ['1E-3', 1, -3, DEX],
    ['1e3', 1, 3, DEX],
    ['1E6', 1, 6, DEX],
    ['1e9', 1, 9, DEX],
    ['1E12', 1, 12, DEX],
    ['1e15', 1, 15, DEX],
    ['1E18', 1, 18, DEX],
    // Nonstandard but still parsable
    ['1e14', 1, 14, DEX],
    ['1e13', 1, 13, DEX],
    ['100.035k', 100035, 0, DSI],
    // Things that look like floating point
    ['0.001', 1, -3, DSI],
    ['0.0005k', 5, -1, DSI],
    ['0.005', 5, -3, DSI],
    ['0.05', 5, -2, DSI],
    ['0.5', 5, -1, DSI],
    ['0.00050k', 5, -1, DSI],
    ['0.00500', 5, -3, DSI],
    ['0.05000', 5, -2, DSI],
    ['0.50000', 5, -1, DSI],
    ['0.5e0', 5, -1, DEX],
    ['0.5e-1', 5, -2, DEX],
    ['0.5e-2', 5, -3, DEX],
    ['10.035M', 10035, 3, DSI],
    ['1.2e3', 12, 2, DEX],
    ['1.3E+6', 13, 5, DEX],
    ['1.40e9', 14, 8, DEX],
    ['1.53E12', 153, 10, DEX],
    ['1.6e15', 16, 14, DEX],
    ['1.7E18', 17, 17, DEX],
    ['9.01', 901, -2, DSI],
    ['8.1k', 81, 2, DSI],
    ['7.123456M', 7123456, 0, DSI],
    ['6.987654321G', 6987654321, 0, DSI],
    ['5.444T', 5444, 9, DSI],
    ['40.1T', 401, 11, DSI],
    ['300.2T', 3002, 11, DSI],
    ['2.5P', 25, 14, DSI],
    ['1.01E', 101, 16, DSI],
    // Things that saturate/round
    ['3.001n', 4, -9, DSI],
    ['1.1E-9', 2, -9, DEX],
    ['0.0000000001', 1, -9, DSI],
    ['0.0000000005', 1, -9, DSI],
    ['0.00000000050', 1, -9, DSI],
    ['0.5e-9', 1, -9, DEX],
    ['0.9n', 1, -9, DSI],
    ['0.00000012345', 124, -9, DSI],
    ['0.00000012354', 124, -9, DSI],
    ['9Ei', MOST_POSITIVE, 0, BSI],
    ['9223372036854775807Ki', MOST_POSITIVE, 0, BSI],
    ['12E', 12, 18, DSI],
    // We'll accept fractional binary stuff, too.
    ['100.035Ki', 10243584, -2, BSI],
    ['0.5Mi', 512n * Ki, 0, BSI],
    ['0.05Gi', 536870912, -1, BSI],
    ['0.025Ti', 274877906944, -1, BSI],
    // Things written by trolls
    ['0.000000000001Ki', 2, -9, DSI], // rounds up, changes format
    ['.001', 1, -3, DSI],
    ['.0001k', 100, -3, DSI],
    ['1.', 1, 0, DSI],
    ['1.G', 1, 9, DSI],
  ];

  it.each(table)('%s', (input, unscaled, exponent, format) => {
    const expected = dq(unscaled, exponent, format);
    const got = Quantity.parse(input);
    expect(got.cmp(expected), `${input} = ${got}, expected ${expected}`).toBe(0);
    expect(got.format).toBe(format);
  });

  it.each(table)('-%s is the negation, same format', (input, unscaled, exponent, format) => {
    const got = Quantity.parse(`-${input}`);
    expect(got.equals(dq(unscaled, exponent, format).neg())).toBe(true);
    expect(got.format).toBe(format);
  });

  it.each(table)('+%s is the same quantity', (input, unscaled, exponent, format) => {
    const got = Quantity.parse(`+${input}`);
    expect(got.equals(dq(unscaled, exponent, format))).toBe(true);
    expect(got.format).toBe(format);
  });

  it('has at least the 90 rows of the Kubernetes table', () => {
    expect(table.length).toBeGreaterThanOrEqual(90);
  });
});

describe('canonical printing (TestQuantityString)', () => {
  // [unscaled, exponent, format, expected String(), an alternate spelling that must print the same ('' if none)]
  const table: ReadonlyArray<readonly [bigint | number, number, QuantityFormat, string, string]> = [
    [Ki ** 3n, 0, BSI, '1Gi', '1024Mi'],
    [300n * Ki ** 2n, 0, BSI, '300Mi', '307200Ki'],
    [6n * Ki, 0, BSI, '6Ki', ''],
    [1001n * Ki ** 3n, 0, BSI, '1001Gi', '1025024Mi'],
    [Ki ** 4n, 0, BSI, '1Ti', '1024Gi'],
    [5, 0, BSI, '5', '5000m'],
    [500, -3, BSI, '500m', '0.5'],
    [1, 9, DSI, '1G', '1000M'],
    [1000, 6, DSI, '1G', '0.001T'],
    [1000000, 3, DSI, '1G', ''],
    [1000000000, 0, DSI, '1G', ''],
    [1, -3, DSI, '1m', '1000u'],
    [80, -3, DSI, '80m', ''],
    [1080, -3, DSI, '1080m', '1.08'],
    [108, -2, DSI, '1080m', '1080000000n'],
    [10800, -4, DSI, '1080m', ''],
    [300, 6, DSI, '300M', ''],
    [1, 12, DSI, '1T', ''],
    [1234567, 6, DSI, '1234567M', ''],
    [1234567, -3, BSI, '1234567m', ''],
    [3, 3, DSI, '3k', ''],
    [1025, 0, BSI, '1025', ''],
    [0, 0, DSI, '0', ''],
    [0, 0, BSI, '0', ''],
    [1, 9, DEX, '1e9', '.001e12'],
    [1, -3, DEX, '1e-3', '0.001e0'],
    [1, -9, DEX, '1e-9', '1000e-12'],
    [80, -3, DEX, '80e-3', ''],
    [300, 6, DEX, '300e6', ''],
    [1, 12, DEX, '1e12', ''],
    [1, 3, DEX, '1e3', ''],
    [3, 3, DEX, '3e3', ''],
    [3, 3, DSI, '3k', ''],
    [0, 0, DEX, '0', '00'],
    [1, -9, DSI, '1n', ''],
    [80, -9, DSI, '80n', ''],
    [1080, -9, DSI, '1080n', ''],
    [108, -8, DSI, '1080n', ''],
    [10800, -10, DSI, '1080n', ''],
    [1, -6, DSI, '1u', ''],
    [80, -6, DSI, '80u', ''],
    [1080, -6, DSI, '1080u', ''],
  ];

  it.each(table)('%s × 10^%s (%s) prints %s', (unscaled, exponent, format, expected, alternate) => {
    const q = dq(unscaled, exponent, format);
    expect(q.toString()).toBe(expected);
    expect(Quantity.parse(expected).toString()).toBe(expected);
    if (alternate !== '') expect(Quantity.parse(alternate).toString()).toBe(expected);
    if (!q.isZero()) expect(q.neg().toString()).toBe(`-${expected}`);
  });
});

describe('parse then print (TestQuantityParseEmit, TestQuantityParseZero)', () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['0', '0'],
  ];

  it.each(table)('%s prints %s, -%s prints -%s', (input, expected) => {
    expect(Quantity.parse(input).toString()).toBe(expected);
    const negative = Quantity.parse(`-${input}`);
    expect(negative.toString()).toBe(negative.isZero() ? '0' : `-${expected}`);
  });
});

describe('large and long numbers (TestParseQuantity)', () => {
  // [input, canonical String()] — the canonical form is the input itself when Kubernetes' table gives none.
  const same = (input: string): readonly [string, string] => [input, input];
  const table: ReadonlyArray<readonly [string, string]> = [
    // min/max 18 digits
    same('-999999999999999999'),
    same('999999999999999999'),
    ['-999999999999999999.0', '-999999999999999999'],
    ['999999999999999999.0', '999999999999999999'],
    ['-999999999999999999.1', '-999999999999999999100m'],
    ['999999999999999999.1', '999999999999999999100m'],
    // min/max 19 digits
    same('-9999999999999999999'),
    same('9999999999999999999'),
    same('-1E'),
    same('1E'),
    ['-1000000000000000000', '-1E'],
    ['1000000000000000000', '1E'],
    ['-9999999999999999999.0', '-9999999999999999999'],
    ['9999999999999999999.0', '9999999999999999999'],
    ['-1.0E', '-1E'],
    ['1.0E', '1E'],
    ['-1000000000000000000.0', '-1E'],
    ['1000000000000000000.0', '1E'],
    ['-9999999999999999999000m', '-9999999999999999999'],
    ['9999999999999999999000m', '9999999999999999999'],
    ['-9999999999999999999.1', '-9999999999999999999100m'],
    ['9999999999999999999.1', '9999999999999999999100m'],
    ['-1.0000000000000000001E', '-1000000000000000000100m'],
    ['1.0000000000000000001E', '1000000000000000000100m'],
    ['-1000000000000000000.1', '-1000000000000000000100m'],
    ['1000000000000000000.1', '1000000000000000000100m'],
    ['-1.000000000000000001E', '-1000000000000000001'],
    ['1.000000000000000001E', '1000000000000000001'],
    same('-1000000000000000001'),
    same('1000000000000000001'),
    // min/max 20 digits
    same('-10E'),
    same('10E'),
    ['-10000000000000000000', '-10E'],
    ['10000000000000000000', '10E'],
    ['-10.0E', '-10E'],
    ['10.0E', '10E'],
    ['-10000000000000000000.0', '-10E'],
    ['10000000000000000000.0', '10E'],
    ['-10000000000000000000000m', '-10E'],
    ['10000000000000000000000m', '10E'],
    ['-10.0000000000000000001E', '-10000000000000000000100m'],
    ['10.0000000000000000001E', '10000000000000000000100m'],
    ['-10000000000000000000.1', '-10000000000000000000100m'],
    ['10000000000000000000.1', '10000000000000000000100m'],
    ['-10.000000000000000001E', '-10000000000000000001'],
    ['10.000000000000000001E', '10000000000000000001'],
    same('-10000000000000000001'),
    same('10000000000000000001'),
    // min/max int64 - 1
    same('-9223372036854775809'),
    same('9223372036854775806'),
    ['-9223372036854775809.0', '-9223372036854775809'],
    ['9223372036854775806.0', '9223372036854775806'],
    ['-9223372036854775809000m', '-9223372036854775809'],
    ['9223372036854775806000m', '9223372036854775806'],
    ['-9223372036854775809.1', '-9223372036854775809100m'],
    ['9223372036854775806.1', '9223372036854775806100m'],
    // min/max int64
    same('-9223372036854775808'),
    same('9223372036854775807'),
    ['-9223372036854775808.0', '-9223372036854775808'],
    ['9223372036854775807.0', '9223372036854775807'],
    ['-9223372036854775808000m', '-9223372036854775808'],
    ['9223372036854775807000m', '9223372036854775807'],
    ['-9223372036854775808.1', '-9223372036854775808100m'],
    ['9223372036854775807.1', '9223372036854775807100m'],
    // min/max int64 + 1
    same('-9223372036854775807'),
    same('9223372036854775808'),
    ['-9223372036854775807.0', '-9223372036854775807'],
    ['9223372036854775808.0', '9223372036854775808'],
    ['-9223372036854775807000m', '-9223372036854775807'],
    ['9223372036854775808000m', '9223372036854775808'],
    ['-9223372036854775807.1', '-9223372036854775807100m'],
    ['9223372036854775808.1', '9223372036854775808100m'],
  ];

  it.each(table)('%s prints %s', (input, canonical) => {
    expect(Quantity.parse(input).toString()).toBe(canonical);
  });

  it('keeps all 72 rows of the Kubernetes table', () => {
    expect(table).toHaveLength(72);
  });
});

describe('constructors (TestNewSet, TestMilliNewSet, TestNewScaledSet, ExampleFormat)', () => {
  it.each([
    [1n, DSI, '1'],
    [1000n, DSI, '1k'],
    [1234000n, DSI, '1234k'],
    [1024n, BSI, '1Ki'],
    [1024n * 1024n, BSI, '1Mi'],
    [5n * Ki ** 3n, BSI, '5Gi'], // ExampleFormat
    [5n * 1000n ** 3n, DSI, '5G'], // ExampleFormat
  ] as const)('fromBytes(%s, %s) prints %s and round-trips', (value, format, expected) => {
    const q = Quantity.fromBytes(value, format);
    expect(q.toString()).toBe(expected);
    expect(Quantity.parse(q.toString()).value()).toBe(value);
  });

  it.each([
    [1n, DSI, '1m', true],
    [1000n, DSI, '1', true],
    [1234000n, DSI, '1234', true],
    [1024n, BSI, '1024m', false], // format changes
    [1024n * 1024n, BSI, '1048576m', false], // format changes
    [5300n, DSI, '5300m', true], // ExampleFormat
  ] as const)('fromMillis(%s, %s) prints %s', (value, format, expected, exact) => {
    const q = Quantity.fromMillis(value, format);
    expect(q.toString()).toBe(expected);
    if (exact) expect(Quantity.parse(q.toString()).milliValue()).toBe(value);
  });

  it('defaults fromMillis to DecimalSI and fromBytes to BinarySI', () => {
    expect(Quantity.fromMillis(1500n).format).toBe('DecimalSI');
    expect(Quantity.fromBytes(2048n).format).toBe('BinarySI');
    expect(Quantity.fromBytes(2048n).toString()).toBe('2Ki');
  });

  it.each([
    [1n, -9, '1n'],
    [1000n, -9, '1u'],
    [1n, -6, '1u'],
    [1000n, -6, '1m'],
    [1n, -3, '1m'],
    [1000n, -3, '1'],
    [1n, 0, '1'],
    [0n, -9, '0'],
    [0n, -6, '0'],
    [0n, -3, '0'],
    [0n, 0, '0'],
  ] as const)('fromScaled(%s, %s) prints %s and round-trips', (value, scale, expected) => {
    const q = Quantity.fromScaled(value, scale);
    expect(q.toString()).toBe(expected);
    expect(Quantity.parse(q.toString()).equals(q)).toBe(true);
    expect(q.equals(Quantity.fromScaled(value * 1000n, scale - 3))).toBe(true);
  });
});

describe('accessors (TestScaledValue, TestQuantityRoundUp, ExampleMustParse, TestQuantityValueSet)', () => {
  // [from scale, nanoValue, milliValue, value] of Kubernetes' NewScaledQuantity(1, from).ScaledValue(to)
  it.each([
    [-9, 1n, 1n, 1n],
    [-6, 1000n, 1n, 1n],
    [-3, 1000000n, 1n, 1n],
    [0, 1000000000n, 1000n, 1n],
  ] as const)('1 × 10^%s scales to %s n, %s m, %s', (scale, nanos, millis, units) => {
    const q = Quantity.fromScaled(1n, scale);
    expect(q.nanoValue()).toBe(nanos);
    expect(q.milliValue()).toBe(millis);
    expect(q.value()).toBe(units);
  });

  it('rounds up, negative values away from zero (TestQuantityRoundUp)', () => {
    expect(Quantity.parse('9.01').value()).toBe(10n);
    expect(Quantity.parse('9.01').milliValue()).toBe(9010n);
    expect(Quantity.parse('-9.01').value()).toBe(-10n);
    expect(Quantity.parse('-9.01').milliValue()).toBe(-9010n);
  });

  it('reads the ExampleMustParse values and formats', () => {
    const memory = Quantity.parse('5Gi');
    expect([memory.value(), memory.format]).toEqual([5368709120n, 'BinarySI']);
    const disk = Quantity.parse('5G');
    expect([disk.value(), disk.format]).toEqual([5000000000n, 'DecimalSI']);
    const cores = Quantity.parse('5300m');
    expect([cores.milliValue(), cores.format]).toEqual([5300n, 'DecimalSI']);
    const cores2 = Quantity.parse('5.4');
    expect([cores2.milliValue(), cores2.format]).toEqual([5400n, 'DecimalSI']);
  });

  it('serialises to JSON as its canonical text (TestQuantityValueSet)', () => {
    const q = Quantity.parse('1Mi');
    expect(q.value()).toBe(1024n * 1024n);
    expect(JSON.stringify(q)).toBe('"1Mi"');
    expect(JSON.stringify({ memory: Quantity.parse('1024Ki') })).toBe('{"memory":"1Mi"}');
  });

  it('reads JSON numbers (TestJSONWhitespace)', () => {
    expect(Quantity.parse(1).toString()).toBe('1');
    expect(Quantity.parse(10).toString()).toBe('10');
    expect(Quantity.parse(-1).toString()).toBe('-1');
  });
});

describe('comparison (TestQuantityCmp, TestQuantityCmpInt64AndDec)', () => {
  it.each([
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
  ] as const)('cmp(%s, %s) = %s', (x, y, expected) => {
    expect(Quantity.parse(x).cmp(Quantity.parse(y))).toBe(expected);
    expect(Quantity.parse(y).cmp(Quantity.parse(x))).toBe(opposite(expected));
  });

  const E18 = 10n ** 18n;
  // [a unscaled, a exponent, b unscaled, b exponent, cmp(a, b)], all DecimalSI
  const table: ReadonlyArray<readonly [bigint, number, bigint, number, -1 | 0 | 1]> = [
    [901n, -2, 901n, -2, 0],
    [90n, -1, 901n, -2, -1],
    [901n, -2, 900n, -2, 1],
    [0n, 0, 0n, 0, 0],
    [0n, 1, 0n, -1, 0],
    [0n, -1, 0n, 1, 0],
    [800n, -3, 1n, 0, -1],
    [800n, -3, 79n, -2, 1],
    [MOST_POSITIVE, 0, 1n, -1, 1],
    [MOST_POSITIVE, 1, 1n, 0, 1],
    [MOST_POSITIVE, 1, 1n, 1, 1],
    [MOST_POSITIVE, 1, 0n, 1, 1],
    [MOST_POSITIVE, -16, 1n, 3, -1],
    [MOST_NEGATIVE, 0, 0n, 0, -1],
    [MOST_NEGATIVE, -18, -1n, 0, -1],
    [MOST_NEGATIVE, -19, -1n, 0, 1],
    [E18, -17, 1n, 1, 0],
    [E18, -17, -10n, 0, 1],
    [-E18, -17, -10n, 0, 0],
    [E18, -17, 1n, 0, 1],
    [E18 + 1n, -17, 1n, 1, 1],
  ];

  it.each(table)('cmp(%s × 10^%s, %s × 10^%s) = %s', (a, ae, b, be, expected) => {
    const x = dq(a, ae, DSI);
    const y = dq(b, be, DSI);
    expect(x.cmp(y)).toBe(expected);
    expect(y.cmp(x)).toBe(opposite(expected));
    expect(x.equals(y)).toBe(expected === 0);
  });

  it('rounds sub-nano values up before comparing, like ParseQuantity (the last TestQuantityCmpInt64AndDec row)', () => {
    // Kubernetes compares the unrounded int64Amount{1e18-1, -17} (9.99999999999999999) below 10; a quantity here holds
    // whole nanounits, so it is 10, exactly what Kubernetes' own ParseQuantity("9.99999999999999999") yields.
    expect(dq(E18 - 1n, -17, DSI).cmp(dq(1n, 1, DSI))).toBe(0);
    expect(Quantity.parse('9.99999999999999999').toString()).toBe('10');
  });
});

describe('arithmetic (TestAdd, TestSub, TestNeg, TestQuantityNeg, TestQuantity{Add,Sub}ZeroPreservesSuffix)', () => {
  const zero = Quantity.zero('DecimalSI'); // Kubernetes' Quantity{Format: DecimalSI}

  // [a, b, a + b, format of the sum (the receiver's, or b's when a is zero — quantity.go Add)]
  it.each([
    [dq(10, 0, DSI), dq(1, 1, DSI), dq(20, 0, DSI), DSI],
    [dq(10, 0, DSI), dq(1, 0, BSI), dq(11, 0, DSI), DSI],
    [dq(10, 0, BSI), dq(1, 0, DSI), dq(11, 0, BSI), BSI],
    [zero, dq(50, 0, DSI), dq(50, 0, DSI), DSI],
    [dq(50, 0, DSI), zero, dq(50, 0, DSI), DSI],
    [zero, zero, dq(0, 0, DSI), DSI],
  ] as const)('TestAdd %#: %s + %s = %s', (a, b, sum, format) => {
    const got = a.add(b);
    expect(got.equals(sum)).toBe(true);
    expect(got.format).toBe(format);
  });

  it.each([
    [dq(10, 0, DSI), dq(1, 1, DSI), dq(0, 0, DSI), DSI],
    [dq(10, 0, DSI), dq(1, 0, BSI), dq(9, 0, DSI), DSI],
    [dq(10, 0, BSI), dq(1, 0, DSI), dq(9, 0, BSI), BSI],
    [zero, dq(50, 0, DSI), dq(-50, 0, DSI), DSI],
    [dq(50, 0, DSI), zero, dq(50, 0, DSI), DSI],
    [zero, zero, dq(0, 0, DSI), DSI],
  ] as const)('TestSub %#: %s - %s = %s', (a, b, difference, format) => {
    const got = a.sub(b);
    expect(got.equals(difference)).toBe(true);
    expect(got.format).toBe(format);
  });

  it.each([
    [dq(0, 0, DSI), dq(0, 0, DSI)],
    [dq(10, 0, BSI), dq(-10, 0, BSI)],
    [dq(-10, 0, BSI), dq(10, 0, BSI)],
  ] as const)('TestNeg %#: -(%s) = %s', (a, expected) => {
    expect(a.neg().equals(expected)).toBe(true);
    expect(a.neg().format).toBe(a.format);
  });

  it('negates 9.01 to -9010m without touching the source (TestQuantityNeg)', () => {
    const q = dq(901, -2, DSI);
    expect(q.neg().toString()).toBe('-9010m');
    expect(q.toString()).toBe('9010m');
  });

  it.each(['100m', '1Gi'])('keeps the suffix of %s when adding or subtracting zero', (text) => {
    const value = Quantity.parse(text);
    const zeroQ = Quantity.parse('0');
    expect(value.add(zeroQ).toString()).toBe(text);
    expect(zeroQ.add(value).toString()).toBe(text);
    expect(value.sub(zeroQ).toString()).toBe(text);
    expect(zeroQ.sub(value).toString()).toBe(value.neg().toString());
  });

  it('keeps the receiver format for mixed formats, as Kubernetes Add does', () => {
    expect(Quantity.parse('1Gi').add(Quantity.parse('1G')).toString()).toBe('2073741824');
    expect(Quantity.parse('1G').add(Quantity.parse('1Gi')).toString()).toBe('2073741824');
    expect(Quantity.parse('1Gi').add(Quantity.parse('1Gi')).toString()).toBe('2Gi');
    expect(Quantity.parse('512Mi').add(Quantity.parse('0.5Gi')).toString()).toBe('1Gi');
    expect(Quantity.parse('1e3').add(Quantity.parse('1k')).toString()).toBe('2e3');
    expect(Quantity.parse('1k').add(Quantity.parse('1e3')).toString()).toBe('2k');
    expect(Quantity.parse('1Ki').sub(Quantity.parse('1')).toString()).toBe('1023');
    expect(Quantity.parse('2Ki').sub(Quantity.parse('500m')).toString()).toBe('2047500m');
  });
});

describe('grammar and errors', () => {
  it.each([
    // TestQuantityParse's invalid list
    '1.1.M',
    '1+1.0M',
    '0.1mi',
    '0.1am',
    'aoeu',
    '.5i',
    '1i',
    '-3.01i',
    '-3.01e-',
    ' 1',
    '1 ',
    // TestQuantityParse (empty), TestQuantityParseNonNumericPanic, TestQuantityValueSet
    '',
    'Non-Numeric',
    'invalid',
    // common mistakes
    '1.2.3',
    '1Qi',
    '1 Gi',
    '1e',
    '1E+',
    '1e1.5',
    '1e3m',
    '--1',
    '+-1',
    '1KiB',
    '1GB',
    '1ki',
    '1K',
    '1mi',
    '0x10',
    '1_000',
    '1,5',
    'NaN',
    'Infinity',
    '∞',
    '1e99999999999', // the exponent does not fit in 32 bits (kubernetes/kubernetes#141203)
    // digit-less text: Kubernetes' scanner reads these as zero, the documented grammar (and this module) does not
    'Gi',
    'm',
    '.',
    '-',
    '+',
    '-.',
    'e3',
  ])('rejects %j with INVALID_QUANTITY, quoting it', (text) => {
    const error = errorOf(() => Quantity.parse(text));
    expect(error.code).toBe('INVALID_QUANTITY');
    expect(error.input).toBe(text);
    expect(error.message).toContain(JSON.stringify(text));
    expect(error.message).toContain('"500m", "1.5", "2Gi" or "1e3"');
  });

  it('explains what is wrong', () => {
    expect(errorOf(() => parseQuantity('1KiB')).message).toContain('drop the "B"');
    expect(errorOf(() => parseQuantity('1ki')).message).toContain('did you mean "Ki"');
    expect(errorOf(() => parseQuantity('1 Gi')).message).toContain('whitespace');
    expect(errorOf(() => parseQuantity('Gi')).message).toContain('needs a number before it');
    expect(errorOf(() => parseQuantity('1e')).message).toContain('no digits');
    expect(errorOf(() => parseQuantity('1.2.3')).message).toContain('more than one decimal point');
  });

  it('is a SimArenaError-style error with a stable code', () => {
    const error = errorOf(() => parseQuantity('1Qi'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('QuantityError');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects the number %s', (n) => {
    expect(errorOf(() => Quantity.parse(n)).code).toBe('INVALID_QUANTITY');
  });

  it('refuses magnitudes of 10^1000 and more, and rounds tiny ones up to 1n', () => {
    expect(errorOf(() => parseQuantity('1e1000')).code).toBe('QUANTITY_OUT_OF_RANGE');
    expect(errorOf(() => parseQuantity(`1${'0'.repeat(1000)}`)).code).toBe('QUANTITY_OUT_OF_RANGE');
    expect(errorOf(() => Quantity.fromScaled(1n, 5000)).code).toBe('QUANTITY_OUT_OF_RANGE');
    expect(parseQuantity('9.99e999').toString()).toBe('9990e996');
    expect(parseQuantity('1e-1000000').toString()).toBe('1e-9');
    expect(parseQuantity('-1e-2147483648').toString()).toBe('-1e-9');
    expect(parseQuantity('0e2147483647').toString()).toBe('0');
  });

  it('rejects unknown formats', () => {
    const bogus = 'invalidFormatDefaultsToExponent' as QuantityFormat; // TestMilliNewSet; Kubernetes falls back
    expect(errorOf(() => Quantity.fromMillis(1n, bogus)).code).toBe('INVALID_QUANTITY_FORMAT');
    expect(errorOf(() => Quantity.parse('1').withFormat(bogus)).code).toBe('INVALID_QUANTITY_FORMAT');
  });

  it('accepts every documented spelling', () => {
    for (const text of [
      '1',
      '+1',
      '-1',
      '1.',
      '.5',
      '1.5',
      '007',
      '1e3',
      '1E3',
      '1e+3',
      '1e-3',
      '1E-03',
      '1.5e2',
    ]) {
      expect(() => Quantity.parse(text)).not.toThrow();
    }
  });

  it('prints past the largest suffix in exponent form (kubernetes/kubernetes#140459)', () => {
    expect(parseQuantity('1000E').toString()).toBe('1e21');
    expect(parseQuantity('1000E').format).toBe('DecimalSI');
    expect(parseQuantity('12345E').toString()).toBe('12345E');
    expect(parseQuantity('12345000E').toString()).toBe('12345e21');
    expect(Quantity.fromBytes(1024n ** 7n).toString()).toBe('1180591620717411303424');
    expect(dq(1, 70, BSI).toString()).toBe('10e69');
    // BinarySI stays within its suffixes up to Ei; re-parsing caps at 2^63-1 as Kubernetes does
    expect(parseQuantity('4Ei').add(parseQuantity('4Ei')).toString()).toBe('8Ei');
    expect(parseQuantity('8Ei').toString()).toBe('9223372036854775807');
  });
});

describe('exactness: no floating-point drift', () => {
  it('reads 0.1 CPU as exactly 100m, and ten of them make exactly 1', () => {
    const tenth = Quantity.parse('0.1');
    expect(tenth.toString()).toBe('100m');
    expect(cpuMillis(tenth)).toBe(100n);
    expect(Quantity.parse(0.1).equals(tenth)).toBe(true);
    let sum = Quantity.zero();
    for (let i = 0; i < 10; i++) sum = sum.add(tenth);
    expect(sum.toString()).toBe('1');
    expect(sum.equals(Quantity.parse('1'))).toBe(true);
    expect(Quantity.parse(0.1).add(Quantity.parse(0.2)).equals(Quantity.parse('0.3'))).toBe(true);
  });

  it('reads k/1000 written as a JS number as exactly k millis', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (k) => {
        expect(cpuMillis(k / 1000)).toBe(BigInt(k));
      }),
    );
  });

  it('reads safe integers exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(Quantity.parse(n).value()).toBe(BigInt(n));
        expect(memoryBytes(n)).toBe(BigInt(n));
      }),
    );
  });

  it('has cpuMillis and memoryBytes round up to whole millicores and bytes', () => {
    expect(cpuMillis('250m')).toBe(250n);
    expect(cpuMillis('1.5')).toBe(1500n);
    expect(cpuMillis('100u')).toBe(1n);
    expect(cpuMillis('1n')).toBe(1n);
    expect(cpuMillis('2')).toBe(2000n);
    expect(memoryBytes('1.5Ki')).toBe(1536n);
    expect(memoryBytes('1.1Ki')).toBe(1127n);
    expect(memoryBytes('128974848')).toBe(128974848n);
    expect(memoryBytes('129e6')).toBe(129000000n);
    expect(memoryBytes('123Mi')).toBe(128974848n);
    expect(memoryBytes('500m')).toBe(1n);
    expect(memoryBytes(Quantity.parse('2Gi'))).toBe(2n * 1024n ** 3n);
  });

  it('agrees with the exact value for cpuMillis and memoryBytes', () => {
    fc.assert(
      fc.property(quantityArb, (q) => {
        const nanos = q.nanoValue();
        const millis = cpuMillis(q);
        const bytes = memoryBytes(q);
        if (nanos >= 0n) {
          // the smallest whole number of millicores (bytes) that is at least the value
          expect(millis * 1_000_000n >= nanos && (millis - 1n) * 1_000_000n < nanos).toBe(true);
          expect(bytes * 1_000_000_000n >= nanos && (bytes - 1n) * 1_000_000_000n < nanos).toBe(true);
        } else {
          expect(cpuMillis(q.neg())).toBe(-millis);
          expect(memoryBytes(q.neg())).toBe(-bytes);
        }
        expect(cpuMillis(Quantity.fromMillis(millis)).toString()).toBe(millis.toString());
        expect(memoryBytes(Quantity.fromBytes(bytes))).toBe(bytes);
      }),
    );
  });
});

describe('properties', () => {
  /**
   * parse(toString(q)) has q's value, and toString is a fixed point of parse∘toString. The one exception is inherited
   * from Kubernetes: a BinarySI quantity that no binary suffix divides prints as plain digits ("15625000"), which
   * parse back as DecimalSI and then print with a decimal suffix ("15625k"); from there on the text is stable.
   */
  function checkRoundTrip(q: Quantity): void {
    const printed = q.toString();
    const reparsed = Quantity.parse(printed);
    expect(reparsed.equals(q)).toBe(true);
    const reprinted = reparsed.toString();
    if (q.format !== 'BinarySI' || /[KMGTPE]i$/.test(printed)) expect(reprinted).toBe(printed);
    expect(Quantity.parse(reprinted).toString()).toBe(reprinted);
    expect(JSON.parse(JSON.stringify(q))).toBe(printed);
  }

  it('parse(toString(q)) equals q and toString is a fixed point (parsed texts)', () => {
    fc.assert(
      fc.property(quantityTextArb, (text) => checkRoundTrip(Quantity.parse(text))),
      { numRuns: 2000 },
    );
  });

  it('parse(toString(q)) equals q and toString is a fixed point (any quantity)', () => {
    fc.assert(fc.property(quantityArb, checkRoundTrip), { numRuns: 2000 });
  });

  it('prints a BinarySI value no binary suffix divides as plain digits, as Kubernetes does', () => {
    expect(Quantity.fromBytes(15625000n).toString()).toBe('15625000');
    expect(Quantity.parse('15625000').toString()).toBe('15625k');
    expect(Quantity.fromBytes(2000n).toString()).toBe('2000');
    expect(Quantity.fromBytes(1000n).toString()).toBe('1k'); // below 1Ki BinarySI prints as DecimalSI
  });

  it('prints canonically: no fraction, no leading zeros, the largest suffix that keeps it whole', () => {
    fc.assert(
      fc.property(quantityArb, (q) => {
        const printed = q.toString();
        expect(printed).toMatch(/^(0|-?[1-9]\d*(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e-?\d+)?)$/);
        const exponent = /e(-?\d+)$/.exec(printed);
        if (exponent !== null) expect(Math.abs(Number(exponent[1]) % 3)).toBe(0);
        if (/^-?\d+$/.test(printed) && q.format !== 'BinarySI') expect(printed).not.toMatch(/000$/);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps BinarySI wherever Kubernetes does', () => {
    fc.assert(
      fc.property(fc.bigInt(1n, 2n ** 30n - 1n), fc.integer({ min: 1, max: 4 }), (m, power) => {
        const q = Quantity.fromBytes(m * 1024n ** BigInt(power));
        expect(q.toString()).toMatch(/^\d+(Ki|Mi|Gi|Ti|Pi|Ei)$/);
      }),
    );
  });

  it('cmp is a total order consistent with equals and with the sign of sub', () => {
    fc.assert(
      fc.property(quantityArb, quantityArb, quantityArb, (a, b, c) => {
        expect(a.cmp(a)).toBe(0);
        expect(a.cmp(b)).toBe(opposite(b.cmp(a)));
        expect(a.cmp(b)).toBe(a.sub(b).sign());
        expect(a.equals(b)).toBe(a.cmp(b) === 0);
        if (a.cmp(b) <= 0 && b.cmp(c) <= 0) expect(a.cmp(c)).toBeLessThanOrEqual(0);
        const [low, middle, high] = [a, b, c].sort((x, y) => x.cmp(y));
        expect(low!.cmp(middle!)).toBeLessThanOrEqual(0);
        expect(middle!.cmp(high!)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('add is commutative and associative, a + b - b = a, a - a = 0', () => {
    fc.assert(
      fc.property(quantityArb, quantityArb, quantityArb, (a, b, c) => {
        expect(a.add(b).equals(b.add(a))).toBe(true);
        expect(
          a
            .add(b)
            .add(c)
            .equals(a.add(b.add(c))),
        ).toBe(true);
        expect(a.add(b).sub(b).equals(a)).toBe(true);
        expect(a.sub(a).isZero()).toBe(true);
        expect(a.add(a.neg()).isZero()).toBe(true);
        expect(a.neg().neg().equals(a)).toBe(true);
        expect(a.sub(b).equals(a.add(b.neg()))).toBe(true);
      }),
    );
  });

  it('keeps the receiver format, or takes the other one when the receiver is zero', () => {
    fc.assert(
      fc.property(quantityArb, quantityArb, (a, b) => {
        const expected = a.isZero() ? b.format : a.format;
        expect(a.add(b).format).toBe(expected);
        expect(a.sub(b).format).toBe(expected);
        expect(a.neg().format).toBe(a.format);
      }),
    );
  });

  it('sign, isZero and withFormat agree with the value', () => {
    fc.assert(
      fc.property(quantityArb, fc.constantFrom(...QUANTITY_FORMATS), (q, format) => {
        const n = q.nanoValue();
        expect(q.sign()).toBe(n > 0n ? 1 : n < 0n ? -1 : 0);
        expect(q.isZero()).toBe(n === 0n);
        const reformatted = q.withFormat(format);
        expect(reformatted.equals(q)).toBe(true);
        expect(reformatted.format).toBe(format);
      }),
    );
  });

  it('is immutable', () => {
    const q = Quantity.parse('1Gi');
    expect(Object.isFrozen(q)).toBe(true);
    q.add(Quantity.parse('1Gi'));
    expect(q.toString()).toBe('1Gi');
  });
});
