/** Command implementations (category "RL Studio"); declared in package.json `contributes.commands`. */
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage, showWarningMessage } from "./notify.js";
import { BACKEND_NAMES } from "../../protocol/src/runtime.js";
import { CodeLensCommands } from "../../protocol/src/language-server.js";
import { BACKEND_DOCS } from "./backend-docs.js";
import * as config from "./config.js";
import type { Ctx } from "./ctx.js";
import { evalPrior } from "./prior-command.js";
import { canResume, type RunEntry } from "./runs-model.js";
import type { RunsTreeNode } from "./runs-tree.js";
import { renderTemplate, TEMPLATES, validateExperimentName } from "./templates.js";

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps a command so a failure becomes a visible error with the log one click away. */
function guarded<A extends unknown[]>(ctx: Ctx, name: string, f: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await f(...args);
    } catch (err) {
      ctx.log.appendLine(`[client] ${name}: ${errorText(err)}`);
      const pick = await showErrorMessage(`RL Studio: ${name} failed: ${errorText(err)}`, "Show Log");
      if (pick) ctx.log.show(true);
    }
  };
}

/** The experiment file a command targets: its argument (Uri or URI string, e.g. from the code lens) or the active editor. */
function experimentUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string") return arg.includes("://") ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.fsPath.endsWith(".rl.ts") ? doc.uri : undefined;
}

