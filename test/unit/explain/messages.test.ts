import { test } from "node:test";
import assert from "node:assert/strict";
import { ExplainProgressNotification, ExplainRequest, isExplainWebviewToHost } from "../../../protocol/src/explain.js";

test("explain messages: literal methods, directions, and the webview guard accepts only declared messages", () => {
  assert.equal(ExplainRequest.type.method, ExplainRequest.method);
  assert.equal(ExplainRequest.direction, "extensionToRuntime");
  assert.equal(ExplainProgressNotification.type.method, ExplainProgressNotification.method);
  assert.equal(ExplainProgressNotification.direction, "runtimeToExtension");
  assert.ok(isExplainWebviewToHost({ type: "ready" }));
  assert.ok(isExplainWebviewToHost({ type: "explainAgain", episodes: 20 }));
  assert.equal(isExplainWebviewToHost({ type: "explainAgain", episodes: 0 }), false);
  assert.equal(isExplainWebviewToHost({ type: "explainAgain", episodes: "20" }), false);
  assert.equal(isExplainWebviewToHost({ type: "explanation" }), false, "explanation goes the other way");
  assert.equal(isExplainWebviewToHost(null), false);
});
