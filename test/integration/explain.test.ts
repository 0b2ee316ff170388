/**
 * Explanations are true: on a briefly trained CartPole policy, every reported count is recounted
 * here from independent rollouts (same seeds, same policy, stepped by this test), and a policy
 * that always pushes left is explained as always pushing left, ending the way its episodes end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRun } from "../../runtime/src/runs/start-run.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { Policy } from "../../runtime/src/ppo/policy.js";
import { Rng } from "../../runtime/src/rng.js";
import { makeEnv } from "../../runtime/src/envs/registry.js";
import { explainBehaviourRun, explainRun, findLatestExplanation, readExplanation } from "../../runtime/src/explain/explain.js";
import { measureBehaviour } from "../../runtime/src/explain/facts.js";
import { handleExplainRequest } from "../../runtime/src/explain/adapters.js";
import { isTextPolicyExplanation, type ActionBin, type BehaviourFacts, type ExplainProgress, type RolloutMode } from "../../protocol/src/explain.js";
import { formatCount, formatNumber, formatPercent } from "../../runtime/src/explain/format.js";
import { checkNarrativeNumbers } from "../../runtime/src/explain/narrative.js";
import { LlmNarrativeWriter } from "../../runtime/src/explain/llm-narrative.js";
import { alwaysLeftPolicy, CARTPOLE_EXPERIMENT } from "../unit/explain/helpers.js";
import { ScriptedProvider } from "../unit/reward-design/scripted-provider.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-explain-test-"));
const EPISODES = 12;

// One tiny training run shared by the tests (~1–2 s on the 2-core machine).
const trained = (async () => {
  const started = await startRun({ experimentPath: "examples/cartpole.rl.ts", runsRoot: root, totalTimesteps: 20_480, backend: "js" });
  const summary = await started.done;
  assert.equal(summary.status, "completed");
  return started.runDir.path;
})();

interface Visit {
  obs: Float32Array;
  action: number;
}

/** The rollouts again, stepped here: episode i resets with envSeed + i; stochastic actions from one Rng(actionSeed). */
function replay(policy: Policy, facts: BehaviourFacts, mode: RolloutMode): { visits: Visit[]; endings: Map<string, number>; returns: number[] } {
  const env = makeEnv(facts.envId);
  const rng = new Rng(facts.evaluation.actionSeed);
  const visits: Visit[] = [];
  const endings = new Map<string, number>();
  const returns: number[] = [];
  for (let i = 0; i < facts.evaluation.episodesPerMode; i++) {
    let obs = env.reset({ seed: facts.evaluation.envSeed + i }).obs;
    let total = 0;
    for (;;) {
      const action = policy.act(obs, env, mode === "deterministic", rng) as number;
      visits.push({ obs, action });
      const r = env.step(action);
      total += r.reward;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        const key = r.terminated ? `terminated:${String(r.info.terminationCause)}` : `truncated:${String(r.info.truncationCause)}`;
        endings.set(key, (endings.get(key) ?? 0) + 1);
        break;
      }
    }
    returns.push(total);
  }
  return { visits, endings, returns };
}

/** Count, over `visits`, the states in the bin's range and the actions taken there. */
function recount(visits: Visit[], j: number, bin: ActionBin): { n: number; counts: number[] } {
  const inside = visits.filter((v) => (bin.lo === null || v.obs[j]! >= bin.lo) && (bin.hi === null || v.obs[j]! < bin.hi));
  return { n: inside.length, counts: [0, 1].map((a) => inside.filter((v) => v.action === a).length) };
}

