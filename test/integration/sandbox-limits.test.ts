/**
 * A candidate may crash its own process, never the runtime (issue 9, item 2). sandbox-host.ts plays
 * the runtime in a process of its own and runs allocation shapes through validation and training;
 * that process must live to print every candidate's failure with a clear reason. And a candidate
 * process stuck in a loop does not outlive its host.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startCandidateProcess } from "../../runtime/src/reward-design/candidate-process.js";
import type { SandboxJobMessage, SandboxReplyMessage } from "../../runtime/src/reward-design/sandbox-worker.js";
import type { SandboxResult, TransitionLayout } from "../../runtime/src/reward-design/sandbox.js";

const LAYOUT: TransitionLayout = { fields: ["x", "xDot", "theta", "thetaDot"], actionKind: "discrete", actionSize: 1 };
const ROW = [0.1, 0.2, 0.05, -0.1, 1, 0.11, 0.25, 0.04, -0.2, 1, 0, 0, 3];

const HOST = resolve(__dirname, "sandbox-host.ts");

function runHost(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ["--import", "tsx", HOST, ...args], { cwd: resolve(__dirname, "..", ".."), env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on("close", (code, signal) => done({ code, signal })));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

test("allocation shapes: the host process lives, each candidate fails with a clear reason, a valid one after them still runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-sandbox-limits-"));
  try {
    const host = runHost(["limits", dir]);
    const { code, signal } = await host.exited;
    assert.equal(signal, null, `the host was killed by ${signal}: ${host.stderr().slice(-2000)}`);
    assert.equal(code, 0, `the host exited with ${code} (134 is V8's fatal out-of-memory abort): ${host.stderr().slice(-2000)}`);
    const report = JSON.parse(host.stdout().trim().split("\n").pop()!) as {
      validation: Record<string, { ok: boolean; error?: string }>;
      training: { status: string; error?: string };
    };
    // Every shape sandbox-host.ts runs, and the reason it must fail with.
    const expected: Record<string, RegExp> = {
      "huge Array fill (issue 9)": /used more than its 32 MB heap and its process was stopped/,
      "string repeat, flattened and copied": /used more than its 32 MB heap and its process was stopped/,
      "string repeat past V8's maximum length": /RangeError: Invalid string length/,
      "string concat doubling, flattened": /used more than its 32 MB heap and its process was stopped|RangeError: Invalid string length/,
      "typed array": /ReferenceError: Float64Array is not defined/,
      ArrayBuffer: /ReferenceError: ArrayBuffer is not defined/,
      "nested object graph": /used more than its 32 MB heap and its process was stopped/,
      "deep recursion": /RangeError: Maximum call stack size exceeded/,
      "Map growth": /used more than its 32 MB heap and its process was stopped|RangeError: Map maximum size exceeded/,
      "Array push growth": /used more than its 32 MB heap and its process was stopped|RangeError: Invalid array length/,
    };
    assert.deepEqual(Object.keys(report.validation), [...Object.keys(expected), "valid"]);
    for (const [shape, reason] of Object.entries(expected)) {
      const r = report.validation[shape]!;
      assert.equal(r.ok, false, `${shape}: reported failed`);
      assert.match(r.error!, reason, shape);
    }
    assert.equal(report.validation.valid!.ok, true, "a valid candidate after the crashed ones still validates");
    assert.equal(report.training.status, "failed");
    assert.match(report.training.error!, /training used more than its 128 MB heap and its process was stopped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Pids of the processes whose environment holds `marker` (Linux /proc). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, "latin1").includes(marker)) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

const until = async (f: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return f();
};

test("a candidate process stuck in a loop ends when its host dies", { skip: existsSync("/proc/self/environ") ? false : "needs Linux /proc to find the orphaned process" }, async () => {
  const marker = `RL_STUDIO_SANDBOX_ORPHAN_TEST=${process.pid}-${Date.now()}`;
  const [key, value] = marker.split("=") as [string, string];
  const host = runHost(["hang"], { ...process.env, [key]: value });
  try {
    assert.ok(await until(() => host.stdout().includes("hanging"), 60_000), `the host never started its candidate: ${host.stderr()}`);
    // The host and its validation process.
    assert.ok(await until(() => processesWith(marker).length >= 2, 30_000), "the candidate process is running");
    host.child.kill("SIGKILL");
    await host.exited;
    assert.ok(await until(() => processesWith(marker).length === 0, 15_000), `left running after its host died: ${processesWith(marker).join(", ")}`);
  } finally {
    host.child.kill("SIGKILL");
    for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
  }
});

test("a validation process the machine pauses (SIGSTOP past the time limit) does not fail its candidate: the limit is for loops, not for a busy machine", async () => {
  // About 2 ms of CPU per call, 300 calls: the pause lands inside a timed call.
  const busy = "(() => { let s = 0; for (let i = 0; i < 1e6; i++) s += i; return s * 0 + nextObs.theta; })()";
  const proc = startCandidateProcess("sandbox", { heapMb: 64 });
  try {
    const result = await new Promise<SandboxResult>((done, fail) => {
      proc.child.on("message", (m: SandboxReplyMessage) => {
        if ("ready" in m) proc.child.send({ index: 0, components: [{ name: "c", code: busy }], layout: LAYOUT, samples: Array.from({ length: 300 }, () => ROW), timeoutMs: 250 } satisfies SandboxJobMessage);
        else if ("started" in m) {
          setTimeout(() => {
            proc.child.kill("SIGSTOP");
            setTimeout(() => proc.child.kill("SIGCONT"), 1000);
          }, 100);
        } else done(m.result);
      });
      proc.child.on("close", (code, signal) => fail(new Error(`the validation process ended: ${code ?? signal}`)));
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.stats.c!.max, 0.04);
  } finally {
    proc.kill();
  }
});
