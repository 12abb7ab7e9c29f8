/** Validation of the keyword arguments handed to `make` (they may come from a CLI, a config file, a notebook). */
import type { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

/**
 * Parses `kwargs` with a zod schema; on failure throws `InvalidArgumentError` naming `what`, each offending field and
 * what was expected. Use strict object schemas so that a misspelt option is an error, not silently ignored.
 */
export function parseKwargs<T>(schema: z.ZodType<T>, kwargs: unknown, what: string): T {
  const parsed = schema.safeParse(kwargs);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(options)';
    return `${field}: ${issue.message}`;
  });
  throw new InvalidArgumentError(`invalid options for ${what}:\n- ${problems.join('\n- ')}`);
}