test("every conditional action frequency of a trained CartPole policy equals an independent count", async () => {
  const runDir = await trained;
  const progress: ExplainProgress[] = [];
  const explanation = await handleExplainRequest({ runDir, episodes: EPISODES, requestId: "r1" }, { notify: (p) => progress.push(p) });
  assert.ok(!isTextPolicyExplanation(explanation), "a PPO run gets behaviour facts");
  const { facts } = explanation;
  const { policy } = Policy.fromRun(RunDir.open(runDir));
  assert.equal(facts.evaluation.episodesPerMode, EPISODES);
  assert.ok(progress.some((p) => p.phase === "rollouts" && p.done === 2 * EPISODES && p.requestId === "r1"));

  let checkedBins = 0;
  for (const mode of ["deterministic", "stochastic"] as const) {
    const m = facts[mode];
    const { visits, endings, returns } = replay(policy, facts, mode);
    assert.equal(m.steps, visits.length, `${mode}: visited states`);
    assert.deepEqual(m.actionCounts, [0, 1].map((a) => visits.filter((v) => v.action === a).length));
    assert.deepEqual(
      new Map(m.endings.causes.map((c) => [`${c.kind}:${c.cause}`, c.count])),
      endings,
      `${mode}: how episodes end`,
    );
    assert.ok(Math.abs(m.return.mean - returns.reduce((a, b) => a + b, 0) / returns.length) < 1e-9);
    m.conditioning.forEach((c, j) => {
      assert.equal(c.field, facts.observationFields[j]!.name);
      const bins = [...c.bins, ...(c.signSplit ? [c.signSplit.below, c.signSplit.above] : [])];
      for (const bin of bins) {
        const { n, counts } = recount(visits, j, bin);
        assert.equal(bin.n, n, `${mode} ${c.field} [${bin.lo}, ${bin.hi}): n`);
        assert.deepEqual(bin.actionCounts, counts, `${mode} ${c.field} [${bin.lo}, ${bin.hi}): action counts`);
        for (let a = 0; a < 2; a++) assert.equal(bin.actionFrequency![a], counts[a]! / n);
        checkedBins++;
      }
      // The bins tile the visited states.
      assert.equal(c.bins.reduce((s, b) => s + b.n, 0), visits.length);
    });
  }
  assert.ok(checkedBins >= 2 * 4 * 3, `checked ${checkedBins} bins`);

  // The heat map's cells, recounted over the deterministic states.
  const map = facts.actionMap!;
  const names = facts.observationFields.map((f) => f.name);
  const [jx, jy] = [names.indexOf(map.xField), names.indexOf(map.yField)];
  assert.deepEqual([map.xField, map.yField], [facts.sensitivity[0]!.field, facts.sensitivity[1]!.field]);
  const { visits } = replay(policy, facts, "deterministic");
  const edgesOf = (edges: number[], k: number) => ({ lo: k === 0 ? null : edges[k - 1]!, hi: k === edges.length ? null : edges[k]! });
  map.cells.forEach((row, iy) =>
    row.forEach((cell, ix) => {
      const xb = edgesOf(map.xEdges, ix);
      const yb = edgesOf(map.yEdges, iy);
      const inside = visits.filter(
        (v) => (xb.lo === null || v.obs[jx]! >= xb.lo) && (xb.hi === null || v.obs[jx]! < xb.hi) && (yb.lo === null || v.obs[jy]! >= yb.lo) && (yb.hi === null || v.obs[jy]! < yb.hi),
      );
      assert.equal(cell.n, inside.length);
      assert.deepEqual(cell.actionCounts, [0, 1].map((a) => inside.filter((v) => v.action === a).length));
    }),
  );

  // The summary's conditional sentence states the recounted figure with its n.
  const top = facts.sensitivity[0]!.field;
  const split = facts.deterministic.conditioning.find((c) => c.field === top)!.signSplit!;
  const a = split.above.actionFrequency![0]! >= split.above.actionFrequency![1]! ? 0 : 1;
  const sentence = `Where ${top} ≥ 0 (n = ${formatCount(split.above.n)}) it chooses "${facts.actionMeanings[a]}" in ${formatPercent(split.above.actionFrequency![a]!, split.above.actionCounts![a], split.above.n)} of states`;
  assert.ok(explanation.summary.some((s) => s.startsWith(sentence)), `${sentence}\n${explanation.summary.join("\n")}`);

  // Reward components recomputed from the experiment's reward: alive = env reward = 1 per step.
  const alive = facts.deterministic.components!.components.find((c) => c.name === "alive")!;
  assert.equal(alive.total, facts.deterministic.steps);
  assert.equal(alive.meanPerStep, 1);

  // The replay is the typical episode, whole.
  const t = facts.typicalEpisode;
  assert.equal(t.observations.length, t.length + 1);
  assert.equal(t.states!.length, t.length + 1);
  assert.ok(Math.abs(t.return - facts.deterministic.return.p50) <= Math.abs(facts.worstEpisode.return - facts.deterministic.return.p50));

  // Saved, and found again for a hover on the experiment.
  assert.deepEqual(readExplanation(runDir), explanation);
  const found = findLatestExplanation(root, { experimentName: "cartpole-ppo", envId: "CartPole-v1" });
  assert.equal(found?.runDir, runDir);
  assert.equal(findLatestExplanation(root, { experimentName: "other" }), null);
});

