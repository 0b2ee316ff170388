/**
 * Loud action validation shared by the built-in envs. Gymnasium's envs assert
 * `action_space.contains(action)` (CartPole, MountainCar) or index a table with it (Acrobot);
 * a wrong action there is a caller bug, so it is an error here too, naming the env and the space.
 *
 * Continuous envs differ: Gymnasium clips the action into the Box inside `step`
 * (MountainCarContinuous, Pendulum), so finite out-of-range values are accepted and clipped by
 * the env. What can never be clipped — a non-array, the wrong length, NaN or ±Infinity — is an error.
 */

/** Throws unless `action` is an integer in [0, n). */
export function assertDiscreteAction(action: unknown, n: number, envId: string): asserts action is number {
  if (typeof action !== "number" || !Number.isInteger(action) || action < 0 || action >= n) {
    const allowed = Array.from({ length: n }, (_, i) => i).join(", ");
    throw new RangeError(`${envId}: action must be one of ${allowed} (Discrete(${n})), got ${describe(action)}`);
  }
}

/**
 * Reads element 0 of a one-element continuous action (Gymnasium's `action[0]`), after checking
 * that it is an array of length 1 holding a finite number. Clipping is left to the env.
 */
export function readScalarBoxAction(action: unknown, envId: string, space: string): number {
  if (!(action instanceof Float32Array || action instanceof Float64Array || Array.isArray(action))) {
    throw new TypeError(`${envId}: action must be a Float32Array of length 1 (${space}), got ${describe(action)}`);
  }
  if (action.length !== 1) {
    throw new RangeError(`${envId}: action must have length 1 (${space}), got length ${action.length}`);
  }
  const value = (action as ArrayLike<unknown>)[0];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${envId}: action[0] must be a finite number (${space}; finite values are clipped), got ${String(value)}`);
  }
  return value;
}

function describe(x: unknown): string {
  if (typeof x === "number") return String(x);
  if (x === null) return "null";
  if (ArrayBuffer.isView(x)) return `${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(x)) return `array of length ${x.length}`;
  return typeof x === "string" ? JSON.stringify(x) : typeof x;
}
