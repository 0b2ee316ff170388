import { test } from "node:test";
import assert from "node:assert/strict";
import { measureBehaviour } from "../../../runtime/src/explain/facts.js";
import { summarize } from "../../../runtime/src/explain/summary.js";
import { formatHover, formatComponentHover } from "../../../runtime/src/explain/hover.js";
import { formatCount, formatNumber } from "../../../runtime/src/explain/format.js";
import { alwaysLeftPolicy, CARTPOLE_EXPERIMENT, thetaOnlyPolicy } from "./helpers.js";

test("summary sentences carry their figure and sample size", async () => {
  const { facts } = await measureBehaviour(alwaysLeftPolicy(), CARTPOLE_EXPERIMENT, { episodes: 12 });
  const summary = summarize(facts);
  const d = facts.deterministic;
  // Always left: said first after returns and endings, with the number of states.
  assert.ok(summary.includes(`With deterministic actions it chooses "push cart to the left" in 100% of ${formatCount(d.steps)} visited states.`), summary.join("\n"));
  assert.match(summary[0]!, new RegExp(`^Deterministic policy: mean return .* over 12 episodes`));
  // Every conditioning sentence names the range and its n, and the n is a measured bin size.
  const conditioning = summary.filter((s) => s.startsWith("Where "));
  assert.equal(conditioning.length, 2);
  const sizes = new Set(d.conditioning.flatMap((c) => [...c.bins, ...(c.signSplit ? [c.signSplit.below, c.signSplit.above] : [])]).map((b) => formatCount(b.n)));
  for (const s of conditioning) {
    const ns = [...s.matchAll(/\(n = ([\d,]+)\)/g)].map((m) => m[1]!);
    assert.ok(ns.length >= 1, s);
    for (const n of ns) assert.ok(sizes.has(n), `${n} in "${s}" is not a measured bin size`);
    assert.match(s, /in 100% of states/);
  }
  // Endings: the counts add up to the episodes, and truncation is named as never having fired.
  const endings = summary[1]!;
  const counted = d.endings.causes.reduce((a, c) => a + c.count, 0);
  assert.equal(counted, 12);
  assert.match(endings, /none by .*truncation at 500 steps/);
  for (const c of d.endings.causes) assert.ok(endings.includes(c.cause), endings);
  // Nothing moves a constant policy.
  assert.ok(summary.some((s) => s.startsWith("No observation field moves the action distribution")));
});

test("hovers: the summary with a link; component hovers only for components the run has", async () => {
  const { facts } = await measureBehaviour(alwaysLeftPolicy(), CARTPOLE_EXPERIMENT, { episodes: 3 });
  const explanation = { format: "rl-studio/explanation@1" as const, createdAt: "", facts, summary: summarize(facts), narrative: null };
  const md = formatHover(explanation, { openLink: "command:rlStudio.openExplanation" });
  assert.match(md, /push cart to the left/);
  assert.match(md, /\[Open explanation\]\(command:rlStudio\.openExplanation\)$/);
  assert.equal(formatComponentHover(explanation, "upright"), null, "no shaping, no component");
  const narrated = formatHover({ ...explanation, narrative: "It always pushes left." });
  assert.match(narrated, /It always pushes left\./);
  assert.doesNotMatch(narrated, /Open explanation/);
});

test("every sentence carries its sample size, the typical and worst episode and the critical states included", async () => {
  const { facts, rollouts } = await measureBehaviour(thetaOnlyPolicy(), CARTPOLE_EXPERIMENT, { episodes: 8 });
  const summary = summarize(facts);
  const d = facts.deterministic;
  // "(n = …)", "over/of N … episodes", "of N visited states", "All N … episodes": what each figure was measured on.
  const sampleSize = /\bn = [\d,]+|\b(of|over) [\d,]+ (deterministic |sampled-action )?(episodes|visited states)\b|^All [\d,]+ /i;
  for (const sentence of summary) assert.match(sentence, sampleSize);

  const typical = summary.find((x) => x.startsWith("Typical episode"))!;
  assert.ok(typical.startsWith(`Typical episode (return closest to the median ${formatNumber(d.return.p50)} of ${d.episodes} deterministic episodes): episode ${facts.typicalEpisode.episode} `), typical);
  const worst = summary.find((x) => x.startsWith("Worst episode"))!;
  assert.ok(worst.startsWith(`Worst episode (lowest return of ${d.episodes} deterministic episodes): episode ${facts.worstEpisode.episode} `), worst);

  // The swing is the largest among the one-step transitions inside episodes: counted here from the records.
  const r = rollouts.deterministic.steps;
  const transitions = r.filter((s, i) => i + 1 < r.length && r[i + 1]!.episode === s.episode).length;
  const swing = summary.find((x) => x.startsWith("Largest one-step value swing"))!;
  assert.ok(swing.startsWith(`Largest one-step value swing (n = ${formatCount(transitions)} transitions in ${d.episodes} deterministic episodes): V(s) `), swing);
  const gap = summary.find((x) => x.startsWith("Strongest preference"))!;
  assert.ok(gap.startsWith(`Strongest preference (n = ${formatCount(r.length)} visited states of the deterministic rollouts): "push cart to the `), gap);
});
