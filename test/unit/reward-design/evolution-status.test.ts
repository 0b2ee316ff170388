import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveEvolution, INTERRUPTED_ERROR, isEvolutionWriterAlive, type EvolutionStatusFields } from "../../../runtime/src/reward-design/evolution-status.js";
import { currentWriter } from "../../../runtime/src/runs/process-identity.js";

const writer = { startToken: "12345@boot", stopsOnSigint: false, entry: "runtime.js" };

test("a running evolution whose writer is gone shows as cancelled with the interruption as its error", () => {
  const saved: EvolutionStatusFields = { status: "running", pid: 999_999, writer };
  const e = effectiveEvolution(saved, () => false);
  assert.equal(e.status, "cancelled");
  assert.equal(e.error, INTERRUPTED_ERROR);
});

test("a running evolution of a live writer, and a finished one, are shown as saved", () => {
  const mine = { status: "running", pid: process.pid, writer: currentWriter() };
  assert.equal(isEvolutionWriterAlive(mine), true);
  assert.equal(effectiveEvolution(mine), mine);
  const done = { status: "completed", pid: 999_999, writer };
  assert.equal(effectiveEvolution(done, () => false), done);
});

test("a pid that is alive but reused by another process (different start time) is not the writer", () => {
  // The current process is alive; a recorded start time that is not its own means a reused pid.
  const reused = { status: "running", pid: process.ppid, writer: { ...writer, startToken: "not-its-start-time" } };
  assert.equal(isEvolutionWriterAlive(reused), false);
  assert.equal(effectiveEvolution(reused).status, "cancelled");
});

test("a file without a recorded writer (older format) still running is treated as interrupted", () => {
  assert.equal(effectiveEvolution({ status: "running" }).status, "cancelled");
});
