// The evolution page's model (media/src/evolution-page.ts) from hand-made `reward/evolveProgress`
// events: rows as candidates finish, the best so far, the status, the end on the saved result.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CandidateResult, EvolutionResult } from "../../../runtime/src/reward-design/evolve.js";
import {
  bestSoFarLine,
  canApply,
  candidateReason,
  evolutionHtml,
  evolutionPickItem,
  finishModel,
  mergeProgress,
  isPageModel,
  modelFromEvolution,
  restoredModel,
  rowStatus,
  summaryText,
  type EvolutionPageModel,
  type EvolveProgressEvent,
} from "../../../media/src/evolution-page.js";

function candidate(iteration: number, index: number, status: CandidateResult["status"], fitness: number | null, extra: Partial<CandidateResult> = {}): CandidateResult {
  return {
    iteration, index, components: [{ name: `c${iteration}${index}`, code: "envReward" }], rationale: "", code: "reward: () => ({}),", status, repaired: false,
    fitness, successRate: null, episodes: fitness === null ? 0 : 20, globalStep: fitness === null ? 0 : 2048, wallSeconds: 1, curves: [], ...extra,
  };
}

const started: EvolveProgressEvent = {
  phase: "started", id: "cartpole-1", dir: "/ws/.rl-studio/evolutions/cartpole-1", experimentPath: "/ws/cartpole.rl.ts", envId: "CartPole-v1", candidates: 2, iterations: 2, budget: 2048,
};

function replay(events: EvolveProgressEvent[]): EvolutionPageModel | null {
  let m: EvolutionPageModel | null = null;
  for (const [i, e] of events.entries()) m = mergeProgress(m, e, i);
  return m;
}

test("events before started are ignored; started makes a running model with no rows", () => {
  assert.equal(mergeProgress(null, { phase: "designing", iteration: 1, iterations: 2 }), null);
  const m = mergeProgress(null, started)!;
  assert.equal(m.status, "running");
  assert.equal(m.dir, started.dir);
  assert.deepEqual(m.candidates, []);
  assert.equal(m.best, null);
  assert.equal(canApply(m), false);
});

test("rows appear as candidates finish, in (iteration, index) order, with the best so far", () => {
  const r11 = candidate(1, 1, "rejected", null, { error: "nextObs has no field nope" });
  const r12 = candidate(1, 2, "trained", 20);
  const r21 = candidate(2, 1, "failed", null, { error: "NaN" });
  const r22 = candidate(2, 2, "trained", 35);
  const m1 = replay([started, { phase: "designing", iteration: 1, iterations: 2 }, { phase: "candidate-done", result: r11 }])!;
  assert.deepEqual(m1.candidates.map((c) => [c.iteration, c.index, c.status]), [[1, 1, "rejected"]]);
  assert.equal(m1.best, null, "a rejected candidate is never the best");

  const training = mergeProgress(m1, { phase: "training", iteration: 1, candidate: 2, candidates: 2, globalStep: 1024, budget: 2048 })!;
  assert.match(training.activity, /training candidate 2\/2 · step 1,024\/2,048/);
  assert.equal(training.candidates.length, 1, "a training step adds no row");

  const m2 = replay([started, { phase: "candidate-done", result: r11 }, { phase: "candidate-done", result: r12 }, { phase: "iteration-done", iteration: 1, best: r12 }])!;
  assert.equal(m2.best, r12);
  assert.equal(m2.iterationsDone, 1);
  assert.equal(rowStatus(m2, r12), "trained · best so far");
  assert.equal(canApply(m2), false, "Apply stays disabled while it runs");
  assert.deepEqual(bestSoFarLine(m2), [{ x: 1, y: 20 }]);

  // Out of order (the later index first), and one candidate reported twice: one row each, sorted.
  const m3 = ([{ phase: "candidate-done", result: r22 }, { phase: "candidate-done", result: r21 }, { phase: "candidate-done", result: r22 }] as const).reduce<EvolutionPageModel | null>((m, e) => mergeProgress(m, e), m2)!;
  assert.deepEqual(m3.candidates.map((c) => `${c.iteration}.${c.index}`), ["1.1", "1.2", "2.1", "2.2"]);
  assert.equal(m3.best, r22);
  assert.deepEqual(bestSoFarLine(m3), [{ x: 1, y: 20 }, { x: 2, y: 35 }]);
  assert.match(summaryText(m3), /running, iteration 2\/2, .* best so far 2\.2 c22, fitness 35\.0/);
  assert.ok(m2.candidates.length === 2 && m2.best === r12, "merging does not change the previous model");
});

