import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BACKEND_NAMES } from "../../../protocol/src/runtime.js";
import { BACKEND_DOCS } from "../../../extension/src/backend-docs.js";
import { GPU_WORTHWHILE_FLOPS } from "../../../runtime/src/backends/select.js";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  contributes: { configuration: { properties: Record<string, { enum: string[]; enumDescriptions: string[]; description: string }> } };
};
const setting = pkg.contributes.configuration.properties["rlStudio.backend"]!;
const select = readFileSync("runtime/src/backends/select.ts", "utf8");

test("the Select Backend picker and the setting's enumDescriptions say the same about every backend", () => {
  assert.deepEqual(setting.enum, [...BACKEND_NAMES]);
  setting.enum.forEach((name, i) => assert.equal(setting.enumDescriptions[i], BACKEND_DOCS[name as keyof typeof BACKEND_DOCS], name));
});

test("auto is described as select.ts does it: js below the FLOPs threshold, then its candidate order", () => {
  const auto = BACKEND_DOCS.auto;
  assert.equal(GPU_WORTHWHILE_FLOPS, 2e9);
  assert.match(auto, /under 2 GFLOP/);
  assert.match(select, /const flops = 6 \* layout\.size \* minibatchSize;/);
  assert.match(auto, /6 × parameters × minibatch size/);
  assert.match(auto, /^By network size: the fused plain-JavaScript js learner/);
  const order = /candidates = \[([^\]]+)\];/.exec(select)?.[1]?.split(",").map((s) => s.trim().replace(/"/g, ""));
  assert.deepEqual(order, ["tfjs-node-gpu", "webgpu", "tfjs-node", "wasm", "js"]);
  assert.match(auto, /first available of tfjs-node-gpu, webgpu, tfjs-node, wasm, then js\.$/);
  assert.doesNotMatch(auto, /then cpu|→ cpu/, "auto never picks the tfjs cpu backend");
  assert.doesNotMatch(setting.description, /tfjs-node-gpu → tfjs-node → webgpu/);
  assert.match(setting.description, /auto picks by network size/);
});
