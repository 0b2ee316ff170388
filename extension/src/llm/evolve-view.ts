/**
 * "RL Studio: Evolve Reward" (Eureka, Ma et al. 2023: sample K rewards, train each briefly, keep
 * the best by the task's own fitness, reflect, repeat N times) and its page, a live dashboard of
 * the evolution: it opens when the runtime reports "started", gains a row as each candidate
 * finishes (the best so far marked, the fitness curve growing, Apply disabled while it runs), and
 * shows the saved evolution.json when it ends — completed, cancelled or failed. The events are
 * merged into the page's model by the pure functions of media/src/evolution-page.ts.
 * "RL Studio: Open Evolution" opens the page of a saved evolution (`.rl-studio/evolutions/<id>/
 * evolution.json`) without applying anything; "Apply winner" on the page previews the diff first.
 * "RL Studio: Apply Evolved Reward" opens it and goes straight to the winner's preview.
 * The pages come back after a window reload (a WebviewPanelSerializer, as the dashboard's and the
 * explanation's): each is restored from the folder in its saved state, with evolution.json read again.
 *
 * Webview security as the dashboard's: CSP default-src 'none', a nonce on the one script and the
 * one stylesheet, webview.cspSource for local files, localResourceRoots limited to dist/media and media.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage, showWarningMessage } from "../notify.js";
import { CheckRewardRequest, EvolveRewardRequest, type EvolveRewardProgress, type EvolveRewardResult as EvolutionResult } from "../../../protocol/src/reward-design.js";
import { isEvolutionFromWebview, type EvolutionToWebview } from "../../../protocol/src/webview.js";
import { effectiveEvolution, EVOLUTIONS_DIR } from "../../../runtime/src/reward-design/evolution-status.js";
import { errorText, type LlmFeature } from "./llm-feature.js";
import { findRewardProperty } from "../../../common/src/experiment-object.js";
import { componentsLabel, evolvedRewardTargetError, positiveIntegerError } from "./reward-text.js";
import { experimentUri, previewAndApply, type RewardPreviews } from "./suggest-reward.js";
import { workspaceWriteError } from "../workspace-paths.js";
import {
  evolutionHtml,
  evolutionPickItem,
  finishModel,
  mergeProgress,
  modelFromEvolution,
  restoredModel,
  type EvolutionPageModel,
} from "../../../media/src/evolution-page.js";
import { webviewResources } from "../webview-resources.js";
import { withCancellableProgress } from "../cancellable-progress.js";

export const EVOLUTION_VIEW_TYPE = "rlStudio.evolution";
export const OPEN_EVOLUTION_COMMAND = "rlStudio.openEvolution";

/** One line of progress for a `reward/evolveProgress` notification. */
export function evolveProgressMessage(p: EvolveRewardProgress): string {
  switch (p.phase) {
    case "started":
      return `started ${p.id}`;
    case "designing":
      return `iteration ${p.iteration}/${p.iterations}: writing reward candidates…`;
    case "training":
      return `iteration ${p.iteration} · candidate ${p.candidate}/${p.candidates} · step ${p.globalStep.toLocaleString("en-US")}/${p.budget.toLocaleString("en-US")}`;
    case "candidate-done": {
      const r = p.result;
      return `candidate ${r.iteration}.${r.index} ${r.status}${r.fitness !== null ? ` · fitness ${r.fitness.toFixed(1)}` : ""}`;
    }
    case "iteration-done":
      return `iteration ${p.iteration} done${p.best?.fitness != null ? ` · best fitness ${p.best.fitness.toFixed(1)}` : ""}`;
    default:
      // A phase a newer runtime sends: its name.
      return (p as { phase: string }).phase;
  }
}

/** One evolution page; `model` is what it shows now (live or saved). */
interface EvolutionPanel {
  panel: vscode.WebviewPanel;
  model: EvolutionPageModel;
}

export class EvolutionViews implements vscode.Disposable {
  /** Open pages by evolution folder. */
  private readonly panels = new Map<string, EvolutionPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The folder of the evolution this window is running (one at a time: progress events carry no id). */
  private running: { dir: string | null } | null = null;

  constructor(
    private readonly feature: LlmFeature,
    private readonly previews: RewardPreviews,
  ) {
    // Registered here (index.ts registers the others) so the command and its pages live together.
    this.disposables.push(
      vscode.commands.registerCommand(OPEN_EVOLUTION_COMMAND, async (arg: unknown) => {
        try {
          await this.openEvolution(arg);
        } catch (err) {
          this.feature.ctx.log.appendLine(`[llm] Open Evolution: ${errorText(err)}`);
          void showErrorMessage(`RL Studio: Open Evolution failed: ${errorText(err)}`);
        }
      }),
      // Pages open before a reload come back (package.json activates on onWebviewPanel:rlStudio.evolution).
      vscode.window.registerWebviewPanelSerializer(EVOLUTION_VIEW_TYPE, this.serializer()),
    );
  }

