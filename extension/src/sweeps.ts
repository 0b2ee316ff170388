/**
 * Sweeps in the editor. **Run Sweep** (palette, and the code lens above `defineExperiment`) asks
 * for seeds and, for each hyperparameter picked, its values; the runtime validates the whole grid
 * (naming a bad field and value) and runs the members in a local pool, reporting `sweep/status`.
 * While it runs, a cancellable progress notification follows it, the Runs view is refreshed (the
 * members are grouped under their sweep there) and the sweep page is live. **Open Sweep** shows a
 * sweep's page: the table per configuration and the parallel coordinates (media/src/sweep.ts).
 *
 * Webview security as every page's: CSP default-src 'none', a nonce on the one script and the one
 * stylesheet, webview.cspSource for local files, localResourceRoots limited to dist/media and media.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { HYPERPARAMETERS } from "../../runtime/src/experiment/hyperparameters.js";
import { CancelSweepRequest, isSweepFromWebview, ListSweepsRequest, ReadSweepRequest, RunSweepRequest, SweepStatusNotification, type SweepStatusParams, type SweepToWebview } from "../../protocol/src/sweep.js";
import { sweepHtml } from "../../media/src/sweep-page.js";
import * as config from "./config.js";
import type { Ctx } from "./ctx.js";
import { experimentUri } from "./llm/suggest-reward.js";
import { showErrorMessage, showWarningMessage } from "./notify.js";
import { OPEN_SWEEP_COMMAND, type RunsTreeNode } from "./runs-tree.js";
import { webviewResources } from "./webview-resources.js";

export const SWEEP_VIEW_TYPE = "rlStudio.sweep";
export const RUN_SWEEP_COMMAND = "rlStudio.runSweep";
export const CANCEL_SWEEP_COMMAND = "rlStudio.cancelSweep";

/** `--seeds` syntax, checked as the user types (the runtime checks it again). */
const SEEDS = /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/;

