import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderTemplate, TEMPLATES } from "../../../extension/src/templates.js";
import { loadExperiment } from "../../../runtime/src/experiment/resolve.js";

test("every New Experiment template is a shipped example that loads under its new name", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-studio-templates-"));
  for (const t of TEMPLATES) {
    const source = readFileSync(join("examples", t.file), "utf8");
    const file = join(dir, `${t.defaultName}.rl.ts`);
    writeFileSync(file, renderTemplate(source, `${t.defaultName}-x`));
    const experiment = await loadExperiment(file);
    assert.equal(experiment.name, `${t.defaultName}-x`, t.file);
  }
});

test("renderTemplate replaces only the experiment's name", () => {
  const src = `export default defineExperiment({\n  name: "old",\n  env: "CartPole-v1",\n  observationFields: [{ name: "x" }],\n});\n`;
  const out = renderTemplate(src, "new-name");
  assert.match(out, /^ {2}name: "new-name",$/m);
  assert.match(out, /\{ name: "x" \}/);
  assert.throws(() => renderTemplate("export default {}", "a"), /no `name/);
});
