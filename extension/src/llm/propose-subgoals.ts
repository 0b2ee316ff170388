/**
 * "✨ Propose sub-goals" (code lens) / "RL Studio: Propose Sub-goals": the runtime asks the local
 * model for an ordered list of sub-goals and validates each in the sandbox (`subgoals/propose`,
 * cancellable); the user sees every proposed sub-goal with its verdict (reachable how often, or why
 * it was rejected), then the valid ones as a diff of the `subgoals` property, and Apply edits the
 * file — the same diff-and-apply as reward suggestions.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showWarningMessage } from "../notify.js";
import { ProposeSubgoalsRequest, type ProposeSubgoalsResult } from "../../../protocol/src/reward-design.js";
import { errorText, type LlmFeature } from "./llm-feature.js";
import { withCancellableProgress } from "../cancellable-progress.js";
import { experimentUri, previewAndApply, type RewardPreviews } from "./suggest-reward.js";

/** The verdict rows shown before the diff: valid ones first as they will be written, rejected ones with the reason. */
export function verdictItems(result: ProposeSubgoalsResult): vscode.QuickPickItem[] {
  return result.subgoals.map((s) => ({
    label: `${s.ok ? "$(check)" : "$(circle-slash)"} ${s.name}`,
    description: s.achieved,
    detail: [s.description, s.ok ? s.note : `${s.kind}: ${s.note}`].filter(Boolean).join(" — "),
  }));
}

/** "RL Studio: Propose Sub-goals" for the file `arg` (or the active one). */
export async function proposeSubgoals(feature: LlmFeature, previews: RewardPreviews, arg: unknown): Promise<void> {
  const file = experimentUri(arg);
  if (!file) {
    void showWarningMessage("RL Studio: open an experiment file (*.rl.ts) to propose sub-goals for it.");
    return;
  }
  // Validation compiles the experiment and steps its environment: its code runs.
  if (!feature.ctx.checkTrusted("proposeSubgoals")) return;
  const doc = await vscode.workspace.openTextDocument(file);
  const text = doc.getText();
  const name = path.basename(file.fsPath);
  let result: ProposeSubgoalsResult | undefined;
  try {
    result = await withCancellableProgress(`RL Studio: proposing sub-goals for ${name}`, async (progress, token) => {
      const sub = feature.onDidChangeState((s) => {
        if (s.state === "loading") progress.report({ message: "loading the model…" });
        else if (s.state === "ready") progress.report({ message: "writing and validating sub-goals…" });
      });
      try {
        const c = await feature.connection();
        return await c.sendRequest(ProposeSubgoalsRequest.type, { experimentPath: file.fsPath, ...(doc.isDirty ? { sourceText: text } : {}) }, token);
      } finally {
        sub.dispose();
      }
    });
  } catch (err) {
    await feature.reportLlmError("Propose Sub-goals", err);
    return;
  }
  if (!result) return;
  const s = result.stats;
  feature.ctx.log.appendLine(`[llm] propose sub-goals ${name}: ${result.subgoals.filter((g) => g.ok).length} of ${result.subgoals.length} valid; ${s.generatedTokens} tokens in ${s.seconds.toFixed(1)} s`);
  for (const g of result.subgoals) feature.ctx.log.appendLine(`[llm]   ${g.ok ? "ok" : g.kind} ${g.name}: ${g.achieved} (${g.note})`);
  if (result.malformed) feature.ctx.log.appendLine(`[llm]   unreadable answer: ${result.malformed}`);
  if (!result.snippet || !result.range) {
    const why = result.malformed ?? (result.range ? `${result.subgoals.length} proposed, none valid` : `${name} has no defineExperiment({ env, … }) object`);
    const pick = await showWarningMessage(`RL Studio: no sub-goals to propose for ${name} (${why}).`, "Show Log");
    if (pick) feature.ctx.log.show(true);
    return;
  }
  const picked = await vscode.window.showQuickPick([{ label: "$(diff) Preview the valid sub-goals as a diff", alwaysShow: true }, { label: "", kind: vscode.QuickPickItemKind.Separator }, ...verdictItems(result)], {
    title: `Proposed sub-goals for ${name}, in order`,
    placeHolder: "Each was tried on random-policy rollouts in the sandbox; pick the first row to preview",
    matchOnDetail: true,
  });
  if (!picked || !picked.label.startsWith("$(diff)")) return;
  const label = result.subgoals.filter((g) => g.ok).map((g) => g.name).join(" → ");
  try {
    await previewAndApply(previews, file, text, result.range, result.snippet, label, "sub-goals");
  } catch (err) {
    void showErrorMessage(`RL Studio: applying the sub-goals failed: ${errorText(err)}`);
  }
}