/** The sweeps folder beside a runs folder (`.rl-studio/runs` → `.rl-studio/sweeps`), as the runtime makes it. */
export function sweepsRootOf(runsRoot: string): string {
  return path.join(path.dirname(runsRoot), "sweeps");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class SweepController implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Resolvers of the progress notifications of the sweeps this window started, by sweep folder. */
  private readonly finished = new Map<string, () => void>();
  private lastRunsLoad = 0;
  private loadTimer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: Ctx) {
    const guarded =
      (name: string, f: (arg: unknown) => Promise<unknown>) =>
      async (arg: unknown): Promise<void> => {
        try {
          await f(arg);
        } catch (err) {
          ctx.log.appendLine(`[client] ${name}: ${errorText(err)}`);
          void showErrorMessage(`RL Studio: ${name} failed: ${errorText(err)}`);
        }
      };
    this.disposables.push(
      vscode.commands.registerCommand(RUN_SWEEP_COMMAND, guarded("Run Sweep", (arg) => this.runSweep(arg))),
      vscode.commands.registerCommand(OPEN_SWEEP_COMMAND, guarded("Open Sweep", (arg) => this.openSweep(arg))),
      vscode.commands.registerCommand(CANCEL_SWEEP_COMMAND, guarded("Cancel Sweep", (arg) => this.cancelSweep(arg))),
      ctx.runtime.onNotification(SweepStatusNotification.type, (p) => this.onStatus(p)),
    );
  }

  /** Run Sweep: seeds, then the hyperparameters to vary and their values; then the runtime runs it. */
  async runSweep(arg: unknown): Promise<void> {
    const file = experimentUri(arg);
    if (!file) {
      void showWarningMessage("RL Studio: open an experiment file (*.rl.ts) to run a sweep of it.");
      return;
    }
    if (!this.ctx.checkTrusted()) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    if (doc?.isDirty) await doc.save();
    const title = `RL Studio: Run Sweep of ${path.basename(file.fsPath)}`;
    const seeds = await vscode.window.showInputBox({
      title,
      prompt: "Seeds: a range or a list (1-5, 1,3,7)",
      value: "1-3",
      ignoreFocusOut: true,
      validateInput: (v) => (SEEDS.test(v) ? null : "write seeds as 1-5 or 1,3,7"),
    });
    if (seeds === undefined) return;
    const picked = await vscode.window.showQuickPick(
      HYPERPARAMETERS.map((h) => ({ label: h.key as string, description: h.doc })),
      { title, placeHolder: "Hyperparameters to vary (none: seeds only)", canPickMany: true, ignoreFocusOut: true },
    );
    if (picked === undefined) return;
    const grid: { field: string; values: string }[] = [];
    for (const p of picked) {
      const spec = HYPERPARAMETERS.find((h) => h.key === p.label)!;
      const values = await vscode.window.showInputBox({
        title,
        prompt: `Values of ${p.label}, comma-separated (${spec.doc})`,
        value: spec.type === "integer[]" ? "64x64,32x32" : String(spec.default),
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() === "" ? "at least one value" : null),
      });
      if (values === undefined) return;
      grid.push({ field: p.label, values });
    }
    const c = await this.ctx.runtime.ensureStarted();
    const runsRoot = config.runsRootForFile(file);
    const started = await c.sendRequest(RunSweepRequest.type, { experimentPath: file.fsPath, seeds, grid, runsRoot, backend: config.backend() });
    this.ctx.log.appendLine(`[client] sweep ${started.sweepId}: ${started.members} members → ${started.sweepDir}`);
    await this.showPanel(started.sweepDir);
    this.follow(started.sweepId, started.sweepDir, started.members);
  }

  /** A cancellable progress notification until the sweep's pool ends; Cancel stops the members gracefully. */
  private follow(sweepId: string, sweepDir: string, members: number): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Sweep ${sweepId}`, cancellable: true }, (progress, token) => {
      progress.report({ message: `${members} members` });
      return new Promise<void>((resolve) => {
        const sub = this.ctx.runtime.onNotification(SweepStatusNotification.type, (p) => {
          if (p.sweepDir !== sweepDir) return;
          const done = p.members.filter((m) => m.state === "completed").length;
          const running = p.members.filter((m) => m.state === "running").length;
          const failed = p.members.filter((m) => m.state === "failed").length;
          progress.report({ message: `${done}/${p.members.length} completed · ${running} running${failed ? ` · ${failed} failed` : ""}` });
        });
        const cancel = token.onCancellationRequested(() => void this.cancelSweep(sweepDir));
        this.finished.set(sweepDir, () => {
          sub.dispose();
          cancel.dispose();
          this.finished.delete(sweepDir);
          resolve();
        });
      });
    });
  }

  private onStatus(p: SweepStatusParams): void {
    // The members are CLI processes: the Runs view learns their state from their folders.
    this.scheduleRunsLoad(p.done);
    const panel = this.panels.get(p.sweepDir);
    if (panel) void this.postView(p.sweepDir, panel);
    if (p.done) this.finished.get(p.sweepDir)?.();
  }

  /** Reload the runs at most every 2 s while sweeps run, and at once when one ends. */
  private scheduleRunsLoad(now: boolean): void {
    const wait = now ? 0 : Math.max(0, 2000 - (Date.now() - this.lastRunsLoad));
    if (this.loadTimer && !now) return;
    if (this.loadTimer) clearTimeout(this.loadTimer);
    this.loadTimer = setTimeout(() => {
      this.loadTimer = null;
      this.lastRunsLoad = Date.now();
      void this.ctx.loadRuns().catch((err: unknown) => this.ctx.log.appendLine(`[client] cannot list runs: ${errorText(err)}`));
    }, wait);
  }

  /** The sweep folder a command targets: a Runs-view sweep node, a folder path, or a pick among the workspace's sweeps. */
  private async sweepDirOf(arg: unknown): Promise<string | undefined> {
    const node = arg as RunsTreeNode | undefined;
    const c = await this.ctx.runtime.ensureStarted();
    const lists = await Promise.all(config.allRunsRoots().map((r) => c.sendRequest(ListSweepsRequest.type, { sweepsRoot: sweepsRootOf(r) })));
    const sweeps = lists.flatMap((l) => l.sweeps);
    if (node && typeof node === "object" && node.kind === "sweep") return sweeps.find((s) => s.id === node.id)?.dir;
    if (typeof arg === "string") return arg;
    if (sweeps.length === 0) {
      void showWarningMessage("RL Studio: no sweep in this workspace yet (Run Sweep starts one).");
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      sweeps.map((s) => ({ label: s.id, description: `${s.experimentName} · ${s.members} members`, dir: s.dir })),
      { placeHolder: "Sweep to open" },
    );
    return pick?.dir;
  }

  async openSweep(arg: unknown): Promise<void> {
    const dir = await this.sweepDirOf(arg);
    if (dir) await this.showPanel(dir);
  }

  async cancelSweep(arg: unknown): Promise<void> {
    const dir = typeof arg === "string" ? arg : await this.sweepDirOf(arg);
    if (!dir) return;
    const c = await this.ctx.runtime.ensureStarted();
    const { cancelled } = await c.sendRequest(CancelSweepRequest.type, { sweepDir: dir });
    this.ctx.log.appendLine(`[client] cancel ${dir}: ${cancelled.join(", ") || "nothing running"}`);
  }

  private async postView(dir: string, panel: vscode.WebviewPanel): Promise<void> {
    try {
      const c = await this.ctx.runtime.ensureStarted();
      const view = await c.sendRequest(ReadSweepRequest.type, { sweepDir: dir });
      panel.title = `Sweep ${view.summary.id}`;
      void panel.webview.postMessage({ type: "sweep", view } satisfies SweepToWebview);
    } catch (err) {
      this.ctx.log.appendLine(`[client] cannot read sweep ${dir}: ${errorText(err)}`);
    }
  }

  private async showPanel(dir: string): Promise<void> {
    const existing = this.panels.get(dir);
    if (existing) {
      existing.reveal();
      await this.postView(dir, existing);
      return;
    }
    const extensionUri = this.ctx.extension.extensionUri;
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, `Sweep ${path.basename(dir)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "media"), vscode.Uri.joinPath(extensionUri, "media")],
    });
    this.panels.set(dir, panel);
    panel.onDidDispose(() => this.panels.delete(dir));
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isSweepFromWebview(m)) return;
      if (m.type === "ready") await this.postView(dir, panel);
      else if (m.type === "openDashboard") {
        const c = await this.ctx.runtime.ensureStarted();
        const view = await c.sendRequest(ReadSweepRequest.type, { sweepDir: dir });
        this.ctx.dashboard.show(view.members.filter((x) => x.runDir !== null).map((x) => x.runId));
      } else this.ctx.log.appendLine(`[sweep page] ${m.message}`);
    });
    panel.webview.html = sweepHtml({ ...webviewResources(panel.webview, extensionUri, "sweep"), title: `Sweep ${path.basename(dir)}` });
  }

  dispose(): void {
    if (this.loadTimer) clearTimeout(this.loadTimer);
    for (const done of [...this.finished.values()]) done();
    for (const p of [...this.panels.values()]) p.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
