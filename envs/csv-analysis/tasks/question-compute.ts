/**
 * The TypeScript computation of a question's answer, independent of pandas (simple-statistics for the statistics,
 * whose definitions match the wording: sample standard deviation with n − 1, quantiles by linear interpolation,
 * Pearson's r), and the gold answer made from it. A computation also says when the question is ambiguous on this data
 * (a tie for the top group, a value on a rounding boundary…): such a question is not asked.
 */
import {
  max,
  mean,
  median,
  min,
  quantile,
  sampleCorrelation,
  sampleStandardDeviation,
  sum,
} from 'simple-statistics';
import type { Gold, ScalarGold } from './answers.js';
import type { Cell, Table, TableColumn } from './csv-table.js';
import { TaskError } from './errors.js';
import { isInteger, isRoundedNumber, type QuestionSpec } from './question-spec.js';

/** A raw answer, before rounding: what pandas' expression evaluates to, as JSON. */
export type RawAnswer =
  | number
  | string
  | boolean
  | readonly (string | number)[]
  | { readonly minimum: number; readonly maximum: number };

/** An answer computed in TypeScript, or why the question is ambiguous on this data. */
export type Computed = { readonly value: RawAnswer } | { readonly ambiguous: string };

/** Relative gap under which two numbers are a tie (a group argmax, a comparison of means). */
const TIE = 1e-9;
/** How close to a half a scaled value must be to sit on a rounding boundary. */
const HALF = 1e-6;

function columnOf(table: Table, name: string): TableColumn {
  const found = table.columns.find((c) => c.name === name);
  if (found === undefined) {
    throw new TaskError(
      'COLUMN_MISMATCH',
      `the dataset has no column ${JSON.stringify(name)}; its columns are ${table.columns.map((c) => JSON.stringify(c.name)).join(', ')}`,
    );
  }
  return found;
}

function numbersOf(table: Table, name: string): number[] {
  const column = columnOf(table, name);
  if (column.dtype !== 'int64' && column.dtype !== 'float64') {
    throw new TaskError(
      'COLUMN_MISMATCH',
      `column ${JSON.stringify(name)} is ${column.dtype}, not numeric: the question needs numbers`,
    );
  }
  return column.values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
}

const present = (values: readonly Cell[]) => values.filter((v): v is string | number | boolean => v !== null);

/** Whether rounding `value` to `decimals` is ambiguous (the value sits on a half). */
function onRoundingBoundary(value: number, decimals: number): boolean {
  const scaled = Math.abs(value) * 10 ** decimals;
  return Math.abs(scaled - Math.floor(scaled) - 0.5) < HALF;
}

function rounded(value: number, decimals: number, what: string): Computed {
  if (!Number.isFinite(value)) return { ambiguous: `the ${what} is not a finite number` };
  if (onRoundingBoundary(value, decimals)) {
    return { ambiguous: `the ${what} ${value} lies on a rounding boundary at ${decimals} decimals` };
  }
  return { value };
}

