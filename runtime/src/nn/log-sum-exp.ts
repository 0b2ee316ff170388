/**
 * log Σⱼ exp(x[offset + j]) over n entries, shifted by their maximum so no exp overflows: the
 * normaliser of a softmax (log π(a) = x_a − logSumExp). One piece for the actor's categorical head,
 * self-imitation's loss and TWOSOME's action scoring.
 */
export function logSumExp(x: ArrayLike<number>, offset = 0, n = x.length - offset): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, x[offset + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(x[offset + j]! - max);
  return max + Math.log(sum);
}
