/**
 * The TypeScript a candidate becomes in the experiment file: a `reward` property whose function
 * destructures the transition names its components use and returns the named components.
 */
import { TRANSITION_NAMES, type RewardComponent } from "./sandbox.js";

/** `reward: ({ obs, nextObs }) => ({\n  upright: …,\n}),` with `indent` before each line after the first. */
export function rewardSnippet(components: readonly RewardComponent[], indent = "  "): string {
  const used = TRANSITION_NAMES.filter((n) => components.some((c) => new RegExp(`\\b${n}\\b`).test(c.code)));
  const params = used.length > 0 ? `{ ${used.join(", ")} }` : "_t";
  const body = components.map((c) => `${indent}  ${c.name}: ${c.code.replace(/\s*\n\s*/g, " ")},`).join("\n");
  return `reward: (${params}) => ({\n${body}\n${indent}}),`;
}
