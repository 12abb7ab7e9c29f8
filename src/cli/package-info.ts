/** The package's own name and version, read from its package.json (from the sources or from dist/). */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const packageJson = z.object({ name: z.string(), version: z.string() });

/** The name and version of the installed sim-arena package. */
export function packageInfo(): z.infer<typeof packageJson> {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = packageJson.parse(JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')));
      if (parsed.name === 'sim-arena') return parsed;
    } catch {
      // not at this depth: try the next one
    }
  }
  throw new Error('sim-arena: cannot find its own package.json next to the CLI; reinstall the package');
}
