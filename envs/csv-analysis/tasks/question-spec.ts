/**
 * Question kinds: the machine-readable form of a generated question (a `QuestionSpec`) and its wording. Each kind has
 * one template whose text pins the method (ddof, missing values, interpolation, rounding); the same template renders a
 * spec as a question and reads a question back into its spec, so a reader of the question (a scripted solver) recovers
 * exactly what was asked.
 */
import { z } from 'zod';

/** Every kind of generated question. */
export const QUESTION_KINDS = [
  'mean',
  'median',
  'std',
  'min',
  'max',
  'sum',
  'quantile',
  'count_greater',
  'count_equal',
  'count_true',
  'group_argmax',
  'group_argmin',
  'top_k',
  'correlation',
  'missing_count',
  'distinct_count',
  'date_min',
  'date_max',
  'date_span',
  'min_max',
  'compare_means',
] as const;

/** A kind of generated question. */
export type QuestionKind = (typeof QUESTION_KINDS)[number];

const column = z.string().min(1);
const decimals = z.int().min(0).max(10);
const literal = <K extends QuestionKind>(kind: K) => z.literal(kind);

/** The aggregate kinds: one numeric column, an answer rounded to `decimals`. */
export const AGGREGATE_KINDS = ['mean', 'median', 'std', 'min', 'max', 'sum'] as const;

/** A generated question, as data: its kind and parameters. */
export const QuestionSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(AGGREGATE_KINDS), column, decimals }),
  z.strictObject({ kind: literal('quantile'), column, q: z.number().gt(0).lt(1), decimals }),
  z.strictObject({ kind: literal('count_greater'), column, threshold: z.number() }),
  z.strictObject({ kind: literal('count_equal'), column, value: z.union([z.string(), z.number()]) }),
  z.strictObject({ kind: literal('count_true'), column }),
  z.strictObject({ kind: z.enum(['group_argmax', 'group_argmin']), by: column, column }),
  z.strictObject({ kind: literal('top_k'), column, k: z.int().min(1).max(10) }),
  z.strictObject({ kind: literal('correlation'), column, other: column, decimals }),
  z.strictObject({ kind: z.enum(['missing_count', 'distinct_count']), column }),
  z.strictObject({ kind: z.enum(['date_min', 'date_max']), column }),
  z.strictObject({ kind: literal('date_span'), column }),
  z.strictObject({ kind: literal('min_max'), column, decimals }),
  z.strictObject({ kind: literal('compare_means'), column, other: column }),
]);

/** {@link QuestionSpecSchema}. */
export type QuestionSpec = z.infer<typeof QuestionSpecSchema>;
/** The spec of one kind. */
export type SpecOf<K extends QuestionKind> = Extract<QuestionSpec, { kind: K }>;

const ROUND = 'Round to {decimals} decimal places.';
const aggregate = (what: string) =>
  `What is the ${what} of column {column}, ignoring missing values? ${ROUND}`;

/** The template of each kind: `{field}` is replaced by the spec's field (names and strings as JSON strings). */
export const TEMPLATES: Readonly<Record<QuestionKind, string>> = {
  mean: aggregate('mean'),
  median: aggregate('median'),
  std: aggregate('sample standard deviation (ddof=1)'),
  min: aggregate('smallest value'),
  max: aggregate('largest value'),
  sum: aggregate('sum'),
  quantile:
    'What is the {q} quantile of column {column} (linear interpolation between data points, as pandas does by default), ignoring missing values? ' +
    ROUND,
  count_greater:
    'How many rows have a value greater than {threshold} in column {column}? Rows where it is missing do not count.',
  count_equal: 'How many rows have exactly the value {value} in column {column}?',
  count_true: 'How many rows have the value True in column {column}?',
  group_argmax:
    'Grouping the rows by column {by}, which group has the highest mean of column {column}? Ignore missing values in both columns and answer with the value of {by} that names the group.',
  group_argmin:
    'Grouping the rows by column {by}, which group has the lowest mean of column {column}? Ignore missing values in both columns and answer with the value of {by} that names the group.',
  top_k:
    'What are the {k} most frequent values of column {column}, most frequent first? Ignore missing values and answer as a comma-separated list.',
  correlation:
    'What is the Pearson correlation coefficient between columns {column} and {other}, using only the rows where both are present? ' +
    ROUND,
  missing_count: 'How many missing values does column {column} have?',
  distinct_count: 'How many distinct values does column {column} have, not counting missing values?',
  date_min: 'What is the earliest date in column {column}? Answer as YYYY-MM-DD.',
  date_max: 'What is the latest date in column {column}? Answer as YYYY-MM-DD.',
  date_span: 'How many days are there between the earliest and the latest date in column {column}?',
  min_max:
    'What are the smallest and the largest values of column {column}, ignoring missing values? Answer as @minimum[value] @maximum[value], each rounded to {decimals} decimal places.',
  compare_means:
    'Is the mean of column {column} greater than the mean of column {other}, ignoring missing values? Answer yes or no.',
};

