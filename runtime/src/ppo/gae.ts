/**
 * Generalized Advantage Estimation (Schulman et al. 2016, eq. 16), as in CleanRL's ppo.py:
 *   δ_t = r_t + γ·V(s_{t+1})·(1 − done_t) − V(s_t)
 *   Â_t = δ_t + γλ·(1 − done_t)·Â_{t+1},   R_t = Â_t + V(s_t)
 *
 * Buffers are time-major, index t·numEnvs + e. `dones[t·N + e]` is 1 when env e's episode ended AT
 * step t (terminated or truncated; with same-step autoreset, s_{t+1} then belongs to a new episode).
 * Truncation is handled by the caller folding γ·V(final obs) into r_t before this runs.
 *
 * `gamma` may instead give each step its own discount (same index): the semi-MDP form TWOSOME uses
 * for macro-actions (twosome/overcooked/ppo_llm_pomdp.py: discount = γ^{macro_action_steps[t]}, in
 * both δ_t and the γλ factor), where step t's macro-action took several primitive steps.
 */
export function computeGae(
  rewards: Float64Array,
  values: Float64Array,
  dones: Uint8Array,
  nextValues: Float64Array,
  numSteps: number,
  numEnvs: number,
  gamma: number | ArrayLike<number>,
  gaeLambda: number,
  advantages: Float64Array,
  returns: Float64Array,
): void {
  for (let e = 0; e < numEnvs; e++) {
    let lastGaeLam = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nextNonTerminal = 1 - dones[i]!;
      const nextValue = t === numSteps - 1 ? nextValues[e]! : values[i + numEnvs]!;
      const g = typeof gamma === "number" ? gamma : gamma[i]!;
      const delta = rewards[i]! + g * nextValue * nextNonTerminal - values[i]!;
      lastGaeLam = delta + g * gaeLambda * nextNonTerminal * lastGaeLam;
      advantages[i] = lastGaeLam;
      returns[i] = lastGaeLam + values[i]!;
    }
  }
}

/** 1 − Var[y − ŷ]/Var[y] (population variances, as numpy's var); NaN when Var[y] = 0, as in CleanRL. */
export function explainedVariance(predicted: Float64Array, target: Float64Array, n: number): number {
  let meanY = 0;
  let meanD = 0;
  for (let i = 0; i < n; i++) {
    meanY += target[i]!;
    meanD += target[i]! - predicted[i]!;
  }
  meanY /= n;
  meanD /= n;
  let varY = 0;
  let varD = 0;
  for (let i = 0; i < n; i++) {
    varY += (target[i]! - meanY) ** 2;
    const d = target[i]! - predicted[i]! - meanD;
    varD += d * d;
  }
  return varY === 0 ? Number.NaN : 1 - varD / varY;
}