test("on the trained policy, a narrative may quote the summary and fact table, and nothing else", async () => {
  const runDir = await trained;
  // A scripted model that quotes the summary's first sentences from its prompt, as a faithful model would.
  const provider = new ScriptedProvider((prompt) => {
    const lines = prompt.split("\n").filter((l) => l.startsWith("- ")).map((l) => l.slice(2));
    return { narrative: `In short: ${lines.slice(0, 4).join(" ")}` };
  });
  const explanation = await explainBehaviourRun(runDir, { episodes: EPISODES, save: false, writer: new LlmNarrativeWriter(provider) });
  const { facts } = explanation;
  assert.equal(explanation.narrative, `In short: ${explanation.summary.slice(0, 4).join(" ")}`, explanation.narrativeNote);

  // Faithful, in its own words: figures of the summary and the fact table, rounded as written.
  const d = facts.deterministic;
  const s = facts.stochastic;
  const [first] = d.endings.causes;
  const top = facts.sensitivity[0]!.field;
  const split = d.conditioning.find((c) => c.field === top)!.signSplit!.above;
  const a = split.actionFrequency![0]! >= split.actionFrequency![1]! ? 0 : 1;
  const faithful =
    `Over ${d.episodes} deterministic episodes the policy averages ${formatNumber(d.return.mean)} ± ${formatNumber(d.return.std)}, about ${Math.round(d.length.mean)} steps; ` +
    `${first!.count} of them (${formatPercent(first!.fraction, first!.count, d.episodes)}) end by ${first!.cause}. It reacts most to ${top}: where ${top} ≥ 0 ` +
    `(n = ${formatCount(split.n)}) it chooses "${facts.actionMeanings[a]}" in ${formatPercent(split.actionFrequency![a]!, split.actionCounts![a], split.n)} of states. ` +
    `With sampled actions it returns ${formatNumber(s.return.mean)} (worst ${s.return.min}).`;
  assert.deepEqual(checkNarrativeNumbers(faithful, facts), { ok: true, invented: [] });

  // The old check accepted every whole percentage: some bin, edge or cell of these facts rounds to each.
  const all: number[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "number") all.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(facts);
  const everywhere = new Set(all.filter((v) => Math.abs(v) <= 1).map((v) => Math.round(Math.abs(v) * 100)));
  // Now a percentage passes only as a reported share or probability, recounted here from the facts
  // the summary and fact table show (or written in the summary, as "<0.1%" is).
  const reported = [
    ...[d, s].flatMap((m) => [...m.endings.causes.map((c) => c.fraction), ...(m.actionFrequency ?? []), ...(m.components?.components.flatMap((c) => [c.share, c.absShare]) ?? [])]),
    ...facts.sensitivity.filter((x) => x.delta > 0).slice(0, 2).flatMap((x) => {
      const c = d.conditioning.find((k) => k.field === x.field)!;
      return (c.signSplit ? [c.signSplit.above, c.signSplit.below] : [c.bins[0]!, c.bins[c.bins.length - 1]!]).flatMap((b) => b.actionFrequency!);
    }),
  ].map((f) => f * 100);
  const written = explanation.summary.flatMap((x) => [...x.matchAll(/([\d.]+)%/g)].map((m) => Number(m[1])));
  const visible = (k: number) => [...reported, ...written].some((p) => Math.round(p) === k || Math.trunc(p) === k);
  let rejected = 0;
  for (let k = 0; k <= 100; k++) {
    const ok = checkNarrativeNumbers(`It hesitates in ${k}% of states.`, facts).ok;
    assert.equal(ok, visible(k), `${k}%: ${ok ? "accepted" : "rejected"}`);
    if (!ok) rejected++;
  }
  assert.ok(everywhere.size > 90 && rejected > 60, `${everywhere.size} percentages in the facts, ${rejected} of 101 rejected`);
  if (!visible(37)) assert.deepEqual(checkNarrativeNumbers(`${faithful} It recovers in 37% of the leaning states.`, facts).invented, ["37%"]);

  // Invented counts: the size of a quantile bin the summary does not report, and a count made up.
  const shown = new Set(explanation.summary.flatMap((x) => [...x.matchAll(/[\d,]+/g)].map((m) => Number(m[0].replace(/,/g, "")))));
  const hidden = [d, s].flatMap((m) => m.conditioning.flatMap((c) => c.bins.map((b) => b.n))).filter((n) => !shown.has(n) && ![d, s].some((m) => Object.values(m.return).concat(Object.values(m.length)).some((v) => Math.round(v) === n || Math.trunc(v) === n)));
  assert.ok(hidden.length > 10, `${hidden.length} unreported bin sizes`);
  for (const n of hidden) assert.equal(checkNarrativeNumbers(`It spends ${formatCount(n)} steps there.`, facts).ok, false, `bin size ${n}`);
  const invented = d.steps + 13;
  assert.deepEqual(checkNarrativeNumbers(`${faithful} It visits ${formatCount(invented)} states.`, facts).invented, [formatCount(invented)]);

  // A scripted model that invents a figure: rejected, and the summary is shown instead.
  const lying = await explainBehaviourRun(runDir, { episodes: EPISODES, save: false, writer: new LlmNarrativeWriter(new ScriptedProvider(() => ({ narrative: `${faithful} It visits ${formatCount(invented)} states.` }))) });
  assert.equal(lying.narrative, null);
  assert.deepEqual(lying.narrativeRejected, [formatCount(invented)]);
  assert.deepEqual(lying.summary, explanation.summary);
});

