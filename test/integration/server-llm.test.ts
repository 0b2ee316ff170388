/**
 * The runtime server's LLM side as the extension drives it: with no model every LLM request fails
 * at once with the no-model message; after `llm/configure` with a model file, state notifications
 * go loading → ready and `reward/suggest` answers (validated candidates or rejections with reasons:
 * the test model writes nonsense, so only the plumbing is checked here).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import { ShutdownRequest } from "../../protocol/src/runtime.js";
import { LlmConfigureNotification, LlmStateNotification, SuggestRewardRequest, type LlmModelState } from "../../protocol/src/reward-design.js";
import { NO_MODEL_MESSAGE } from "../../runtime/src/llm/provider.js";
import { requireTestModel } from "../test-model.mjs";

test("runtime server: no model → clear error; configured model → loading, ready, suggest answers", { timeout: 180_000 }, async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const dir = mkdtempSync(join(tmpdir(), "rl-server-llm-"));
  const experimentPath = join(dir, "cartpole.rl.ts");
  writeFileSync(experimentPath, `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "llm-rpc", env: "CartPole-v1", task: "Balance the pole.", algorithm: "ppo" });\n`);
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const states: LlmModelState[] = [];
  connection.onNotification(LlmStateNotification.type, (s) => states.push(s));
  connection.listen();
  try {
    await assert.rejects(connection.sendRequest(SuggestRewardRequest.type, { experimentPath, count: 1 }), (err: Error) => err.message.includes(NO_MODEL_MESSAGE));

    await connection.sendNotification(LlmConfigureNotification.type, { model: MODEL, gpu: "off" });
    const result = await connection.sendRequest(SuggestRewardRequest.type, { experimentPath, count: 1 });
    // The test model writes nonsense: the model may return no candidate at all. What must hold:
    // it generated, and anything it proposed is either validated or rejected with a reason.
    assert.ok(result.stats.generations >= 1 && result.stats.generatedTokens > 0, JSON.stringify(result));
    for (const r of result.rejected) assert.ok(r.reason.length > 0);
    for (const c of result.candidates) assert.ok(c.code.includes("reward"));
    assert.ok(states.some((s) => s.state === "loading"), `states: ${states.map((s) => s.state).join(" → ")}`);
    assert.ok(states.some((s) => s.state === "ready"));
  } finally {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    connection.dispose();
    child.kill();
  }
});
