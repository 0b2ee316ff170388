import { test } from "node:test";
import assert from "node:assert/strict";
import { priorLogLines, priorNotification, priorProgress } from "../../../extension/src/prior-text.js";
import type { EvalPriorResult } from "../../../protocol/src/runtime.js";

const result: EvalPriorResult = {
  experimentName: "salad",
  model: "/m/stories260K.gguf",
  episodes: 4,
  meanReturn: -0.0125,
  stdReturn: 0.25,
  meanLength: 37.5,
  successRate: 0.25,
  terminationCauses: { "time limit": 3, delivered: 1 },
};

test("zero-shot prior: the notification gives success rate, mean return ± std and the episodes", () => {
  assert.equal(priorNotification(result), "RL Studio: zero-shot prior of salad: success rate 25 %, mean return -0.013 ± 0.250 (std) over 4 episodes.");
  assert.match(priorNotification({ ...result, episodes: 1 }), /over 1 episode\.$/);
});

test("zero-shot prior: the log lines name the model and how episodes ended, most frequent first", () => {
  assert.deepEqual(priorLogLines(result), [
    "[client] zero-shot prior of salad (model /m/stories260K.gguf), 4 greedy episodes:",
    "  success rate 25 %",
    "  mean return -0.013 ± 0.250 (std)",
    "  mean length 37.5",
    "  episodes ended by time limit 3, delivered 1",
  ]);
  assert.equal(priorLogLines({ ...result, terminationCauses: {} }).at(-1), "  episodes ended by --");
});

test("zero-shot prior: each finished episode advances the progress by its share", () => {
  assert.deepEqual(priorProgress({ requestId: "r", episode: 2, episodes: 8, episodicReturn: 0.2 }), { message: "episode 2/8: return 0.200", increment: 12.5 });
});
