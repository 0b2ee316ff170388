/**
 * `runtime/explain` over the runtime's JSON-RPC server, as the extension calls it: progress
 * notifications arrive, the explanation comes back and lands in the run folder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import { ShutdownRequest } from "../../protocol/src/runtime.js";
import { ExplainProgressNotification, ExplainRequest, type ExplainProgress } from "../../protocol/src/explain.js";
import { startRun } from "../../runtime/src/runs/start-run.js";

test("runtime server: runtime/explain streams progress and returns the saved explanation", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-explain-"));
  const experimentPath = join(dir, "cartpole.rl.ts");
  writeFileSync(
    experimentPath,
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({ name: "explain-rpc", env: "CartPole-v1", algorithm: "ppo",
  hyperparameters: { totalTimesteps: 2048, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [16] } });
`,
  );
  const { runDir, done } = await startRun({ experimentPath, runsRoot: join(dir, ".rl-studio", "runs") });
  assert.equal((await done).status, "completed");

  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const progress: ExplainProgress[] = [];
  connection.onNotification(ExplainProgressNotification.type, (p) => progress.push(p));
  connection.listen();
  try {
    const explanation = await connection.sendRequest(ExplainRequest.type, { runDir: runDir.path, episodes: 3, requestId: "r1" });
    assert.ok(explanation.summary.length > 0, "a summary with sentences");
    assert.ok(explanation.summary.some((s: string) => /n = [\d,]+/.test(s)), "sentences carry their sample size");
    assert.equal(explanation.narrative, null, "no model loaded in the runtime: no narrative");
    assert.ok(progress.length > 0 && progress.every((p) => p.requestId === "r1" && p.runDir === runDir.path));
    assert.ok(existsSync(join(runDir.path, "explanation.json")));
  } finally {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    connection.dispose();
    child.kill();
  }
});
