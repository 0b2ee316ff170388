/**
 * Two status bar items: the runtime's health (always visible once the runtime was needed) and,
 * while a run trains, its step/total, SPS and last return (click → dashboard).
 */
import * as vscode from "vscode";
import { healthView, type RuntimeHealth } from "./runtime-health.js";
import type { RunEntry } from "./runs-model.js";
import { formatSteps } from "./runs-tree.js";

export class StatusBar implements vscode.Disposable {
  private readonly health = vscode.window.createStatusBarItem("rlStudio.health", vscode.StatusBarAlignment.Left, 10);
  private readonly training = vscode.window.createStatusBarItem("rlStudio.training", vscode.StatusBarAlignment.Left, 9);

  constructor() {
    this.health.name = "RL Studio Runtime";
    this.training.name = "RL Studio Training";
    this.training.command = "rlStudio.openDashboard";
  }

  showHealth(h: RuntimeHealth): void {
    const v = healthView(h);
    if (!v.visible) {
      this.health.hide();
      return;
    }
    this.health.text = v.text;
    const tooltip = new vscode.MarkdownString(v.tooltip);
    tooltip.isTrusted = { enabledCommands: v.enabledCommands };
    this.health.tooltip = tooltip;
    this.health.command = v.command;
    this.health.backgroundColor = v.error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.health.show();
  }

  /** The most recently updated live run, or hide when none trains. */
  showTraining(live: RunEntry[]): void {
    const entry = live.find((e) => e.progress) ?? live[0];
    if (!entry) {
      this.training.hide();
      return;
    }
    const p = entry.progress;
    const s = entry.summary;
    const parts = [`$(pulse) ${formatSteps(p?.globalStep ?? s.globalStep)}/${formatSteps(p?.totalTimesteps ?? s.totalTimesteps)}`];
    if (p) parts.push(`${Math.round(p.sps).toLocaleString("en-US")} SPS`);
    const ret = p?.lastEpisodicReturn ?? s.lastEpisodicReturn;
    if (ret !== null) parts.push(`R ${ret.toFixed(1)}`);
    this.training.text = parts.join(" · ") + (live.length > 1 ? ` (+${live.length - 1})` : "");
    this.training.tooltip = `RL Studio: training ${s.runId}. Click to open the dashboard.`;
    this.training.show();
  }

  dispose(): void {
    this.health.dispose();
    this.training.dispose();
  }
}
