/**
 * Extension benchmarks, printed as one JSON object:
 *
 * - metricToChartMs: a metric leaving the runtime (`sentAt` = the runtime's Date.now() in the
 *   `run/metrics` notification: when the oldest record of the batch was handed over, so the time it
 *   waited to be batched counts) → the dashboard has drawn it (the webview's `rendered` report, after
 *   chart.update in the animation frame). Real runtime process (dist/runtime.js) training CartPole,
 *   the extension's own batching and runs model (`extensionPath`), real dashboard bundle in headless
 *   Chromium; VS Code's extension-host → webview hop is not in this path (a DevTools postMessage
 *   stands in for it). Target p95 ≤ 100 ms on a quiet machine.
 * - activationMs: loading dist/extension.js (parse + evaluate) and calling activate(), in Node, with
 *   the few `vscode` API calls activation makes answered by a recording stand-in (no VS Code here).
 *   Target ≤ 150 ms.
 * - activationInVsCodeMs: VS Code's own figure for the same thing ("Activation: N ms" in Developer:
 *   Show Running Extensions), in code-server with the e2e harness (test/e2e), over a few fresh
 *   starts; null with the reason when the e2e tools are not installed.
 * - dashboardFrameMs: 5 runs × 1 M points (2 metrics each) loaded in the dashboard; time from an
 *   interaction to the frame that shows it: smoothing changed (everything recomputed), one live
 *   record appended to every run, a redraw with cached series (resize) and a full render pass with
 *   every cache valid (the x-axis select re-sent unchanged). Then the same with "group seeds" on: the
 *   five runs differ only by seed (one group key), so each chart draws one mean ± std band over
 *   5 × 1 M points: groupToggleMs (the first grouped frame), smoothing change, live append, cached
 *   redraw and re-render, under `grouped`.
 *
 * - endOfRunLag: a fast run (CartPole, tiny iterations: hundreds of PPO iterations a second on the js
 *   learner) streamed to the dashboard as the extension streams it. When its final status reaches
 *   the extension: the last step the dashboard had drawn and the step the status bar would show, beside
 *   the final step in metrics.jsonl; then the time from the runtime's final status.json write until
 *   the dashboard has drawn the final step, and the message counts on each hop.
 *
 * Run: node scripts/build.mjs && node --import tsx bench/extension.ts [--iterations 150] [--points 1000000] [--grouped 1]
 * [--lag-steps 300000] [--only activation,vscode,latency,lag,frames]
 * (`--grouped 0` skips the grouped view; `--only` runs the named parts).
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import Module from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Page } from "playwright-core";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { liveUpdatesInto, RunsModel } from "../extension/src/runs-model.js";
import { dashboardHtml } from "../media/src/page.js";
import {
  RunMetricsNotification,
  RunProgressNotification,
  RunStatusNotification,
  ShutdownRequest,
  StopRequest,
  TrainRequest,
  type MetricsRecord,
  type RunStatusParams,
} from "../protocol/src/runtime.js";
import type { DashboardRun, ExtensionToWebview, WebviewToExtension } from "../protocol/src/webview.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITERATIONS = arg("iterations", 150);
const POINTS = arg("points", 1_000_000);
const GROUPED = arg("grouped", 1) !== 0;
const LAG_STEPS = arg("lag-steps", 300_000);
const ONLY = (() => {
  const i = process.argv.indexOf("--only");
  return new Set(i > 0 ? (process.argv[i + 1] ?? "").split(",") : ["activation", "vscode", "latency", "lag", "frames"]);
})();
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = resolve(".");

function quantiles(xs: number[]): { n: number; p50: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  const r = (v: number) => Math.round(v * 100) / 100;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(s[s.length - 1] ?? NaN), mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

// ── activation ────────────────────────────────────────────────────────────────

/** A `vscode` module that records calls and returns inert objects: enough for activate() to run. */
function vscodeStandIn(): unknown {
  const disposable = { dispose() {} };
  const event = () => disposable;
  const inert: unknown = new Proxy(function () {}, {
    get: (_t, p) => (p === "then" ? undefined : p === "event" ? event : inert),
    set: () => true,
    defineProperty: () => true,
    apply: () => inert,
    construct: () => inert as object,
  });
  class EventEmitter {
    event = event;
    fire() {}
    dispose() {}
  }
  class Uri {
    constructor(readonly fsPath: string) {}
    static joinPath(u: Uri, ...parts: string[]) {
      return new Uri(join(u.fsPath, ...parts));
    }
    static file(p: string) {
      return new Uri(p);
    }
  }
  // Plain own properties: the bundle's ESM interop copies the module's own keys.
  const workspaceValues: Record<string | symbol, unknown> = { workspaceFolders: [], textDocuments: [], isTrusted: true, onDidOpenTextDocument: event, onDidChangeConfiguration: event, onDidChangeWorkspaceFolders: event, getConfiguration: inert };
  // Any other workspace member (registerTextDocumentContentProvider, …) answers inertly too.
  const workspace = new Proxy(workspaceValues, { get: (t, p) => (p in t ? t[p] : p === "then" ? undefined : inert) });
  const names = ["window", "commands", "languages", "extensions", "env", "Range", "Position", "Selection", "WorkspaceEdit", "InlineCompletionItem", "CancellationTokenSource", "ThemeColor", "ThemeIcon", "TreeItem", "TreeItemCollapsibleState", "StatusBarAlignment", "ViewColumn", "ProgressLocation", "ConfigurationTarget", "MarkdownString"];
  return { ...Object.fromEntries(names.map((n) => [n, inert])), EventEmitter, Uri, workspace };
}

