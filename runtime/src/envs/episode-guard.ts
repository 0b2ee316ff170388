/** Gymnasium's OrderEnforcing/PassiveEnvChecker behaviour, made strict: stepping a finished episode is a bug in the caller. */
export function assertEpisodeRunning(needsReset: boolean, envId: string): void {
  if (needsReset) {
    throw new Error(
      `${envId}: step() called on an episode that has ended (terminated or truncated) or was never reset; call reset() first`,
    );
  }
}

/** `setState` precondition shared by the envs: exactly the named state variables, all finite. */
export function assertStateShape(envId: string, names: readonly string[], state: readonly number[]): void {
  if (state.length !== names.length || !state.every(Number.isFinite)) {
    throw new RangeError(`${envId}: setState needs ${names.length} finite numbers [${names.join(", ")}], got [${state.join(", ")}]`);
  }
}