/** How each placeholder is written and read. */
const FIELD_PATTERNS: Readonly<Record<string, string>> = {
  column: '"(?:[^"\\\\]|\\\\.)*"',
  other: '"(?:[^"\\\\]|\\\\.)*"',
  by: '"(?:[^"\\\\]|\\\\.)*"',
  value: '"(?:[^"\\\\]|\\\\.)*"|-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?',
  decimals: '\\d+',
  k: '\\d+',
  q: '-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?',
  threshold: '-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?',
};

const PLACEHOLDER = /\{(\w+)\}/g;

function writeField(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The question text of a spec. */
export function renderQuestion(spec: QuestionSpec): string {
  const fields = spec as unknown as Record<string, unknown>;
  return TEMPLATES[spec.kind].replace(PLACEHOLDER, (_, field: string) => writeField(fields[field]));
}

interface Reader {
  readonly kind: QuestionKind;
  readonly pattern: RegExp;
  /** The field of each capture group, in order; a field used twice is captured once and back-referenced. */
  readonly fields: readonly string[];
}

function compileReader(kind: QuestionKind): Reader {
  const template = TEMPLATES[kind];
  const fields: string[] = [];
  let source = '^';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    source += template.slice(last, match.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const field = match[1] as string;
    const seen = fields.indexOf(field);
    source += seen >= 0 ? `\\${seen + 1}` : `(${FIELD_PATTERNS[field] as string})`;
    if (seen < 0) fields.push(field);
    last = (match.index as number) + match[0].length;
  }
  source += `${template.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  return { kind, pattern: new RegExp(source), fields };
}

const READERS: readonly Reader[] = QUESTION_KINDS.map(compileReader);

/** Reads a question written by {@link renderQuestion} back into its spec; undefined for any other text. */
export function parseQuestion(text: string): QuestionSpec | undefined {
  for (const reader of READERS) {
    const match = reader.pattern.exec(text.trim());
    if (match === null) continue;
    const spec: Record<string, unknown> = { kind: reader.kind };
    reader.fields.forEach((field, i) => {
      const raw = match[i + 1] as string;
      spec[field] = raw.startsWith('"') ? JSON.parse(raw) : Number(raw);
    });
    const parsed = QuestionSpecSchema.safeParse(spec);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** The columns a question reads. */
export function specColumns(spec: QuestionSpec): string[] {
  if ('by' in spec) return [spec.by, spec.column];
  if ('other' in spec) return [spec.column, spec.other];
  return [spec.column];
}

/** The kinds whose answer is one number rounded to `decimals`. */
export const ROUNDED_NUMBER_KINDS = [...AGGREGATE_KINDS, 'quantile', 'correlation'] as const;

/** A spec whose answer is one number rounded to `spec.decimals`. */
export type RoundedNumberSpec = Extract<QuestionSpec, { kind: (typeof ROUNDED_NUMBER_KINDS)[number] }>;

/** Whether the answer of `spec` is one number rounded to `spec.decimals`. */
export function isRoundedNumber(spec: QuestionSpec): spec is RoundedNumberSpec {
  return (ROUNDED_NUMBER_KINDS as readonly string[]).includes(spec.kind);
}

/** The kinds whose answer is an integer (a count, or a number of days). */
export const INTEGER_KINDS = [
  'count_greater',
  'count_equal',
  'count_true',
  'missing_count',
  'distinct_count',
  'date_span',
] as const;

/** A spec whose answer is an integer. */
export type IntegerSpec = Extract<QuestionSpec, { kind: (typeof INTEGER_KINDS)[number] }>;

/** Whether the answer of `spec` is an integer. */
export function isInteger(spec: QuestionSpec): spec is IntegerSpec {
  return (INTEGER_KINDS as readonly string[]).includes(spec.kind);
}

/** What the answer must look like, in a few words (shown to the agent beside the question). */
export function answerFormat(spec: QuestionSpec): string {
  if (isRoundedNumber(spec)) return `a number rounded to ${spec.decimals} decimal places`;
  if (isInteger(spec)) return 'an integer';
  switch (spec.kind) {
    case 'group_argmax':
    case 'group_argmin':
      return `a value of column ${JSON.stringify(spec.by)}`;
    case 'top_k':
      return `${spec.k} values of column ${JSON.stringify(spec.column)}, comma-separated, most frequent first`;
    case 'date_min':
    case 'date_max':
      return 'a date as YYYY-MM-DD';
    case 'min_max':
      return `@minimum[value] @maximum[value], numbers rounded to ${spec.decimals} decimal places`;
    case 'compare_means':
      return 'yes or no';
  }
}
