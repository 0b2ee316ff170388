/**
 * A stand-in for the runtime, started by sandbox-limits.test.ts in its own process so that a
 * candidate that could kill its host kills this one, not the test runner. It runs candidates through
 * the real host paths (runInSandbox for validation, trainCandidate for Evolve Reward's training) and
 * prints one JSON line with what they reported.
 *
 * Usage: node --import tsx test/integration/sandbox-host.ts limits <workspace-dir>
 *        node --import tsx test/integration/sandbox-host.ts hang
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runInSandbox } from "../../runtime/src/reward-design/sandbox-worker.js";
import { emptyResult, trainCandidate } from "../../runtime/src/reward-design/evolve.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import type { TransitionLayout } from "../../runtime/src/reward-design/sandbox.js";

/** Allocation shapes, each in a candidate of its own. */
const ALLOCATIONS: Record<string, string> = {
  "huge Array fill (issue 9)": "new Array(2 ** 26).fill(0).length",
  "string repeat, flattened and copied": '"x".repeat(2 ** 28).toUpperCase().length',
  "string repeat past V8's maximum length": '"ab".repeat(2 ** 29).length',
  "string concat doubling, flattened": "(() => { let s = 'x'; for (;;) { s = s + s; s.charCodeAt(s.length >> 1); } })()",
  "typed array": "new Float64Array(2 ** 27).length",
  ArrayBuffer: "new ArrayBuffer(2 ** 31).byteLength",
  "nested object graph": "(() => { let o = {}; for (;;) o = { a: o, b: [o, o] }; })()",
  "deep recursion": "(() => { const f = (n) => f(n + 1) + 1; return f(0); })()",
  "Map growth": "(() => { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i }); })()",
  "Array push growth": "(() => { const a = []; for (;;) a.push(1.5); })()",
};

const LAYOUT: TransitionLayout = { fields: ["x", "xDot", "theta", "thetaDot"], actionKind: "discrete", actionSize: 1 };
const ROW = [0.1, 0.2, 0.05, -0.1, 1, 0.11, 0.25, 0.04, -0.2, 1, 0, 0, 3];

async function limits(dir: string): Promise<void> {
  const names = Object.keys(ALLOCATIONS);
  // A valid candidate last: the host carries on after every crash.
  const jobs = [...Object.values(ALLOCATIONS), "nextObs.theta * 2"].map((code) => ({ components: [{ name: "c", code }], layout: LAYOUT, samples: [ROW] }));
  // Per-call time limit far above what filling the heap takes, so each shape meets the heap limit, not the clock.
  const validation = await runInSandbox(jobs, { timeoutMs: 60_000, heapMb: 32, candidateLimitMs: 120_000 });
  const file = join(dir, "cartpole.rl.ts");
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(
    file,
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({ name: "limits", env: "CartPole-v1", algorithm: "ppo", hyperparameters: { numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 1 }, seed: 1 });
`,
  );
  const experiment = await loadExperiment(file);
  const r = emptyResult(1, 1, [{ name: "c", code: ALLOCATIONS["huge Array fill (issue 9)"]! }], "allocation", "trained");
  await trainCandidate(experiment, r, { provider: undefined as never, budget: 256, dir: join(dir, "evolution"), total: 1, backend: "js", heapMb: 128 });
  console.log(JSON.stringify({ validation: Object.fromEntries([...names, "valid"].map((n, i) => [n, validation[i]])), training: { status: r.status, error: r.error } }));
}

/** Validation of a candidate that never returns, under limits that never fire: only the host's death can end it. */
async function hang(): Promise<void> {
  const pending = runInSandbox([{ components: [{ name: "c", code: "(() => { for (;;) {} })()" }], layout: LAYOUT, samples: [ROW] }], { timeoutMs: 600_000, candidateLimitMs: 600_000 });
  setTimeout(() => console.log("hanging"), 3000);
  await pending;
}

if (require.main === module) {
  const [mode, dir] = process.argv.slice(2);
  (mode === "limits" ? limits(dir!) : hang()).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
