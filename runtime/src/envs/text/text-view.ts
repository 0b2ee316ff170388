/**
 * Helpers behind `env.text` (the `TextView` of runtime/src/envs/types.ts): building a view from
 * an env's own text rendering, and the action mask that goes with it (`info.actionMask`).
 */
import type { TextView } from "../types.js";

export interface RenderedText {
  prompt: string;
  /** The wording of each offered action. */
  actions: readonly string[];
}

/** A view where every Discrete action is offered in its own order, only its wording varies (Overcooked). */
export function fixedActionsView(render: () => RenderedText): TextView {
  return {
    prompt: () => render().prompt,
    actions: () => render().actions,
    actionIndex: (i) => checkedIndex(i, render().actions.length, i),
    validActions: () => render().actions.map((_, i) => i),
  };
}

/** A view offering a subset of the Discrete actions (VirtualHome): `valid[i]` is the action index of `actions[i]`. */
export function subsetView(render: () => RenderedText & { valid: readonly number[] }): TextView {
  return {
    prompt: () => render().prompt,
    actions: () => render().actions,
    actionIndex: (i) => {
      const r = render();
      return checkedIndex(i, r.valid.length, r.valid[i]!);
    },
    validActions: () => render().valid,
  };
}

function checkedIndex(i: number, count: number, value: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`text view: action text index must be an integer in [0, ${count}), got ${i}`);
  return value;
}

/** 1 for each action of a Discrete(n) space. */
export function allValid(n: number): Uint8Array {
  return new Uint8Array(n).fill(1);
}

/** 1 at the valid action indices of a Discrete(n) space, 0 elsewhere. */
export function maskOf(n: number, valid: readonly number[]): Uint8Array {
  const mask = new Uint8Array(n);
  for (const a of valid) mask[a] = 1;
  return mask;
}
