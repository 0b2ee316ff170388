/**
 * Data-parallel learners (runtime/src/nn/data-parallel.ts): 2 ranks × 4 envs in worker threads take the
 * same steps as 1 learner × 8 envs on the same rollout data (up to float summation order), the shared
 * parameters hash the same on every rank after every iteration, and a rank left alone at a barrier
 * fails with a message instead of hanging.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { ActorCriticLayout, type PpoCoefficients, type PpoMinibatch } from "../../../runtime/src/nn/actor-critic.js";
import { JsLearner } from "../../../runtime/src/nn/learner.js";
import { createDataParallelMemory, DataParallelLearner, dataParallelPlan, parameterHash, rankSeed, RankTimeoutError } from "../../../runtime/src/nn/data-parallel.js";
import { Rng } from "../../../runtime/src/rng.js";
import { workerScript } from "../../../runtime/src/util/worker-script.js";
import { randomMinibatch } from "./fixtures.js";
import type { RankWork } from "./data-parallel-rank.js";

const NUM_ENVS = 8;
const NUM_STEPS = 16;
const RANKS = 2;
const ITERATIONS = 3;
const MINIBATCHES = 4;
/** normAdv off: with it each rank normalises its own minibatch (as CleanRL's multi-GPU script), which is not the union's normalisation. */
const COEF: PpoCoefficients = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: false };
const LR = 3e-3;
const MAX_GRAD_NORM = 0.5;

/** Rows `rows` of `data`, in that order. */
function pick(data: PpoMinibatch, rows: number[], layout: ActorCriticLayout): PpoMinibatch {
  const { obsDim, actionKind, actionDim } = layout.config;
  const width = actionKind === "discrete" ? 1 : actionDim;
  const take = (a: Float64Array, w: number) => Float64Array.from(rows.flatMap((r) => Array.from(a.subarray(r * w, (r + 1) * w))));
  return {
    size: rows.length,
    obs: take(data.obs, obsDim),
    actions: take(data.actions, width),
    logProbs: take(data.logProbs, 1),
    advantages: take(data.advantages, 1),
    returns: take(data.returns, 1),
    values: take(data.values, 1),
  };
}

function runRank(work: RankWork): Promise<{ rank: number; hashes: string[] }> {
  const { script, eval: isEval } = workerScript(__dirname, __filename, "data-parallel-rank.ts", "data-parallel-rank.js");
  const worker = new Worker(script, { eval: isEval, workerData: work });
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`rank ${work.rank} exited with ${code}`)));
  });
}

