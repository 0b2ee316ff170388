/**
 * "RL Studio: Evolve Reward" (Eureka, Ma et al. 2023: sample K rewards, train each briefly, keep
 * the best by the task's own fitness, reflect, repeat N times) and its results page: a webview
 * with every candidate (iteration, components, fitness, status or failure), fitness over
 * iterations and each candidate's training curve, and "Apply winner" (after a diff preview).
 * "RL Studio: Apply Evolved Reward" applies the winner of a saved evolution
 * (`.rl-studio/evolutions/<id>/evolution.json`).
 *
 * Webview security as the dashboard's: CSP default-src 'none', a nonce on the one script and the
 * one stylesheet, webview.cspSource for local files, localResourceRoots limited to dist/media and media.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { EvolveRewardRequest } from "../../../protocol/src/reward-design.js";
import type { CandidateResult, EvolutionResult } from "../../../runtime/src/reward-design/evolve.js";
import { errorText, type LlmFeature } from "./llm-feature.js";
import { componentsLabel, locateReward, positiveIntegerError } from "./reward-text.js";
import { experimentUri, previewAndApply, type RewardPreviews } from "./suggest-reward.js";
import { evolutionHtml } from "../../../media/src/evolution-page.js";
import { webviewResources } from "../webview-resources.js";
import { withCancellableProgress } from "../cancellable-progress.js";

export const EVOLUTION_VIEW_TYPE = "rlStudio.evolution";

/** Messages of the evolution page (media/src/evolution.ts). */
export type EvolutionToWebview = { type: "evolution"; evolution: EvolutionResult };
export type EvolutionFromWebview = { type: "ready" } | { type: "applyWinner" } | { type: "error"; message: string };

function isFromWebview(m: unknown): m is EvolutionFromWebview {
  const t = (m as { type?: unknown } | null)?.type;
  return t === "ready" || t === "applyWinner" || t === "error";
}

/** One line of progress for a `reward/evolveProgress` notification. */
export function evolveProgressMessage(p: Record<string, unknown> & { phase: string }): string {
  switch (p.phase) {
    case "designing":
      return `iteration ${String(p.iteration)}/${String(p.iterations)}: writing reward candidates…`;
    case "training":
      return `iteration ${String(p.iteration)} · candidate ${String(p.candidate)}/${String(p.candidates)} · step ${Number(p.globalStep).toLocaleString("en-US")}/${Number(p.budget).toLocaleString("en-US")}`;
    case "candidate-done": {
      const r = p.result as CandidateResult;
      return `candidate ${r.iteration}.${r.index} ${r.status}${r.fitness !== null ? ` · fitness ${r.fitness.toFixed(1)}` : ""}`;
    }
    case "iteration-done": {
      const best = p.best as CandidateResult | null;
      return `iteration ${String(p.iteration)} done${best?.fitness != null ? ` · best fitness ${best.fitness.toFixed(1)}` : ""}`;
    }
    default:
      return p.phase;
  }
}

