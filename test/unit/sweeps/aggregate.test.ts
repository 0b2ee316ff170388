/** Sweep table numbers on hand-computed cases: windowed final/best mean return, steps to solve, mean ± std over seeds, sorting. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateByConfig, meanStd, scoreEpisodes, sortConfigRows, type MemberResult } from "../../../runtime/src/sweeps/aggregate.js";

const eps = (returns: number[]) => returns.map((r, i) => ({ globalStep: (i + 1) * 10, episodicReturn: r }));

test("scoreEpisodes with a window of 3: final = last 3, best = best 3 in a row, solved at the first full window ≥ threshold", () => {
  // windows: [1,2,3]=2, [2,3,10]=5, [3,10,8]=7, [10,8,0]=6
  const s = scoreEpisodes(eps([1, 2, 3, 10, 8, 0]), 6.5, 3);
  assert.equal(s.finalMeanReturn, 6);
  assert.equal(s.bestMeanReturn, 7);
  assert.equal(s.stepsToSolve, 50, "the 5th episode (step 50) completes the first window with mean ≥ 6.5");
  assert.equal(s.episodes, 6);
  // Fewer episodes than the window: their mean, never solved (no full window).
  assert.deepEqual(scoreEpisodes(eps([4, 8]), 1, 3), { finalMeanReturn: 6, bestMeanReturn: 6, stepsToSolve: null, episodes: 2 });
  assert.deepEqual(scoreEpisodes([], 1), { finalMeanReturn: null, bestMeanReturn: null, stepsToSolve: null, episodes: 0 });
  assert.equal(scoreEpisodes(eps([5, 5, 5]), null, 3).stepsToSolve, null, "no threshold: never solved");
});

test("meanStd: sample std (n − 1); null below two values", () => {
  assert.deepEqual(meanStd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, std: Math.sqrt(32 / 7), n: 8 });
  assert.deepEqual(meanStd([3]), { mean: 3, std: null, n: 1 });
  assert.deepEqual(meanStd([]), { mean: null, std: null, n: 0 });
});

const member = (index: number, config: number, final: number | null, best: number | null, steps: number | null, state = "completed"): MemberResult => ({
  index,
  config,
  seed: index,
  state,
  finalMeanReturn: final,
  bestMeanReturn: best,
  stepsToSolve: steps,
  episodes: 30,
});

test("aggregateByConfig: per configuration over its seeds", () => {
  const rows = aggregateByConfig(
    [{ learningRate: 1e-3 }, { learningRate: 3e-4 }],
    [member(0, 0, 100, 120, 5000), member(1, 0, 200, 220, 7000), member(2, 1, 50, 60, null), member(3, 1, null, null, null, "running")],
  );
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0]!.finalMeanReturn, { mean: 150, std: Math.sqrt(5000), n: 2 });
  assert.deepEqual(rows[0]!.bestMeanReturn, { mean: 170, std: Math.sqrt(5000), n: 2 });
  assert.deepEqual(rows[0]!.stepsToSolve, { mean: 6000, std: Math.sqrt(2_000_000), n: 2 });
  assert.equal(rows[0]!.solved, 2);
  assert.equal(rows[0]!.completed, 2);
  assert.deepEqual(rows[1]!.finalMeanReturn, { mean: 50, std: null, n: 1 });
  assert.equal(rows[1]!.solved, 0);
  assert.equal(rows[1]!.completed, 1);
  assert.equal(rows[1]!.seeds, 2);
});

test("sortConfigRows: by a column either way, missing values last, stable", () => {
  const rows = aggregateByConfig(
    [{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001 }],
    [member(0, 0, 10, 10, null), member(1, 1, 30, 30, 900), member(2, 2, 20, 20, 400)],
  );
  assert.deepEqual(sortConfigRows(rows, "finalMeanReturn", true).map((r) => r.config), [1, 2, 0]);
  assert.deepEqual(sortConfigRows(rows, "finalMeanReturn", false).map((r) => r.config), [0, 2, 1]);
  assert.deepEqual(sortConfigRows(rows, "stepsToSolve", false).map((r) => r.config), [2, 1, 0], "never solved sorts last");
  assert.deepEqual(sortConfigRows(rows, "stepsToSolve", true).map((r) => r.config), [1, 2, 0], "never solved sorts last either way");
  assert.deepEqual(sortConfigRows(rows, "value:lr", false).map((r) => r.config), [2, 1, 0]);
});
