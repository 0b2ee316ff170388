import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultRunsRoot, findWorkspaceRoot, formatRunTimestamp, makeRunId, slugify, withSuffix } from "../../../runtime/src/runs/run-id.js";

test("run id is <name>-<YYYYMMDD-HHMMSS>-s<seed> in local time", () => {
  const date = new Date(2024, 0, 5, 7, 8, 9); // 5 Jan 2024 07:08:09 local
  assert.equal(formatRunTimestamp(date), "20240105-070809");
  assert.equal(makeRunId("cartpole-ppo", 1, date), "cartpole-ppo-20240105-070809-s1");
  assert.equal(makeRunId("My Run / v2", 42, new Date(2025, 11, 31, 23, 59, 58)), "my-run-v2-20251231-235958-s42");
});

test("slugify keeps folder names portable", () => {
  assert.equal(slugify("Café  Pole!"), "cafe-pole");
  assert.equal(slugify("..hidden"), "hidden");
  assert.equal(slugify("///"), "run");
  assert.equal(slugify("a".repeat(100)).length, 64);
});

test("withSuffix: attempt 1 is the base id, then -2, -3", () => {
  assert.equal(withSuffix("x-s1", 1), "x-s1");
  assert.equal(withSuffix("x-s1", 2), "x-s1-2");
  assert.equal(withSuffix("x-s1", 3), "x-s1-3");
});

test("findWorkspaceRoot: nearest ancestor with .rl-studio, package.json or .git, else the file's folder", (t) => {
  const root = mkdtempSync(join(tmpdir(), "rls-ws-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const deep = join(root, "a", "b", "c");
  mkdirSync(deep, { recursive: true });
  const file = join(deep, "x.rl.ts");
  writeFileSync(file, "");
  // tmpdir itself has no markers in a sane test environment; the fallback is the file's folder.
  const fallback = findWorkspaceRoot(file);
  assert.ok(fallback === deep || !fallback.startsWith(root), `unexpected root ${fallback}`);
  mkdirSync(join(root, "a", ".git"));
  assert.equal(findWorkspaceRoot(file), join(root, "a"));
  writeFileSync(join(root, "a", "b", "package.json"), "{}");
  assert.equal(findWorkspaceRoot(file), join(root, "a", "b"));
  mkdirSync(join(deep, ".rl-studio"));
  assert.equal(findWorkspaceRoot(file), deep);
  assert.equal(defaultRunsRoot(file), join(deep, ".rl-studio", "runs"));
});
