/**
 * `runtime/evalPrior` over the runtime's JSON-RPC server, as the "Zero-shot Prior" command calls it,
 * with the real test model given as the editor's default model (rlStudio.llm.model): one progress
 * notification per episode, and the same figures `rl-studio eval <file> --prior` prints. A cancelled
 * request rejects and leaves the server answering.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CancellationTokenSource, createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import { EvalPriorProgressNotification, EvalPriorRequest, HelloRequest, ShutdownRequest, type EvalPriorProgressParams } from "../../protocol/src/runtime.js";
import { requireTestModel } from "../test-model.mjs";
import { lastJsonLine, runCli, workspace } from "./cli-helpers.js";

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "prior-rpc",
  env: "Overcooked-TomatoSalad-v0",
  algorithm: "twosome",
  llm: { normalization: "word", lora: { rank: 4, alpha: 8, targets: ["q", "v"] } },
  seed: 3,
});
`;

test("runtime server: runtime/evalPrior measures the untrained LLM policy with progress, as eval --prior does, and cancels", { timeout: 600_000 }, async (t) => {
  const model = requireTestModel(t);
  if (model === null) return;
  const dir = workspace(t, "rls-server-prior-");
  const experimentPath = join(dir, "exp.rl.ts");
  writeFileSync(experimentPath, EXPERIMENT);

  const env = { ...process.env };
  delete env.RL_STUDIO_LLM_MODEL;
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const progress: EvalPriorProgressParams[] = [];
  connection.onNotification(EvalPriorProgressNotification.type, (p) => progress.push(p));
  connection.listen();
  try {
    const result = await connection.sendRequest(EvalPriorRequest.type, { experimentPath, defaultModel: model, episodes: 2, backend: "wasm", requestId: "p1" });
    assert.equal(result.experimentName, "prior-rpc");
    assert.equal(result.model, model);
    assert.equal(result.episodes, 2);
    assert.ok(result.successRate >= 0 && result.successRate <= 1);
    assert.ok(Number.isFinite(result.meanReturn) && Number.isFinite(result.stdReturn));
    assert.equal(Object.values(result.terminationCauses).reduce((a, b) => a + b, 0), 2, "every episode ended somehow");
    assert.deepEqual(progress.map((p) => [p.requestId, p.episode, p.episodes]), [["p1", 1, 2], ["p1", 2, 2]]);

    // The same function as the CLI's --prior: the same figures for the same seed.
    const cli = await runCli(["eval", "exp.rl.ts", "--prior", "--model", model, "--episodes", "2", "--backend", "wasm", "--json"], dir);
    assert.equal(cli.code, 0, cli.stderr);
    const p = lastJsonLine(cli.stdout) as { meanReturn: number; successRate: number };
    assert.equal(p.meanReturn, result.meanReturn);
    assert.equal(p.successRate, result.successRate);

    // Cancel: the request rejects, and the server still answers afterwards.
    const source = new CancellationTokenSource();
    const cancelled = connection.sendRequest(EvalPriorRequest.type, { experimentPath, defaultModel: model, episodes: 50, backend: "wasm", requestId: "p2" }, source.token);
    setTimeout(() => source.cancel(), 2_000);
    await assert.rejects(cancelled, /abort/i, "the runtime answers once its AbortSignal stopped the evaluation");
    const p2 = () => progress.filter((p) => p.requestId === "p2").length;
    const atCancel = p2();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(p2() < 50 && p2() <= atCancel + 1, `the evaluation stopped (${atCancel} episodes at the cancel, ${p2()} later)`);
    assert.ok((await connection.sendRequest(HelloRequest.type)).pid > 0);

    // No model anywhere: the error says where it looked.
    await assert.rejects(connection.sendRequest(EvalPriorRequest.type, { experimentPath, requestId: "p3" }), /rlStudio\.llm\.model/);
  } finally {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    connection.dispose();
    child.kill();
  }
});
