/** fast-check arbitraries for Kubernetes resource quantities: valid texts of every suffix family, and `Quantity` values. */
import fc from 'fast-check';
import { QUANTITY_FORMATS, Quantity, type QuantityFormat } from '../../../envs/simkube/trace/quantity.js';

/** Decimal SI suffixes, "" (plain number) included. */
export const DECIMAL_SI_SUFFIXES: readonly string[] = ['n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];

/** Binary SI suffixes. */
export const BINARY_SI_SUFFIXES: readonly string[] = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Any of the three formats. */
export const quantityFormatArb: fc.Arbitrary<QuantityFormat> = fc.constantFrom(...QUANTITY_FORMATS);

function digits(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
}

/** The number part: "12", "1.5", "1.", ".5", with leading and trailing zeros now and then. */
export const quantityNumberTextArb: fc.Arbitrary<string> = fc.oneof(
  digits(1, 12),
  fc.tuple(digits(1, 10), digits(0, 10)).map(([int, frac]) => `${int}.${frac}`),
  digits(1, 12).map((frac) => `.${frac}`),
);

/** An exponent suffix: "e3", "E-6", "e+03". */
export const exponentSuffixArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.constantFrom('', '0'), fc.nat(30))
  .map(([e, sign, pad, n]) => `${e}${sign}${pad}${n}`);

/** Any suffix of the grammar. */
export const quantitySuffixArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...DECIMAL_SI_SUFFIXES),
  fc.constantFrom(...BINARY_SI_SUFFIXES),
  exponentSuffixArb,
);

/** A valid quantity text: optional sign, number, suffix of any family ("-1.5Gi", "+.5e-3", "250m", "7."). */
export const quantityTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', '+', '-'), quantityNumberTextArb, quantitySuffixArb)
  .map(([sign, number, suffix]) => `${sign}${number}${suffix}`);

/** Quantities built from exact parts, magnitudes up to 10^18 (inside Kubernetes' BinarySI cap), any format. */
export const scaledQuantityArb: fc.Arbitrary<Quantity> = fc
  .tuple(fc.bigInt(-(10n ** 15n), 10n ** 15n), fc.integer({ min: -12, max: 3 }), quantityFormatArb)
  .map(([unscaled, exponent, format]) => Quantity.fromScaled(unscaled, exponent, format));

/** Memory-like quantities: whole bytes times a power of 1024, BinarySI unless told otherwise. */
export const memoryQuantityArb: fc.Arbitrary<Quantity> = fc
  .tuple(fc.bigInt(-(2n ** 20n), 2n ** 20n), fc.integer({ min: 0, max: 4 }), quantityFormatArb)
  .map(([bytes, power, format]) => Quantity.fromBytes(bytes * 1024n ** BigInt(power), format));

/** CPU-like quantities: whole millicores, DecimalSI unless told otherwise. */
export const cpuQuantityArb: fc.Arbitrary<Quantity> = fc
  .tuple(fc.bigInt(-(10n ** 12n), 10n ** 12n), quantityFormatArb)
  .map(([millis, format]) => Quantity.fromMillis(millis, format));

/** Any quantity: parsed from a valid text, or built from parts, bytes or millicores. */
export const quantityArb: fc.Arbitrary<Quantity> = fc.oneof(
  quantityTextArb.map((text) => Quantity.parse(text)),
  scaledQuantityArb,
  memoryQuantityArb,
  cpuQuantityArb,
);
