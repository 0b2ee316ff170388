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

test("the code lenses' and hover links' commands are declared once (protocol) and contributed in package.json", async () => {
  const { CodeLensCommands, OPEN_EXPLANATION_COMMAND, openExplanationLink } = await import("../../../protocol/src/language-server.js");
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { contributes: { commands: { command: string }[] } };
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const id of [...Object.values(CodeLensCommands), OPEN_EXPLANATION_COMMAND]) assert.ok(contributed.has(id), `${id} is in contributes.commands`);
  assert.equal(openExplanationLink("/ws/runs/a b"), "command:rlStudio.openExplanation?%5B%22%2Fws%2Fruns%2Fa%20b%22%5D");
  // Nobody else spells them: the language server and the extension import these.
  for (const file of ["language-server/src/server.ts", "language-server/src/hover.ts", "extension/src/commands.ts", "extension/src/explain-commands.ts", "extension/src/llm/index.ts", "extension/src/language-client.ts"]) {
    const text = readFileSync(file, "utf8");
    for (const id of [...Object.values(CodeLensCommands), OPEN_EXPLANATION_COMMAND]) assert.ok(!text.includes(`"${id}"`), `${file} spells "${id}" itself`);
  }
});