  private get extensionUri(): vscode.Uri {
    return this.feature.ctx.extension.extensionUri;
  }

  /** "RL Studio: Evolve Reward" for the file `arg` (or the active one). */
  async evolve(arg: unknown): Promise<void> {
    const file = experimentUri(arg);
    if (!file) {
      void showWarningMessage("RL Studio: open an experiment file (*.rl.ts) to evolve its reward.");
      return;
    }
    if (!this.feature.ctx.checkTrusted("evolveReward")) return;
    if (this.running) {
      const panel = this.running.dir ? this.panels.get(this.running.dir) : undefined;
      panel?.panel.reveal();
      void showWarningMessage("RL Studio: an evolution is already running; cancel it (its progress notification) or wait for it to end.");
      return;
    }
    const ask = async (prompt: string, value: string, max: number, optional = false) =>
      vscode.window.showInputBox({ title: "RL Studio: Evolve Reward", prompt, value, ignoreFocusOut: true, validateInput: (v) => positiveIntegerError(v, { max, optional }) });
    const k = await ask("Reward candidates per iteration (K)", "4", 16);
    if (k === undefined) return;
    const n = await ask("Iterations (N)", "3", 20);
    if (n === undefined) return;
    const budget = await ask("Training steps per candidate (empty: the experiment's totalTimesteps, at most 20,000)", "", 100_000_000, true);
    if (budget === undefined) return;
    if (this.running) return void showWarningMessage("RL Studio: an evolution is already running.");
    const doc = await vscode.workspace.openTextDocument(file);
    if (doc.isDirty) await doc.save();
    const name = path.basename(file.fsPath);
    const K = Number(k.replace(/_/g, ""));
    const N = Number(n.replace(/_/g, ""));
    const running: { dir: string | null } = { dir: null };
    this.running = running;
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    /** The live page's model, from the progress events (null until "started"). */
    let live: EvolutionPageModel | null = null;
    let evolution: EvolutionResult | undefined;
    let failure: unknown;
    try {
      evolution = await withCancellableProgress(`RL Studio: evolving the reward of ${name}`, async (progress, token) => {
        const total = K * N;
        const sub = this.feature.onEvolveProgress((p) => {
          progress.report({ message: evolveProgressMessage(p), ...(p.phase === "candidate-done" ? { increment: 100 / total } : {}) });
          const next = mergeProgress(live, p, elapsed());
          if (!next) return;
          const opened = live === null;
          live = next;
          running.dir = next.dir;
          // Opened on "started"; once the user closes it, it stays closed (Open Evolution shows it again).
          if (!opened && !this.panels.has(next.dir)) return;
          if (p.phase === "training") this.postActivity(next);
          else this.open(next, { preserveFocus: true, reveal: opened });
        });
        try {
          const c = await this.feature.connection();
          const params = { experimentPath: file.fsPath, candidates: K, iterations: N, ...(budget.trim() ? { budget: Number(budget.replace(/_/g, "")) } : {}) };
          return await c.sendRequest(EvolveRewardRequest.type, params, token);
        } finally {
          sub.dispose();
        }
      });
    } catch (err) {
      failure = err;
    } finally {
      this.running = null;
    }
    // The page ends on the saved result (every candidate the runtime recorded), however it ended.
    const saved = evolution ?? (running.dir ? readEvolution(running.dir) : null);
    const final = finishModel(live, saved, failure !== undefined ? { status: "failed", error: errorText(failure) } : { status: evolution && evolution.status !== "running" ? evolution.status : "cancelled" });
    if (final && this.panels.has(final.dir)) this.open(final, { preserveFocus: true, reveal: false });
    if (failure !== undefined) {
      await this.feature.reportLlmError("Evolve Reward", failure);
      return;
    }
    if (!evolution || evolution.status === "cancelled") {
      void showInformationMessage("RL Studio: evolution cancelled; the candidates trained so far are saved under .rl-studio/evolutions (RL Studio: Open Evolution shows them).");
      return;
    }
    this.feature.ctx.log.appendLine(`[llm] evolution ${evolution.id}: ${evolution.candidates.length} candidates, best fitness ${evolution.best?.fitness ?? "none"}, ${evolution.wallSeconds.toFixed(0)} s → ${evolution.dir}`);
  }

