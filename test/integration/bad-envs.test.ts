/**
 * A custom env that breaks its contract is named, with the method, the field and the line in the
 * user's file (issue 9, item 7), never a crash inside the runtime ("Cannot read properties of
 * undefined … at TimeLimit.step (cli.js)") or a NaN blamed on the reward. The real CLI trains each
 * broken env of test/fixtures/experiments and the failure it reports is checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, REPO, runCli, workspace } from "./cli-helpers.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";

const FIXTURES = join(REPO, "test", "fixtures", "experiments");

function lineOf(name: string, needle: string): number {
  const lines = readFileSync(join(FIXTURES, name), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} in ${name}`);
  return i + 1;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Case {
  file: string;
  /** The method that broke its contract, as the message names it. */
  method: string;
  /** What the message says is wrong: the field and its value. */
  problem: RegExp;
  /** The source line the message points at: the method's definition, or the statement that threw. */
  at: string;
}

const CASES: Case[] = [
  {
    file: "step-returns-undefined.rl.ts",
    method: "ForgetfulEnv.step()",
    problem: /returned undefined; it must return \{ obs, reward, terminated, truncated, info \}/,
    at: "override step(",
  },
  { file: "step-missing-field.rl.ts", method: "NoTruncationEnv.step()", problem: /truncated must be a boolean, got undefined/, at: "override step(" },
  {
    file: "step-wrong-obs-length.rl.ts",
    method: "ExtraFieldEnv.step()",
    problem: /obs has 3 element\(s\) but observationSpace has 2 \(position, target\)/,
    at: "override step(",
  },
  {
    file: "step-nan-field.rl.ts",
    method: "DriftingTargetEnv.step()",
    problem: /obs\.target = NaN \(observation field 1 of 2\): every observation value must be a finite number/,
    at: "override step(",
  },
  { file: "reset-throws.rl.ts", method: "OneEpisodeEnv.reset()", problem: /threw Error: the level file is gone/, at: 'throw new Error("the level file is gone")' },
];

for (const c of CASES) {
  test(`a custom env whose ${c.method} is broken (${c.file}) fails the run naming method, field and ${c.file}:line`, { timeout: 300_000 }, async (t) => {
    const ws = workspace(t, "rls-bad-env-");
    copyFileSync(join(FIXTURES, c.file), join(ws, c.file));
    copyFileSync(join(FIXTURES, "line-env.ts"), join(ws, "line-env.ts"));
    const r = await runCli(["train", c.file, "--json", "--backend", "js"], ws);
    assert.equal(r.code, 1, r.stderr);
    const summary = lastJsonLine(r.stdout);
    assert.equal(summary.status, "failed");
    const error = summary.error as string;
    const line = lineOf(c.file, c.at);
    assert.ok(error.startsWith(c.method), `names the method first: ${error}`);
    assert.match(error, c.problem);
    assert.match(error, new RegExp(`\\(${escape(c.file)}:${line}:\\d+\\)`), `points at ${c.file}:${line}: ${error}`);
    // Blamed on the env, never on the reward or on the runtime's own code.
    assert.doesNotMatch(error, /reward function|TimeLimit|cli\.js|Cannot read properties/);
    assert.doesNotMatch(r.stderr, /TimeLimit\.step|SyncVectorEnv/);
    const root = join(ws, ".rl-studio", "runs");
    const run = RunDir.open(join(root, readdirSync(root)[0]!));
    assert.equal(run.readStatus()!.state, "failed");
    assert.equal(run.readStatus()!.error, error);
  });
}
