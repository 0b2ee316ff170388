/**
 * "✨ Suggest reward" (code lens) / "RL Studio: Suggest Reward": the runtime writes and validates
 * candidates (`reward/suggest`, cancellable); the user picks one (components and rationale; the
 * rejected ones and why listed last), sees it as a diff against the file, and Apply edits the file.
 * The diff's right side is a virtual document (scheme `rl-studio-reward`): nothing is written
 * until the user accepts.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage, showWarningMessage } from "../notify.js";
import { SuggestRewardRequest, type RewardCandidateDto, type SuggestRewardResult } from "../../../protocol/src/reward-design.js";
import { errorText, type LlmFeature } from "./llm-feature.js";
import { applyCandidate, componentsLabel, suggestRewardParams, type OffsetRange } from "./reward-text.js";
import { withCancellableProgress } from "../cancellable-progress.js";
import { workspaceWriteError } from "../workspace-paths.js";

export const PREVIEW_SCHEME = "rl-studio-reward";

/** The experiment file a command targets: its argument (Uri or URI string, e.g. from the code lens) or the active editor. */
export function experimentUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string" && arg) return arg.includes("://") ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.fsPath.endsWith(".rl.ts") ? doc.uri : undefined;
}

/** Texts of the proposed files, served read-only to the diff editor. */
export class RewardPreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private counter = 0;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  add(file: vscode.Uri, text: string): vscode.Uri {
    // The same file name (…rl.ts) so that the preview gets TypeScript highlighting.
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: file.path, query: `proposal=${++this.counter}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  remove(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}

async function closeDiff(preview: vscode.Uri): Promise<void> {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === preview.toString()) await vscode.window.tabGroups.close(tab);
    }
  }
}

/**
 * Show `code` in place of `range` of the file as a diff, ask Apply / Cancel, and on Apply edit the
 * file (and save it: the runtime trains what is on disk). `expectedText` is the text `range`
 * refers to: a file that changed since is not edited (the offsets would be wrong). Only a file
 * inside the workspace is edited (`workspaceWriteError`); any other is refused, saying why.
 */
export async function previewAndApply(
  previews: RewardPreviews,
  file: vscode.Uri,
  expectedText: string,
  range: OffsetRange,
  code: string,
  label: string,
): Promise<boolean> {
  const refused = workspaceWriteError(file);
  if (refused) {
    void showErrorMessage(`RL Studio: the reward "${label}" was not applied: ${refused}.`);
    return false;
  }
  const proposed = applyCandidate(expectedText, range, code);
  const preview = previews.add(file, proposed);
  const name = path.basename(file.fsPath);
  try {
    await vscode.commands.executeCommand("vscode.diff", file, preview, `${name} ↔ reward: ${label}`, { preview: true });
    const pick = await showInformationMessage(`RL Studio: apply the reward "${label}" to ${name}?`, "Apply", "Cancel");
    if (pick !== "Apply") return false;
    const doc = await vscode.workspace.openTextDocument(file);
    if (doc.getText() !== expectedText) {
      void showWarningMessage(`RL Studio: ${name} changed since the reward was proposed; nothing was applied. Run Suggest Reward again.`);
      return false;
    }
    // The smallest edit: only the reward's span changes (undo and other edits stay meaningful).
    const tail = expectedText.length - range.end;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(file, new vscode.Range(doc.positionAt(range.start), doc.positionAt(range.end)), proposed.slice(range.start, proposed.length - tail));
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`the edit of ${name} was refused`);
    await doc.save();
    void showInformationMessage(`RL Studio: reward "${label}" applied to ${name}.`);
    return true;
  } finally {
    await closeDiff(preview);
    previews.remove(preview);
  }
}

interface CandidateItem extends vscode.QuickPickItem {
  candidate?: RewardCandidateDto;
}

function statsLine(c: RewardCandidateDto): string {
  const parts = Object.entries(c.sampleStats).map(([name, s]) => `${name} ∈ [${s.min.toFixed(2)}, ${s.max.toFixed(2)}] (mean ${s.mean.toFixed(2)})`);
  return parts.length > 0 ? `on sample transitions: ${parts.join(", ")}` : "";
}

/** The pick: candidates first; the rejected ones (not selectable) under a separator with their reasons. */
export function candidateItems(result: SuggestRewardResult): CandidateItem[] {
  const items: CandidateItem[] = result.candidates.map((c, i) => ({
    label: `$(sparkle) ${componentsLabel(c.components)}`,
    description: `#${i + 1}${c.repaired ? " · repaired once" : ""}`,
    detail: [c.rationale, statsLine(c)].filter(Boolean).join(" — "),
    candidate: c,
  }));
  if (result.rejected.length > 0) {
    items.push({ label: `Rejected (${result.rejected.length})`, kind: vscode.QuickPickItemKind.Separator });
    for (const r of result.rejected) {
      items.push({ label: `$(circle-slash) ${r.components ? componentsLabel(r.components) : "rejected"}`, detail: r.reason });
    }
  }
  return items;
}