test("a tie keeps the earlier candidate, as the runtime does; a failed one with a fitness-less row never wins", () => {
  const a = candidate(1, 1, "trained", 30);
  const b = candidate(1, 2, "trained", 30);
  const m = replay([started, { phase: "candidate-done", result: a }, { phase: "candidate-done", result: b }, { phase: "candidate-done", result: candidate(1, 3, "failed", null) }])!;
  assert.equal(m.best, a);
});

test("the end: the saved result replaces the live rows (rejected and cancelled with their status and reason), Apply enabled", () => {
  const trained = candidate(1, 2, "trained", 20);
  const live = replay([started, { phase: "candidate-done", result: trained }])!;
  const saved: EvolutionResult = {
    id: "cartpole-1", dir: started.dir as string, experimentPath: "/ws/cartpole.rl.ts", envId: "CartPole-v1", status: "cancelled", candidatesPerIteration: 2, iterations: 2, budget: 2048,
    best: trained,
    candidates: [trained, candidate(1, 1, "rejected", null, { error: "bad" }), candidate(2, 1, "cancelled", null, { globalStep: 512 }), candidate(2, 2, "cancelled", null)],
    reflections: [], llm: { generations: 2, promptTokens: 0, generatedTokens: 0, seconds: 1, tokensPerSecond: 0 }, wallSeconds: 9,
  };
  const end = finishModel(live, saved, { status: "cancelled" })!;
  assert.equal(end.status, "cancelled");
  assert.deepEqual(end.candidates.map((c) => `${c.iteration}.${c.index} ${c.status}`), ["1.1 rejected", "1.2 trained", "2.1 cancelled", "2.2 cancelled"]);
  assert.equal(candidateReason(end, end.candidates[0]!), "bad");
  assert.match(candidateReason(end, end.candidates[2]!)!, /at step 512 of 2,048/);
  assert.match(candidateReason(end, end.candidates[3]!)!, /before it trained/);
  assert.equal(candidateReason(end, end.candidates[1]!), null);
  assert.equal(rowStatus(end, trained), "trained · winner");
  assert.equal(canApply(end), true);
  assert.equal(end.activity, "");
  // Events after the end change nothing.
  assert.equal(mergeProgress(end, { phase: "candidate-done", result: candidate(3, 1, "trained", 99) }), end);

  // A request that threw: the saved rows, status failed with the reason.
  const failed = finishModel(live, { ...saved, status: "completed" }, { status: "failed", error: "model failed to load" })!;
  assert.equal(failed.status, "failed");
  assert.equal(failed.error, "model failed to load");
  // Nothing saved to read: the live model, ended; nothing started: no page.
  const noFile = finishModel(live, null, { status: "cancelled" })!;
  assert.equal(noFile.status, "cancelled");
  assert.equal(noFile.candidates.length, 1);
  assert.equal(finishModel(null, null, { status: "failed", error: "no model" }), null);
});