function isoDay(text: string): number {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

function datesOf(table: Table, name: string): string[] {
  const values = present(columnOf(table, name).values);
  if (!values.every((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v))) {
    throw new TaskError('COLUMN_MISMATCH', `column ${JSON.stringify(name)} does not hold YYYY-MM-DD dates`);
  }
  return (values as string[]).sort();
}

/** Counts of each present value, most frequent first (ties in first-seen order). */
function valueCounts(values: readonly Cell[]): [string | number, number][] {
  const counts = new Map<string | number | boolean, number>();
  for (const v of present(values)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .map(([k, n]): [string | number, number] => [typeof k === 'boolean' ? String(k) : k, n])
    .sort((a, b) => b[1] - a[1]);
}

function groupMeans(table: Table, by: string, name: string): [string | number, number][] {
  const keys = columnOf(table, by).values;
  numbersOf(table, name);
  const values = columnOf(table, name).values;
  const groups = new Map<string | number, number[]>();
  keys.forEach((key, i) => {
    const value = values[i];
    if (key === null || typeof key === 'boolean' || typeof value !== 'number') return;
    const group = groups.get(key) ?? [];
    group.push(value);
    groups.set(key, group);
  });
  return [...groups.entries()].map(([key, xs]): [string | number, number] => [key, mean(xs)]);
}

function extreme(means: [string | number, number][], sign: 1 | -1, what: string): Computed {
  const sorted = [...means].sort((a, b) => sign * (b[1] - a[1]));
  const [first, second] = sorted;
  if (first === undefined) return { ambiguous: `no group has a ${what}` };
  if (second !== undefined && Math.abs(first[1] - second[1]) <= TIE * Math.max(1, Math.abs(first[1]))) {
    return {
      ambiguous: `groups ${JSON.stringify(first[0])} and ${JSON.stringify(second[0])} tie on the ${what}`,
    };
  }
  return { value: first[0] };
}

function aggregate(kind: 'mean' | 'median' | 'std' | 'min' | 'max' | 'sum', xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  switch (kind) {
    case 'mean':
      return mean(xs);
    case 'median':
      return median(xs);
    case 'std':
      return xs.length < 2 ? Number.NaN : sampleStandardDeviation(xs);
    case 'min':
      return min(xs);
    case 'max':
      return max(xs);
    case 'sum':
      return sum(xs);
  }
}

function correlation(table: Table, a: string, b: string): number {
  numbersOf(table, a);
  numbersOf(table, b);
  const xs: number[] = [];
  const ys: number[] = [];
  const left = columnOf(table, a).values;
  const right = columnOf(table, b).values;
  left.forEach((x, i) => {
    const y = right[i];
    if (typeof x === 'number' && typeof y === 'number') {
      xs.push(x);
      ys.push(y);
    }
  });
  if (xs.length < 3 || new Set(xs).size < 2 || new Set(ys).size < 2) return Number.NaN;
  return sampleCorrelation(xs, ys);
}

/**
 * Computes the answer of `spec` on `table`, the way the question's wording defines it.
 * @throws TaskError `COLUMN_MISMATCH` when a column is missing or of the wrong type.
 */
export function computeAnswer(spec: QuestionSpec, table: Table): Computed {
  switch (spec.kind) {
    case 'mean':
    case 'median':
    case 'std':
    case 'min':
    case 'max':
    case 'sum':
      return rounded(aggregate(spec.kind, numbersOf(table, spec.column)), spec.decimals, spec.kind);
    case 'quantile': {
      const xs = numbersOf(table, spec.column);
      return rounded(xs.length === 0 ? Number.NaN : quantile(xs, spec.q), spec.decimals, 'quantile');
    }
    case 'correlation':
      return rounded(correlation(table, spec.column, spec.other), spec.decimals, 'correlation');
    case 'count_greater':
      return { value: numbersOf(table, spec.column).filter((x) => x > spec.threshold).length };
    case 'count_equal':
      return { value: present(columnOf(table, spec.column).values).filter((v) => v === spec.value).length };
    case 'count_true':
      return { value: columnOf(table, spec.column).values.filter((v) => v === true).length };
    case 'missing_count':
      return { value: columnOf(table, spec.column).values.filter((v) => v === null).length };
    case 'distinct_count':
      return { value: new Set(present(columnOf(table, spec.column).values)).size };
    case 'group_argmax':
      return extreme(groupMeans(table, spec.by, spec.column), 1, `highest mean of ${spec.column}`);
    case 'group_argmin':
      return extreme(groupMeans(table, spec.by, spec.column), -1, `lowest mean of ${spec.column}`);
    case 'top_k': {
      const counts = valueCounts(columnOf(table, spec.column).values).slice(0, spec.k + 1);
      if (counts.length < spec.k) return { ambiguous: `fewer than ${spec.k} distinct values` };
      const tie = counts.findIndex((c, i) => i > 0 && c[1] === counts[i - 1]?.[1]);
      if (tie > 0) return { ambiguous: `values ranked ${tie} and ${tie + 1} are equally frequent` };
      return { value: counts.slice(0, spec.k).map(([value]) => value) };
    }
    case 'date_min':
      return { value: datesOf(table, spec.column)[0] ?? '' };
    case 'date_max':
      return { value: datesOf(table, spec.column).at(-1) ?? '' };
    case 'date_span': {
      const dates = datesOf(table, spec.column);
      if (dates.length === 0) return { ambiguous: 'the column has no date' };
      return { value: isoDay(dates.at(-1) as string) - isoDay(dates[0] as string) };
    }
    case 'min_max': {
      const xs = numbersOf(table, spec.column);
      const low = rounded(aggregate('min', xs), spec.decimals, 'minimum');
      const high = rounded(aggregate('max', xs), spec.decimals, 'maximum');
      if ('ambiguous' in low) return low;
      if ('ambiguous' in high) return high;
      return { value: { minimum: low.value as number, maximum: high.value as number } };
    }
    case 'compare_means': {
      const a = aggregate('mean', numbersOf(table, spec.column));
      const b = aggregate('mean', numbersOf(table, spec.other));
      if (!Number.isFinite(a) || !Number.isFinite(b)) return { ambiguous: 'a mean is not a finite number' };
      if (Math.abs(a - b) <= TIE * Math.max(1, Math.abs(a), Math.abs(b)))
        return { ambiguous: 'the means tie' };
      return { value: a > b };
    }
  }
}

function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals)) + 0;
}

function scalarGold(value: string | number | boolean): ScalarGold {
  if (typeof value === 'number') return { type: 'number', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  return { type: 'string', value };
}

/** The gold answer of `spec` from its raw answer: rounded as the question asks, typed as the answer format says. */
export function goldOf(spec: QuestionSpec, raw: RawAnswer): Gold {
  if (isRoundedNumber(spec))
    return { type: 'number', value: roundTo(raw as number, spec.decimals), decimals: spec.decimals };
  if (isInteger(spec)) return { type: 'number', value: raw as number, decimals: 0 };
  switch (spec.kind) {
    case 'top_k':
      return { type: 'list', items: (raw as (string | number)[]).map(scalarGold), ordered: true };
    case 'min_max': {
      const { minimum, maximum } = raw as { minimum: number; maximum: number };
      const part = (value: number) => ({
        type: 'number' as const,
        value: roundTo(value, spec.decimals),
        decimals: spec.decimals,
      });
      return {
        type: 'parts',
        parts: [
          { name: 'minimum', answer: part(minimum) },
          { name: 'maximum', answer: part(maximum) },
        ],
      };
    }
    default:
      return scalarGold(raw as string | number | boolean);
  }
}
