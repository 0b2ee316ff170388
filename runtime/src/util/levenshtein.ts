/**
 * Levenshtein edit distance: the least number of single-character insertions, deletions and
 * substitutions turning `a` into `b` (Wagner–Fischer dynamic programme, two rows).
 * Pure and case-sensitive; callers lower-case first when they want case-insensitive matching.
 * Used for "did you mean …?" suggestions (env ids, hyperparameter names, CLI verbs).
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Iterate over the longer string in the outer loop so the rows have the shorter length.
  if (a.length < b.length) [a, b] = [b, a];
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = previous[j]! + 1;
      const insertion = current[j - 1]! + 1;
      current[j] = Math.min(substitution, deletion, insertion);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}
