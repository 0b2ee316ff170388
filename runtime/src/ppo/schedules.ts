/**
 * Stable-Baselines3's linear schedules (RL Zoo's `lin_<value>`): value · progress_remaining, where
 * progress_remaining = 1 − num_timesteps / total_timesteps is updated after each rollout, before the
 * update that uses it (`OnPolicyAlgorithm.learn` → `_update_current_progress_remaining`).
 */

/** SB3's progress_remaining after `globalStep` of `totalTimesteps` steps, clamped to [0, 1]. */
export function progressRemaining(globalStep: number, totalTimesteps: number): number {
  return Math.min(1, Math.max(0, 1 - globalStep / totalTimesteps));
}

/** The clipping coefficient ε of the update after the rollout that reached `globalStep` (`annealClip`). */
export function annealedClipCoef(clipCoef: number, globalStep: number, totalTimesteps: number): number {
  return clipCoef * progressRemaining(globalStep, totalTimesteps);
}