  /** Open (or refresh) the page of an evolution with `model`. */
  open(model: EvolutionPageModel, o: { preserveFocus?: boolean; reveal?: boolean } = {}): void {
    const existing = this.panels.get(model.dir);
    if (existing) {
      existing.model = model;
      if (o.reveal ?? true) existing.panel.reveal(undefined, o.preserveFocus ?? false);
      void existing.panel.webview.postMessage({ type: "evolution", model } satisfies EvolutionToWebview);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EVOLUTION_VIEW_TYPE,
      `Evolution ${model.id}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: o.preserveFocus ?? false },
      { ...this.webviewOptions(), retainContextWhenHidden: true },
    );
    this.attach(panel, model);
  }

  /** The webview options of every page, created or restored (retainContextWhenHidden is the panel's, kept by VS Code on restore). */
  private webviewOptions(): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "dist", "media"), vscode.Uri.joinPath(this.extensionUri, "media")],
    };
  }

  /** Make `panel` (new, or restored after a reload) the page of `model`: HTML, messages, and its place in `panels`. */
  private attach(panel: vscode.WebviewPanel, model: EvolutionPageModel): void {
    panel.title = `Evolution ${model.id}`;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "rl-studio.svg");
    panel.webview.html = this.html(panel.webview, model.id);
    const entry: EvolutionPanel = { panel, model };
    this.panels.set(model.dir, entry);
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isEvolutionFromWebview(m)) return;
      if (m.type === "ready") void panel.webview.postMessage({ type: "evolution", model: entry.model } satisfies EvolutionToWebview);
      else if (m.type === "applyWinner") await this.applyWinner(entry.model);
      else this.feature.ctx.log.appendLine(`[evolution page] ${m.message}`);
    });
    panel.onDidDispose(() => {
      if (this.panels.get(model.dir) === entry) this.panels.delete(model.dir);
    });
  }

  /**
   * Restores the pages open before a window reload, from the state each page keeps (its model, the
   * evolution folder in it): evolution.json is read again, so a page whose evolution ended since
   * shows the final result; without a readable file it shows the saved model (a live one as
   * interrupted: the reload ended its request). A page with no usable state, or one of an
   * evolution already open, is closed.
   */
  serializer(): vscode.WebviewPanelSerializer<unknown> {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const model = restoredModel(state, (dir) => savedEvolutions([dir])[0] ?? null);
        if (!model || this.panels.has(model.dir)) {
          panel.dispose();
          return;
        }
        this.attach(panel, model);
      },
    };
  }

  /** A training step: only the activity line of the live page changes. */
  private postActivity(model: EvolutionPageModel): void {
    const entry = this.panels.get(model.dir);
    if (!entry) return;
    entry.model = model;
    void entry.panel.webview.postMessage({ type: "activity", activity: model.activity, wallSeconds: model.wallSeconds } satisfies EvolutionToWebview);
  }

  /** Open the page of a saved evolution (the live page instead while that evolution runs here). */
  show(evolution: EvolutionResult): void {
    const existing = this.panels.get(evolution.dir);
    if (existing && existing.model.status === "running") {
      existing.panel.reveal();
      return;
    }
    this.open(modelFromEvolution(evolution));
  }

  /**
   * Apply the best candidate to the experiment file, after a diff preview. Only in a trusted
   * workspace, and only what the runtime makes of the winner's components after validating them
   * again (CheckRewardRequest): evolution.json is a file on disk like any other, so its `code` is
   * never written as it stands.
   */
  async applyWinner(evolution: Pick<EvolutionPageModel, "id" | "best" | "experimentPath"> & { status?: string }): Promise<void> {
    if (!this.feature.ctx.checkTrusted("applyEvolvedReward")) return;
    if (evolution.status === "running") {
      void showWarningMessage(`RL Studio: evolution ${evolution.id} is still running; apply its winner when it ends.`);
      return;
    }
    const best = evolution.best;
    if (!best) {
      void showWarningMessage(`RL Studio: evolution ${evolution.id} has no trained candidate to apply.`);
      return;
    }
    // evolution.json names the file to edit: only an experiment file inside the workspace.
    // (`??`: the workspace check sees only a well-formed path.)
    const refused = evolvedRewardTargetError(evolution.experimentPath) ?? workspaceWriteError(vscode.Uri.file(evolution.experimentPath));
    if (refused) {
      void showErrorMessage(`RL Studio: the winner of evolution ${evolution.id} was not applied: ${refused}.`);
      return;
    }
    const file = vscode.Uri.file(evolution.experimentPath);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const text = doc.getText();
      const location = findRewardProperty(text);
      if (!location) throw new Error(`${path.basename(file.fsPath)} has no defineExperiment({ env, … }) object to put a reward in`);
      const c = await this.feature.connection();
      const checked = await c.sendRequest(CheckRewardRequest.type, { experimentPath: file.fsPath, sourceText: text, components: best.components });
      if (!checked.ok) {
        void showErrorMessage(`RL Studio: the winner of evolution ${evolution.id} did not pass validation again, so nothing was applied: ${checked.reason}`);
        return;
      }
      await previewAndApply(this.previews, file, text, location.range, checked.code, `${componentsLabel(best.components)} (fitness ${best.fitness?.toFixed(1) ?? "n/a"})`);
    } catch (err) {
      void showErrorMessage(`RL Studio: applying the evolved reward failed: ${errorText(err)}`);
    }
  }

  /**
   * The saved evolution `arg` names (its folder), or one the user picks from every saved
   * evolution, newest first; `pickSingle`: a lone saved evolution is taken without asking.
   * Undefined when there is none (said so) or the pick was dismissed.
   */
  private async pickEvolution(
    arg: unknown,
    pick: { title?: string; placeHolder: string; pickSingle: boolean; item: (e: EvolutionResult) => vscode.QuickPickItem },
  ): Promise<EvolutionResult | undefined> {
    const named = typeof arg === "string" && arg ? arg : null;
    const evolutions = savedEvolutions(named ? [named] : evolutionDirs());
    if (evolutions.length === 0) {
      void showInformationMessage("RL Studio: no saved evolution (.rl-studio/evolutions) — run Evolve Reward first.");
      return undefined;
    }
    if (named || (pick.pickSingle && evolutions.length === 1)) return evolutions[0];
    const picked = await vscode.window.showQuickPick(
      evolutions.map((e) => ({ ...pick.item(e), e })),
      { ...(pick.title ? { title: pick.title } : {}), placeHolder: pick.placeHolder, matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.e;
  }

  /** "RL Studio: Open Evolution": pick a saved evolution (newest first) and open its page; nothing is applied. */
  async openEvolution(arg: unknown): Promise<void> {
    const picked = await this.pickEvolution(arg, { title: "RL Studio: Open Evolution", placeHolder: "Saved evolution to open (newest first)", pickSingle: false, item: evolutionPickItem });
    if (picked) this.show(picked);
  }

  /** "RL Studio: Apply Evolved Reward": pick a saved evolution (newest first), open its page and preview its winner. */
  async applyEvolved(arg: unknown): Promise<void> {
    const picked = await this.pickEvolution(arg, {
      placeHolder: "Evolution whose winning reward to apply",
      pickSingle: true,
      item: (e) => ({
        label: e.id,
        description: `${path.basename(e.experimentPath)} · ${e.status}`,
        detail: e.best ? `winner: ${componentsLabel(e.best.components)} · fitness ${e.best.fitness?.toFixed(1) ?? "n/a"}` : "no trained candidate",
      }),
    });
    if (!picked) return;
    this.show(picked);
    await this.applyWinner(picked);
  }

  private html(webview: vscode.Webview, id: string): string {
    return evolutionHtml({ ...webviewResources(webview, this.extensionUri, "evolution"), title: `Evolution ${escapeHtml(id)}` });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
  }
}

/** evolution.json of `dir`, or null when it is missing or unreadable. */
function readEvolution(dir: string): EvolutionResult | null {
  try {
    // A "running" file whose runtime is gone is shown as interrupted, never as still running.
    return effectiveEvolution(JSON.parse(fs.readFileSync(path.join(dir, "evolution.json"), "utf8")) as EvolutionResult);
  } catch {
    return null;
  }
}

/** The readable evolutions of `dirs`, in their order. */
function savedEvolutions(dirs: string[]): EvolutionResult[] {
  return dirs.flatMap((dir) => {
    const e = readEvolution(dir);
    return e && Array.isArray(e.candidates) ? [e] : [];
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Saved evolution folders of every workspace folder, newest first. */
function evolutionDirs(): string[] {
  const dirs: { dir: string; mtime: number }[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = path.join(folder.uri.fsPath, EVOLUTIONS_DIR);
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) {
      const file = path.join(root, name, "evolution.json");
      if (fs.existsSync(file)) dirs.push({ dir: path.join(root, name), mtime: fs.statSync(file).mtimeMs });
    }
  }
  return dirs.sort((a, b) => b.mtime - a.mtime).map((d) => d.dir);
}