for (const actionKind of ["discrete", "box"] as const) {
  test(`2 learners × 4 envs take the same steps as 1 learner × 8 envs on the same rollout (${actionKind}), parameters hashed equal on both ranks every iteration`, async () => {
    const layout = new ActorCriticLayout({ obsDim: 4, actionKind, actionDim: 2, hiddenSizes: [16, 16] });
    const init = layout.initParams(new Rng(1));
    const envsPerRank = NUM_ENVS / RANKS;
    const localBatch = NUM_STEPS * envsPerRank;
    const localMinibatch = localBatch / MINIBATCHES;
    // Old log-probs near the current policy's, so that some ratios fall outside the clip range after a few steps and some inside.
    const dataRng = new Rng(2);
    const rollouts = Array.from({ length: ITERATIONS }, () => randomMinibatch(layout, NUM_STEPS * NUM_ENVS, dataRng, () => -1.2 + 0.3 * dataRng.normal()));
    // Each rank shuffles its own envs' rows with its own generator (seeded per rank); time-major rows t · 8 + e, rank r owns envs 4r … 4r + 3.
    const perRank: number[][][][] = Array.from({ length: RANKS }, (_, rank) => {
      const shuffle = new Rng(rankSeed(10, rank));
      return rollouts.map(() => {
        const local = Array.from({ length: localBatch }, (_, i) => i);
        for (let i = local.length - 1; i > 0; i--) {
          const j = shuffle.integer(i + 1);
          [local[i], local[j]] = [local[j]!, local[i]!];
        }
        const global = local.map((i) => Math.floor(i / envsPerRank) * NUM_ENVS + rank * envsPerRank + (i % envsPerRank));
        return Array.from({ length: MINIBATCHES }, (_, k) => global.slice(k * localMinibatch, (k + 1) * localMinibatch));
      });
    });

    // 1 learner × 8 envs: every minibatch is the union of the ranks' minibatches.
    const single = new JsLearner(layout, Float32Array.from(init), localMinibatch * RANKS);
    const singleHashes: string[] = [];
    let clipped = 0;
    for (let it = 0; it < ITERATIONS; it++) {
      for (let k = 0; k < MINIBATCHES; k++) {
        const rows = perRank.flatMap((r) => r[it]![k]!);
        clipped += single.stepSync(pick(rollouts[it]!, rows, layout), COEF, LR, MAX_GRAD_NORM).clipFrac;
      }
      await single.syncParams();
      singleHashes.push(parameterHash(single.params));
    }
    assert.ok(clipped > 0, "some ratios are clipped (the clipped branches are exercised)");

    // 2 learners in worker threads on the shared memory.
    const buffer = createDataParallelMemory(layout, RANKS, Float32Array.from(init));
    const results = await Promise.all(
      perRank.map((iterations, rank) =>
        runRank({
          buffer,
          rank,
          ranks: RANKS,
          config: layout.config,
          iterations: iterations.map((mbs, it) => mbs.map((rows) => pick(rollouts[it]!, rows, layout))),
          coef: COEF,
          learningRate: LR,
          maxGradNorm: MAX_GRAD_NORM,
        }),
      ),
    );
    assert.deepEqual(results[0]!.hashes, results[1]!.hashes, "the ranks' parameters are identical after every iteration");
    assert.equal(new Set(results[0]!.hashes).size, ITERATIONS, "the parameters change every iteration");

    const reader = new DataParallelLearner(layout, buffer, 0, RANKS, 1);
    const multi = await reader.getState();
    const one = await single.getState();
    assert.equal(multi.adamStep, ITERATIONS * MINIBATCHES, "one Adam state, one step per minibatch");
    let maxRel = 0;
    let moved = 0;
    for (let i = 0; i < layout.size; i++) {
      maxRel = Math.max(maxRel, Math.abs(multi.params[i]! - one.params[i]!) / (Math.abs(one.params[i]!) + 1e-3));
      moved = Math.max(moved, Math.abs(one.params[i]! - init[i]!));
    }
    assert.ok(moved > 1e-3, `the parameters moved (max |Δ| ${moved})`);
    // float32 images of float64 parameters that differ only in summation order: within float32 rounding.
    assert.ok(maxRel < 1e-5, `max relative difference 2×4 vs 1×8: ${maxRel}`);
  });
}

test("a rank alone at the barrier fails with a message after its timeout (a dead peer does not hang training)", () => {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [8] });
  const buffer = createDataParallelMemory(layout, 2, layout.initParams(new Rng(1)));
  const learner = new DataParallelLearner(layout, buffer, 1, 2, 4, { barrierTimeoutMs: 50 });
  assert.throws(() => learner.stepSync(randomMinibatch(layout, 4, new Rng(3)), COEF, LR, MAX_GRAD_NORM), (err: unknown) => err instanceof RankTimeoutError && /waited 50 ms for the other 1 rank/.test(err.message));
});

test("a rank that fails wakes the others, which stop at once instead of waiting out the timeout", () => {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [8] });
  const buffer = createDataParallelMemory(layout, 2, layout.initParams(new Rng(1)));
  new DataParallelLearner(layout, buffer, 1, 2, 4).fail();
  const learner = new DataParallelLearner(layout, buffer, 0, 2, 4, { barrierTimeoutMs: 60_000 });
  const t0 = performance.now();
  assert.throws(() => learner.continueTogether(false), /another data-parallel learner failed/);
  assert.ok(performance.now() - t0 < 1000);
});

test("the shared memory plan: control, Adam step, params, m, v and one gradient per rank; bad shapes named", () => {
  assert.equal(dataParallelPlan(10, 2).byteLength, 16 + 16 + 8 * 10 * 5 + 8 * 2);
  assert.throws(() => dataParallelPlan(10, 0), /ranks must be a positive integer, got 0/);
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [8] });
  assert.throws(() => createDataParallelMemory(layout, 2, new Float32Array(3)), /initParams has 3 values, the network has \d+ parameters/);
  const buffer = createDataParallelMemory(layout, 2, layout.initParams(new Rng(1)));
  assert.throws(() => new DataParallelLearner(layout, buffer, 2, 2, 4), /rank must be an integer in \[0, 2\), got 2/);
  assert.throws(() => new DataParallelLearner(layout, buffer, 0, 3, 4), /shared buffer has \d+ bytes, 3 ranks of \d+ parameters need \d+/);
  assert.equal(rankSeed(7, 0), 7);
  assert.equal(rankSeed(7, 3), 10);
});
