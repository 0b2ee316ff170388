/**
 * The escape attempts of test/unit/reward-design/escape-battery.ts through the real paths candidate
 * code takes: validation (the sandbox process directly, bypassing the static checks, and
 * validateCandidates with them) and Evolve Reward's training (trainCandidate: the training process,
 * train-worker.ts, the trainer's RewardShaper over the sandboxed reward, every env step). The training
 * process allows code generation in its own realm, so an escape there would write the marker file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInSandbox } from "../../runtime/src/reward-design/sandbox-worker.js";
import { validateCandidates } from "../../runtime/src/reward-design/validate.js";
import { emptyResult, trainCandidate } from "../../runtime/src/reward-design/evolve.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { layoutOf, sampleTransitions } from "../../runtime/src/reward-design/samples.js";
import type { RewardComponent } from "../../runtime/src/reward-design/sandbox.js";
import { INNER_ATTEMPTS, REACHED, driverPathAttempts, innerComponent } from "../unit/reward-design/escape-battery.js";

function workspace(): { dir: string; cartpole: string; pendulum: string; markers: string } {
  const dir = mkdtempSync(join(tmpdir(), "rl-sandbox-escape-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  const experiment = (name: string, env: string) =>
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "${name}",
  env: "${env}",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 100_000, numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 1 },
  seed: 1,
});
`;
  writeFileSync(join(dir, "cartpole.rl.ts"), experiment("escape-cartpole", "CartPole-v1"));
  writeFileSync(join(dir, "pendulum.rl.ts"), experiment("escape-pendulum", "Pendulum-v1"));
  const markers = join(dir, "markers");
  mkdirSync(markers);
  return { dir, cartpole: join(dir, "cartpole.rl.ts"), pendulum: join(dir, "pendulum.rl.ts"), markers };
}

/** All inner attempts as the components of one candidate (each returns 0 when contained). */
function innerCandidate(marker: string): RewardComponent[] {
  return Object.values(INNER_ATTEMPTS).map((attempt, i) => innerComponent(`attempt${i}`, attempt, marker));
}

function assertNoEscape(what: string, texts: readonly string[], markers: string): void {
  for (const t of texts) assert.ok(!t.includes(REACHED), `${what}: the host realm was reached: ${t.slice(0, 400)}`);
  assert.deepEqual(readdirSync(markers), [], `${what}: a marker file was written`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${what}: the host's Object.prototype was polluted`);
}

test("validation: every attempt against the sandbox process directly, and through validateCandidates (static checks first)", async () => {
  const ws = workspace();
  try {
    const marker = join(ws.markers, "validation");
    for (const path of [ws.cartpole, ws.pendulum]) {
      const experiment = await loadExperiment(path);
      const layout = layoutOf(experiment.spec);
      const samples = sampleTransitions(experiment.makeEnv, { count: 16, seed: 1 });
      const inner = Object.entries(INNER_ATTEMPTS).map(([label, attempt]) => ({ label, components: [innerComponent("c", attempt, marker)] }));
      const driver = Object.entries(driverPathAttempts(marker)).map(([label, code]) => ({ label, components: [{ name: "c", code }] }));
      const all = [...inner, ...driver];

      const direct = await runInSandbox(all.map((a) => ({ components: a.components, layout, samples })), { timeoutMs: 5000, candidateLimitMs: 30_000 });
      assertNoEscape("sandbox process", direct.map((r) => (r.ok ? "ok" : r.error)), ws.markers);
      direct.slice(0, inner.length).forEach((r, i) => assert.ok(r.ok, `${inner[i]!.label}: contained and valid: ${r.ok ? "" : r.error}`));
      direct.slice(inner.length).forEach((r, i) => assert.ok(!r.ok, `${driver[i]!.label}: refused`));

      const checked = await validateCandidates(
        all.map((a) => ({ rationale: a.label, components: a.components })),
        layout,
        samples,
        { timeoutMs: 5000, candidateLimitMs: 30_000 },
      );
      assertNoEscape("validateCandidates", checked.map((c) => (c.ok ? "ok" : c.reason)), ws.markers);
      const exploit = checked.at(-1)!;
      assert.ok(!exploit.ok && /HTML-like comments/.test(exploit.reason), "check-code refuses the minimal exploit");
    }
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test("training (Evolve Reward's trainCandidate): the attempts run every env step in the training process and stay contained", async () => {
  const ws = workspace();
  try {
    const marker = join(ws.markers, "training");
    const train = async (path: string, components: RewardComponent[], label: string) => {
      const experiment = await loadExperiment(path);
      const r = emptyResult(1, 1, components, label, "trained");
      // Every attempt runs at every env step (a stack overflow among them): on a loaded machine the
      // first iteration's metrics can take longer than the default 60 s stall limit, which is not what this checks.
      await trainCandidate(experiment, r, { provider: undefined as never, budget: 256, dir: join(ws.dir, "evolution"), total: 1, backend: "js", heapMb: 256, stallMs: 600_000 });
      return r;
    };
    // The inner attempts together, on a discrete and a box action space: all contained, so training completes.
    for (const path of [ws.cartpole, ws.pendulum]) {
      const r = await train(path, innerCandidate(marker), "inner attempts");
      assertNoEscape(`training ${path}`, [r.error ?? ""], ws.markers);
      assert.equal(r.status, "trained", r.error);
      assert.equal(r.globalStep, 256);
    }
    // Through the driver's handling of what a component returns or throws: each fails its training.
    const driver = Object.entries(driverPathAttempts(marker));
    const results = await Promise.all(driver.map(([label, code]) => train(ws.cartpole, [{ name: "c", code }], label)));
    results.forEach((r, i) => {
      assertNoEscape(driver[i]![0], [r.error ?? ""], ws.markers);
      assert.equal(r.status, "failed", `${driver[i]![0]}: ${r.status}`);
      assert.match(r.error!, /component "c"/, driver[i]![0]);
    });
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});