export class EvolutionViews implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly feature: LlmFeature,
    private readonly previews: RewardPreviews,
  ) {}

  private get extensionUri(): vscode.Uri {
    return this.feature.ctx.extension.extensionUri;
  }

  /** "RL Studio: Evolve Reward" for the file `arg` (or the active one). */
  async evolve(arg: unknown): Promise<void> {
    const file = experimentUri(arg);
    if (!file) {
      void vscode.window.showWarningMessage("RL Studio: open an experiment file (*.rl.ts) to evolve its reward.");
      return;
    }
    if (!this.feature.ctx.checkTrusted("evolveReward")) return;
    const ask = async (prompt: string, value: string, max: number, optional = false) =>
      vscode.window.showInputBox({ title: "RL Studio: Evolve Reward", prompt, value, ignoreFocusOut: true, validateInput: (v) => positiveIntegerError(v, { max, optional }) });
    const k = await ask("Reward candidates per iteration (K)", "4", 16);
    if (k === undefined) return;
    const n = await ask("Iterations (N)", "3", 20);
    if (n === undefined) return;
    const budget = await ask("Training steps per candidate (empty: the experiment's totalTimesteps, at most 20,000)", "", 100_000_000, true);
    if (budget === undefined) return;
    const doc = await vscode.workspace.openTextDocument(file);
    if (doc.isDirty) await doc.save();
    const name = path.basename(file.fsPath);
    const K = Number(k.replace(/_/g, ""));
    const N = Number(n.replace(/_/g, ""));
    let evolution: EvolutionResult | undefined;
    try {
      evolution = await withCancellableProgress(`RL Studio: evolving the reward of ${name}`, async (progress, token) => {
        const total = K * N;
        const sub = this.feature.onEvolveProgress((p) => {
          progress.report({ message: evolveProgressMessage(p), ...(p.phase === "candidate-done" ? { increment: 100 / total } : {}) });
        });
        try {
          const c = await this.feature.connection();
          const params = { experimentPath: file.fsPath, candidates: K, iterations: N, ...(budget.trim() ? { budget: Number(budget.replace(/_/g, "")) } : {}) };
          return (await c.sendRequest(EvolveRewardRequest.type, params, token)) as unknown as EvolutionResult;
        } finally {
          sub.dispose();
        }
      });
    } catch (err) {
      await this.feature.reportLlmError("Evolve Reward", err);
      return;
    }
    if (!evolution) {
      void vscode.window.showInformationMessage("RL Studio: evolution cancelled; the candidates trained so far are saved under .rl-studio/evolutions.");
      return;
    }
    this.feature.ctx.log.appendLine(`[llm] evolution ${evolution.id}: ${evolution.candidates.length} candidates, best fitness ${evolution.best?.fitness ?? "none"}, ${evolution.wallSeconds.toFixed(0)} s → ${evolution.dir}`);
    this.show(evolution);
  }

  /** Open (or refresh) the page of an evolution. */
  show(evolution: EvolutionResult): void {
    const existing = this.panels.get(evolution.dir);
    if (existing) {
      existing.reveal();
      void existing.webview.postMessage({ type: "evolution", evolution } satisfies EvolutionToWebview);
      return;
    }
    const panel = vscode.window.createWebviewPanel(EVOLUTION_VIEW_TYPE, `Evolution ${evolution.id}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "dist", "media"), vscode.Uri.joinPath(this.extensionUri, "media")],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "rl-studio.svg");
    panel.webview.html = this.html(panel.webview, evolution.id);
    this.panels.set(evolution.dir, panel);
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isFromWebview(m)) return;
      if (m.type === "ready") void panel.webview.postMessage({ type: "evolution", evolution } satisfies EvolutionToWebview);
      else if (m.type === "applyWinner") await this.applyWinner(evolution);
      else this.feature.ctx.log.appendLine(`[evolution page] ${m.message}`);
    });
    panel.onDidDispose(() => this.panels.delete(evolution.dir));
  }

  /** Apply the best candidate's code to the experiment file, after a diff preview. */
  async applyWinner(evolution: EvolutionResult): Promise<void> {
    const best = evolution.best;
    if (!best) {
      void vscode.window.showWarningMessage(`RL Studio: evolution ${evolution.id} has no trained candidate to apply.`);
      return;
    }
    const file = vscode.Uri.file(evolution.experimentPath);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const text = doc.getText();
      const location = locateReward(text);
      if (!location) throw new Error(`${path.basename(file.fsPath)} has no defineExperiment({ env, … }) object to put a reward in`);
      await previewAndApply(this.previews, file, text, location.range, best.code, `${componentsLabel(best.components)} (fitness ${best.fitness?.toFixed(1) ?? "n/a"})`);
    } catch (err) {
      void vscode.window.showErrorMessage(`RL Studio: applying the evolved reward failed: ${errorText(err)}`);
    }
  }

  /** "RL Studio: Apply Evolved Reward": pick a saved evolution (newest first) and apply its winner. */
  async applyEvolved(arg: unknown): Promise<void> {
    const dirs = typeof arg === "string" && arg ? [arg] : evolutionDirs();
    const evolutions = dirs.flatMap((dir) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(dir, "evolution.json"), "utf8")) as EvolutionResult];
      } catch {
        return [];
      }
    });
    if (evolutions.length === 0) {
      void vscode.window.showInformationMessage("RL Studio: no saved evolution (.rl-studio/evolutions) — run Evolve Reward first.");
      return;
    }
    const picked =
      evolutions.length === 1
        ? evolutions[0]
        : (
            await vscode.window.showQuickPick(
              evolutions.map((e) => ({
                label: e.id,
                description: `${path.basename(e.experimentPath)} · ${e.status}`,
                detail: e.best ? `winner: ${componentsLabel(e.best.components)} · fitness ${e.best.fitness?.toFixed(1) ?? "n/a"}` : "no trained candidate",
                e,
              })),
              { placeHolder: "Evolution whose winning reward to apply" },
            )
          )?.e;
    if (!picked) return;
    this.show(picked);
    await this.applyWinner(picked);
  }

  private html(webview: vscode.Webview, id: string): string {
    return evolutionHtml({ ...webviewResources(webview, this.extensionUri, "evolution"), title: `Evolution ${escapeHtml(id)}` });
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Saved evolution folders of every workspace folder, newest first. */
function evolutionDirs(): string[] {
  const dirs: { dir: string; mtime: number }[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = path.join(folder.uri.fsPath, ".rl-studio", "evolutions");
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) {
      const file = path.join(root, name, "evolution.json");
      if (fs.existsSync(file)) dirs.push({ dir: path.join(root, name), mtime: fs.statSync(file).mtimeMs });
    }
  }
  return dirs.sort((a, b) => b.mtime - a.mtime).map((d) => d.dir);
}
