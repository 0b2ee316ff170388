/**
 * One context object owns everything the extension creates (the rust-analyzer client's pattern):
 * the runtime client, the language client, the runs model, the views, the status bar, the dashboard
 * and every disposable. Nothing heavy happens in the constructor: the runtime is forked the first
 * time something needs it, the language server when an `*.rl.ts` file is opened.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage, showWarningMessage } from "./notify.js";
import {
  ListRunsRequest,
  LogNotification,
  MarkFailedRequest,
  ReadRunRequest,
  ResumeRequest,
  RESUME_NEEDS_FORCE,
  RunMetricsNotification,
  RunProgressNotification,
  RunStatusNotification,
  StopRequest,
  TrainRequest,
  type ReadRunResult,
  type RunStatusParams,
  type TrainResult,
} from "../../protocol/src/runtime.js";
import { stopExternalRun, type ExternalStopResult } from "../../runtime/src/runs/stop-run.js";
import * as config from "./config.js";
import { DASHBOARD_VIEW_TYPE, DashboardPanel } from "./dashboard-panel.js";
import { LanguageClientOwner } from "./language-client.js";
import { RuntimeClient } from "./runtime-client.js";
import { crashNotice, RESTART_BUTTON, RESTART_RUNTIME_COMMAND, SHOW_LOG_BUTTON } from "./runtime-health.js";
import { liveUpdatesInto, RunsModel } from "./runs-model.js";
import { RunsTreeProvider } from "./runs-tree.js";
import { resumeParams, trainParams } from "./run-requests.js";
import { StatusBar } from "./status-bar.js";
import { checkTrust, type TrustedAction, type TrustHost } from "./trust.js";

/** The editor's Workspace Trust, for `checkTrust`. */
export const vscodeTrustHost: TrustHost = {
  isTrusted: () => vscode.workspace.isTrusted,
  showWarningMessage: (message, ...items) => showWarningMessage(message, ...items),
  executeCommand: (command) => vscode.commands.executeCommand(command),
};


