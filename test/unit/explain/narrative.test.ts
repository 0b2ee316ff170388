import { test } from "node:test";
import assert from "node:assert/strict";
import { measureBehaviour } from "../../../runtime/src/explain/facts.js";
import { buildNarrativePrompt, checkNarrativeNumbers, extractNumbers, type NarrativeWriter } from "../../../runtime/src/explain/narrative.js";
import { addNarrative } from "../../../runtime/src/explain/explain.js";
import { summarize } from "../../../runtime/src/explain/summary.js";
import { formatCount, formatNumber, formatPercent } from "../../../runtime/src/explain/format.js";
import type { BehaviourExplanation, BehaviourFacts } from "../../../protocol/src/explain.js";
import { alwaysLeftPolicy, CARTPOLE_EXPERIMENT, thetaOnlyPolicy } from "./helpers.js";

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
const explanationOf = (facts: BehaviourFacts): BehaviourExplanation => ({ format: "rl-studio/explanation@1", createdAt: "", facts, summary: summarize(facts), narrative: null });

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
    [["97%", 97, 0, true], ["4,812", 4812, 0, false], ["0.05", 0.05, 2, false], ["−1.5", -1.5, 1, false], ["12.5k", 12500, 0, false], ["40 percent", 40, 0, true]],
  );
  // A hyphen between figures is a range, not a sign; an exponent moves the written precision.
  assert.deepEqual(extractNumbers("9-10 steps, 2.5e-3").map((x) => [x.value, x.decimals]), [[9, 0], [10, 0], [0.0025, 4]]);
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

test("the prompt carries the summary and the headline facts, not the bins or the replay trajectories", async () => {
  const { facts } = await measured;
  const { system, user } = buildNarrativePrompt(facts);
  assert.match(system, /ONLY the measured facts/);
  for (const s of summarize(facts)) assert.ok(user.includes(s));
  assert.ok(!user.includes('"observations"'));
  assert.ok(!user.includes('"conditioning"'), "per-bin frequencies are not quotable, so the LLM is not shown them");
  assert.ok(user.includes('"actionByField"'));
  // The LLM is never shown a figure it may not write: every number of the prompt passes the check.
  for (const f of [facts, (await thetaMeasured).facts]) {
    const lines = buildNarrativePrompt(f).user.split("\n");
    const json = JSON.parse(lines[lines.indexOf("Measured facts (JSON):") + 1]!) as unknown;
    const written = [...everyNumber(json).map(String), ...summarize(f)].join(" · ");
    assert.deepEqual(checkNarrativeNumbers(written, f), { ok: true, invented: [] });
  }
});

// A policy that looks at theta only, rolled out in both modes: its sampled actions give fractional
// frequencies in every bin, so the full facts hold nearly every percentage (as a trained policy's do).
const thetaMeasured = measureBehaviour(thetaOnlyPolicy(), CARTPOLE_EXPERIMENT, { episodes: 10 });

/** Every finite number anywhere in a JSON-like value: what the old check accepted. */
function everyNumber(value: unknown, into: number[] = []): number[] {
  if (typeof value === "number" && Number.isFinite(value)) into.push(value);
  else if (Array.isArray(value)) for (const v of value) everyNumber(v, into);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) everyNumber(v, into);
  return into;
}

test("on facts with fractional bins, only the summary's and fact table's figures may be quoted", async () => {
  const { facts } = await thetaMeasured;
  const d = facts.deterministic;
  const s = facts.stochastic;
  const split = d.conditioning.find((c) => c.field === "theta")!.signSplit!;
  const right = split.above;
  const xSplit = d.conditioning.find((c) => c.field === "x")!.signSplit!;
  const xLeft = xSplit.above.actionFrequency![0]!;
  const swing = facts.criticalStates.find((c) => c.kind === "valueSwing")!;
  // The summary reports the theta and x splits; the faithful narrative quotes them, rounded as written.
  const faithfulText =
    `Over ${d.episodes} episodes the deterministic policy averages a return of ${formatNumber(d.return.mean)} ± ${formatNumber(d.return.std)} ` +
    `(median ${formatNumber(d.return.p50)}, worst ${d.return.min}), and every episode ends when the pole angle limit fires after about ${Math.round(d.length.mean)} steps. ` +
    `Where theta ≥ 0 (n = ${formatCount(right.n)}) it pushes the cart to the right in ${formatPercent(right.actionFrequency![1]!, right.actionCounts![1], right.n)} of states; ` +
    `where x ≥ 0 (n = ${formatCount(xSplit.above.n)}) it pushes left in ${formatPercent(xLeft)}. Moving theta by ${formatNumber(facts.sensitivity[0]!.delta)} ` +
    `shifts the action distribution by ${formatNumber(facts.sensitivity[0]!.meanEffect)}, and V(s) drops from ${formatNumber(swing.value)} at its largest swing. ` +
    `Sampling actions, it reaches ${formatNumber(s.return.mean)} over ${formatCount(s.steps)} states; the typical episode is seed ${facts.typicalEpisode.seed}.`;
  assert.deepEqual(checkNarrativeNumbers(faithfulText, facts), { ok: true, invented: [] });
  assert.ok(swing.value < 0 && formatNumber(swing.value).startsWith("-"), "the quoted value is negative");

  // What the old check accepted: every whole percentage some number of these facts rounds to.
  const all = everyNumber(facts);
  const oldPercents = new Set(all.filter((v) => Math.abs(v) <= 1).map((v) => Math.round(Math.abs(v) * 100)));
  assert.ok(oldPercents.size > 80, `the facts hold ${oldPercents.size} whole percentages`);
  assert.ok(oldPercents.has(37) && all.includes(137) === false);

  // An invented plausible percentage and an invented count.
  const invented = checkNarrativeNumbers(`${faithfulText} It recovers in 37% of the leaning states, 137 times per episode.`, facts);
  assert.deepEqual(invented, { ok: false, invented: ["37%", "137"] });
  // A frequency and a size of a quantile bin the summary never reports: in the facts, not beside the narrative.
  const hidden = s.conditioning.find((c) => c.field === "xDot")!.bins[1]!;
  const hiddenPercent = `${(hidden.actionFrequency![0]! * 100).toFixed(1)}%`;
  assert.deepEqual(checkNarrativeNumbers(`In one range it pushes left in ${hiddenPercent} of ${hidden.n} states.`, facts), { ok: false, invented: [hiddenPercent, String(hidden.n)] });
  // A quantile edge and a critical state's full observation are not quotable either.
  const edge = d.conditioning.find((c) => c.field === "xDot")!.bins[2]!.lo!;
  assert.equal(checkNarrativeNumbers(`Above xDot = ${edge.toFixed(4)} it hesitates.`, facts).ok, false);
  // Signs count: the mean return is not negative, and V(s) did not start from a positive value.
  assert.deepEqual(checkNarrativeNumbers(`The mean return is -${formatNumber(d.return.mean)}.`, facts).invented, [`-${formatNumber(d.return.mean)}`]);
  assert.equal(checkNarrativeNumbers(`V(s) drops from ${formatNumber(-swing.value)}.`, facts).ok, false);
  // A percentage is a share or probability: the mean return written with a % sign is not one.
  assert.deepEqual(checkNarrativeNumbers(`It survives ${Math.round(d.return.mean)}% of the time.`, facts).invented, [`${Math.round(d.return.mean)}%`]);
});
