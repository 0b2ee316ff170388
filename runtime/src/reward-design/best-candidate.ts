/**
 * Which of two evolution candidates Eureka keeps: the higher task fitness; on a tie the one seen
 * first; a candidate without a (finite) fitness never wins. The runtime picks the winner with it and
 * the evolution page marks the best so far with it, so the two always agree. No imports: the
 * webview bundles it.
 */
export function isBetter(r: { fitness: number | null }, best: { fitness: number | null } | null): boolean {
  if (r.fitness === null || !Number.isFinite(r.fitness)) return false;
  return best === null || best.fitness === null || r.fitness > best.fitness;
}