export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel("RL Studio Runtime");
  readonly model = new RunsModel();
  readonly statusBar = new StatusBar();
  readonly runtime: RuntimeClient;
  readonly tree: RunsTreeProvider;
  readonly dashboard: DashboardPanel;
  readonly languageClient: LanguageClientOwner;
  private readonly disposables: vscode.Disposable[] = [];
  /** Runs that were training when the runtime died: marked failed by the next runtime. */
  private orphaned: string[] = [];
  /** Resolvers of the progress notifications, by run id. */
  private readonly progressDone = new Map<string, () => void>();
  /** The runtime's live updates on their way into the model (flushed before every state change). */
  private readonly updates = liveUpdatesInto(this.model);

  constructor(readonly extension: vscode.ExtensionContext) {
    this.runtime = new RuntimeClient({
      modulePath: vscode.Uri.joinPath(extension.extensionUri, "dist", "runtime.js").fsPath,
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      log: this.log,
      onCrash: (reason, restartInMs, crashes) => this.onRuntimeCrash(reason, restartInMs, crashes),
    });
    this.tree = new RunsTreeProvider(this.model, () => this.loadRuns());
    this.dashboard = new DashboardPanel({
      extensionUri: extension.extensionUri,
      model: this.model,
      readRun: (runDir) => this.readRun(runDir),
      loadRuns: () => this.loadRuns(),
      log: this.log,
    });
    this.languageClient = new LanguageClientOwner(extension, this.log);
    this.disposables.push(
      // The runs' notifications (the runtime client owns the connection and dispatches them).
      this.runtime.onNotification(RunMetricsNotification.type, (p) => this.updates.metrics(p.runId, p.records, p.sentAt)),
      this.runtime.onNotification(RunProgressNotification.type, (p) => this.updates.progress(p.runId, p.progress)),
      // A state change is applied at once, after the updates that came before it.
      this.runtime.onNotification(RunStatusNotification.type, (p) => {
        this.updates.flush();
        void this.onRunStatus(p);
      }),
      this.runtime.onNotification(LogNotification.type, (p) => this.log.appendLine(`[${p.level}] ${p.message}`)),
      this.log,
      this.model,
      this.statusBar,
      this.tree,
      this.dashboard,
      this.languageClient,
      vscode.window.createTreeView("rlStudio.runs", { treeDataProvider: this.tree, showCollapseAll: true }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, this.dashboard.serializer()),
      this.runtime.onDidChangeHealth((h) => {
        this.statusBar.showHealth(h);
        if (h.kind === "ready" && this.orphaned.length > 0) void this.markOrphansFailed();
      }),
      this.model.onDidChange(() => this.statusBar.showTraining(this.model.live())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("rlStudio.runsFolder")) this.tree.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.tree.refresh()),
    );
  }

  private async onRunStatus(p: RunStatusParams): Promise<void> {
    this.log.appendLine(`[client] ${p.runId}: ${p.state}${p.error ? ` (${p.error})` : ""}`);
    if (p.state === "running") {
      // Running now, in every view, whatever the folder read below finds (or fails to).
      this.model.setState(p.runId, "running");
      // New or resumed run: read its folder (resume truncated the files to the checkpoint) and show it whole.
      try {
        const read = await this.readRun(p.runDir);
        this.model.mergeRead({ ...read.summary, live: true, state: "running" });
        await this.dashboard.sendRun(p.runDir);
      } catch (err) {
        this.log.appendLine(`[client] cannot read ${p.runDir}: ${String(err)}`);
      }
      return;
    }
    this.model.setState(p.runId, p.state, p.error);
    this.progressDone.get(p.runId)?.();
    if (p.state === "failed") {
      void showErrorMessage(`RL Studio: run ${p.runId} failed: ${p.error ?? "unknown error"}`, "Show Log").then((pick) => {
        if (pick) this.log.show(true);
      });
    } else if (p.state === "completed") {
      void showInformationMessage(`RL Studio: run ${p.runId} completed.`);
    }
  }

  private onRuntimeCrash(reason: string, restartInMs: number | null, crashes: number): void {
    // What the dead runtime sent last goes in first: a progress report applied later would mark its run running again.
    this.updates.flush();
    const live = this.model.live();
    this.orphaned.push(...live.map((e) => e.summary.runDir));
    for (const e of live) this.model.setState(e.summary.runId, "failed", reason);
    for (const done of this.progressDone.values()) done();
    const notice = crashNotice(reason, restartInMs, crashes, live.map((e) => e.summary.runId));
    void showErrorMessage(notice.message, ...notice.buttons).then(async (pick) => {
      if (pick === SHOW_LOG_BUTTON) this.log.show(true);
      else if (pick === RESTART_BUTTON) await vscode.commands.executeCommand(RESTART_RUNTIME_COMMAND);
    });
  }

  private async markOrphansFailed(): Promise<void> {
    const dirs = this.orphaned.splice(0);
    const c = await this.runtime.ensureStarted();
    for (const runDir of dirs) {
      try {
        await c.sendRequest(MarkFailedRequest.type, { runDir, error: "the runtime process died while training; resume continues from the last checkpoint" });
      } catch (err) {
        this.log.appendLine(`[client] cannot mark ${runDir} failed: ${String(err)}`);
      }
    }
    await this.loadRuns();
  }

  /** List every run folder of the workspace (starts the runtime). */
  async loadRuns(): Promise<void> {
    const c = await this.runtime.ensureStarted();
    const roots = config.allRunsRoots();
    const lists = await Promise.all(roots.map((runsRoot) => c.sendRequest(ListRunsRequest.type, { runsRoot })));
    this.model.replaceAll(lists.flatMap((l) => l.runs));
  }

  async readRun(runDir: string): Promise<ReadRunResult> {
    const c = await this.runtime.ensureStarted();
    return c.sendRequest(ReadRunRequest.type, { runDir });
  }

  /**
   * True when `action` (it runs the experiment's code) may run here; otherwise shows why and how to
   * trust the workspace (a "Manage Workspace Trust" button), and the caller starts nothing.
   */
  checkTrusted(action: TrustedAction = "train"): boolean {
    return checkTrust(vscodeTrustHost, action);
  }

  async train(file: vscode.Uri): Promise<TrainResult | undefined> {
    if (!this.checkTrusted()) return undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    if (doc?.isDirty) await doc.save();
    const settings = config.runSettings(file);
    const c = await this.runtime.ensureStarted();
    const model = config.localLlmModel();
    const result = await c.sendRequest(TrainRequest.type, {
      ...trainParams(file.fsPath, config.runsRootForFile(file), settings),
      experienceMaxMegabytes: config.experienceMaxMegabytes(file),
      ...(model ? { defaultModel: model } : {}),
    });
    this.log.appendLine(`[client] training ${path.basename(file.fsPath)} → ${result.runDir}`);
    this.trackProgress(result.runId, `Training ${result.runId}`);
    this.dashboard.show([result.runId]);
    return result;
  }

  async resume(runDir: string): Promise<TrainResult | undefined> {
    if (!this.checkTrusted("resume")) return undefined;
    const settings = config.runSettings(vscode.Uri.file(runDir));
    const c = await this.runtime.ensureStarted();
    let result: TrainResult;
    try {
      result = await c.sendRequest(ResumeRequest.type, resumeParams(runDir, settings));
    } catch (err) {
      // Refused only because it cannot be told whether the process status.json names still trains
      // it (an older status.json): the user who knows decides, as `rl-studio resume --force` does.
      const refusal = err as { code?: unknown; message?: unknown };
      if (refusal?.code !== RESUME_NEEDS_FORCE) throw err;
      const anyway = "Resume Anyway";
      if ((await showWarningMessage(`RL Studio: ${String(refusal.message)}`, { modal: true }, anyway)) !== anyway) return undefined;
      result = await c.sendRequest(ResumeRequest.type, resumeParams(runDir, settings, true));
    }
    this.trackProgress(result.runId, `Resuming ${result.runId}`);
    return result;
  }

  /** Stop a run this runtime trains; false when it does not train it. */
  async stop(runId: string): Promise<boolean> {
    const c = await this.runtime.ensureStarted();
    const { stopped } = await c.sendRequest(StopRequest.type, { runId });
    return stopped;
  }

  /**
   * Stop Run on any run the Runs view shows running: the runtime's own (abort its trainer), or one
   * another process trains, e.g. `npx rl-studio train` in a terminal — asked to stop as Ctrl-C
   * would, after checking its pid is still that trainer (runtime/src/runs/stop-run.ts), with a
   * cancellable progress notification while it finishes its iteration and writes its checkpoint.
   * Returns what happened to an external run (undefined when the runtime stopped its own); the
   * caller has been told either way, and the Runs view shows the run's state afterwards.
   */
  async stopRun(runId: string, runDir: string): Promise<ExternalStopResult | undefined> {
    if (await this.stop(runId)) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stopping ${runId}`, cancellable: true },
      (progress, token) => {
        const cancel = new AbortController();
        const sub = token.onCancellationRequested(() => cancel.abort());
        return stopExternalRun(runDir, {
          ownPids: this.runtime.pid !== undefined ? [this.runtime.pid] : [],
          signal: cancel.signal,
          onProgress: (p) =>
            progress.report({ message: `asked process ${p.pid} to stop (as Ctrl-C would); waiting for it to finish its iteration and write a checkpoint… ${Math.floor(p.elapsedMs / 1000)} s` }),
        }).finally(() => sub.dispose());
      },
    );
    this.log.appendLine(`[client] stop ${runId}: ${result.outcome}: ${result.message}`);
    await this.refreshRun(runId, runDir, result);
    // A warning when the run goes on training (Windows, an unverifiable or foreign pid, the timeout).
    const show = result.state === "running" && result.outcome !== "cancelled" ? showWarningMessage : showInformationMessage;
    void show(`RL Studio: ${result.message}`);
    return result;
  }

  /** Re-read one run folder into the model (the Runs view), e.g. after another process changed it. */
  private async refreshRun(runId: string, runDir: string, result: ExternalStopResult): Promise<void> {
    try {
      const read = await this.readRun(runDir);
      // What the stop found wins over a listing that may predate it (e.g. a reused pid still "alive").
      this.model.upsert(read.summary.state === "running" && result.state !== "running" ? { ...read.summary, state: result.state } : read.summary);
    } catch (err) {
      this.log.appendLine(`[client] cannot read ${runDir}: ${String(err)}`);
      this.model.setState(runId, result.state);
    }
  }

  /** A cancellable progress notification that follows the run until it stops. */
  private trackProgress(runId: string, title: string): void {
    this.progressDone.get(runId)?.();
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      return new Promise<void>((resolve) => {
        let lastPercent = 0;
        // The model's progress changes at most 4 times a second (LIVE_UPDATE_INTERVALS).
        const sub = this.model.onDidChange((entry) => {
          const p = entry?.summary.runId === runId ? entry.progress : null;
          if (!p) return;
          const percent = Math.min(100, (100 * p.globalStep) / Math.max(1, p.totalTimesteps));
          progress.report({
            increment: percent - lastPercent,
            message: `${p.globalStep.toLocaleString("en-US")}/${p.totalTimesteps.toLocaleString("en-US")} steps · ${Math.round(p.sps)} SPS${p.lastEpisodicReturn !== null ? ` · return ${p.lastEpisodicReturn.toFixed(1)}` : ""}`,
          });
          lastPercent = percent;
        });
        const finish = () => {
          sub.dispose();
          cancel.dispose();
          this.progressDone.delete(runId);
          resolve();
        };
        const cancel = token.onCancellationRequested(() => void this.stop(runId).finally(finish));
        this.progressDone.set(runId, finish);
      });
    });
  }

  async dispose(): Promise<void> {
    this.updates.dispose();
    for (const done of [...this.progressDone.values()]) done();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    await this.runtime.dispose();
  }
}