test("a saved evolution's page and its Open Evolution pick item", () => {
  const best = candidate(2, 1, "trained", 41.25);
  const e: EvolutionResult = {
    id: "cartpole-ppo-e2e", dir: "/ws/.rl-studio/evolutions/cartpole-ppo-e2e", experimentPath: "/ws/cartpole.rl.ts", envId: "CartPole-v1", status: "completed", candidatesPerIteration: 2,
    iterations: 2, budget: 2048, best, candidates: [best, candidate(1, 1, "trained", 22.5)], reflections: [], llm: { generations: 2, promptTokens: 0, generatedTokens: 0, seconds: 1, tokensPerSecond: 0 }, wallSeconds: 14,
  };
  const m = modelFromEvolution(e);
  assert.equal(m.status, "completed");
  assert.deepEqual(m.candidates.map((c) => c.iteration), [1, 2]);
  assert.equal(m.iterationsDone, 2);
  assert.match(summaryText(m), /completed in 14 s · winner 2\.1 c21, fitness 41\.3/);
  const item = evolutionPickItem(e);
  assert.equal(item.label, "cartpole.rl.ts · best fitness 41.3 · completed");
  assert.equal(item.description, "cartpole-ppo-e2e");
  assert.equal(evolutionPickItem({ ...e, best: null, status: "cancelled" }).label, "cartpole.rl.ts · no trained candidate · cancelled");
});

test("the page's HTML keeps the strict CSP, the nonce'd script and the Apply button disabled until a model says otherwise", () => {
  const html = evolutionHtml({ csp: "default-src 'none'; script-src 'nonce-abc'", nonce: "abc", scriptUri: "vscode-resource:/e.js", styleUri: "vscode-resource:/e.css", title: "Evolution x" });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-abc'">/);
  assert.match(html, /<script nonce="abc" src="vscode-resource:\/e\.js"><\/script>/);
  assert.match(html, /<button id="applyWinner" type="button" disabled>/);
  assert.doesNotMatch(html, /<script>|style="/);
});

test("a page restored after a reload: evolution.json read again from the folder in its state (the final result); else the state, a live one ended", () => {
  const trained = candidate(1, 1, "trained", 20);
  // The page was live when the window reloaded: one row so far.
  const live = replay([started, { phase: "candidate-done", result: trained }])!;
  const state: unknown = JSON.parse(JSON.stringify(live));
  const winner = candidate(2, 1, "trained", 35);
  const final: EvolutionResult = {
    id: "cartpole-1", dir: "/elsewhere/cartpole-1", experimentPath: "/ws/cartpole.rl.ts", envId: "CartPole-v1", status: "completed", candidatesPerIteration: 2, iterations: 2, budget: 2048,
    best: winner, candidates: [winner, candidate(1, 2, "rejected", null, { error: "bad" }), trained, candidate(2, 2, "failed", null, { error: "NaN" })],
    reflections: [], llm: { generations: 2, promptTokens: 0, generatedTokens: 0, seconds: 1, tokensPerSecond: 0 }, wallSeconds: 30,
  };
  const asked: string[] = [];
  const restored = restoredModel(state, (dir) => (asked.push(dir), final))!;
  assert.deepEqual(asked, [started.dir], "the folder in the page's state is read");
  assert.equal(restored.dir, started.dir, "the page keeps the folder it was read from");
  assert.equal(restored.status, "completed");
  assert.deepEqual(restored.candidates.map((c) => `${c.iteration}.${c.index} ${c.status}`), ["1.1 trained", "1.2 rejected", "2.1 trained", "2.2 failed"]);
  assert.equal(restored.best?.fitness, 35);
  assert.equal(canApply(restored), true);

  // No readable evolution.json: the saved model; the live one ended (the reload ended its request), an ended one as it was.
  const noFile = restoredModel(state, () => null)!;
  assert.equal(noFile.status, "cancelled");
  assert.equal(noFile.activity, "");
  assert.equal(noFile.candidates.length, 1);
  const ended = modelFromEvolution(final);
  assert.deepEqual(restoredModel(ended, () => null), ended);

  // Nothing to restore from: no state, or a state that is not a page model.
  for (const bad of [undefined, null, 3, "x", {}, { id: "a", dir: "", experimentPath: "/x", status: "completed", candidates: [] }, { ...live, candidates: "none" }]) {
    assert.equal(isPageModel(bad), false, JSON.stringify(bad));
    assert.equal(restoredModel(bad, () => final), null, JSON.stringify(bad));
  }
  assert.equal(isPageModel(live), true);
});
