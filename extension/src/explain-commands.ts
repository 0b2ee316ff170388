/**
 * Policy explanations in the editor: `rlStudio.explain` (the Explain code lens, Runs view, palette) asks the
 * runtime to measure a run's policy (`runtime/explain`, with progress and cancel), and
 * `rlStudio.openExplanation` (the hovers' "Open explanation" link) opens a run's saved
 * explanation.json in its panel. Registered by `registerExplain`, which owns the panels.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage } from "./notify.js";
import { ExplainProgressNotification, ExplainRequest, isTextPolicyExplanation, type Explanation, type ExplainProgress } from "../../protocol/src/explain.js";
import * as config from "./config.js";
import type { Ctx } from "./ctx.js";
import { EXPLAIN_VIEW_TYPE, ExplainPanels } from "./explain-panel.js";
import { chooseRunForExperiment, explainPercent, explainProgressMessage, findRunDir, readExplanationFile, runDirArgument } from "./explain-runs.js";
import type { RunsTreeNode } from "./runs-tree.js";
import { withCancellableProgress } from "./cancellable-progress.js";
import { CodeLensCommands, OPEN_EXPLANATION_COMMAND } from "../../protocol/src/language-server.js";

const EXPLAIN_COMMAND = CodeLensCommands.explain;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sends `runtime/explain` and routes its progress notifications to the caller that asked. */
class ExplainClient implements vscode.Disposable {
  private readonly listeners = new Map<string, (p: ExplainProgress) => void>();
  /** One request per run folder at a time: asking again while it runs joins the running one. */
  private readonly inFlight = new Map<string, Promise<Explanation>>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.runtime.onNotification(ExplainProgressNotification.type, (p) => {
      if (p.requestId !== undefined) this.listeners.get(p.requestId)?.(p);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  explain(runDir: string, episodes: number | undefined, token: vscode.CancellationToken, onProgress: (p: ExplainProgress) => void): Promise<Explanation> {
    const running = this.inFlight.get(runDir);
    if (running) return running;
    const request = this.send(runDir, episodes, token, onProgress).finally(() => this.inFlight.delete(runDir));
    this.inFlight.set(runDir, request);
    return request;
  }

  private async send(runDir: string, episodes: number | undefined, token: vscode.CancellationToken, onProgress: (p: ExplainProgress) => void): Promise<Explanation> {
    const c = await this.ctx.runtime.ensureStarted();
    const requestId = randomUUID();
    this.listeners.set(requestId, onProgress);
    try {
      // The token makes vscode-jsonrpc send $/cancelRequest; the runtime aborts between episodes and saves nothing.
      return await c.sendRequest(ExplainRequest.type, { runDir, requestId, backend: config.backend(), ...(episodes !== undefined ? { episodes } : {}) }, token);
    } finally {
      this.listeners.delete(requestId);
    }
  }
}

export class ExplainController implements vscode.Disposable {
  readonly panels: ExplainPanels;
  private readonly client: ExplainClient;

  constructor(private readonly ctx: Ctx) {
    this.client = new ExplainClient(ctx);
    this.panels = new ExplainPanels({
      extensionUri: ctx.extension.extensionUri,
      log: ctx.log,
      explainAgain: (runDir, episodes, onProgress) => this.explainWithProgress(runDir, episodes, onProgress),
      findRunDir: (runId) => findRunDir(config.allRunsRoots(), runId),
    });
  }

  /** True when explaining may run here; otherwise says why (as Train does). */
  checkTrusted(): boolean {
    return this.ctx.checkTrusted("explain");
  }

  /**
   * Explain the run at `runDir` under a cancellable progress notification; `onProgress` also gets
   * each report (the panel's own progress bar). Undefined when cancelled or refused.
   */
  async explainWithProgress(runDir: string, episodes?: number, onProgress?: (p: ExplainProgress) => void): Promise<Explanation | undefined> {
    if (!this.checkTrusted()) return undefined;
    const runId = path.basename(runDir);
    const explanation = await withCancellableProgress(`Explaining ${runId}`, async (progress, token) => {
      let reported = 0;
      return this.client.explain(runDir, episodes, token, (p) => {
        const percent = explainPercent(p);
        progress.report({ increment: Math.max(0, percent - reported), message: explainProgressMessage(p) });
        reported = Math.max(reported, percent);
        onProgress?.(p);
      });
    });
    this.ctx.log.appendLine(
      explanation
        ? `[client] explained ${runId}: ${
            isTextPolicyExplanation(explanation)
              ? `${explanation.facts.episodes} greedy evaluation episodes of the LLM policy`
              : `${explanation.facts.deterministic.episodes} + ${explanation.facts.stochastic.episodes} evaluation episodes`
          }`
        : `[client] explaining ${runId} cancelled`,
    );
    return explanation;
  }

  /** `rlStudio.explain`: the run (given, or the newest of the experiment file), explained and shown. */
  async explain(arg: unknown): Promise<void> {
    // Refuse before choosing a run: otherwise an untrusted workspace could be offered "Train" first.
    if (!this.checkTrusted()) return;
    const run = await this.targetRun(arg);
    if (!run) return;
    const explanation = await this.explainWithProgress(run.runDir);
    if (explanation) this.panels.show(run.runDir, run.runId, explanation);
  }

  /** `rlStudio.openExplanation`: the saved explanation of the run at the argument's folder. */
  async open(arg: unknown): Promise<void> {
    const runDir = typeof arg === "object" && arg !== null && (arg as RunsTreeNode).kind === "run" ? this.ctx.model.get((arg as { runId: string }).runId)?.summary.runDir : runDirArgument(arg);
    if (!runDir) throw new Error(`expected a run folder (as the hover's "Open explanation" link gives), got ${JSON.stringify(arg)}`);
    const runId = path.basename(runDir);
    const explanation = await readExplanationFile(runDir);
    if (explanation) {
      this.panels.show(runDir, runId, explanation);
      return;
    }
    const pick = await showInformationMessage(`RL Studio: run ${runId} has not been explained yet.`, "Explain now");
    if (pick !== "Explain now") return;
    const fresh = await this.explainWithProgress(runDir);
    if (fresh) this.panels.show(runDir, runId, fresh);
  }

  /** The run a `rlStudio.explain` argument names: a Runs-view node, or an experiment file (URI string, Uri, or the active editor). */
  private async targetRun(arg: unknown): Promise<{ runDir: string; runId: string } | undefined> {
    if (typeof arg === "object" && arg !== null && (arg as RunsTreeNode).kind === "run") {
      const entry = this.ctx.model.get((arg as { runId: string }).runId);
      if (!entry) throw new Error(`run ${(arg as { runId: string }).runId} is no longer listed: refresh the Runs view`);
      return { runDir: entry.summary.runDir, runId: entry.summary.runId };
    }
    const file = experimentUri(arg);
    if (!file) throw new Error("open an experiment file (*.rl.ts) first, or use its Explain code lens or a run in the Runs view");
    await this.ctx.loadRuns();
    const run = chooseRunForExperiment(
      this.ctx.model.all().map((e) => e.summary),
      file.fsPath,
    );
    if (run) return { runDir: run.runDir, runId: run.runId };
    const name = path.basename(file.fsPath);
    const pick = await showInformationMessage(
      `RL Studio: ${name} has no trained run to explain yet. Train it first (its Train code lens); the explanation measures the trained policy.`,
      "Train",
    );
    if (pick === "Train") await vscode.commands.executeCommand(CodeLensCommands.train, file);
    return undefined;
  }

  dispose(): void {
    this.client.dispose();
    this.panels.dispose();
  }
}

function experimentUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string") return arg.includes("://") ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.fsPath.endsWith(".rl.ts") ? doc.uri : undefined;
}

/** Wraps a command so a failure becomes a visible error with the log one click away. */
function guarded(ctx: Ctx, name: string, f: (arg: unknown) => Promise<void>): (arg: unknown) => Promise<void> {
  return async (arg: unknown) => {
    try {
      await f(arg);
    } catch (err) {
      ctx.log.appendLine(`[client] ${name}: ${errorText(err)}`);
      const pick = await showErrorMessage(`RL Studio: ${name} failed: ${errorText(err)}`, "Show Log");
      if (pick) ctx.log.show(true);
    }
  };
}

/** The explanation commands, the panels and their serializer; all disposed with the extension. */
export function registerExplain(ctx: Ctx): vscode.Disposable[] {
  const controller = new ExplainController(ctx);
  return [
    controller,
    vscode.commands.registerCommand(EXPLAIN_COMMAND, guarded(ctx, "Explain", (arg) => controller.explain(arg))),
    vscode.commands.registerCommand(OPEN_EXPLANATION_COMMAND, guarded(ctx, "Open Explanation", (arg) => controller.open(arg))),
    vscode.window.registerWebviewPanelSerializer(EXPLAIN_VIEW_TYPE, controller.panels.serializer()),
  ];
}