function measureActivation(): { loadMs: number; activateMs: number; totalMs: number; bundleKiB: number } {
  const stand = vscodeStandIn();
  const M = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = M._load;
  M._load = (request, parent, isMain) => (request === "vscode" ? stand : original(request, parent, isMain));
  try {
    const file = join(ROOT, "dist/extension.js");
    const t0 = performance.now();
    const ext = require(file) as { activate: (c: unknown) => unknown };
    const t1 = performance.now();
    ext.activate({ subscriptions: [], extensionUri: { fsPath: ROOT }, extensionPath: ROOT });
    const t2 = performance.now();
    return { loadMs: +(t1 - t0).toFixed(1), activateMs: +(t2 - t1).toFixed(1), totalMs: +(t2 - t0).toFixed(1), bundleKiB: Math.round(readFileSync(file).length / 1024) };
  } finally {
    M._load = original;
  }
}

// ── dashboard page ────────────────────────────────────────────────────────────

/** Serves the dashboard exactly as the webview gets it, plus a stand-in for acquireVsCodeApi that forwards to the bench. */
function serveDashboard(): Promise<{ server: Server; url: string }> {
  const nonce = "benchnonce";
  const html = dashboardHtml({
    csp: `default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'nonce-${nonce}'`,
    nonce,
    scriptUri: "/dashboard.js",
    styleUri: "/dashboard.css",
  }).replace(
    `<script nonce="${nonce}"`,
    `<script nonce="${nonce}">let s; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.toBench(m), getState: () => s, setState: (v) => { s = v; } });</script>\n<script nonce="${nonce}"`,
  );
  const files: Record<string, [string, string]> = {
    "/": ["text/html", html],
    // RL_BENCH_DASHBOARD_JS: another build of the dashboard bundle, to compare two versions on one machine.
    "/dashboard.js": ["text/javascript", readFileSync(process.env.RL_BENCH_DASHBOARD_JS ?? join(ROOT, "dist/media/dashboard.js"), "utf8")],
    "/dashboard.css": ["text/css", readFileSync(join(ROOT, "media/dashboard.css"), "utf8")],
  };
  const server = createServer((req, res) => {
    const f = files[req.url ?? "/"];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": f[0] }).end(f[1]);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

async function openDashboard(url: string, onMessage: (m: WebviewToExtension) => void): Promise<{ page: Page; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.exposeFunction("toBench", onMessage);
  await page.goto(url);
  return { page, close: () => browser.close() };
}

const post = (page: Page, m: ExtensionToWebview) => page.evaluate((msg) => window.postMessage(msg, "*"), m);

/** Messages on each hop of the path below, and what the status bar would show. */
interface PathCounts {
  metricsNotifications: number;
  metricsRecords: number;
  progressNotifications: number;
  webviewMessages: number;
  statusBarUpdates: number;
  statusBarStep: number;
  /** The status bar's step when the run's final status arrived, before it was applied. */
  statusBarStepAtFinalStatus: number | null;
}

/**
 * The extension's path from the runtime's notifications to the views, as extension/src/ctx.ts
 * wires it from the same product modules: the notifications go through `liveUpdatesInto` into a
 * `RunsModel`; the dashboard panel posts each metrics batch the model emits (here to the page, in
 * place of VS Code's webview postMessage), and the status bar redraws on each model change of a
 * live run. A run status is applied after flushing, as ctx does.
 */
function extensionPath(c: MessageConnection, page: Page, onStatus: (p: RunStatusParams) => void): { counts: PathCounts; model: RunsModel } {
  const counts: PathCounts = { metricsNotifications: 0, metricsRecords: 0, progressNotifications: 0, webviewMessages: 0, statusBarUpdates: 0, statusBarStep: 0, statusBarStepAtFinalStatus: null };
  const model = new RunsModel();
  const updates = liveUpdatesInto(model);
  model.onDidReceiveMetrics(({ runId, records, sentAt }) => {
    counts.webviewMessages++;
    void post(page, { type: "metrics", runId, records, sentAt });
  });
  model.onDidChange(() => {
    const live = model.live().find((e) => e.progress);
    if (!live?.progress) return;
    counts.statusBarUpdates++;
    counts.statusBarStep = live.progress.globalStep;
  });
  c.onNotification(RunMetricsNotification.type, (p) => {
    counts.metricsNotifications++;
    counts.metricsRecords += p.records.length;
    updates.metrics(p.runId, p.records, p.sentAt);
  });
  c.onNotification(RunProgressNotification.type, (p) => {
    counts.progressNotifications++;
    updates.progress(p.runId, p.progress);
  });
  c.onNotification(RunStatusNotification.type, (p) => {
    if (p.state !== "running") counts.statusBarStepAtFinalStatus = counts.statusBarStep;
    updates.flush();
    if (p.state === "running" && !model.get(p.runId)) {
      model.upsert({ runId: p.runId, runDir: p.runDir, experimentName: "bench", envId: "CartPole-v1", seed: 1, experimentPath: null, state: "running", globalStep: 0, totalTimesteps: 0, lastEpisodicReturn: null, backend: null, createdAt: null, error: null, groupKey: "g", live: true, unconfirmed: false });
    }
    model.setState(p.runId, p.state, p.error);
    onStatus(p);
  });
  return { counts, model };
}

// ── a runtime with one experiment ─────────────────────────────────────────────

/**
 * A runtime process (dist/runtime.js, as the extension forks it) and a temporary folder holding one
 * CartPole experiment `name` with `hyperparameters` (the object's source text); `dispose` ends both.
 */
function benchRuntime(name: string, hyperparameters: string): { dir: string; experimentPath: string; c: MessageConnection; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), `rl-bench-${name}-`));
  const experimentPath = join(dir, `${name}.rl.ts`);
  writeFileSync(
    experimentPath,
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({ name: "${name}", env: "CartPole-v1", algorithm: "ppo", seed: 1,
  hyperparameters: { ${hyperparameters} } });\n`,
  );
  const child = fork(join(ROOT, "dist/runtime.js"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const c = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  return {
    dir,
    experimentPath,
    c,
    dispose: () => {
      c.dispose();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ── latency ───────────────────────────────────────────────────────────────────

async function measureLatency(url: string): Promise<ReturnType<typeof quantiles> & { sps: number | null }> {
  const latencies: number[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const { page, close } = await openDashboard(url, (m) => {
    if (m.type === "ready") ready();
    if (m.type === "rendered") latencies.push(m.renderedAt - m.sentAt);
  });
  await isReady;
  const { dir, experimentPath, c, dispose } = benchRuntime("latency", "totalTimesteps: 50_000_000, numEnvs: 8, numSteps: 32, learningRate: 1e-3");
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const { counts, model } = extensionPath(c, page, () => {});
  let sps: number | null = null;
  model.onDidReceiveMetrics(({ records }) => {
    sps = records[records.length - 1]?.metrics["charts/SPS"] ?? sps;
    if (counts.metricsRecords >= ITERATIONS) done();
  });
  c.listen();
  try {
    const { runId } = await c.sendRequest(TrainRequest.type, { experimentPath, runsRoot: join(dir, "runs"), backend: "auto" });
    await post(page, { type: "init", runs: [{ runId, label: runId, experimentName: "latency", seed: 1, groupKey: "g", state: "running", metrics: [] }], focusRunIds: [], reportLatency: true });
    await finished;
    await c.sendRequest(StopRequest.type, { runId });
    await page.waitForTimeout(200);
    await c.sendRequest(ShutdownRequest.type).catch(() => {});
  } finally {
    dispose();
    await close();
  }
  return { ...quantiles(latencies), sps };
}

// ── lag at the end of a fast run ─────────────────────────────────────────────

/**
 * A run fast enough that the runtime reports hundreds of iterations a second (on a quiet machine),
 * streamed to the dashboard along the extension's path (`extensionPath`).
 */
async function measureEndLag(url: string): Promise<Record<string, unknown>> {
  let maxDrawn = 0;
  let maxDrawnAt = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const { page, close } = await openDashboard(url, (m) => {
    if (m.type === "ready") ready();
    if (m.type === "rendered" && m.globalStep > maxDrawn) {
      maxDrawn = m.globalStep;
      maxDrawnAt = m.renderedAt;
    }
  });
  await isReady;
  const { dir, experimentPath, c, dispose } = benchRuntime("lag", `totalTimesteps: ${LAG_STEPS}, numEnvs: 8, numSteps: 16, updateEpochs: 1, numMinibatches: 1`);
  let ended!: (state: string) => void;
  const end = new Promise<string>((r) => (ended = r));
  const cpu0 = process.cpuUsage();
  const { counts } = extensionPath(c, page, (p) => {
    if (p.state !== "running") ended(p.state);
  });
  c.listen();
  try {
    const t0 = Date.now();
    const { runId, runDir } = await c.sendRequest(TrainRequest.type, { experimentPath, runsRoot: join(dir, "runs"), backend: "js" });
    await post(page, { type: "init", runs: [{ runId, label: runId, experimentName: "lag", seed: 1, groupKey: "g", state: "running", metrics: [] }], focusRunIds: [], reportLatency: true });
    const state = await end;
    const endedAt = Date.now();
    const atEnd = { dashboardStep: maxDrawn, statusBarStep: counts.statusBarStepAtFinalStatus ?? 0 };
    const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n");
    const finalStep = (JSON.parse(lines[lines.length - 1]!) as MetricsRecord).globalStep;
    const statusWrittenAt = statSync(join(runDir, "status.json")).mtimeMs;
    const deadline = Date.now() + 120_000;
    while (maxDrawn < finalStep && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const trainSeconds = (statusWrittenAt - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await c.sendRequest(ShutdownRequest.type).catch(() => {});
    return {
      state,
      finalStep,
      iterations: lines.length,
      trainSeconds: +trainSeconds.toFixed(2),
      iterationsPerSecond: Math.round(lines.length / trainSeconds),
      atFinalStatus: { ...atEnd, dashboardStepsBehind: finalStep - atEnd.dashboardStep, statusBarStepsBehind: finalStep - atEnd.statusBarStep },
      finalStatusReceivedAfterWriteMs: Math.round(endedAt - statusWrittenAt),
      finalStepDrawnAfterRuntimeEndMs: maxDrawn >= finalStep ? Math.round(maxDrawnAt - statusWrittenAt) : null,
      counts: { metricsNotifications: counts.metricsNotifications, metricsRecords: counts.metricsRecords, progressNotifications: counts.progressNotifications, webviewMessages: counts.webviewMessages, statusBarUpdates: counts.statusBarUpdates },
      perSecond: {
        metricsNotifications: Math.round(counts.metricsNotifications / trainSeconds),
        progressNotifications: Math.round(counts.progressNotifications / trainSeconds),
        webviewMessages: Math.round(counts.webviewMessages / trainSeconds),
        statusBarUpdates: Math.round(counts.statusBarUpdates / trainSeconds),
      },
      benchProcessCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    };
  } finally {
    dispose();
    await close();
  }
}

// ── frame time with 5 × 1 M points ────────────────────────────────────────────

async function measureFrames(url: string): Promise<Record<string, unknown>> {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const { page, close } = await openDashboard(url, (m) => m.type === "ready" && ready());
  try {
    await isReady;
    await post(page, { type: "init", runs: [], focusRunIds: [], reportLatency: false });
    const load = performance.now();
    for (let r = 0; r < 5; r++) {
      // Built inside the page: shipping 1 M records over the DevTools protocol would measure the pipe, not the dashboard.
      await page.evaluate(
        ({ r, n }) => {
          const metrics = new Array(n);
          let ret = 20;
          for (let i = 0; i < n; i++) {
            ret += (500 - ret) * 2e-5 + (Math.random() - 0.5) * 20;
            metrics[i] = { globalStep: (i + 1) * 256, iteration: i + 1, wallSeconds: (i + 1) * 0.08, metrics: { "charts/episodic_return": ret + r * 5, "losses/value_loss": 1 / (1 + i / 1e4) + Math.random() * 0.1 } };
          }
          const run: DashboardRun = { runId: `run-${r}`, label: `run ${r}`, experimentName: "bench", seed: r, groupKey: "bench", state: "completed", metrics };
          window.postMessage({ type: "run", run }, "*");
        },
        { r, n: POINTS },
      );
    }
    // Wait until all five runs are drawn.
    await page.waitForFunction(
      (total) => document.body.dataset.runs === "5" && Number(document.querySelector('[data-metric="charts/episodic_return"]')?.getAttribute("data-points")) >= total,
      5 * POINTS,
      { timeout: 300_000, polling: 200 },
    );
    const loadMs = performance.now() - load;
    /** ms from `action` to the end of the animation frame that draws its result. */
    const timed = (action: string) =>
      page.evaluate(async (a) => {
        const t0 = performance.now();
        // eslint-disable-next-line no-new-func
        new Function(a)();
        await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
        return performance.now() - t0;
      }, action);
    const heap = () => page.evaluate(() => Math.round(((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 2 ** 20));
    let step = POINTS * 256;
    /** The interactions, timed; the same sequence for the ungrouped and the grouped view. */
    const interactions = async (smoothingValues: number[]) => {
      const smoothing: number[] = [];
      const append: number[] = [];
      const redraw: number[] = [];
      const rerender: number[] = [];
      for (const v of smoothingValues) {
        smoothing.push(await timed(`const s = document.getElementById("smoothing"); s.value = String(${v}); s.dispatchEvent(new Event("input"));`));
      }
      for (let i = 0; i < 10; i++) {
        step += 256;
        append.push(
          await timed(`for (let r = 0; r < 5; r++) window.postMessage({ type: "metrics", runId: "run-" + r, sentAt: Date.now(), records: [{ globalStep: ${step}, iteration: 0, wallSeconds: 0, metrics: { "charts/episodic_return": 400, "losses/value_loss": 0.1 } }] }, "*");`),
        );
      }
      for (let i = 0; i < 10; i++) redraw.push(await timed(`window.dispatchEvent(new Event("resize"));`));
      // A full render() with every cache valid: the x-axis select re-sent with its current value.
      for (let i = 0; i < 10; i++) rerender.push(await timed(`document.getElementById("xAxis").dispatchEvent(new Event("change"));`));
      return { smoothingChangeMs: quantiles(smoothing), liveAppendMs: quantiles(append), cachedRedrawMs: quantiles(redraw), cachedRerenderMs: quantiles(rerender) };
    };
    const ungrouped = await interactions([0.5, 0.55, 0.6, 0.65, 0.7]);
    const ungroupedHeap = await heap();
    let grouped: Record<string, unknown> | undefined;
    if (GROUPED) {
      const groupToggleMs = await timed(`const g = document.getElementById("groupSeeds"); g.checked = true; g.dispatchEvent(new Event("change"));`);
      const drawn = await page.evaluate(() => document.querySelector('[data-metric="charts/episodic_return"]')?.getAttribute("data-datasets") ?? "");
      if (!drawn.includes("(5 seeds) mean")) throw new Error(`grouped view did not draw one 5-seed band: ${JSON.stringify(drawn)}`);
      grouped = { groupToggleMs: Math.round(groupToggleMs * 100) / 100, ...(await interactions([0.65, 0.6, 0.55, 0.5, 0.7])), jsHeapMiB: await heap() };
    }
    return {
      runs: 5,
      pointsPerRun: POINTS,
      metricsPerRun: 2,
      loadAndFirstDrawMs: Math.round(loadMs),
      ...ungrouped,
      jsHeapMiB: ungroupedHeap,
      ...(grouped ? { grouped } : {}),
    };
  } finally {
    await close();
  }
}

/** VS Code's activation time for RL Studio in `starts` fresh code-server instances (a workspace with one experiment file). */
async function measureActivationInVsCode(starts = 3): Promise<Record<string, unknown>> {
  // By URL: the harness is plain ESM without declarations, typed here by what this uses.
  const harness = (await import(pathToFileURL(resolve(__dirname, "../test/e2e/harness.mjs")).href)) as {
    missingTools(): string | null;
    startCodeServer(o: { files: Record<string, string> }): Promise<{ url: string; run: string; stop(): Promise<void> }>;
    launchBrowser(run: string): Promise<{ close(): Promise<void> }>;
    openWorkbench(browser: unknown, url: string): Promise<{ page: Page }>;
    runCommand(page: Page, title: string): Promise<void>;
  };
  const why = harness.missingTools();
  if (why) return { skipped: why };
  const samples: number[] = [];
  for (let i = 0; i < starts; i++) {
    const cs = await harness.startCodeServer({ files: { "cartpole.rl.ts": readFileSync(resolve("examples/cartpole.rl.ts"), "utf8") } });
    const browser = await harness.launchBrowser(cs.run);
    try {
      const { page } = await harness.openWorkbench(browser, cs.url);
      await harness.runCommand(page, "Developer: Show Running Extensions");
      const row = page.locator(".runtime-extensions-editor .monaco-list-row", { hasText: "RL Studio" }).first();
      let ms: number | null = null;
      // The row shows its activation time once the extension has activated (onStartupFinished).
      for (let tries = 0; tries < 60 && ms === null; tries++) {
        const text = await row.innerText({ timeout: 5000 }).catch(() => "");
        const m = /Activation:\s*([\d.]+)\s*ms/.exec(text);
        if (m) ms = Number(m[1]);
        else await page.waitForTimeout(500);
      }
      if (ms === null) throw new Error("no activation time for RL Studio in Running Extensions");
      samples.push(ms);
    } finally {
      await browser.close().catch(() => {});
      await cs.stop();
      rmSync(cs.run, { recursive: true, force: true });
    }
  }
  return { starts, samples, median: quantiles(samples).p50 };
}

async function main(): Promise<void> {
  const machine = () => ({ cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), processCpuSeconds: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2) });
  const before = machine();
  const activation = ONLY.has("activation") ? measureActivation() : undefined;
  const activationInVsCodeMs = ONLY.has("vscode") ? await measureActivationInVsCode() : undefined;
  const { server, url } = await serveDashboard();
  try {
    const latency = ONLY.has("latency") ? await measureLatency(url) : undefined;
    const endOfRunLag = ONLY.has("lag") ? await measureEndLag(url) : undefined;
    const frames = ONLY.has("frames") ? await measureFrames(url) : undefined;
    console.log(
      JSON.stringify({ bench: "extension", node: process.version, machineBefore: before, machineAfter: machine(), activation, activationInVsCodeMs, metricToChartMs: latency, endOfRunLag, dashboardFrameMs: frames }, null, 2),
    );
  } finally {
    server.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
