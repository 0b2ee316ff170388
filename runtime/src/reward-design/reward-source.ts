/**
 * Where the experiment's `reward` property is written: its text goes into prompts, and its range
 * is what accepting a candidate replaces (or, with no reward yet, where one is inserted). The
 * finding is common/src/experiment-object.ts, the one rule the editor and language server use too.
 */
import { findRewardProperty as locateRewardProperty } from "../../../common/src/experiment-object.js";

export interface RewardLocation {
  /** The `reward: …` property's text, or null when the experiment has none. */
  text: string | null;
  /** 0-based offsets of the property (start = end = insertion point after the last property when absent). */
  start: number;
  end: number;
}

/** The `reward` property of the experiment object (`defineExperiment({…})`'s argument, or the object literal that has an `env` property). */
export function findRewardProperty(sourceText: string): RewardLocation | null {
  const found = locateRewardProperty(sourceText);
  if (!found) return null;
  const { start, end } = found.range;
  return { text: found.property ? sourceText.slice(start, end) : null, start, end };
}
