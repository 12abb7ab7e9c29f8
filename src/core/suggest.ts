/** "Did you mean…?" suggestions for unknown names (environment ids, policy names, CLI values). */
import { distance } from 'fastest-levenshtein';

/** The `count` candidates closest to `query` by case-insensitive edit distance, closest first. */
export function closestNames(candidates: Iterable<string>, query: string, count = 3): string[] {
  const lowered = query.toLowerCase();
  return [...candidates]
    .map((candidate) => ({ candidate, score: distance(candidate.toLowerCase(), lowered) }))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
