/**
 * The runtime's JSON-RPC server, spoken to as the extension does: fork it with an IPC channel,
 * train a tiny CartPole run, receive metrics, stop, resume, and check the curve continues.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import {
  EnvsRequest,
  HelloRequest,
  ListRunsRequest,
  MarkFailedRequest,
  PROTOCOL_VERSION,
  ReadRunRequest,
  ResumeRequest,
  RunMetricsNotification,
  RunStatusNotification,
  ShutdownRequest,
  StopRequest,
  TrainRequest,
  type RunMetricsParams,
  type RunStatusParams,
} from "../../protocol/src/runtime.js";

const EXPERIMENT = `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "server-test",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 1_000_000, numEnvs: 2, numSteps: 16, numMinibatches: 1, updateEpochs: 1, hiddenSizes: [8], checkpointEvery: 1 },
  seed: 3,
});
`;

function waitFor<T>(list: T[], pred: (all: T[]) => boolean, what: string, ms = 30_000): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred(list)) return res();
      if (Date.now() - t0 > ms) return rej(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test("runtime server: train → metrics → stop → resume continues the same curve → shutdown", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-"));
  const experimentPath = join(dir, "cartpole.rl.ts");
  writeFileSync(experimentPath, EXPERIMENT);
  const runsRoot = join(dir, ".rl-studio", "runs");
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const metrics: RunMetricsParams[] = [];
  const statuses: RunStatusParams[] = [];
  connection.onNotification(RunMetricsNotification.type, (p) => void metrics.push(p));
  /** How many metrics notifications had arrived when each status did. */
  const metricsBeforeStatus: number[] = [];
  connection.onNotification(RunStatusNotification.type, (p) => {
    statuses.push(p);
    metricsBeforeStatus.push(metrics.length);
  });
  connection.listen();
  try {
    const hello = await connection.sendRequest(HelloRequest.type);
    assert.equal(hello.protocolVersion, PROTOCOL_VERSION);
    assert.equal(hello.pid, child.pid);

    const envs = await connection.sendRequest(EnvsRequest.type);
    assert.ok(envs.envs.some((e) => e.id === "CartPole-v1" && e.actionKind === "discrete" && e.observationFields.includes("theta")));

    const before = Date.now();
    const { runId, runDir } = await connection.sendRequest(TrainRequest.type, { experimentPath, runsRoot, backend: "js" });
    assert.ok(runDir.startsWith(runsRoot), runDir);
    await waitFor(metrics, (m) => m.filter((x) => x.runId === runId).length >= 3, "3 metrics notifications");
    const first = metrics[0]!;
    assert.equal(first.records[0]!.globalStep, 32, "one iteration = numEnvs × numSteps = 32 steps");
    assert.ok(first.sentAt >= before && first.sentAt <= Date.now(), "sentAt is the runtime's Date.now()");
    assert.ok("losses/value_loss" in first.records[0]!.metrics, Object.keys(first.records[0]!.metrics).join(","));

    assert.deepEqual(await connection.sendRequest(StopRequest.type, { runId }), { stopped: true });
    assert.deepEqual(await connection.sendRequest(StopRequest.type, { runId }), { stopped: false }, "a second stop finds nothing to stop");
    await waitFor(statuses, (s) => s.some((x) => x.runId === runId && x.state === "stopped"), "status stopped");
    const stoppedRead = await connection.sendRequest(ReadRunRequest.type, { runDir });
    assert.equal(stoppedRead.summary.state, "stopped");
    assert.equal(stoppedRead.summary.live, false);
    const stepsBefore = stoppedRead.metrics.map((r) => r.globalStep);
    const lastBefore = stepsBefore[stepsBefore.length - 1]!;
    assert.ok(lastBefore >= 96);
    // Batched notifications lose nothing, and the final state comes after the last batch.
    const atStopped = metricsBeforeStatus[statuses.findIndex((x) => x.runId === runId && x.state === "stopped")]!;
    assert.deepEqual(metrics.slice(0, atStopped).flatMap((m) => m.records.map((r) => r.globalStep)), stepsBefore, "every record in metrics.jsonl was streamed, in order, before the stopped status");

    const countBeforeResume = metrics.length;
    const resumed = await connection.sendRequest(ResumeRequest.type, { runDir, backend: "js" });
    assert.equal(resumed.runId, runId, "resume continues the same run");
    await waitFor(metrics, (m) => m.length >= countBeforeResume + 2, "metrics after resume");
    const afterResume = metrics.slice(countBeforeResume);
    // checkpointEvery: 1 → the checkpoint is at the last logged iteration: the curve goes on from there.
    assert.equal(afterResume[0]!.records[0]!.globalStep, lastBefore + 32, "first resumed iteration follows the last one before the stop");
    await connection.sendRequest(StopRequest.type, { runId });

    const { metrics: all } = await connection.sendRequest(ReadRunRequest.type, { runDir });
    const steps = all.map((r) => r.globalStep);
    steps.forEach((s, i) => assert.equal(s, 32 * (i + 1), `metrics.jsonl line ${i + 1}: no gap or duplicate`));

    const { runs } = await connection.sendRequest(ListRunsRequest.type, { runsRoot });
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.experimentName, "server-test");
    assert.equal(runs[0]!.envId, "CartPole-v1");
    assert.equal(runs[0]!.seed, 3);
    assert.equal(runs[0]!.state, "stopped");

    await connection.sendRequest(MarkFailedRequest.type, { runDir, error: "the runtime process was killed (SIGKILL)" });
    const failed = await connection.sendRequest(ReadRunRequest.type, { runDir });
    assert.equal(failed.summary.state, "failed");
    assert.equal(failed.summary.error, "the runtime process was killed (SIGKILL)");

    await assert.rejects(connection.sendRequest(TrainRequest.type, { experimentPath: join(dir, "missing.rl.ts"), runsRoot }), /missing\.rl\.ts/);

    await connection.sendRequest(ShutdownRequest.type);
    assert.equal(await exited, 0);
  } finally {
    connection.dispose();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
