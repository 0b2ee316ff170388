import { test } from "node:test";
import assert from "node:assert/strict";
import * as runtime from "../../../protocol/src/runtime.js";
import { isWebviewToExtension } from "../../../protocol/src/webview.js";

interface Descriptor {
  method: string;
  direction: string;
  type: { method: string };
}
const descriptors = (Object.entries(runtime) as [string, unknown][]).filter(
  (e): e is [string, Descriptor] => typeof e[1] === "object" && e[1] !== null && "method" in e[1] && "direction" in e[1],
);

test("every runtime message is declared once: literal method, matching type, a direction", () => {
  assert.ok(descriptors.length >= 14, `found ${descriptors.length}`);
  const methods = descriptors.map(([, d]) => d.method);
  assert.equal(new Set(methods).size, methods.length, `duplicate method: ${methods.join(", ")}`);
  for (const [name, d] of descriptors) {
    assert.equal(d.type.method, d.method, name);
    assert.match(d.method, /^(runtime|run)\/[a-zA-Z]+$/, name);
    const expected = name.endsWith("Notification") ? "runtimeToExtension" : "extensionToRuntime";
    assert.equal(d.direction, expected, `${name}: requests go to the runtime, notifications come from it`);
  }
});

test("isWebviewToExtension accepts the declared message types only", () => {
  assert.ok(isWebviewToExtension({ type: "ready" }));
  assert.ok(isWebviewToExtension({ type: "rendered", runId: "r", globalStep: 1, sentAt: 0, renderedAt: 1 }));
  assert.equal(isWebviewToExtension({ type: "init" }), false, "init goes the other way");
  assert.equal(isWebviewToExtension(null), false);
  assert.equal(isWebviewToExtension("ready"), false);
});
