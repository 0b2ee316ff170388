import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperienceWriter } from "../../../runtime/src/experience/writer.js";
import { predicatesHash, relabelStore } from "../../../runtime/src/experience/labels.js";
import { ImitationBuffer, discountedReturns, imitationScore, loadImitationEpisodes } from "../../../runtime/src/experience/imitation.js";
import { MOUNTAIN_CAR_SPEC } from "../../../runtime/src/envs/mountain-car.js";
import { Rng } from "../../../runtime/src/rng.js";
import type { ResolvedSubgoal } from "../../../runtime/src/subgoals/config.js";

const HEADER = { envId: "MountainCar-v0", fields: ["position", "velocity"], obsDim: 2, actionKind: "discrete" as const, actionSize: 3, runId: "mc-run" };

/** Episodes as position sequences (states s₀…s_T); the last ends terminated+success when it reaches 0.5. */
function store(t: { after(fn: () => void): void }, episodes: number[][]): string {
  const root = mkdtempSync(join(tmpdir(), "rls-infer-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20 });
  for (const xs of episodes) {
    const id = w.beginEpisode();
    const T = xs.length - 1;
    const success = xs[T]! >= 0.5;
    for (let s = 0; s < T; s++) {
      const last = s === T - 1;
      w.add(id, [xs[s]!, 0], 2, -1, last && success, last && !success, last && success, last ? [xs[T]!, 0] : undefined);
    }
    w.flush();
  }
  w.close();
  return w.dir;
}

const above = (name: string, x: number): ResolvedSubgoal => ({ name, description: "", achieved: ({ obs }) => (obs as { position: number }).position > x });

const EPISODES = [
  [-0.5, -0.3, -0.1, -0.2], //             reaches −0.3? no (> −0.3 strictly): −0.1 at step 1
  [-0.5, 0.0, 0.2, 0.55], //               success
  [-0.5, -0.6, -0.7, -0.4],
];

test("relabelling: the same store gets new labels when a predicate changes, and cached ones when not", (t) => {
  const dir = store(t, EPISODES);
  const v1 = [above("mid", -0.2), above("high", 0.1)];
  const first = relabelStore(dir, v1, MOUNTAIN_CAR_SPEC);
  assert.equal(first.computedSessions, 1);
  const byStart = (r: ReturnType<typeof relabelStore>) => [...r.labels.values()].map((l) => [l.reached, l.success, l.length, l.envReturn]);
  // Episode 0 reaches mid (x > −0.2) at step 1 (x = −0.1), never high; episode 1 reaches mid at step 0 (x = 0) and high at step 1 (0.2).
  assert.deepEqual(byStart(first), [[[1], false, 3, -3], [[0, 1], true, 3, -3], [[], false, 3, -3]]);
  const again = relabelStore(dir, v1, MOUNTAIN_CAR_SPEC);
  assert.equal(again.cachedSessions, 1);
  assert.equal(again.computedSessions, 0);
  assert.deepEqual(byStart(again), byStart(first));
  // Change one predicate: a new hash, relabelled, different answers.
  const v2 = [above("mid", -0.05), above("high", 0.1)];
  const changed = relabelStore(dir, v2, MOUNTAIN_CAR_SPEC);
  assert.notEqual(changed.hash, first.hash);
  assert.equal(changed.computedSessions, 1);
  assert.deepEqual(byStart(changed), [[[], false, 3, -3], [[0, 1], true, 3, -3], [[], false, 3, -3]]);
});

test("the predicate hash sees a constant the predicate reads from outside its own text", () => {
  let threshold = 0.1;
  const sg: ResolvedSubgoal = { name: "high", description: "", achieved: ({ obs }) => (obs as { position: number }).position > threshold };
  const a = predicatesHash([sg], MOUNTAIN_CAR_SPEC);
  threshold = -0.9;
  const b = predicatesHash([sg], MOUNTAIN_CAR_SPEC);
  assert.notEqual(a, b);
  assert.equal(predicatesHash([sg], MOUNTAIN_CAR_SPEC), b);
});

test("discounted returns and imitation scores", () => {
  assert.deepEqual(Array.from(discountedReturns([1, 0, 2], 0.5)), [1 + 0.5 * 0 + 0.25 * 2, 0 + 0.5 * 2, 2]);
  assert.equal(imitationScore("task", false, 3, 10), null);
  assert.deepEqual(imitationScore("task", true, 0, -7), [0, -7]);
  assert.equal(imitationScore("subgoals", false, 0, 10), null);
  assert.deepEqual(imitationScore("subgoals", true, 2, -7), [3, -7]);
});

test("the imitation buffer keeps the best episodes within its budget and samples only what it holds", () => {
  const buf = new ImitationBuffer(5, 1, 1);
  const ep = (key: string, len: number, score: [number, number]) => ({ key, states: Float32Array.from({ length: len }, (_, i) => i), actions: new Float32Array(len).fill(Number(key.slice(1))), returns: new Float64Array(len).fill(score[1]), score });
  assert.ok(buf.offer(ep("e1", 2, [1, 0])));
  assert.ok(buf.offer(ep("e2", 2, [2, 0])));
  assert.ok(buf.offer(ep("e3", 2, [1, 5])), "better than e1: e1 is evicted");
  assert.equal(buf.episodes, 2);
  assert.equal(buf.transitions, 4);
  assert.ok(!buf.offer(ep("e4", 2, [0, 100])), "worse than everything held and no room");
  assert.ok(!buf.offer(ep("e5", 6, [9, 9])), "longer than the whole budget");
  const mb = { size: 200, obs: new Float64Array(200), actions: new Float64Array(200), returns: new Float64Array(200) };
  buf.sample(new Rng(1), mb, (raw, out, off) => (out[off] = raw[0]! * 10), 0.5);
  assert.deepEqual(new Set(mb.actions), new Set([2, 3]));
  assert.deepEqual(new Set(mb.returns), new Set([0, 2.5]));
  assert.deepEqual(new Set(mb.obs), new Set([0, 10]));
});

test("loading from the store: task successes, or most sub-goals, with returns under this experiment's reward", (t) => {
  const dir = store(t, EPISODES);
  const reward = { shaper: null, subgoalReward: 1, gamma: 1 };
  const task = new ImitationBuffer(100, 2, 1);
  const r1 = loadImitationEpisodes(dir, task, { source: "task", spec: MOUNTAIN_CAR_SPEC, subgoals: [], reward });
  assert.deepEqual([r1.stored, r1.qualifying, r1.loaded], [3, 1, 1]);
  assert.equal(task.transitions, 3);
  // Env reward −1 per step, no sub-goals: returns −3, −2, −1.
  const mb = { size: 64, obs: new Float64Array(128), actions: new Float64Array(64), returns: new Float64Array(64) };
  task.sample(new Rng(2), mb, (raw, out, off) => out.set(raw, off));
  assert.deepEqual([...new Set(mb.returns)].sort(), [-1, -2, -3]);

  const sub = new ImitationBuffer(100, 2, 1);
  const r2 = loadImitationEpisodes(dir, sub, { source: "subgoals", spec: MOUNTAIN_CAR_SPEC, subgoals: [above("mid", -0.2), above("high", 0.1)], reward });
  assert.deepEqual([r2.stored, r2.qualifying, r2.loaded], [3, 2, 2]);
  assert.deepEqual(sub.best, [3, -1], "the success (2 sub-goals + task) ranks first; its return −3 + 2 sub-goal rewards");
});
