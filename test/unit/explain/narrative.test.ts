import { test } from "node:test";
import assert from "node:assert/strict";
import { measureBehaviour } from "../../../runtime/src/explain/facts.js";
import { buildNarrativePrompt, checkNarrativeNumbers, extractNumbers, type NarrativeWriter } from "../../../runtime/src/explain/narrative.js";
import { addNarrative } from "../../../runtime/src/explain/explain.js";
import { summarize } from "../../../runtime/src/explain/summary.js";
import { formatCount } from "../../../runtime/src/explain/format.js";
import type { BehaviourFacts, Explanation } from "../../../protocol/src/explain.js";
import { alwaysLeftPolicy, CARTPOLE_EXPERIMENT } from "./helpers.js";

/** A test double for the LLM: returns a fixed text, records what it was given. */
class ScriptedWriter implements NarrativeWriter {
  seen: BehaviourFacts[] = [];
  constructor(private readonly text: string | Error) {}
  async write(facts: BehaviourFacts): Promise<string> {
    this.seen.push(facts);
    if (this.text instanceof Error) throw this.text;
    return this.text;
  }
}

const measured = measureBehaviour(alwaysLeftPolicy(), CARTPOLE_EXPERIMENT, { episodes: 10 });
const explanationOf = (facts: BehaviourFacts): Explanation => ({ format: "rl-studio/explanation@1", createdAt: "", facts, summary: summarize(facts), narrative: null });

/** A narrative that only restates measured figures, rounded and as percentages. */
function faithful(facts: BehaviourFacts): string {
  const d = facts.deterministic;
  const ending = d.endings.causes[0]!;
  return (
    `The policy pushes the cart to the left in 100% of the ${formatCount(d.steps)} states it visited, whatever the pole does. ` +
    `All ${d.episodes} episodes terminate by the ${ending.cause} after about ${Math.round(d.length.mean)} steps (between ${d.length.min} and ${d.length.max}), ` +
    `so the mean return is ${d.return.mean.toFixed(1)}, far below the threshold of ${facts.rewardThreshold}; none reaches the ${facts.maxEpisodeSteps}-step limit of CartPole-v1.`
  );
}

test("numbers are read with separators, decimals, signs, suffixes and percentages; names are skipped", () => {
  const t = extractNumbers("Pushes right in 97% of 4,812 states (CartPole-v1, theta2, 3rd try): 0.05, −1.5 and 12.5k steps, 40 percent.");
  assert.deepEqual(
    t.map((x) => [x.text, x.value, x.decimals, x.percent]),
    [["97%", 97, 0, true], ["4,812", 4812, 0, false], ["0.05", 0.05, 2, false], ["−1.5", 1.5, 1, false], ["12.5k", 12500, 0, false], ["40 percent", 40, 0, true]],
  );
});

test("a faithful narrative passes the number check; an invented number is caught", async () => {
  const { facts } = await measured;
  const ok = checkNarrativeNumbers(faithful(facts), facts);
  assert.deepEqual(ok, { ok: true, invented: [] });
  const bad = checkNarrativeNumbers(`${faithful(facts)} It balances the pole for 37.25 seconds in 62% of episodes.`, facts);
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.invented, ["37.25", "62%"]);
});

test("with a scripted writer: an invented number rejects the narrative and keeps the summary", async () => {
  const { facts } = await measured;
  const e = explanationOf(facts);
  await addNarrative(e, new ScriptedWriter(`It always pushes left and survives 123 steps on average.`));
  assert.equal(e.narrative, null);
  assert.deepEqual(e.narrativeRejected, ["123"]);
  assert.match(e.narrativeNote!, /rejected.*123/);
  assert.ok(e.summary.length > 5);

  const writer = new ScriptedWriter(faithful(facts));
  const accepted = explanationOf(facts);
  await addNarrative(accepted, writer);
  assert.equal(accepted.narrative, faithful(facts));
  assert.equal(accepted.narrativeRejected, undefined);
  assert.equal(writer.seen[0], facts, "the writer is given the facts");

  const failed = explanationOf(facts);
  await addNarrative(failed, new ScriptedWriter(new Error("model not loaded")));
  assert.equal(failed.narrative, null);
  assert.match(failed.narrativeNote!, /model not loaded/);
});

test("the prompt carries the summary and the facts, not the replay trajectories", async () => {
  const { facts } = await measured;
  const { system, user } = buildNarrativePrompt(facts);
  assert.match(system, /ONLY the measured facts/);
  for (const s of summarize(facts)) assert.ok(user.includes(s));
  assert.ok(!user.includes('"observations"'));
  assert.ok(user.includes('"conditioning"'));
});
