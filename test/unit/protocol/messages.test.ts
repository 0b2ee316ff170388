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
  assert.ok(descriptors.length >= 13, `found ${descriptors.length}`);
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

test("the evolution page's messages: declared once, guarded both ways", async () => {
  const { isEvolutionFromWebview, isEvolutionToWebview } = await import("../../../protocol/src/webview.js");
  assert.ok(isEvolutionFromWebview({ type: "ready" }));
  assert.ok(isEvolutionFromWebview({ type: "applyWinner" }));
  assert.ok(isEvolutionFromWebview({ type: "error", message: "x" }));
  assert.equal(isEvolutionFromWebview({ type: "error" }), false, "an error says what");
  assert.equal(isEvolutionFromWebview({ type: "evolution" }), false, "goes the other way");
  assert.ok(isEvolutionToWebview({ type: "activity", activity: "training", wallSeconds: 3 }));
  assert.equal(isEvolutionToWebview({ type: "activity", activity: "training" }), false);
  assert.equal(isEvolutionToWebview({ type: "evolution", model: {} }), false, "a model has its candidates");
  assert.ok(isEvolutionToWebview({ type: "evolution", model: { candidates: [] } }));
  for (const file of ["extension/src/llm/evolve-view.ts", "media/src/evolution.ts"]) {
    const { readFileSync } = await import("node:fs");
    assert.doesNotMatch(readFileSync(file, "utf8"), /type\s+\w*(FromWebview|ToWebview)\s*=/, `${file} declares no page message of its own`);
  }
});

test("the backend names are one list: the runtime, the CLI and the extension take it from protocol", async () => {
  const { BACKENDS, BACKEND_NAMES } = runtime;
  const { BACKEND_NAMES: learnerNames } = await import("../../../runtime/src/nn/learner.js");
  const { BACKEND_CHOICES } = await import("../../../runtime/src/cli/program.js");
  assert.deepEqual([...BACKEND_NAMES], ["auto", ...BACKENDS]);
  assert.equal(learnerNames, BACKENDS);
  assert.equal(BACKEND_CHOICES, BACKEND_NAMES);
});

test("nothing is sent and dropped: every runtime → extension notification has a handler in the extension, subscribed through the runtime client", async () => {
  const { readdirSync, readFileSync, statSync } = await import("node:fs");
  const { join } = await import("node:path");
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));
  const extension = files("extension/src").map((f) => [f, readFileSync(f, "utf8")] as const);
  const protocol = ["runtime", "reward-design", "explain"].map((m) => readFileSync(`protocol/src/${m}.ts`, "utf8")).join("\n");
  const notifications = [...protocol.matchAll(/export namespace (\w+Notification) \{[^}]*?direction[^=]*= "runtimeToExtension"/g)].map((m) => m[1]!);
  assert.ok(notifications.length >= 6, notifications.join(", "));
  for (const n of notifications) {
    assert.ok(extension.some(([, t]) => t.includes(`runtime.onNotification(${n}.type`)), `${n}: handled through RuntimeClient.onNotification`);
  }
  // One owner: nobody else attaches handlers to the connection.
  for (const [f, t] of extension) {
    if (f.endsWith("runtime-client.ts")) continue;
    assert.doesNotMatch(t, /\bc\.onNotification\(|connection\.onNotification\(/, `${f} attaches to the connection itself`);
  }
  assert.equal("RunEpisodeNotification" in runtime, false, "run/episode is no longer sent");
});
