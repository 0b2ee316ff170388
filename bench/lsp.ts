/**
 * Language-server latency on a generated 500-line experiment file, over LSP to the real server
 * process: edit → diagnostics published, completion after `nextObs.`, hover on a hyperparameter,
 * and the hovers that read run folders — the env id and a reward component — in a workspace of
 * 50 run folders, one of this experiment trained and explained with the runtime's own APIs
 * (startRun, explainRun) and 49 newer ones of other experiments, each with episodes.
 * Then the same handlers on documents with a 100 k-character line of each adversarial shape
 * (test/lsp/adversarial-documents.ts: obs.obs.obs…, aaaa…, ((((…, a long string, a long template
 * literal, action === …): edit → diagnostics, completion and hover on the long line, code lenses,
 * code actions.
 * Prints one JSON object with p50/p95/max in milliseconds (target: p95 ≤ 50 ms), the load average
 * and the server process's CPU seconds (Linux /proc) beside the wall times.
 *
 * Run: npm run bench -- lsp   (node --import tsx bench/lsp.ts [--iterations 200] [--long-iterations 40])
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { MarkupContent } from "vscode-languageserver-protocol";
import { LspTestClient, positionOf } from "../test/lsp/lsp-client.js";
import { adversarialDocuments } from "../test/lsp/adversarial-documents.js";
import { explainRun } from "../runtime/src/explain/explain.js";
import { RunDir } from "../runtime/src/runs/run-dir.js";
import { startRun } from "../runtime/src/runs/start-run.js";

const iterationsArg = process.argv.indexOf("--iterations");
const ITERATIONS = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 200;
const longArg = process.argv.indexOf("--long-iterations");
const LONG_ITERATIONS = longArg > 0 ? Number(process.argv[longArg + 1]) : 40;

/** CPU seconds (user + system) the process `pid` has used, from /proc; null where there is none. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

async function samples(n: number, f: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Every handler on each 100 k-character line shape (a known env id, so completion reads the context). */
async function longLines(client: LspTestClient): Promise<Record<string, Record<string, ReturnType<typeof summary>>>> {
  const out: Record<string, Record<string, ReturnType<typeof summary>>> = {};
  for (const doc of adversarialDocuments("CartPole-v1")) {
    const uri = `file:///tmp/bench-long-${doc.name.replace(/\W+/g, "-")}.rl.ts`;
    let version = 1;
    await client.open(uri, doc.text, version);
    const long = doc.text.split("\n")[doc.line]!;
    const end = { line: doc.line, character: long.length };
    const envLine = doc.text.split("\n").findIndex((l) => l.includes('"CartPole-v1"'));
    const envAt = { line: envLine, character: doc.text.split("\n")[envLine]!.indexOf("CartPole") + 2 };
    // Type at the end of the long line and take it back: each edit is re-parsed and re-checked.
    const diagnostics = await samples(LONG_ITERATIONS, (i) =>
      client.change(uri, ++version, [i % 2 === 0 ? { range: { start: end, end }, text: "." } : { range: { start: end, end: { line: end.line, character: end.character + 1 } }, text: "" }]),
    );
    const completion = await samples(LONG_ITERATIONS, () => client.completion(uri, end));
    const hover = await samples(LONG_ITERATIONS, (i) => client.hover(uri, i % 2 === 0 ? end : { line: doc.line, character: Math.floor(long.length / 2) }));
    const envHover = await samples(LONG_ITERATIONS, () => client.hover(uri, envAt));
    const codeLens = await samples(LONG_ITERATIONS, () => client.codeLenses(uri));
    const codeActions = await samples(LONG_ITERATIONS, () => client.codeActions(uri, { start: envAt, end: envAt }, []));
    out[doc.name] = { diagnostics: summary(diagnostics), completion: summary(completion), hover: summary(hover), envIdHover: summary(envHover), codeLens: summary(codeLens), codeActions: summary(codeActions) };
  }
  return out;
}

