/**
 * The sandbox holds on its own, in-process: every escape attempt of escape-battery.ts runs against
 * SandboxedReward directly — the training path (`stepFast`, and through sandboxedRewardFunction and
 * the RewardShaper as training calls it) and the timed path validation uses (`stepWithTimeout`) —
 * with the static checks bypassed. The same attempts through the validation and training processes
 * are in test/integration/sandbox-escape.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ComponentError,
  SandboxedReward,
  componentBody,
  evaluateOnSamples,
  importProblem,
  sandboxedRewardFunction,
  type RewardComponent,
  type TransitionLayout,
} from "../../../runtime/src/reward-design/sandbox.js";
import { checkComponent } from "../../../runtime/src/reward-design/check-code.js";
import { runInSandbox } from "../../../runtime/src/reward-design/sandbox-worker.js";
import { RewardShaper } from "../../../runtime/src/experiment/reward-shaper.js";
import type { EnvSpec } from "../../../runtime/src/envs/types.js";
import { REACHED, INNER_ATTEMPTS, driverPathAttempts, innerComponent, minimalExploit } from "./escape-battery.js";

const LAYOUT: TransitionLayout = { fields: ["x", "xDot", "theta", "thetaDot"], actionKind: "discrete", actionSize: 1 };
const BOX: TransitionLayout = { fields: ["cosTheta", "sinTheta", "thetaDot"], actionKind: "box", actionSize: 1 };
// obs (4), action, nextObs (4), envReward, terminated, truncated, episodeStep
const ROW = [0.1, 0.2, 0.05, -0.1, 1, 0.11, 0.25, 0.04, -0.2, 1, 0, 0, 3];

/** timeoutMs: short only where a test wants the limit to fire; generous elsewhere so a loaded CI machine cannot trip it. */
function inProcess(code: string, timeoutMs = 2000): Float64Array {
  const s = new SandboxedReward([{ name: "c", code }], LAYOUT, { timeoutMs });
  s.setInput(ROW.slice(0, 4), 1, ROW.slice(5, 9), 1, false, false, 3);
  return s.stepWithTimeout();
}

/**
 * What a step of `components` ends in, by each path candidate code is called through in training and
 * validation; the host's event loop turns once between the timed evaluations, so that work the host
 * finishes asynchronously for the candidate (a dynamic import's rejection) reaches the realm's
 * promise jobs, which the second timed evaluation runs.
 */
