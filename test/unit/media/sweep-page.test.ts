/** The sweep page's cells: mean ± std, the columns (one per grid field, then the results), the summary line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configColumns, formatMeanStd, summaryText } from "../../../media/src/sweep-page.js";
import type { SweepView } from "../../../protocol/src/sweep.js";

test("formatMeanStd: mean ± sample std, the mean alone for one seed, a dash for none", () => {
  assert.equal(formatMeanStd({ mean: 150, std: 70.71067, n: 2 }), "150.0 ± 70.7");
  assert.equal(formatMeanStd({ mean: 6000, std: 1414.2, n: 2 }, 0), "6000 ± 1414");
  assert.equal(formatMeanStd({ mean: 50, std: null, n: 1 }), "50.0");
  assert.equal(formatMeanStd({ mean: null, std: null, n: 0 }), "—");
});

test("configColumns and summaryText", () => {
  const view: SweepView = {
    summary: { id: "s", dir: "/s", experimentName: "cp", envId: "CartPole-v1", executor: "local", members: 4, counts: { completed: 3, running: 1 } },
    fields: ["learningRate", "hiddenSizes"],
    members: [],
    rows: [
      {
        config: 0,
        values: { learningRate: 0.001, hiddenSizes: [64, 64] },
        seeds: 2,
        completed: 2,
        finalMeanReturn: { mean: 150, std: 70.71, n: 2 },
        bestMeanReturn: { mean: 170, std: null, n: 1 },
        stepsToSolve: { mean: 6000, std: null, n: 1 },
        solved: 1,
      },
    ],
    rewardThreshold: 475,
  };
  const cols = configColumns(view);
  assert.deepEqual(cols.map((c) => c.title), ["#", "learningRate", "hiddenSizes", "seeds", "final mean return", "best mean return", "steps to solve"]);
  assert.deepEqual(cols.map((c) => c.cell(view.rows[0]!)), ["0", "0.001", "[64,64]", "2/2", "150.0 ± 70.7", "170.0", "6000 (1/2)"]);
  assert.equal(summaryText(view), "4 members: 3 completed, 1 running · CartPole-v1 (solved at 475)");
});
