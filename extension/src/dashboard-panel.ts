/**
 * The dashboard webview: one panel, restored after reload by a WebviewPanelSerializer.
 * Security per the VS Code webview guide: strict CSP (default-src 'none', a nonce on the one
 * script, webview.cspSource for local files), localResourceRoots limited to the bundle and CSS,
 * no remote content. Data is (re)sent whenever the webview says `ready`.
 */
import * as vscode from "vscode";
import { showInformationMessage } from "./notify.js";
import type { ReadRunResult, RunState, RunSummary } from "../../protocol/src/runtime.js";
import { isWebviewToExtension, type DashboardRun, type ExtensionToWebview, type WebviewToExtension } from "../../protocol/src/webview.js";
import { dashboardHtml } from "../../media/src/page.js";
import { webviewResources } from "./webview-resources.js";
import type { RunsModel } from "./runs-model.js";

export const DASHBOARD_VIEW_TYPE = "rlStudio.dashboard";

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  model: RunsModel;
  /** Reads a run's recorded metrics (through the runtime). */
  readRun: (runDir: string) => Promise<ReadRunResult>;
  /** Makes sure the model holds the runs on disk. */
  loadRuns: () => Promise<void>;
  log: vscode.OutputChannel;
}

export function runLabel(s: RunSummary): string {
  return s.runId;
}

export function toDashboardRun(r: ReadRunResult): DashboardRun {
  const s = r.summary;
  return {
    runId: s.runId,
    label: runLabel(s),
    experimentName: s.experimentName,
    seed: s.seed,
    groupKey: s.groupKey,
    // A sweep's configurations share the experiment's name: the band says which configuration it is.
    ...(s.sweep?.configText ? { groupLabel: `${s.experimentName} · ${s.sweep.configText}` } : {}),
    state: s.state,
    metrics: r.metrics,
  };
}

export class DashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private focusRunIds: string[] = [];
  /** The state last posted for each run (see the constructor). */
  private readonly postedStates = new Map<string, RunState>();
  /** Metric-to-chart latencies (ms) reported by the webview, for the benchmark / log. */
  readonly latencies: number[] = [];
  reportLatency = false;

  constructor(private readonly deps: DashboardDeps) {
    this.disposables.push(
      // Already batched (the model receives a run's records at most every 50 ms): one message per batch.
      deps.model.onDidReceiveMetrics(({ runId, records, sentAt }) => this.post({ type: "metrics", runId, records, sentAt })),
      // Only when a run's state changes: the model changes with every iteration's progress, and a
      // message per iteration to the webview only adds to what a loaded renderer must work through.
      deps.model.onDidChange((entry) => {
        if (!entry) return;
        const { runId, state } = entry.summary;
        if (this.postedStates.get(runId) === state) return;
        this.postedStates.set(runId, state);
        this.post({ type: "runState", runId, state });
      }),
    );
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        this.attach(panel);
      },
    };
  }

  /** Show the dashboard; `focusRunIds` selects which runs are visible (empty: all). */
  show(focusRunIds: string[] = []): void {
    this.focusRunIds = focusRunIds;
    if (this.panel) {
      this.panel.reveal(undefined, true);
      this.post({ type: "focus", runIds: focusRunIds });
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, "RL Studio Dashboard", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions());
    this.attach(panel);
  }

  get visible(): boolean {
    return this.panel !== null;
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, "dist", "media"), vscode.Uri.joinPath(this.deps.extensionUri, "media")],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, "media", "rl-studio.svg");
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m), null, this.disposables);
    panel.onDidDispose(() => (this.panel = null), null, this.disposables);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isWebviewToExtension(m)) return;
    const msg: WebviewToExtension = m;
    switch (msg.type) {
      case "ready":
        await this.sendAll();
        return;
      case "exportCsv":
        await this.save(msg.suggestedName, { CSV: ["csv"] }, Buffer.from(msg.csv, "utf8"));
        return;
      case "exportPng": {
        const base64 = msg.dataUrl.replace(/^data:image\/png;base64,/, "");
        await this.save(msg.suggestedName, { "PNG image": ["png"] }, Buffer.from(base64, "base64"));
        return;
      }
      case "rendered":
        this.latencies.push(msg.renderedAt - msg.sentAt);
        return;
      case "error":
        this.deps.log.appendLine(`[dashboard] ${msg.message}`);
        return;
    }
  }

  private async save(name: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, bytes);
    void showInformationMessage(`RL Studio: saved ${vscode.workspace.asRelativePath(uri)}`);
  }

  /** Send every known run with its recorded metrics (on `ready`, after reload or restore). */
  private async sendAll(): Promise<void> {
    await this.deps.loadRuns();
    const runs: DashboardRun[] = [];
    for (const entry of this.deps.model.all()) {
      try {
        runs.push(toDashboardRun(await this.deps.readRun(entry.summary.runDir)));
      } catch (err) {
        this.deps.log.appendLine(`[dashboard] cannot read ${entry.summary.runDir}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.postedStates.clear();
    for (const r of runs) this.postedStates.set(r.runId, r.state);
    this.post({ type: "init", runs, focusRunIds: this.focusRunIds, reportLatency: this.reportLatency });
  }

  /** Re-read one run from disk and send it whole (new run, or resumed: its files were truncated to the checkpoint). */
  async sendRun(runDir: string): Promise<void> {
    if (!this.panel) return;
    this.post({ type: "run", run: toDashboardRun(await this.deps.readRun(runDir)) });
  }

  removeRun(runId: string): void {
    this.post({ type: "removeRun", runId });
  }

  private post(message: ExtensionToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    return dashboardHtml(webviewResources(webview, this.deps.extensionUri, "dashboard"));
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