/** A realistic but long experiment: many shaping terms, helpers and comments, `lines` lines in all. */
function generateExperiment(lines: number): string {
  const head = [
    'import { defineExperiment } from "rl-studio";',
    "",
    "// Helpers used by the reward below.",
  ];
  const helpers: string[] = [];
  const terms: string[] = [];
  let i = 0;
  const tail = [
    "export default defineExperiment({",
    '  name: "cartpole-long",',
    '  env: "CartPole-v1",',
    '  task: "Balance the pole and keep the cart near the centre.",',
    '  algorithm: "ppo",',
    "  hyperparameters: { totalTimesteps: 100_000, numEnvs: 8, numSteps: 32, learningRate: 1e-3, numMinibatches: 4, gamma: 0.99 },",
    "  seed: 1,",
    "  reward: ({ obs, action, nextObs, envReward, terminated }) => {",
  ];
  const fixedLines = head.length + tail.length + 6;
  while (fixedLines + helpers.length + terms.length < lines) {
    if (i % 3 === 0) {
      helpers.push(`function shape${i}(a: number, b: number): number {`, `  return Math.tanh(a * ${(i % 7) + 1}) - Math.abs(b) / ${i + 1};`, "}");
    } else {
      terms.push(`    const term${i} = shape${i - (i % 3)}(nextObs.theta, obs.x) + (action === ${i % 2} ? 0.01 : 0) * nextObs.thetaDot;`);
    }
    i++;
  }
  const termNames = terms.map((t) => /const (term\d+)/.exec(t)![1]);
  return [
    ...head,
    ...helpers,
    "",
    ...tail,
    ...terms,
    "    return {",
    "      alive: envReward,",
    `      shaping: ${termNames.slice(0, 20).join(" + ") || "0"},`,
    "      upright: terminated ? 0 : 1 - Math.abs(nextObs.theta) / 0.2095,",
    "    };",
    "  },",
    "});",
    "",
  ].join("\n");
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: samples.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted[sorted.length - 1]!) };
}

const RUN_FOLDERS = 50;
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A workspace with `RUN_FOLDERS` run folders: the first a short real training of the bench
 * experiment (same name and reward, small hyperparameters), explained; then newer runs of other
 * experiments, so the hovers list and skip them before reaching it.
 */
async function makeWorkspace(text: string): Promise<string> {
  const workspace = mkdtempSync(join(tmpdir(), "rl-studio-bench-lsp-"));
  writeFileSync(join(workspace, "package.json"), "{}");
  const trainFile = join(workspace, "train.rl.ts");
  writeFileSync(
    trainFile,
    text.replace(/hyperparameters: \{[^}]*\}/, "hyperparameters: { totalTimesteps: 2048, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [16] }"),
  );
  const { runDir, done } = await startRun({ experimentPath: trainFile });
  const result = await done;
  if (result.status !== "completed") throw new Error(`bench training run ended ${result.status}`);
  await explainRun(runDir.path, { episodes: 2 });
  const runsRoot = join(workspace, ".rl-studio", "runs");
  const start = Date.now();
  for (let i = 1; i < RUN_FOLDERS; i++) {
    const run = RunDir.create(runsRoot, {
      runId: `other-${i}`,
      experiment: { name: `other-${i}`, envId: "CartPole-v1", seed: i, createdAt: new Date(start + i * 1000).toISOString() },
      sourceText: "",
      bundle: "",
    });
    for (let e = 0; e < 100; e++) {
      run.appendEpisode({ globalStep: e * 100, wallSeconds: e, envIndex: 0, episodicReturn: e, episodicLength: 100, terminated: true, truncated: false, components: { alive: e, upright: e / 2 } });
    }
    run.close();
  }
  return workspace;
}

async function timeHover(client: LspTestClient, uri: string, position: { line: number; character: number }, expect: RegExp, what: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    const h = await client.hover(uri, position);
    samples.push(performance.now() - t0);
    const markdown = (h?.contents as MarkupContent | undefined)?.value ?? "";
    if (!expect.test(markdown)) throw new Error(`${what} hover: expected ${String(expect)}, got ${JSON.stringify(markdown.slice(0, 200))}`);
  }
  return samples;
}

