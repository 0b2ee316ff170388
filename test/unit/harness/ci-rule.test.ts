/**
 * The rule every suite follows: under CI=true a missing test model, tool or build FAILS; elsewhere
 * it skips with a message saying what is missing and where it was looked for. Checked in child
 * processes, as CI runs them: the shared test-model lookup (test/test-model.mjs) inside a real
 * `node --test`, and the end-to-end harness's prerequisite check (test/e2e/harness.mjs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..", "..", "..");
const FIXTURE = join(REPO, "test", "fixtures", "needs-test-model.mjs");
const HARNESS = join(REPO, "test", "e2e", "harness.mjs");

/** `node args…` in the repository with `env` over a copy of this environment (undefined removes a variable). */
function node(args: string[], env: Record<string, string | undefined>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // The child is a test run of its own, not a subtest reporting to this runner.
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.NODE_OPTIONS;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, args, { cwd: REPO, env: childEnv, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const missingModel = join(mkdtempSync(join(tmpdir(), "rl-ci-rule-")), "absent", "stories260K.gguf");

test("test model missing under CI=true: the test that needs it fails, naming the path", () => {
  const r = node(["--test", FIXTURE], { CI: "true", RL_STUDIO_TEST_MODEL: missingModel });
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /# fail 1/);
  assert.match(r.output, /# skipped 0/);
  assert.ok(r.output.includes(`test model not found at ${missingModel}`), r.output);
  assert.match(r.output, /a failure, not a skip/);
});

test("test model missing outside CI: the test is skipped with where the model was looked for", () => {
  const r = node(["--test", FIXTURE], { CI: undefined, RL_STUDIO_TEST_MODEL: missingModel });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /# skipped 1/);
  assert.ok(r.output.includes(`# SKIP test model not found at ${missingModel}`), r.output);
});

test("test model present (CI or not): the test runs and passes", () => {
  const model = join(mkdtempSync(join(tmpdir(), "rl-ci-rule-")), "model.gguf");
  writeFileSync(model, "GGUF");
  for (const CI of ["true", undefined]) {
    const r = node(["--test", FIXTURE], { CI, RL_STUDIO_TEST_MODEL: model });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /# pass 1/);
    assert.match(r.output, /# skipped 0/);
  }
});

const checkE2e = (extraBuild: string[]) =>
  `import { missingBuild, missingTools, skipUnlessReady } from ${JSON.stringify(HARNESS)};
   console.log("skip:", skipUnlessReady(missingTools(), missingBuild(${JSON.stringify(extraBuild)})));`;

test("end-to-end tools missing: under CI=true the check throws (the test file fails); elsewhere it is the skip reason", () => {
  const tools = join(mkdtempSync(join(tmpdir(), "rl-ci-rule-")), "no-tools");
  const ci = node(["--input-type=module", "-e", checkE2e([])], { CI: "true", E2E_TOOLS: tools });
  assert.notEqual(ci.code, 0, ci.output);
  assert.match(ci.output, /end-to-end prerequisite missing under CI=true \(a failure, not a skip\): code-server is not installed in/);
  const dev = node(["--input-type=module", "-e", checkE2e([])], { CI: undefined, E2E_TOOLS: tools });
  assert.equal(dev.code, 0, dev.output);
  assert.match(dev.output, /skip: code-server is not installed in .*no-tools\/cs: run `bash test\/e2e\/install\.sh`/);
});

test("a missing build under CI=true fails the same way", () => {
  // The tools check passes or fails first depending on this machine; a fake tools folder with a
  // code-server, playwright-core and Chromium in place isolates the build check.
  const tools = mkdtempSync(join(tmpdir(), "rl-ci-rule-tools-"));
  const cs = join(tools, "cs", "node_modules");
  for (const f of [join(cs, ".bin", "code-server"), join(cs, "playwright-core", "package.json")]) {
    mkdirSync(resolve(f, ".."), { recursive: true });
    writeFileSync(f, "");
  }
  const chromium = join(tools, "chromium");
  writeFileSync(chromium, "");
  const env = { E2E_TOOLS: tools, CHROMIUM: chromium };
  const ci = node(["--input-type=module", "-e", checkE2e(["dist/not-built.js"])], { ...env, CI: "true" });
  assert.notEqual(ci.code, 0, ci.output);
  assert.match(ci.output, /a failure, not a skip\): the extension is not built \(dist\/not-built\.js missing\)/);
  const dev = node(["--input-type=module", "-e", checkE2e(["dist/not-built.js"])], { ...env, CI: undefined });
  assert.equal(dev.code, 0, dev.output);
  assert.match(dev.output, /skip: the extension is not built \(dist\/not-built\.js missing\): run `node scripts\/build\.mjs`/);
  // Nothing missing: not skipped, under CI or not.
  const ready = node(["--input-type=module", "-e", `import { missingTools, skipUnlessReady } from ${JSON.stringify(HARNESS)}; console.log("skip:", skipUnlessReady(missingTools(), null));`], { ...env, CI: "true" });
  assert.equal(ready.code, 0, ready.output);
  assert.match(ready.output, /skip: false/);
});
