// Markdown built from disk (run folders, status.json, explanation.json) renders with no link but
// ours: the Runs view's tooltip, the runtime health tooltip, the explanation hovers. Rendered with
// marked, the renderer of VS Code's MarkdownString. And no code path builds markdown or a
// notification around the helpers (source checks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { marked } from "marked";
import type { RunSummary } from "../../../protocol/src/runtime.js";
import { runTooltipMarkdown } from "../../../extension/src/run-tooltip.js";
import { healthView } from "../../../extension/src/runtime-health.js";
import { measureBehaviour } from "../../../runtime/src/explain/facts.js";
import { summarize } from "../../../runtime/src/explain/summary.js";
import { summarizeTextPolicy } from "../../../runtime/src/explain/text-policy.js";
import { formatComponentHover, formatHover } from "../../../runtime/src/explain/hover.js";
import { alwaysLeftPolicy, CARTPOLE_EXPERIMENT } from "../explain/helpers.js";

const HOSTILE = "x`[pwn](command:workbench.action.terminal.new)`<img src=x>**b**";
const render = (md: string) => marked.parse(md, { async: false, gfm: true }) as string;
const links = (html: string) => [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
const decode = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

test("the Runs view's tooltip: a hostile folder name, env id, backend and error stay text", () => {
  const summary: RunSummary = {
    runId: HOSTILE,
    runDir: `/ws/.rl-studio/runs/${HOSTILE}`,
    experimentName: HOSTILE,
    envId: "Cart`Pole` [e](command:x)",
    seed: 1,
    experimentPath: null,
    state: "failed",
    globalStep: 1000,
    totalTimesteps: 5000,
    lastEpisodicReturn: 12.5,
    backend: "js`[b](command:y)`",
    createdAt: null,
    error: "reward threw: [click](command:workbench.action.openSettings) <b>x</b>\n# heading",
    groupKey: "g",
    live: false,
    unconfirmed: false,
  };
  const html = render(runTooltipMarkdown(summary));
  assert.deepEqual(links(html), []);
  assert.doesNotMatch(html, /<img|<b>|<h1/);
  const text = decode(html);
  for (const s of [HOSTILE, summary.envId, summary.backend!, summary.runDir, "reward threw: [click](command:workbench.action.openSettings) <b>x</b> # heading"]) {
    assert.ok(text.includes(s), `${s} shown as written in ${text}`);
  }
});

test("the runtime health tooltip: the crash reason stays text; its only links are Show Log and Restart Runtime", () => {
  const v = healthView({ kind: "crashed", reason: `could not start /opt/${HOSTILE}/node: ENOENT`, restartInMs: null, crashes: 1 });
  const html = render(v.tooltip);
  assert.deepEqual(links(html), ["command:rlStudio.showRuntimeLog", "command:rlStudio.restartRuntime"]);
  assert.deepEqual(v.enabledCommands, ["rlStudio.showRuntimeLog", "rlStudio.restartRuntime"]);
  assert.ok(decode(html).includes(`could not start /opt/${HOSTILE}/node: ENOENT`));
});

test("explanation hovers: run id, experiment name, env id, narrative and rejected names stay text", async () => {
  const { facts } = await measureBehaviour(alwaysLeftPolicy(), CARTPOLE_EXPERIMENT, { episodes: 2 });
  const hostileFacts = { ...facts, runId: HOSTILE, experimentName: HOSTILE, envId: "[e](command:x)" };
  const explanation = { format: "rl-studio/explanation@1" as const, createdAt: "", facts: hostileFacts, summary: summarize(facts), narrative: null, narrativeRejected: ["`[r](command:z)`"] };
  const open = "command:rlStudio.openExplanation?%5B%22%2Fws%22%5D";
  const html = render(formatHover(explanation, { openLink: open }));
  assert.deepEqual(links(html), [open]);
  assert.ok(decode(html).includes(HOSTILE));
  const narrated = render(formatHover({ ...explanation, narrative: "It [pushes](command:y) left." }, { openLink: open }));
  assert.deepEqual(links(narrated), [open]);
  assert.ok(decode(narrated).includes("It [pushes](command:y) left."));
  const component = formatComponentHover(explanation, "[c](command:z)", { openLink: open });
  if (component !== null) assert.deepEqual(links(render(component)), [open]);
});

test("TWOSOME explanation hovers: prompts, action texts, the model's name and the run's stay text", () => {
  const facts = {
    runId: HOSTILE,
    experimentName: HOSTILE,
    envId: "[e](command:x)",
    globalStep: 8,
    model: `/m/${HOSTILE}.gguf`,
    episodes: 1,
    steps: 2,
    successRate: 0,
    distinctStates: 1,
    states: [{ prompt: `You see ${HOSTILE}`, visits: 2, actions: [{ text: "[a](command:y)", probability: 0.75 }, { text: "`b`", probability: 0.25 }] }],
  };
  const open = "command:rlStudio.openExplanation?%5B%22%2Fws%22%5D";
  const html = render(formatHover({ format: "rl-studio/text-policy-explanation@1", createdAt: "", facts, summary: summarizeTextPolicy(facts), narrative: null }, { openLink: open }));
  assert.deepEqual(links(html), [open]);
  assert.ok(decode(html).includes("[a](command:y)"));
  assert.ok(decode(html).includes(`You see ${HOSTILE}`));
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("no markdown is trusted wholesale, and every notification goes through notify.ts", () => {
  for (const file of [...sources("extension/src"), ...sources("language-server/src")]) {
    const text = readFileSync(file, "utf8");
    assert.doesNotMatch(text, /isTrusted\s*[:=]\s*true/, `${file}: trust only the commands the markdown links to`);
    assert.doesNotMatch(text, /supportHtml/, `${file}: no HTML in markdown`);
    if (!file.endsWith("notify.ts")) {
      assert.doesNotMatch(text, /vscode\.window\.show(Error|Warning|Information)Message/, `${file}: use extension/src/notify.ts, which keeps messages text`);
    }
  }
});
