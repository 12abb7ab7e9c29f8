/** Validation of command-line options with zod: a bad value becomes a commander error naming the option. */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/**
 * A commander argument parser from a zod schema: `--seed <n>` with `zodOption(z.coerce.number().int().min(0))`.
 * The zod message becomes commander's "error: option '--seed <n>' argument 'x' is invalid. …".
 */
export function zodOption<T>(schema: z.ZodType<T>): (value: string) => T {
  return (value) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  };
}

/** A non-negative integer option (`--episodes`, `--seed`, `--count`…). */
export const nonNegativeIntegerOption = zodOption(
  z.coerce
    .number({ error: 'expected a non-negative integer' })
    .int('expected a non-negative integer')
    .min(0, 'expected a non-negative integer'),
);