/** The run a command targets: a Runs-view node, a run id, or a pick among `filter`ed runs. */
async function pickRun(ctx: Ctx, arg: unknown, filter: (e: RunEntry) => boolean, placeHolder: string): Promise<RunEntry | undefined> {
  if (arg && typeof arg === "object" && (arg as RunsTreeNode).kind === "run") return ctx.model.get((arg as { runId: string }).runId);
  if (typeof arg === "string") return ctx.model.get(arg);
  await ctx.loadRuns();
  const candidates = ctx.model.all().filter(filter);
  if (candidates.length === 0) {
    void showInformationMessage(`RL Studio: no run to choose from (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((e) => ({ label: e.summary.runId, description: `${e.summary.state} · step ${e.summary.globalStep.toLocaleString("en-US")}`, entry: e })),
    { placeHolder },
  );
  return picked?.entry;
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  const reg = (id: string, title: string, f: (...args: never[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, guarded(ctx, title, f as (...args: unknown[]) => Promise<unknown>));
  return [
    reg("rlStudio.newExperiment", "New Experiment", async () => {
      const template = await vscode.window.showQuickPick(
        TEMPLATES.map((t) => ({ label: t.label, detail: t.detail, template: t })),
        { placeHolder: "Environment for the new experiment" },
      );
      if (!template) return;
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) throw new Error("open a folder first: the experiment file and its runs live in the workspace");
      const name = await vscode.window.showInputBox({
        prompt: "Experiment name (the file is <name>.rl.ts)",
        value: template.template.defaultName,
        validateInput: (v) => validateExperimentName(v) ?? (existsSync(vscode.Uri.joinPath(folder.uri, `${v}.rl.ts`)) ? `${v}.rl.ts already exists` : null),
      });
      if (!name) return;
      const uri = vscode.Uri.joinPath(folder.uri, `${name}.rl.ts`);
      const example = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ctx.extension.extensionUri, "examples", template.template.file));
      await vscode.workspace.fs.writeFile(uri, Buffer.from(renderTemplate(Buffer.from(example).toString("utf8"), name), "utf8"));
      await vscode.window.showTextDocument(uri);
    }),
    reg(CodeLensCommands.train, "Train Experiment", async (arg?: unknown) => {
      // Not disabled by `enablement` (the palette and the Train lens would then silently do nothing): refused here, saying why.
      if (!ctx.checkTrusted("train")) return;
      const uri = experimentUri(arg);
      if (!uri) throw new Error("open an experiment file (*.rl.ts) first, or run Train from its Train code lens");
      await ctx.train(uri);
    }),
    reg(CodeLensCommands.evalPrior, "Zero-shot Prior", async (arg?: unknown) => {
      const uri = experimentUri(arg);
      if (!uri) throw new Error('open a TWOSOME experiment file (*.rl.ts with algorithm: "twosome") first');
      await evalPrior(ctx, uri);
    }),
    reg("rlStudio.stopRun", "Stop Run", async (arg?: unknown) => {
      // Any running run: this runtime's own, or one a terminal (`npx rl-studio train`) trains.
      const run = await pickRun(ctx, arg, (e) => e.summary.state === "running", "Run to stop");
      if (run) await ctx.stopRun(run.summary.runId, run.summary.runDir);
    }),
    reg("rlStudio.resumeRun", "Resume Run", async (arg?: unknown) => {
      if (!ctx.checkTrusted("resume")) return;
      // Unconfirmed "running" runs too: the runtime then asks for Resume Anyway (ctx.resume).
      const run = await pickRun(ctx, arg, (e) => canResume(e.summary), "Run to resume");
      if (run && (await ctx.resume(run.summary.runDir))) ctx.dashboard.show([run.summary.runId]);
    }),
    reg("rlStudio.openDashboard", "Open Dashboard", async () => ctx.dashboard.show(ctx.model.live().map((e) => e.summary.runId))),
    reg("rlStudio.openRunInDashboard", "Open in Dashboard", async (arg?: unknown) => {
      const run = await pickRun(ctx, arg, () => true, "Run to show");
      if (run) ctx.dashboard.show([run.summary.runId]);
    }),
    reg("rlStudio.compareRuns", "Compare Runs", async () => {
      await ctx.loadRuns();
      const picks = await vscode.window.showQuickPick(
        ctx.model.all().map((e) => ({ label: e.summary.runId, description: `${e.summary.envId} · ${e.summary.state}`, runId: e.summary.runId })),
        { canPickMany: true, placeHolder: "Runs to overlay in the dashboard" },
      );
      if (picks && picks.length > 0) ctx.dashboard.show(picks.map((p) => p.runId));
    }),
    reg("rlStudio.showRuntimeLog", "Show Runtime Log", async () => ctx.log.show(true)),
    reg("rlStudio.restartRuntime", "Restart Runtime", async () => {
      await ctx.runtime.restart();
      await ctx.loadRuns();
    }),
    reg("rlStudio.refreshRuns", "Refresh Runs", async () => ctx.tree.refresh()),
    reg("rlStudio.selectBackend", "Select Backend", async () => {
      const current = config.backend();
      const picked = await vscode.window.showQuickPick(
        BACKEND_NAMES.map((b) => ({ label: b, description: b === current ? "current" : undefined, detail: BACKEND_DOCS[b] })),
        { placeHolder: "Tensor backend for new and resumed runs" },
      );
      if (picked) await config.setBackend(picked.label);
    }),
    reg("rlStudio.revealRunFolder", "Reveal Run Folder", async (arg?: unknown) => {
      const run = await pickRun(ctx, arg, () => true, "Run folder to reveal");
      if (run) await vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(run.summary.runDir));
    }),
    reg("rlStudio.deleteRun", "Delete Run", async (arg?: unknown) => {
      const run = await pickRun(ctx, arg, (e) => e.summary.state !== "running", "Run to delete");
      if (!run) return;
      if (run.summary.state === "running") throw new Error(`${run.summary.runId} is training: stop it before deleting it`);
      const yes = await showWarningMessage(
        `Delete run ${run.summary.runId}? Its folder (metrics, episodes, checkpoint) is moved to the trash.`,
        { modal: true },
        "Delete",
      );
      if (yes !== "Delete") return;
      const folder = vscode.Uri.file(run.summary.runDir);
      try {
        await vscode.workspace.fs.delete(folder, { recursive: true, useTrash: true });
      } catch (err) {
        // Remote file systems (SSH, WSL, containers, code-server in a browser) have no trash: the
        // first question promised one, so ask again before deleting for good.
        ctx.log.appendLine(`[client] Delete Run: moving ${run.summary.runDir} to the trash failed: ${errorText(err)}`);
        const permanently = await showWarningMessage(
          `The trash is not available for this workspace's files (a remote or browser file system has none). Delete run ${run.summary.runId} permanently? This cannot be undone.`,
          { modal: true },
          "Delete Permanently",
        );
        if (permanently !== "Delete Permanently") return;
        await vscode.workspace.fs.delete(folder, { recursive: true, useTrash: false });
      }
      ctx.model.remove(run.summary.runId);
      ctx.dashboard.removeRun(run.summary.runId);
    }),
  ];
}

function existsSync(uri: vscode.Uri): boolean {
  // validateInput is synchronous; the workspace is local (file scheme) for training anyway.
  try {
    return require("node:fs").existsSync(uri.fsPath) as boolean;
  } catch {
    return false;
  }
}