async function main(): Promise<void> {
  const text = generateExperiment(500);
  const workspace = await makeWorkspace(text);
  const uri = pathToFileURL(join(workspace, "bench-lsp.rl.ts")).href;
  const client = await LspTestClient.start();
  const loadBefore = loadavg();
  const cpuBefore = cpuSeconds(client.process.pid);
  const wallBefore = performance.now();
  try {
    let version = 1;
    const initial = await client.open(uri, text, version);
    if (initial.length !== 0) throw new Error(`bench file should be clean, got: ${JSON.stringify(initial)}`);

    // Edit → diagnostics: flip one digit of the learning rate back and forth (always re-parsed and re-checked).
    const lr = positionOf(text, "learningRate: 1e-3", "learningRate: 1e-".length);
    const diagnostics: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const digit = i % 2 === 0 ? "4" : "3";
      const t0 = performance.now();
      await client.change(uri, ++version, [{ range: { start: lr, end: { line: lr.line, character: lr.character + 1 } }, text: digit }]);
      diagnostics.push(performance.now() - t0);
    }

    // Completion after `nextObs.` in the middle of the reward, each right after an edit elsewhere.
    const completionAt = positionOf(text, "nextObs.thetaDot", "nextObs.".length, 40);
    const completion: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      await client.change(uri, ++version, [{ range: { start: lr, end: { line: lr.line, character: lr.character + 1 } }, text: i % 2 === 0 ? "4" : "3" }], false);
      const t0 = performance.now();
      const items = await client.completion(uri, completionAt);
      completion.push(performance.now() - t0);
      if (items.length !== 4) throw new Error(`expected CartPole's 4 fields, got ${items.length}`);
    }

    const hoverAt = positionOf(text, "numMinibatches", 2);
    const hover: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      const h = await client.hover(uri, hoverAt);
      hover.push(performance.now() - t0);
      if (!h) throw new Error("expected a hover on numMinibatches");
    }

    // Hovers that read run folders: the first of each reads them, the rest find them unchanged.
    const envHover = await timeHover(client, uri, positionOf(text, '"CartPole-v1"', 3), /Deterministic policy: mean return/, "env id");
    const rewardHover = await timeHover(client, uri, positionOf(text, "upright:", 2), /In the latest run `cartpole-long-[^`]+` \(\d+ episodes\)[\s\S]*Open explanation/, "reward component");
    const cpuMid = cpuSeconds(client.process.pid);
    const wallMid = performance.now();
    const long = await longLines(client);
    const cpuAfter = cpuSeconds(client.process.pid);

    console.log(
      JSON.stringify({
        benchmark: "language-server latency (ms, LSP round trip to the server process)",
        file: { lines: text.split("\n").length, chars: text.length },
        diagnostics: summary(diagnostics),
        completion: summary(completion),
        hover: summary(hover),
        envIdHover: { ...summary(envHover), first: Math.round(envHover[0]! * 100) / 100 },
        rewardComponentHover: { ...summary(rewardHover), first: Math.round(rewardHover[0]! * 100) / 100 },
        runFolders: RUN_FOLDERS,
        longLines: { chars: 100_000, iterations: LONG_ITERATIONS, ...long },
        targetP95Ms: 50,
        serverCpuSeconds: cpuBefore === null || cpuMid === null || cpuAfter === null ? null : { file500Lines: round2(cpuMid - cpuBefore), longLines: round2(cpuAfter - cpuMid) },
        wallSeconds: { file500Lines: round2((wallMid - wallBefore) / 1000), longLines: round2((performance.now() - wallMid) / 1000) },
        loadavg: { before: loadBefore.map(round2), after: loadavg().map(round2) },
        node: process.version,
      }),
    );
  } finally {
    await client.dispose();
    rmSync(workspace, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