async function outcomes(components: RewardComponent[], layout: TransitionLayout): Promise<string[]> {
  const results: string[] = [];
  const attempt = (f: () => unknown) => {
    try {
      results.push(`ok ${String(f())}`);
    } catch (err) {
      results.push(`failed ${err instanceof Error ? err.message : typeof err}`);
    }
  };
  const n = layout.fields.length;
  const obs = Array.from({ length: n }, (_, k) => 0.01 * (k + 1));
  const action = layout.actionKind === "discrete" ? 1 : [0.5];
  let sandbox: SandboxedReward;
  try {
    sandbox = new SandboxedReward(components, layout, { timeoutMs: 5000 });
  } catch (err) {
    return [`refused ${(err as Error).message}`];
  }
  sandbox.setInput(obs, action, obs, 1, false, false, 0);
  attempt(() => sandbox.stepFast()[0]);
  attempt(() => sandbox.stepWithTimeout()[0]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  attempt(() => sandbox.stepWithTimeout()[0]);
  // As training calls it: the RewardShaper over the sandboxed reward function.
  const spec = { id: "Test-v0", observationFields: layout.fields.map((name) => ({ name })) } as unknown as EnvSpec;
  const shaper = new RewardShaper(sandboxedRewardFunction(sandbox), spec, 1);
  const f32 = Float32Array.from(obs);
  attempt(() => shaper.shape(0, f32, layout.actionKind === "discrete" ? 1 : Float32Array.of(0.5), f32, 1, false, false, 0));
  return results;
}

async function withMarkerDir(f: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rl-sandbox-escape-"));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertContained(label: string, results: string[], dir: string): void {
  for (const r of results) assert.ok(!r.includes(REACHED), `${label}: the host realm was reached: ${r}`);
  assert.deepEqual(readdirSync(dir), [], `${label}: a marker file was written`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${label}: the host's Object.prototype was polluted`);
}

test("a plain component computes from the rebuilt obs/nextObs records", () => {
  const s = new SandboxedReward(
    [
      { name: "upright", code: "1 - Math.abs(nextObs.theta) / 0.2095" },
      { name: "alive", code: "envReward + (terminated ? -1 : 0) + action + episodeStep" },
    ],
    LAYOUT,
  );
  s.setInput(ROW.slice(0, 4), 1, ROW.slice(5, 9), 1, false, false, 3);
  const out = s.stepWithTimeout();
  assert.ok(Math.abs(out[0]! - (1 - 0.04 / 0.2095)) < 1e-12);
  assert.equal(out[1], 1 + 0 + 1 + 3);
  assert.deepEqual([...s.stepFast()], [...out]);
  // A box action is a frozen array of numbers.
  const box = new SandboxedReward([{ name: "torque", code: "-(action[0] ** 2) + (Object.isFrozen(action) && Object.isFrozen(obs) ? 10 : 0)" }], BOX);
  box.setInput([1, 0, 0], [0.5], [1, 0, 0], 0, false, false, 0);
  assert.deepEqual([...box.stepFast()], [10 - 0.25]);
});

test("the minimal exploit of issue 9: no file written, no host process; the candidate is refused by check-code and contained by the sandbox", async () => {
  await withMarkerDir(async (dir) => {
    const marker = join(dir, "escaped");
    const code = minimalExploit(marker);
    assert.match(checkComponent("c", code, LAYOUT.fields).map((p) => p.message).join(), /HTML-like comments/);
    const s = new SandboxedReward([{ name: "c", code }], LAYOUT);
    s.setInput([0, 0, 0, 0], 0, [0, 0, 0, 0], 1, false, false, 0);
    // The training path (the one the old driver's `this.step()` lost the host through) and the timed path.
    assert.throws(() => s.stepFast(), (err: unknown) => err instanceof ComponentError && /returned .*\(function\); a component must be a finite number/s.test(err.detail));
    assert.throws(() => s.stepWithTimeout(), ComponentError);
    assert.equal(existsSync(marker), false, "the exploit wrote its file");
    assertContained("minimal exploit", await outcomes([{ name: "c", code }], LAYOUT), dir);
  });
});

test("every escape attempt is contained in-process, discrete and box layouts, through stepFast, stepWithTimeout and the RewardShaper", async () => {
  await withMarkerDir(async (dir) => {
    const marker = join(dir, "escaped");
    for (const layout of [LAYOUT, BOX]) {
      for (const [label, attempt] of Object.entries(INNER_ATTEMPTS)) {
        const results = await outcomes([innerComponent("c", attempt, marker)], layout);
        assertContained(label, results, dir);
        assert.deepEqual(results, ["ok 0", "ok 0", "ok 0", "ok 0"], `${label}: contained and answered 0`);
      }
      for (const [label, code] of Object.entries(driverPathAttempts(marker))) {
        const results = await outcomes([{ name: "c", code }], layout);
        assertContained(label, results, dir);
        assert.ok(results.every((r) => !r.startsWith("ok")), `${label}: the candidate fails: ${results.join(" | ")}`);
      }
    }
  });
});

test("the realm: intrinsics frozen, globals read-only, allocators outside the heap and code generation gone", () => {
  const refused = (code: string) => assert.throws(() => inProcess(code), ComponentError, code);
  refused("(Object.prototype.polluted = 1, 0)");
  refused("(Array.prototype.map = null, 0)");
  refused("(Math.abs = () => 7, 0)");
  refused("(Error.prepareStackTrace = () => '', 0)");
  refused("(globalThis.Error = {}, 0)");
  refused("(globalThis.__rlStudioStep = () => '', 0)");
  refused("(Object.defineProperty(globalThis, '__rlStudioStep', { value: () => '' }), 0)");
  refused("(Function('return 1')(), 0)");
  refused("(this.x, 0)");
  const absent = ["WebAssembly", "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "Float64Array", "Uint8Array", "FinalizationRegistry", "WeakRef", "Intl", "console"];
  for (const name of absent) assert.deepEqual([...inProcess(`typeof ${name} === "undefined" ? 1 : 0`)], [1], name);
  assert.deepEqual([...inProcess("Object.isFrozen(Object.prototype) && Object.isFrozen(Object.getPrototypeOf(function* () {})) && Object.isFrozen(Error) ? 1 : 0")], [1]);
  // Nothing leaked into the host's realm.
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Math.abs(-2), 2);
});

test("import is refused by the sandbox itself, as a word of its own only", () => {
  assert.match(importProblem("import('fs')")!, /`import` is not available/);
  assert.match(importProblem("x + import /* */ ('fs')")!, /`import` is not available/);
  assert.match(importProblem("'import'")!, /`import` is not available/);
  assert.equal(importProblem("nextObs.important + obs.reimport + obs.import_x"), undefined);
  assert.throws(() => new SandboxedReward([{ name: "c", code: "(import('fs'), 0)" }], LAYOUT), (e: unknown) => e instanceof ComponentError && e.component === "c");
});

test("each component is compiled alone: text that closes its function is a syntax error, not code outside it", () => {
  for (const code of ["1) }; globalThis.x = 1; function f() { (0", "1\n)}, evil = (() => 0"]) {
    assert.throws(() => new SandboxedReward([{ name: "c", code }], LAYOUT), (e: unknown) => e instanceof ComponentError && /syntax error/.test(e.detail), code);
  }
  assert.equal(componentBody("x"), '"use strict";\nreturn (\nx\n);');
});

test("contained in-process: an infinite loop stops at the time limit", () => {
  assert.throws(() => inProcess("(() => { while (true) {} })()", 100), /did not finish within 100 ms/);
});

test("non-finite and non-number results are refused", () => {
  assert.throws(() => inProcess("nextObs.angle * 2"), /returned NaN/);
  assert.throws(() => inProcess("1 / 0"), /returned Infinity/);
  assert.throws(() => inProcess("'1'"), /returned "1" \(string\)/);
});

test("evaluateOnSamples: per-component statistics, or the failing component and sample", () => {
  const ok = evaluateOnSamples([{ name: "c", code: "nextObs.theta * 2" }], LAYOUT, [ROW, ROW], 2000);
  assert.deepEqual(ok, { ok: true, stats: { c: { min: 0.08, mean: 0.08, max: 0.08 } } });
  const bad = evaluateOnSamples([{ name: "a", code: "1" }, { name: "b", code: "episodeStep > 2 ? NaN : 0" }], LAYOUT, [[...ROW.slice(0, 12), 0], ROW], 2000);
  assert.deepEqual(bad, { ok: false, sampleIndex: 1, component: "b", error: "returned NaN (number); a component must be a finite number" });
  const refused = evaluateOnSamples([{ name: "c", code: "import('x')" }], LAYOUT, [ROW], 2000);
  assert.ok(!refused.ok && refused.component === "c" && /`import` is not available/.test(refused.error));
});

test("in the validation process: an endless loop and endless promise jobs stop at the time limit, a valid candidate after them still runs", async () => {
  // Not in-process: a timeout firing inside a promise job corrupts Node 20's async-hook stack when
  // async hooks are on in that thread (the test runner turns them on); the validation process has none.
  const codes = ["(() => { while (true) {} })()", "(Promise.resolve().then(() => { while (true) {} }), 0)", "((async () => { await 0; while (true) {} })(), 0)", "nextObs.theta * 2"];
  const results = await runInSandbox(codes.map((code) => ({ components: [{ name: "c", code }], layout: LAYOUT, samples: [ROW, ROW] })), { timeoutMs: 300 });
  for (const r of results.slice(0, 3)) assert.ok(!r.ok && r.component === "c" && r.sampleIndex === 0 && /did not finish within 300 ms on a sample transition/.test(r.error), JSON.stringify(r));
  assert.deepEqual(results[3], { ok: true, stats: { c: { min: 0.08, mean: 0.08, max: 0.08 } } });
});
