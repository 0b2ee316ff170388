/** Shared assertions for the env unit tests. */
import assert from "node:assert/strict";

/** |actual − expected| ≤ tol, with both numbers in the message. */
export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: expected ${expected}, got ${actual} (difference ${Math.abs(actual - expected)} > ${tol})`,
  );
}

/** Element-wise `assertClose`. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
}
