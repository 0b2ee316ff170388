/** The Runs view's grouping: sweep members under their sweep by index, other runs newest first; the sweep row's status line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { experimentChildren, sweepDescription } from "../../../extension/src/runs-groups.js";
import type { RunSummary } from "../../../protocol/src/runtime.js";

const run = (runId: string, createdAt: string, sweep?: { id: string; index: number }): RunSummary => ({
  runId,
  runDir: `/runs/${runId}`,
  experimentName: "cp",
  envId: "CartPole-v1",
  seed: 1,
  experimentPath: null,
  state: "completed",
  globalStep: 0,
  totalTimesteps: 0,
  lastEpisodicReturn: null,
  backend: null,
  createdAt,
  error: null,
  groupKey: runId,
  live: false,
  unconfirmed: false,
  ...(sweep ? { sweep: { ...sweep, config: 0, configText: "" } } : {}),
});

test("sweep members under their sweep (newest sweep first, by member index); other runs after, newest first", () => {
  const children = experimentChildren([
    run("a", "2026-01-01T00:00:00Z"),
    run("s1-m1", "2026-01-02T00:00:02Z", { id: "cp-20260102", index: 1 }),
    run("s1-m0", "2026-01-02T00:00:03Z", { id: "cp-20260102", index: 0 }),
    run("b", "2026-01-03T00:00:00Z"),
    run("s2-m0", "2026-01-04T00:00:00Z", { id: "cp-20260104", index: 0 }),
  ]);
  assert.deepEqual(children, {
    sweeps: [
      { id: "cp-20260104", runIds: ["s2-m0"] },
      { id: "cp-20260102", runIds: ["s1-m0", "s1-m1"] },
    ],
    runIds: ["b", "a"],
  });
});

test("sweepDescription counts the members' states", () => {
  assert.equal(sweepDescription(["completed", "running", "completed", "failed"]), "2/4 completed · 1 running · 1 failed");
  assert.equal(sweepDescription(["stopped", "stopped"]), "0/2 completed · 2 stopped");
});
