import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BACKEND_NAMES } from "../../../protocol/src/runtime.js";
import { BACKEND_DOCS } from "../../../extension/src/backend-docs.js";
import { COST_TABLE } from "../../../runtime/src/backends/select.js";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  contributes: { configuration: { properties: Record<string, { enum: string[]; enumDescriptions: string[]; description: string }> } };
};
const setting = pkg.contributes.configuration.properties["rlStudio.backend"]!;
const select = readFileSync("runtime/src/backends/select.ts", "utf8");

test("the Select Backend picker and the setting's enumDescriptions say the same about every backend", () => {
  assert.deepEqual(setting.enum, [...BACKEND_NAMES]);
  setting.enum.forEach((name, i) => assert.equal(setting.enumDescriptions[i], BACKEND_DOCS[name as keyof typeof BACKEND_DOCS], name));
});

test("auto is described as select.ts does it: the measured cost model, the GPU re-check, never tfjs cpu", () => {
  const auto = BACKEND_DOCS.auto;
  assert.match(auto, /^By a measured cost model: /);
  assert.match(select, /chooseBackend\(layout, minibatch, available, table\)/);
  assert.match(auto, /npm run bench -- backends/);
  assert.ok(Object.keys(COST_TABLE.backends).includes("js"), "the committed table has figures for js");
  assert.ok(Object.keys(COST_TABLE.backends).includes("wasm-simd"), "the committed table has figures for wasm-simd");
  assert.match(auto, /a fused learner, wasm-simd or js, for every classic-control network/);
  assert.match(auto, /re-checked by timing a few updates at run start when a GPU backend \(webgpu on a hardware adapter, tfjs-node-gpu\)/);
  assert.match(select, /const GPU_BACKENDS: readonly BackendName\[\] = \["webgpu", "tfjs-node-gpu"\];/);
  assert.match(select, /const AUTO_CANDIDATES: readonly BackendName\[\] = BACKEND_NAMES\.filter\(\(b\) => b !== "cpu"\);/);
  assert.match(auto, /Never the tfjs cpu backend\.$/);
  assert.doesNotMatch(auto + setting.description, /GFLOP/);
  assert.match(setting.description, /auto picks the fastest by a measured cost model/);
});
