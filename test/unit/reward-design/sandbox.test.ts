/**
 * The sandbox holds against the classic vm escapes and resource attacks, both in-process (the vm
 * context alone, as the training worker uses it) and in the validation worker (vm + resourceLimits).
 * The static checks are bypassed here on purpose: the sandbox must hold on its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SandboxedReward, ComponentError, type TransitionLayout } from "../../../runtime/src/reward-design/sandbox.js";
import { runInSandbox } from "../../../runtime/src/reward-design/sandbox-worker.js";

const LAYOUT: TransitionLayout = { fields: ["x", "xDot", "theta", "thetaDot"], actionKind: "discrete", actionSize: 1 };
// obs (4), action, nextObs (4), envReward, terminated, truncated, episodeStep
const ROW = [0.1, 0.2, 0.05, -0.1, 1, 0.11, 0.25, 0.04, -0.2, 1, 0, 0, 3];

/** timeoutMs: short only where a test wants the limit to fire; generous elsewhere so a loaded CI machine cannot trip it. */
function inProcess(code: string, timeoutMs = 2000): Float64Array {
  const s = new SandboxedReward([{ name: "c", code }], LAYOUT, { timeoutMs });
  s.setInput(ROW.slice(0, 4), 1, ROW.slice(5, 9), 1, false, false, 3);
  return s.stepWithTimeout();
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
});

const ESCAPES: [string, string, RegExp][] = [
  ["require('fs')", "require('fs').readFileSync('/etc/passwd').length", /require is not defined/],
  ["process", "process.exit(1)", /process is not defined/],
  ["globalThis.constructor.constructor", "globalThis.constructor.constructor('return process')().pid", /Code generation from strings disallowed/],
  ["this.constructor.constructor", "(function () { return this.constructor.constructor('return process')().pid; }).call(obs)", /Code generation from strings disallowed/],
  ["obs.constructor.constructor", "obs.constructor.constructor('return process')().pid", /Code generation from strings disallowed/],
  ["eval", "eval('1')", /Code generation from strings disallowed/],
  ["setTimeout", "(setTimeout(() => 0, 0), 1)", /setTimeout is not defined/],
];

for (const [label, code, expected] of ESCAPES) {
  test(`contained in-process: ${label}`, () => {
    assert.throws(() => inProcess(code), (err: unknown) => err instanceof ComponentError && expected.test(err.detail));
  });
}

test("contained in-process: an infinite loop stops at the time limit", () => {
  assert.throws(() => inProcess("(() => { while (true) {} })()", 100), /did not finish within 100 ms/);
});

test("in the worker: endless promise jobs stop at the time limit (microtasks run inside the evaluation)", async () => {
  // Not in-process: a timeout firing inside a promise job corrupts Node 20's async-hook stack when
  // async hooks are on in that thread (the test runner turns them on); the plain worker has none.
  const results = await runInSandbox(
    ["(Promise.resolve().then(() => { while (true) {} }), 0)", "((async () => { await 0; while (true) {} })(), 0)"].map((code) => ({
      components: [{ name: "c", code }],
      layout: LAYOUT,
      samples: [ROW],
    })),
    { timeoutMs: 100 },
  );
  for (const r of results) assert.ok(!r.ok && /did not finish within 100 ms/.test(r.error), JSON.stringify(r));
});

test("contained in-process: prototype pollution stays in the candidate's realm", () => {
  const out = inProcess("(Object.prototype.polluted = 1, Array.prototype.map = null, Math.abs = () => 7, 0)");
  assert.equal(out[0], 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(typeof [].map, "function");
  assert.equal(Math.abs(-2), 2);
});

test("non-finite and non-number results are refused", () => {
  assert.throws(() => inProcess("nextObs.angle * 2"), /returned NaN/);
  assert.throws(() => inProcess("1 / 0"), /returned Infinity/);
  assert.throws(() => inProcess("'1'"), /returned "1" \(string\)/);
  // A candidate that patches the context's Number.isFinite is still caught by the host's own check.
  assert.throws(() => inProcess("(Number.isFinite = () => true, NaN)"), /returned NaN/);
});

test("in the worker: escapes, an infinite loop, a huge allocation and pollution are contained; the host carries on", async () => {
  const jobs = [
    "require('fs').readFileSync('/etc/passwd').length",
    "process.pid",
    "globalThis.constructor.constructor('return process')().pid",
    "(() => { while (true) {} })()",
    "(() => { const keep = []; while (true) keep.push(new Array(1e6).fill(1.5)); })()",
    "(Object.prototype.polluted = 1, 0)",
    "nextObs.theta * 2",
  ].map((code) => ({ components: [{ name: "c", code }], layout: LAYOUT, samples: [ROW, ROW] }));
  const results = await runInSandbox(jobs, { timeoutMs: 1500, heapMb: 32, candidateLimitMs: 10_000 });
  const errors = results.map((r) => (r.ok ? "ok" : r.error));
  assert.match(errors[0]!, /require is not defined/);
  assert.match(errors[1]!, /process is not defined/);
  assert.match(errors[2]!, /Code generation from strings disallowed/);
  assert.match(errors[3]!, /did not finish within 1500 ms/);
  assert.match(errors[4]!, /more than the sandbox's 32 MB heap|did not finish/);
  assert.equal(errors[5], "ok");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const last = results[6]!;
  assert.ok(last.ok, "a valid candidate after a killed worker still runs");
  assert.deepEqual(last.stats.c, { min: 0.08, mean: 0.08, max: 0.08 });
});
