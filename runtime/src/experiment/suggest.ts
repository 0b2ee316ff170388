/**
 * "Did you mean …" for misspelt keys and ids: the closest candidate by edit distance, when it is
 * close enough to be a plausible typo (and not merely the shortest word in the list).
 */
import { levenshtein } from "../util/levenshtein.js";

/** Case, `_` and `-` do not count: `learning_rate` and `LearningRate` both mean `learningRate`. */
function normalise(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, "");
}

/**
 * The candidate closest to `word`, or undefined when none is within a third of the word's
 * length (at least 2 edits) or abbreviates it, compared after normalising case and separators.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = normalise(c);
    // An abbreviated key ("hyperparams") is a typo too, however many letters are missing: it is
    // within one edit of the candidate's beginning.
    const abbreviation = w.length >= 5 && n.length > w.length && levenshtein(w, n.slice(0, w.length)) <= 1;
    const d = abbreviation ? Math.min(1, levenshtein(w, n)) : levenshtein(w, n);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(w.length / 3));
  return bestDistance <= allowed ? best : undefined;
}
