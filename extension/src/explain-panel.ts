/**
 * The explanation panels: one webview per run (opening a run's explanation again reveals its panel),
 * restored after a reload by a WebviewPanelSerializer from the state the page saves (its run id).
 * Security per the VS Code webview guide, as the dashboard: strict CSP (default-src 'none', a nonce
 * on the one script, webview.cspSource for local files), localResourceRoots limited to the bundle
 * and the CSS, no remote content. The explanation is (re)sent whenever the page says `ready`.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {
  isExplainWebviewToHost,
  type Explanation,
  type ExplainHostToWebview,
  type ExplainPanelState,
  type ExplainProgress,
} from "../../protocol/src/explain.js";
import { explainHtml } from "../../media/src/explain-page.js";
import { webviewResources } from "./webview-resources.js";
import { readExplanationFile } from "./explain-runs.js";

export const EXPLAIN_VIEW_TYPE = "rlStudio.explanation";

export interface ExplainPanelsDeps {
  extensionUri: vscode.Uri;
  log: vscode.OutputChannel;
  /** Measure the run again (with progress and cancel); undefined when cancelled or refused. */
  explainAgain: (runDir: string, episodes: number, onProgress: (p: ExplainProgress) => void) => Promise<Explanation | undefined>;
  /** The run folder of a restored panel's run id, or null when it is gone. */
  findRunDir: (runId: string) => string | null;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One panel showing one run's explanation. Owns its webview panel and listeners; disposed once. */
class ExplainPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The user closed it (or VS Code did): nothing left to dispose there. */
  private panelDisposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    /** Null for a restored panel whose run folder no longer exists. */
    readonly runDir: string | null,
    readonly runId: string,
    private explanation: Explanation | null,
    private readonly deps: ExplainPanelsDeps,
    onDispose: () => void,
  ) {
    panel.title = `Explanation: ${runId}`;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, "media", "rl-studio.svg");
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.webview.html = html(panel.webview, deps.extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => {
        this.panelDisposed = true;
        onDispose();
        this.dispose();
      }),
    );
  }

  /** Show a new explanation of this run (after explaining it again). */
  update(explanation: Explanation): void {
    this.explanation = explanation;
    this.post({ type: "explanation", runId: this.runId, explanation });
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isExplainWebviewToHost(m)) return;
    switch (m.type) {
      case "ready":
        await this.sendExplanation();
        return;
      case "explainAgain":
        await this.explainAgain(m.episodes);
        return;
      case "error":
        this.deps.log.appendLine(`[explanation] ${m.message}`);
        return;
    }
  }

  private async sendExplanation(): Promise<void> {
    if (!this.runDir) {
      this.post({ type: "error", message: `Run ${this.runId} is no longer in the workspace's runs folders, so its explanation cannot be shown.` });
      return;
    }
    try {
      // Read again on every `ready`: the file may have been replaced (CLI, another window) since.
      this.explanation = (await readExplanationFile(this.runDir)) ?? this.explanation;
    } catch (err) {
      this.post({ type: "error", message: errorText(err) });
      return;
    }
    if (this.explanation) this.post({ type: "explanation", runId: this.runId, explanation: this.explanation });
    else this.post({ type: "error", message: `${path.join(this.runDir, "explanation.json")}: not explained yet. Press "Explain again" to measure the policy.` });
  }

  private async explainAgain(episodes: number): Promise<void> {
    if (!this.runDir) return this.post({ type: "error", message: `Run ${this.runId} is no longer in the workspace's runs folders.` });
    try {
      const e = await this.deps.explainAgain(this.runDir, episodes, (p) => this.post({ type: "progress", runId: this.runId, phase: p.phase, done: p.done, total: p.total }));
      if (e) this.update(e);
      // Cancelled or refused: show what was shown before (the page hides its progress bar on a new explanation).
      else if (this.explanation) this.update(this.explanation);
    } catch (err) {
      this.post({ type: "error", message: errorText(err) });
    }
  }

  private post(message: ExplainHostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    if (!this.panelDisposed) this.panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // The replay keeps its position in the page's state, so the page may be torn down when hidden.
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "media"), vscode.Uri.joinPath(extensionUri, "media")],
  };
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return explainHtml(webviewResources(webview, extensionUri, "explain"));
}

/** Every open explanation panel, by run folder. */
export class ExplainPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ExplainPanel>();
  private restored = 0;

  constructor(private readonly deps: ExplainPanelsDeps) {}

  /** Open (or reveal) the panel of the run at `runDir`, showing `explanation` (or the saved one, read when the page is ready). */
  show(runDir: string, runId: string, explanation: Explanation | null): void {
    const open = this.panels.get(runDir);
    if (open) {
      open.panel.reveal(undefined, false);
      if (explanation) open.update(explanation);
      return;
    }
    const panel = vscode.window.createWebviewPanel(EXPLAIN_VIEW_TYPE, `Explanation: ${runId}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(this.deps.extensionUri));
    this.attach(panel, runDir, runId, explanation);
  }

  /** The open panel of a run, if any (the commands update it after explaining). */
  get(runDir: string): { update(e: Explanation): void } | undefined {
    return this.panels.get(runDir);
  }

  get openRunDirs(): string[] {
    return [...this.panels.keys()];
  }

  private attach(panel: vscode.WebviewPanel, runDir: string | null, runId: string, explanation: Explanation | null): void {
    // A restored panel whose run is gone still needs a key of its own (it shows why it is empty).
    const key = runDir ?? `missing:${runId}:${++this.restored}`;
    const p = new ExplainPanel(panel, runDir, runId, explanation, this.deps, () => {
      if (this.panels.get(key) === p) this.panels.delete(key);
    });
    this.panels.set(key, p);
  }

  serializer(): vscode.WebviewPanelSerializer<ExplainPanelState> {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: ExplainPanelState | undefined) => {
        const runId = state?.runId;
        // The page saves its run id once it showed an explanation; one that never did has nothing to restore.
        if (!runId) {
          panel.dispose();
          return;
        }
        const runDir = this.deps.findRunDir(runId);
        if (runDir && this.panels.has(runDir)) {
          // Already open (restored twice, or opened before the restore): keep one panel per run.
          panel.dispose();
          return;
        }
        this.attach(panel, runDir, runId, null);
      },
    };
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
