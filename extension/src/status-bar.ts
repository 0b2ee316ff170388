/**
 * Two status bar items: the runtime's health (always visible once the runtime was needed) and,
 * while a run trains, its step/total, SPS and last return (click → dashboard).
 */
import * as vscode from "vscode";
import type { RuntimeHealth } from "./runtime-client.js";
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
    this.health.backgroundColor = undefined;
    this.health.command = "rlStudio.showRuntimeLog";
    switch (h.kind) {
      case "stopped":
        this.health.hide();
        return;
      case "starting":
        this.health.text = "$(loading~spin) RL runtime";
        this.health.tooltip = "RL Studio: starting the runtime process…";
        break;
      case "ready":
        this.health.text = "$(beaker) RL runtime";
        this.health.tooltip = `RL Studio runtime ready (pid ${h.pid}, Node ${h.nodeVersion}). Click for its log.`;
        break;
      case "crashed":
        this.health.text = h.restartInMs === null ? "$(error) RL runtime stopped" : "$(error) RL runtime crashed";
        this.health.tooltip = `RL Studio: ${h.reason}. ${h.restartInMs === null ? "Not restarting (it kept crashing): click to restart." : `Restarting in ${Math.round(h.restartInMs / 1000)} s.`}`;
        this.health.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        if (h.restartInMs === null) this.health.command = "rlStudio.restartRuntime";
        break;
    }
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