function pickCandidate(result: SuggestRewardResult, title: string): Promise<RewardCandidateDto | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<CandidateItem>();
    qp.title = title;
    qp.placeholder = `${result.candidates.length} reward candidate${result.candidates.length === 1 ? "" : "s"} validated on sample transitions; pick one to preview it as a diff`;
    qp.items = candidateItems(result);
    qp.matchOnDetail = true;
    let chosen: RewardCandidateDto | undefined;
    qp.onDidAccept(() => {
      const c = qp.selectedItems[0]?.candidate;
      if (!c) return; // a rejected row: information only
      chosen = c;
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(chosen);
    });
    qp.show();
  });
}

/** "RL Studio: Suggest Reward" for the file `arg` (or the active one). */
export async function suggestReward(feature: LlmFeature, previews: RewardPreviews, arg: unknown): Promise<void> {
  const file = experimentUri(arg);
  if (!file) {
    void showWarningMessage("RL Studio: open an experiment file (*.rl.ts) to suggest a reward for it.");
    return;
  }
  // Suggesting compiles the experiment and steps its environment for sample transitions: its code runs.
  if (!feature.ctx.checkTrusted("suggestReward")) return;
  // Its Apply edits the file, so a file outside the workspace is refused before any candidate is written.
  const refused = workspaceWriteError(file);
  if (refused) {
    void showErrorMessage(`RL Studio: Suggest Reward suggests rewards only for experiment files inside the workspace: ${refused}.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(file);
  // The runtime compiles this text (unsaved edits included, nothing is saved behind the user's back)
  // and answers with offsets into it; Apply checks the document still holds it.
  const text = doc.getText();
  const params = suggestRewardParams({ fsPath: file.fsPath, text, isDirty: doc.isDirty });
  const name = path.basename(file.fsPath);
  let result: SuggestRewardResult | undefined;
  try {
    result = await withCancellableProgress(`RL Studio: suggesting rewards for ${name}`, async (progress, token) => {
      const sub = feature.onDidChangeState((s) => {
        if (s.state === "loading") progress.report({ message: "loading the model…" });
        else if (s.state === "ready") progress.report({ message: "writing and validating candidates…" });
      });
      try {
        const c = await feature.connection();
        return await c.sendRequest(SuggestRewardRequest.type, params, token);
      } finally {
        sub.dispose();
      }
    });
  } catch (err) {
    await feature.reportLlmError("Suggest Reward", err);
    return;
  }
  if (!result) return;
  const s = result.stats;
  feature.ctx.log.appendLine(
    `[llm] suggest ${name}: ${result.candidates.length} valid, ${result.rejected.length} rejected; ${s.generations} generation(s), ${s.generatedTokens} tokens in ${s.seconds.toFixed(1)} s (${s.tokensPerSecond.toFixed(1)} tokens/s)`,
  );
  for (const r of result.rejected) feature.ctx.log.appendLine(`[llm]   rejected: ${r.reason}`);
  if (result.candidates.length === 0) {
    const reasons = result.rejected.map((r) => r.reason);
    const short = (r: string) => (r.length > 160 ? `${r.slice(0, 160)}…` : r);
    const shown = reasons.slice(0, 2).map(short).join("; ") + (reasons.length > 2 ? `; … (${reasons.length - 2} more in the log)` : "");
    const pick = await showWarningMessage(
      `RL Studio: no valid reward candidate for ${name}${reasons.length > 0 ? ` (${reasons.length} rejected: ${shown})` : ""}.`,
      "Show Log",
    );
    if (pick) feature.ctx.log.show(true);
    return;
  }
  if (!result.rewardRange) {
    void showErrorMessage(`RL Studio: ${name} has no defineExperiment({ env, … }) object to put a reward in.`);
    return;
  }
  const candidate = await pickCandidate(result, `Suggested rewards for ${name}`);
  if (!candidate) return;
  try {
    await previewAndApply(previews, file, text, result.rewardRange, candidate.code, componentsLabel(candidate.components));
  } catch (err) {
    void showErrorMessage(`RL Studio: applying the reward failed: ${errorText(err)}`);
  }
}
