/** The Runs view: experiments → (sweeps → member runs) and runs, with state icons, live step and last return. */
import * as vscode from "vscode";
import { showErrorMessage } from "./notify.js";
import type { RunState } from "../../protocol/src/runtime.js";
import { OPEN_EXPLANATION_COMMAND } from "../../protocol/src/language-server.js";
import { explanationMarkdown } from "./explain-runs.js";
import { isUnconfirmed, runContextValue, type RunEntry, type RunsModel } from "./runs-model.js";
import { runTooltipMarkdown } from "./run-tooltip.js";
import { experimentChildren, sweepDescription } from "./runs-groups.js";

export type RunsTreeNode = { kind: "experiment"; name: string } | { kind: "sweep"; id: string; experiment: string } | { kind: "run"; runId: string };

/** Opens a sweep's page (registered by extension/src/sweeps/sweep-commands.ts). */
export const OPEN_SWEEP_COMMAND = "rlStudio.openSweep";

const STATE_ICON: Record<RunState, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon("sync~spin", new vscode.ThemeColor("charts.blue")),
  completed: new vscode.ThemeIcon("pass", new vscode.ThemeColor("testing.iconPassed")),
  stopped: new vscode.ThemeIcon("debug-pause", new vscode.ThemeColor("charts.yellow")),
  failed: new vscode.ThemeIcon("error", new vscode.ThemeColor("testing.iconFailed")),
};
/** "running" on disk, but its trainer cannot be confirmed: not the spinning icon of a run known to train. */
const UNCONFIRMED_ICON = new vscode.ThemeIcon("question", new vscode.ThemeColor("charts.yellow"));

export function formatSteps(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k` : String(n);
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: vscode.Disposable;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly model: RunsModel,
    /** Called the first time the view asks for children: loads the runs (starts the runtime). */
    private readonly load: () => Promise<void>,
  ) {
    // Progress arrives once per PPO iteration: coalesce tree refreshes to ≤ 4 per second.
    this.subscription = model.onDidChange(() => {
      this.refreshTimer ??= setTimeout(() => {
        this.refreshTimer = null;
        this.emitter.fire(undefined);
      }, 250);
    });
  }

  private loaded: Promise<void> | null = null;

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (!node) {
      this.loaded ??= this.load().catch((err: unknown) => {
        this.loaded = null;
        void showErrorMessage(`RL Studio: could not list runs: ${err instanceof Error ? err.message : String(err)}`);
      });
      await this.loaded;
      const names = [...new Set(this.model.all().map((r) => r.summary.experimentName))].sort();
      return names.map((name) => ({ kind: "experiment", name }));
    }
    if (node.kind === "experiment") {
      const children = experimentChildren(this.experimentRuns(node.name));
      return [
        ...children.sweeps.map((s): RunsTreeNode => ({ kind: "sweep", id: s.id, experiment: node.name })),
        ...children.runIds.map((runId): RunsTreeNode => ({ kind: "run", runId })),
      ];
    }
    if (node.kind === "sweep") {
      const sweep = experimentChildren(this.experimentRuns(node.experiment)).sweeps.find((s) => s.id === node.id);
      return (sweep?.runIds ?? []).map((runId) => ({ kind: "run", runId }));
    }
    return [];
  }

  private experimentRuns(name: string) {
    return this.model
      .all()
      .map((r) => r.summary)
      .filter((s) => s.experimentName === name);
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    if (node.kind === "sweep") {
      const members = this.experimentRuns(node.experiment).filter((s) => s.sweep?.id === node.id);
      const item = new vscode.TreeItem(`sweep ${node.id}`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `sweep:${node.id}`;
      item.description = sweepDescription(members.map((m) => m.state));
      item.iconPath = new vscode.ThemeIcon(members.some((m) => m.state === "running") ? "sync~spin" : "run-all");
      item.contextValue = "rlStudio.sweep";
      item.command = { command: OPEN_SWEEP_COMMAND, title: "Open Sweep", arguments: [node] };
      return item;
    }
    if (node.kind === "experiment") {
      const runs = this.model.all().filter((r) => r.summary.experimentName === node.name);
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon("beaker");
      item.description = `${runs[0]?.summary.envId ?? ""} · ${runs.length} run${runs.length === 1 ? "" : "s"}`;
      item.contextValue = "rlStudio.experiment";
      item.id = `experiment:${node.name}`;
      return item;
    }
    const entry = this.model.get(node.runId);
    const item = new vscode.TreeItem(node.runId, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.runId}`;
    if (!entry) return item;
    item.label = runLabel(entry);
    item.description = runDescription(entry);
    item.iconPath = isUnconfirmed(entry.summary) ? UNCONFIRMED_ICON : STATE_ICON[entry.summary.state];
    // The tooltip is filled on hover (resolveTreeItem): it may read the run's explanation.json.
    // Matched by package.json's menus: an unconfirmed run offers Resume (it asks first) and Stop.
    item.contextValue = runContextValue(entry.summary);
    item.command = { command: "rlStudio.openRunInDashboard", title: "Open in Dashboard", arguments: [node] };
    return item;
  }

  /** On hover: the run's details, under its explanation's summary and "Open explanation" link when it has one. */
  async resolveTreeItem(item: vscode.TreeItem, node: RunsTreeNode): Promise<vscode.TreeItem> {
    const entry = node.kind === "run" ? this.model.get(node.runId) : undefined;
    if (!entry) return item;
    const details = runTooltipMarkdown(entry.summary);
    const explained = await explanationMarkdown(entry.summary.runDir);
    if (!explained) {
      // Untrusted: no command link runs from it.
      item.tooltip = new vscode.MarkdownString(details);
      return item;
    }
    // Trusted for the one command its "Open explanation" link runs; every value in it is escaped.
    const md = new vscode.MarkdownString(`${explained}\n\n---\n\n${details}`);
    md.isTrusted = { enabledCommands: [OPEN_EXPLANATION_COMMAND] };
    item.tooltip = md;
    return item;
  }

  refresh(): void {
    this.loaded = null;
    this.emitter.fire(undefined);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function runLabel(e: RunEntry): string {
  const s = e.summary;
  if (s.sweep) return `${s.sweep.configText ? `${s.sweep.configText} · ` : ""}seed ${s.seed ?? "?"} · #${s.sweep.index}`;
  return s.seed !== null ? `seed ${s.seed} · ${s.runId}` : s.runId;
}

function runDescription(e: RunEntry): string {
  const s = e.summary;
  const parts = [`${formatSteps(s.globalStep)}/${formatSteps(s.totalTimesteps)}`];
  if (s.lastEpisodicReturn !== null) parts.push(`R ${s.lastEpisodicReturn.toFixed(1)}`);
  if (e.progress) parts.push(`${Math.round(e.progress.sps).toLocaleString("en-US")} SPS`);
  if (isUnconfirmed(s)) parts.push("running? (unconfirmed)");
  else if (s.state !== "running") parts.push(s.state);
  return parts.join(" · ");
}