test("a policy that always pushes left is explained as always pushing left, ending as measured", async () => {
  const policy = alwaysLeftPolicy();
  const { facts } = await measureBehaviour(policy, CARTPOLE_EXPERIMENT, { episodes: 20 });
  for (const mode of ["deterministic", "stochastic"] as const) {
    const m = facts[mode];
    assert.deepEqual(m.actionCounts, [m.steps, 0]);
    for (const c of m.conditioning) for (const b of c.bins) assert.deepEqual(b.actionFrequency, [1, 0], `${mode} ${c.field}`);
    // Measured independently: push left from the same seeds until the env says the episode is over.
    const env = makeEnv("CartPole-v1");
    const expected = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      env.reset({ seed: facts.evaluation.envSeed + i });
      for (;;) {
        const r = env.step(0);
        if (r.terminated || r.truncated) {
          const cause = r.terminated ? String(r.info.terminationCause) : "time limit";
          expected.set(cause, (expected.get(cause) ?? 0) + 1);
          break;
        }
      }
    }
    assert.deepEqual(new Map(m.endings.causes.map((c) => [c.cause, c.count])), expected);
    assert.ok([...expected.keys()].every((c) => c === "pole angle" || c === "cart position"), "pushing left never survives to the time limit");
    assert.equal(m.endings.truncated, 0);
  }
});

test("explaining a run without a checkpoint says so; an abort stops it without saving", async () => {
  const runDir = await trained;
  const empty = RunDir.create(root, { experiment: { name: "no-checkpoint", seed: 1 }, sourceText: "", bundle: "" });
  await assert.rejects(explainRun(empty.path), /no checkpoint yet/);
  await assert.rejects(explainRun(join(root, "missing")), /no such run folder/);
  const controller = new AbortController();
  const file = join(runDir, "explanation.json");
  const before = existsSync(file) ? statSync(file).mtimeMs : null;
  const pending = explainRun(runDir, { episodes: 50, signal: controller.signal, onProgress: (p) => p.done === 3 && controller.abort(new Error("stop")) });
  await assert.rejects(pending, /stop/);
  assert.equal(existsSync(file) ? statSync(file).mtimeMs : null, before, "an aborted explanation writes nothing");
});
